"""Print batches: fresh blank codes issued once per request key, reprints of existing labels,
and how a stored batch prints again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import KeyReused, Refused
from repaircafe.models import LabelBatch, Site, Tag
from repaircafe.tags.services import tags as tag_service
from repaircafe.tags.services.layouts import Calibration, find_layout

MAX_BATCH = 5000


def _store_batch(
    session: Session, *, kind: str, actor: Actor, group_id: int | None, how: Calibration,
    tag_ids: list[int], now: datetime, key: str,
) -> LabelBatch:
    batch = LabelBatch(
        kind=kind, group_id=group_id, created_by_id=actor.id, layout=how.layout.name,
        start_at=how.start_at, printer_profile_id=how.profile.id if how.profile else None,
        offset_x_mm=how.offset_mm[0], offset_y_mm=how.offset_mm[1], scale=how.scale,
        tag_ids=tag_ids, idempotency_key=key, created_at=now,
    )
    session.add(batch)
    return batch


def _batch_by_key(session: Session, key: str, kind: str) -> LabelBatch | None:
    batch = session.exec(select(LabelBatch).where(LabelBatch.idempotency_key == key)).one_or_none()
    if batch is not None and batch.kind != kind:
        raise KeyReused("This request key was already used for another action; reload the page.")
    return batch


def issue_blank_batch(
    session: Session,
    *,
    actor: Actor,
    count: int,
    how: Calibration,
    now: datetime,
    key: str,
) -> LabelBatch:
    """Issue ``count`` fresh codes for blank labels, once per key, and remember them as a batch.

    The codes belong to the actor's group, or to the printer's site's group when an
    administrator prints. A repeated request with the same key returns the first batch.
    """
    if not 1 <= count <= MAX_BATCH:
        raise Refused("Choose between 1 and %(limit)s labels.", limit=f"{MAX_BATCH:,}")
    previous = _batch_by_key(session, key, "blank")
    if previous is not None:
        return previous
    group_id = actor.group_id
    if group_id is None and how.profile is not None:
        site = session.get(Site, how.profile.site_id)
        group_id = site.group_id if site else None
    for _attempt in range(3):
        try:
            with write_transaction(session):
                tags = tag_service.new_tags(session, count=count, group_id=group_id, now=now)
                session.flush()
                batch = _store_batch(
                    session, kind="blank", actor=actor, group_id=group_id, how=how,
                    tag_ids=[t.id for t in tags if t.id is not None], now=now, key=key,
                )
            return batch
        except IntegrityError:
            previous = _batch_by_key(session, key, "blank")
            if previous is not None:
                return previous
    raise Refused("Could not issue unique codes; please try again.")


def reprint_batch(
    session: Session,
    *,
    actor: Actor,
    tags: Sequence[Tag],
    how: Calibration,
    now: datetime,
    key: str,
) -> LabelBatch:
    """Remember a reprint of existing labels (no code changes), once per key."""
    if not tags:
        raise Refused("Nothing to print: give codes, a café session or bins.")
    if len(tags) > MAX_BATCH:
        raise Refused("Print at most %(limit)s labels at once.", limit=f"{MAX_BATCH:,}")
    previous = _batch_by_key(session, key, "reprint")
    if previous is not None:
        return previous
    try:
        with write_transaction(session):
            batch = _store_batch(
                session, kind="reprint", actor=actor, group_id=actor.group_id, how=how,
                tag_ids=[t.id for t in tags if t.id is not None], now=now, key=key,
            )
        return batch
    except IntegrityError:
        previous = _batch_by_key(session, key, "reprint")
        if previous is None:
            raise
        return previous


def batch_for(session: Session, *, actor: Actor, batch_id: int) -> LabelBatch:
    """A batch the actor's group made (administrators see every batch)."""
    return access.load(session, LabelBatch, batch_id, actor, write=True)


def batch_tags(session: Session, batch: LabelBatch) -> list[Tag]:
    """The batch's tags in the order they were printed."""
    rows = session.exec(select(Tag).where(col(Tag.id).in_(batch.tag_ids))).all()
    by_id = {t.id: t for t in rows}
    return [by_id[i] for i in batch.tag_ids if i in by_id]


def batch_calibration(batch: LabelBatch, extra_dirs: Iterable[str | Path] = ()) -> Calibration:
    """How a batch prints, as it was chosen when the batch was made."""
    return Calibration(
        find_layout(batch.layout, extra_dirs), batch.start_at,
        (batch.offset_x_mm, batch.offset_y_mm), batch.scale,
    )
