"""Recycling batches: collecting recycled objects for one recycler, closing them with the
recycler's weight ticket, and the transfer note that goes with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import codes, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.models import (
    Item,
    Part,
    Recycler,
    RecyclingBatch,
    RecyclingLine,
    RecyclingRecord,
    RepairGroup,
    Site,
)
from repaircafe.recycling.services.recycling import (
    WEEE_CATEGORIES,
    category_of,
    code_for,
    material_label,
)
from reports.transfer_note import TransferLine, TransferNote, render_transfer_note


@dataclass(frozen=True)
class RecordRow:
    id: int
    code: str | None
    description: str
    category: str
    weee_category: int | None
    materials_kg: dict[str, float]
    kg: float
    is_estimated: bool
    recycled_at: datetime
    recycler_id: int
    batch_id: int | None


def _rows(session: Session, records: list[RecyclingRecord]) -> list[RecordRow]:
    rows = []
    for record in records:
        lines = session.exec(select(RecyclingLine).where(RecyclingLine.record_id == record.id)
                             .order_by(col(RecyclingLine.kg).desc())).all()
        part = session.get(Part, record.part_id) if record.part_id else None
        item = session.get(Item, record.item_id) if record.item_id else None
        category = category_of(session, item.category_id if item else None)
        if part is not None:
            description = f"{part.name} (part)"
        else:
            description = " ".join(x for x in (item.brand, item.model) if x) if item else ""
        rows.append(RecordRow(
            record.id or 0, code_for(session, record),
            description or (category.name if category else "Object"),
            category.name if category else "", record.weee_category,
            {line.material: line.kg for line in lines}, record.total_kg, record.is_estimated,
            record.recycled_at, record.recycler_id, record.batch_id))
    return rows


def unbatched(session: Session, *, actor: Actor, recycler_id: int | None = None) -> list[RecordRow]:
    """Recycled objects and parts still waiting to leave in a batch."""
    stmt = select(RecyclingRecord).where(col(RecyclingRecord.batch_id).is_(None),
                                         access.scope_filter(actor, RecyclingRecord))
    if recycler_id is not None:
        stmt = stmt.where(RecyclingRecord.recycler_id == recycler_id)
    return _rows(session, list(session.exec(stmt.order_by(col(RecyclingRecord.id)))))


def _locked_batch(session: Session, batch_id: int, actor: Actor) -> RecyclingBatch:
    return access.load(session, RecyclingBatch, batch_id, actor, write=True, lock=True)


def open_batch(session: Session, *, recycler_id: int, group_id: int | None, actor: Actor,
               now: datetime) -> RecyclingBatch:
    """A new collection for one recycler, filled as objects are recycled."""
    group_id = access.group_for_write(session, actor, group_id)
    with write_transaction(session):
        recycler = session.get(Recycler, recycler_id)
        if recycler is None:
            raise Refused("Choose the recycler the batch goes to.")
        if not session.exec(select(Site.id).where(
                Site.group_id == group_id, Site.territory_id == recycler.territory_id)).first():
            raise Refused("%(recycler)s does not serve any of the group's sites.",
                          recycler=recycler.name)
        batch = RecyclingBatch(recycler_id=recycler_id, group_id=group_id, opened_at=now)
        session.add(batch)
    return batch


def add_to_batch(session: Session, *, batch_id: int, record_ids: list[int],
                 actor: Actor) -> int:
    """Put recycled objects in an open batch; all of them go, or none."""
    if not record_ids:
        raise Refused("Tick the objects that go in this batch.")
    with write_transaction(session):
        batch = _locked_batch(session, batch_id, actor)
        if batch.closed_at is not None:
            raise Refused("That batch is closed: open a new one.")
        records = session.exec(select(RecyclingRecord)
                               .where(col(RecyclingRecord.id).in_(record_ids))).all()
        if len(records) != len(set(record_ids)):
            raise NotFound("Some of those recycled objects do not exist.")
        for record in records:
            if record.group_id != batch.group_id:
                raise NotFound("Some of those recycled objects belong to another group.")
            if record.recycler_id != batch.recycler_id:
                raise Refused("An object recycled for another recycler cannot go in this batch.")
            if record.batch_id not in (None, batch.id):
                raise Refused("An object is already in another batch.")
            record.batch_id = batch.id
            session.add(record)
    return len(records)


def close_batch(session: Session, *, batch_id: int, weight_ticket: str,
                ticket_kg: str | float | None, actor: Actor, now: datetime) -> RecyclingBatch:
    """The recycler has weighed the batch: record the ticket and freeze the batch."""
    ticket = values.clean_text(weight_ticket, limit=120, field=N_("Weight ticket"))
    if not ticket:
        raise Refused("Enter the number of the recycler's weight ticket.")
    kg = values.parse_weight(ticket_kg) if ticket_kg not in (None, "") else None
    with write_transaction(session):
        batch = _locked_batch(session, batch_id, actor)
        if batch.closed_at is not None:
            if batch.weight_ticket == ticket:
                return batch
            raise Refused("That batch is already closed.")
        count = len(session.exec(select(RecyclingRecord.id)
                                 .where(RecyclingRecord.batch_id == batch.id)).all())
        if not count:
            raise Refused("The batch is empty: add recycled objects before closing it.")
        batch.weight_ticket, batch.ticket_kg, batch.closed_at = ticket, kg, now
        session.add(batch)
    return batch


@dataclass(frozen=True)
class BatchRow:
    batch: RecyclingBatch
    number: str
    recycler: str
    count: int
    kg: float


def batch_number(batch: RecyclingBatch) -> str:
    return f"RB-{batch.id:05d}"


def batches(session: Session, *, actor: Actor) -> list[BatchRow]:
    """Open batches first, then closed ones, newest first."""
    stmt = select(RecyclingBatch, Recycler.name).join(
        Recycler, col(Recycler.id) == RecyclingBatch.recycler_id)
    stmt = stmt.where(access.scope_filter(actor, RecyclingBatch))
    result = []
    for batch, name in session.exec(stmt.order_by(col(RecyclingBatch.id).desc())):
        totals = session.exec(select(RecyclingRecord.total_kg)
                              .where(RecyclingRecord.batch_id == batch.id)).all()
        result.append(BatchRow(batch, batch_number(batch), name, len(totals), sum(totals)))
    return sorted(result, key=lambda r: r.batch.closed_at is not None)


@dataclass(frozen=True)
class BatchDetail:
    batch: RecyclingBatch
    number: str
    recycler: Recycler
    rows: list[RecordRow]
    by_material: list[tuple[str, float]]
    kg: float


def batch_detail(session: Session, *, batch_id: int, actor: Actor) -> BatchDetail:
    batch = access.load(session, RecyclingBatch, batch_id, actor)
    recycler = session.get(Recycler, batch.recycler_id)
    assert recycler is not None
    records = session.exec(select(RecyclingRecord).where(RecyclingRecord.batch_id == batch.id)
                           .order_by(col(RecyclingRecord.id))).all()
    rows = _rows(session, list(records))
    totals: dict[str, float] = {}
    for row in rows:
        for material, kg in row.materials_kg.items():
            totals[material] = totals.get(material, 0.0) + kg
    return BatchDetail(batch, batch_number(batch), recycler, rows,
                       sorted(totals.items(), key=lambda kv: -kv[1]),
                       round(sum(r.kg for r in rows), 3))


def _address(site: Site | None) -> str:
    if site is None:
        return ""
    if site.address.startswith(site.name):
        return site.address
    return ", ".join(x for x in (site.name, site.address) if x)


def transfer_note(session: Session, *, batch_id: int, actor: Actor, base_url: str) -> bytes:
    """The batch's transfer note as a PDF, one line per recycled object or part."""
    detail = batch_detail(session, batch_id=batch_id, actor=actor)
    group = session.get(RepairGroup, detail.batch.group_id)
    site = session.exec(select(Site).where(Site.group_id == detail.batch.group_id)
                        .order_by(col(Site.id))).first()
    lines = tuple(
        TransferLine(
            code=row.code or "", display_code=codes.display(row.code) if row.code else "-",
            description=row.description, category=row.category,
            weee_category=row.weee_category,
            materials_kg=tuple((material_label(m), kg) for m, kg in
                               sorted(row.materials_kg.items(), key=lambda kv: -kv[1])),
            kg=row.kg, is_estimated=row.is_estimated,
        )
        for row in detail.rows
    )
    note = TransferNote(
        number=detail.number, sender=group.name if group else "",
        sender_address=_address(site),
        recycler=detail.recycler.name, permit_number=detail.recycler.permit_number,
        opened_on=detail.batch.opened_at.date(),
        closed_on=detail.batch.closed_at.date() if detail.batch.closed_at else None,
        weight_ticket=detail.batch.weight_ticket, ticket_kg=detail.batch.ticket_kg,
        base_url=base_url, lines=lines, weee_names=dict(WEEE_CATEGORIES),
    )
    return render_transfer_note(note)
