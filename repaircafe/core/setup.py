"""Reference data every database needs: the category list (ORDS v0.3 plus unpowered)."""

from __future__ import annotations

import csv
from importlib import resources

from sqlmodel import Session, select

from repaircafe.core.transactions import write_transaction
from repaircafe.models import Category


def category_rows() -> list[dict[str, str]]:
    text = resources.files("repaircafe").joinpath("data/categories.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def seed_reference_data(session: Session) -> int:
    """Add missing categories (and fix names/flags); returns how many were added."""
    added = 0
    with write_transaction(session):
        existing = {c.slug: c for c in session.exec(select(Category)).all()}
        for order, row in enumerate(category_rows()):
            category = existing.get(row["slug"]) or Category(slug=row["slug"], name=row["name"])
            if category.id is None:
                added += 1
            category.name = row["name"]
            category.ords_id = int(row["ords_id"]) if row["ords_id"] else None
            category.is_powered = row["powered"] == "true"
            category.sort_order = order
            session.add(category)
    return added
