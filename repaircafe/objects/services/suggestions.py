"""What the intake form offers before anyone types: the group's usual categories and brands.

Suggestions come from the group's own earlier records, most frequent first, so the buttons
and lists match what that café actually sees.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from repaircafe.models import Category, Item

_CATEGORY = Category.__table__  # type: ignore[attr-defined]

# What repair cafés see most (Restart/ORDS records): the order a new group starts with,
# and the tie-break once it has its own history.
COMMON = ("lamp", "small-kitchen-item", "kettle", "toaster", "vacuum", "clothing-textile",
          "portable-radio", "coffee-maker", "hair-dryer", "iron", "small-home-electrical",
          "laptop", "mobile", "headphones", "power-tool", "toy")


def categories_by_use(session: Session, *, group_id: int | None) -> list[tuple[str, str, int]]:
    """All categories as (slug, name, times used by the group), most used first, then by name."""
    used = (
        select(col(Item.category_id), func.count().label("n"))
        .where(col(Item.group_id) == group_id)
        .group_by(col(Item.category_id))
        .subquery()
    )
    rows = session.connection().execute(
        select(_CATEGORY.c.slug, _CATEGORY.c.name, func.coalesce(used.c.n, 0))
        .join(used, used.c.category_id == _CATEGORY.c.id, isouter=True)
        .order_by(func.coalesce(used.c.n, 0).desc(), _CATEGORY.c.sort_order, _CATEGORY.c.name)
    ).all()
    common = {slug: rank for rank, slug in enumerate(COMMON)}
    ordered = sorted(rows, key=lambda r: (-int(r[2]), common.get(r[0], len(common))))
    return [(slug, name, int(n)) for slug, name, n in ordered]


def brands(session: Session, *, group_id: int | None, limit: int = 300) -> list[str]:
    """Brands the group has recorded, most frequent first."""
    rows = session.connection().execute(
        select(col(Item.brand)).where(col(Item.group_id) == group_id, col(Item.brand) != "")
        .group_by(col(Item.brand)).order_by(func.count().desc(), col(Item.brand)).limit(limit)
    ).all()
    return [brand for (brand,) in rows]


def models(session: Session, *, group_id: int | None, brand: str, limit: int = 50) -> list[str]:
    """Models recorded for a brand (case-insensitive), most frequent first."""
    brand = brand.strip().lower()
    if not brand:
        return []
    rows = session.connection().execute(
        select(col(Item.model))
        .where(col(Item.group_id) == group_id, func.lower(Item.brand) == brand,
               col(Item.model) != "")
        .group_by(col(Item.model)).order_by(func.count().desc(), col(Item.model)).limit(limit)
    ).all()
    return [model for (model,) in rows]
