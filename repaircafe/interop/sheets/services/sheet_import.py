"""Importing a café's own spreadsheet (CSV or XLSX): plan, dry run, import, error file.

Every data row ends up in exactly one place: created (with a note when a cell that is not
required could not be read and was left empty), already imported (same key as before), or
rejected with the reason. The import writes everything in one transaction or nothing, and
a second run of the same file creates nothing new: each row is known by the key column the
user picked (or by its content), stored as the object's source id.

Reading the file is in sheet_reading, planning the rows in sheet_planning, the column mapping
rules in sheet_mapping and the uploads waiting between the steps in sheet_uploads; this module
writes a planned import and keeps each group's mapping.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time

from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain.actors import Actor
from repaircafe.interop.sheets.services.sheet_mapping import ColumnMapping, guess_mapping
from repaircafe.interop.sheets.services.sheet_planning import (
    ImportReport,
    PlannedRow,
    plan_import,
    source_id,
    source_provider,
)
from repaircafe.interop.sheets.services.sheet_reading import Sheet
from repaircafe.models import Category, Item, RepairGroup, RepairSession, SheetMapping, Site
from repaircafe.reporting.services import impact as impact_service


def import_sheet(
    session: Session, sheet: Sheet, mapping: ColumnMapping, *, group_id: int, actor: Actor,
    now: datetime, dry_run: bool = False,
) -> ImportReport:
    """Plan the rows; unless it is a dry run, create them all in one transaction and keep the
    mapping for the group's next upload."""
    check_group(session, actor, group_id)
    report = plan_import(session, sheet, mapping, group_id=group_id, today=now.date())
    if dry_run:
        return report
    categories = {c.slug: c for c in session.exec(select(Category)).all()}
    provider = source_provider(group_id)
    with write_transaction(session):
        opened: dict[tuple[int, date], RepairSession] = {
            (s.site_id, s.held_on): s for s in session.exec(
                select(RepairSession).join(Site, col(Site.id) == col(RepairSession.site_id))
                .where(Site.group_id == group_id)).all()}
        for planned in report.planned:
            _create(session, planned, group_id, provider, categories, opened, actor, now)
        _save_mapping(session, group_id, mapping, actor, now)
    report.written = True
    return report


def _create(
    session: Session, planned: PlannedRow, group_id: int, provider: str,
    categories: dict[str, Category], opened: dict[tuple[int, date], RepairSession],
    actor: Actor, now: datetime,
) -> None:
    repair_session = opened.get((planned.site_id, planned.held_on))
    if repair_session is None:
        repair_session = RepairSession(site_id=planned.site_id, held_on=planned.held_on,
                                       title=planned.site, created_at=now)
        session.add(repair_session)
        session.flush()
        opened[(planned.site_id, planned.held_on)] = repair_session
    category = categories.get(planned.category) if planned.category else None
    at = datetime.combine(planned.held_on, time(12), UTC)
    item = Item(
        group_id=group_id, site_id=planned.site_id, category_id=category.id if category else None,
        brand=planned.brand, model=planned.model, problem=planned.problem,
        weight_kg=planned.weight_kg,
        weight_source="estimated" if planned.weight_kg is not None else None,
        partner_category=planned.own_category,
        product_age_years=planned.age_years, state="", current_session_id=repair_session.id,
        registered_at=at, updated_at=now, source_provider=provider,
        source_id=source_id(planned.key),
    )
    session.add(item)
    session.flush()
    digest = hashlib.sha256(f"{provider}:{planned.key}".encode()).hexdigest()[:40]
    ev.item_event(session, item, kind="registered",
                  payload={"code": None, "is_donor": False, "weight_kg": planned.weight_kg,
                           "source": provider},
                  actor=actor, now=now, key=f"sheet:{digest}:registered", occurred_at=at,
                  repair_session_id=repair_session.id)
    if planned.outcome is None:
        return
    event = ev.item_event(session, item, kind="repair_attempted",
                          payload={"outcome": planned.outcome, "barrier": planned.barrier,
                                   "minutes": None, "fixer": ""},
                          actor=actor, now=now, key=f"sheet:{digest}:repair", occurred_at=at,
                          repair_session_id=repair_session.id)
    session.flush()
    impact_service.record_repair_impact(session, item=item, event=event, now=now)


def check_group(session: Session, actor: Actor, group_id: int) -> RepairGroup:
    """The group, if the actor may import into it."""
    access.require(actor, "import_data")
    return access.load(session, RepairGroup, group_id, actor, write=True)


# --------------------------------------------------------------------------- mappings


def saved_mapping(session: Session, *, group_id: int) -> ColumnMapping | None:
    """The mapping the group used last time, if any."""
    row = session.exec(select(SheetMapping).where(SheetMapping.group_id == group_id)).first()
    return ColumnMapping.from_dict(row.mapping) if row else None


def _save_mapping(session: Session, group_id: int, mapping: ColumnMapping, actor: Actor,
                  now: datetime) -> None:
    row = session.exec(select(SheetMapping).where(SheetMapping.group_id == group_id)).first()
    row = row or SheetMapping(group_id=group_id)
    row.mapping, row.updated_by_id, row.updated_at = mapping.as_dict(), actor.id, now
    session.add(row)


def mapping_for(session: Session, sheet: Sheet, *, group_id: int) -> ColumnMapping:
    """The group's saved mapping where it fits this file, else a guess from the headers."""
    guessed = guess_mapping(sheet.headers, [r for _, r in sheet.rows])
    saved = saved_mapping(session, group_id=group_id)
    if saved is None:
        return guessed
    fitted = saved.fitted_to(sheet.headers)
    for name, header in guessed.columns.items():
        if name not in fitted.columns and header not in fitted.columns.values():
            fitted.columns[name] = header
    return fitted
