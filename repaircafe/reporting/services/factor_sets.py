"""Factor sets: the ones shipped in the package, and the ones an admin adds from a CSV file.

A set is never edited: a changed number is a new version, and every stored figure names the
set and version it was computed with (design.md section 6).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from repaircafe.core.transactions import write_transaction
from repaircafe.domain import factor_sets as factor_set_files
from repaircafe.domain import permissions
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.models import FactorSet
from repaircafe.reporting.services import impact as impact_service

MAX_CSV_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class FactorSetInfo:
    name: str
    version: str
    displacement: float
    weight_policy: str
    description: str
    categories: int
    origin: str  # shipped / added
    added_at: datetime | None = None
    is_central: bool = False
    is_conservative: bool = False


def _info(fs: factor_set_files.FactorSet, origin: str, added_at: datetime | None = None
          ) -> FactorSetInfo:
    return FactorSetInfo(fs.name, fs.version, fs.displacement, fs.weight_policy, fs.description,
                         len(fs.categories), origin, added_at,
                         fs.name == impact_service.CENTRAL_SET,
                         fs.name == impact_service.CONSERVATIVE_SET)


def _rows_to_csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(factor_set_files.SET_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in factor_set_files.SET_COLUMNS})
    return buf.getvalue()


def list_factor_sets(session: Session) -> list[FactorSetInfo]:
    """Shipped sets first, then added ones (newest version last)."""
    shipped = [_info(impact_service.factor_set(n), "shipped")
               for n in factor_set_files.available_factor_sets()]
    added = [
        _info(factor_set_files.parse_factor_set_csv(_rows_to_csv(row.rows)), "added", row.created_at)
        for row in session.exec(select(FactorSet).order_by(col(FactorSet.name),
                                                           col(FactorSet.id))).all()
    ]
    return shipped + added


def _stored(session: Session, name: str) -> FactorSet | None:
    return session.exec(
        select(FactorSet).where(FactorSet.name == name).order_by(col(FactorSet.id).desc())
    ).first()


def get_factor_set(session: Session, name: str) -> factor_set_files.FactorSet:
    """A shipped set by name, else the latest added version of that name."""
    if name in factor_set_files.available_factor_sets():
        return impact_service.factor_set(name)
    row = _stored(session, name)
    if row is None:
        known = ", ".join(i.name for i in list_factor_sets(session))
        raise NotFound("No factor set named “%(name)s”; known: %(known)s.", name=name, known=known)
    return factor_set_files.parse_factor_set_csv(_rows_to_csv(row.rows))


def factor_set_csv(session: Session, name: str) -> str:
    """The set as the CSV it was shipped or added as (every row with its source)."""
    if name in factor_set_files.available_factor_sets():
        return (factor_set_files.FACTORS_DIR / f"{name}.csv").read_text(encoding="utf-8")
    row = _stored(session, name)
    if row is None:
        raise NotFound("No factor set named “%(name)s”.", name=name)
    return _rows_to_csv(row.rows)


def add_factor_set(session: Session, *, csv_text: str, actor: Actor, now: datetime) -> FactorSet:
    """Validate an uploaded CSV and store it as a new set (or a new version of an added set).

    Re-sending the same file is harmless: an identical stored version is returned as it is.
    """
    if not permissions.can(actor.role, "manage_factors"):
        raise Refused("Only an administrator can add factor sets.")
    if len(csv_text.encode("utf-8")) > MAX_CSV_BYTES:
        raise Refused("This file is too large for a factor set (2 MB at most).")
    parsed = factor_set_files.parse_factor_set_csv(csv_text)
    if parsed.name in factor_set_files.available_factor_sets():
        raise Refused("“%(name)s” is a set shipped with the application; give yours "
                      "another name.", name=parsed.name)
    text = csv_text[1:] if csv_text.startswith("\ufeff") else csv_text
    rows = [{k: (v or "").strip() for k, v in r.items() if k in factor_set_files.SET_COLUMNS}
            for r in csv.DictReader(io.StringIO(text))]
    rows = [r for r in rows if r.get("kind") or r.get("key")]
    with write_transaction(session):
        existing = session.exec(select(FactorSet).where(
            FactorSet.name == parsed.name, FactorSet.version == parsed.version)).first()
        if existing is not None:
            if existing.rows == rows:
                return existing
            raise Refused("Version %(version)s of “%(name)s” already exists with "
                          "other numbers; raise the version in the file.",
                          version=parsed.version, name=parsed.name)
        row = FactorSet(name=parsed.name, version=parsed.version,
                        displacement=parsed.displacement,
                        source="; ".join(parsed.sources)[:500], rows=rows, created_at=now)
        session.add(row)
    return row
