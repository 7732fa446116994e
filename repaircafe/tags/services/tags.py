"""Tags: issuing fresh codes, claiming blank labels, resolving a scan, and the scan log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repaircafe.core.transactions import write_transaction
from repaircafe.domain import codes
from repaircafe.domain.errors import CheckCharacterError, CodeError, KeyReused, NotFound, Refused
from repaircafe.models import ScanLog, Tag

# Only the columns a resolution needs: every scan runs it.
_TAG_BY_CODE = core_select(col(Tag.id), col(Tag.status), col(Tag.item_id), col(Tag.part_id),
                           col(Tag.bin_id)).where(col(Tag.code) == bindparam("code"))
# One Core INSERT per scan: the log row is never read back in the request that writes it.
_LOG_SCAN = insert(ScanLog.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Resolution:
    """What a scanned or typed code leads to.

    `result` is one of: item, part, bin (a linked tag), blank (issued, unclaimed), retired
    (a replaced label: item_id/part_id say whose), typo (check character fails), unknown (a
    well-formed code we never issued), invalid (not a code at all). `problem` is the refusal
    behind a typo, unknown or invalid result, for showing `message` in the reader's language.
    """

    result: str
    code: str | None = None
    message: str = ""
    problem: Refused | None = None
    tag_id: int | None = None
    item_id: int | None = None
    part_id: int | None = None
    bin_id: int | None = None


def new_tags(session: Session, *, count: int, group_id: int | None, now: datetime) -> list[Tag]:
    """Add `count` fresh issued tags to the session (the caller commits)."""
    tags = [Tag(code=codes.new_code(), status="issued", kind="blank", group_id=group_id,
                issued_at=now) for _ in range(count)]
    session.add_all(tags)
    return tags


def issue_tags(session: Session, *, count: int, group_id: int | None, now: datetime) -> list[Tag]:
    """Issue fresh codes for a sheet or roll of blank labels."""
    if count < 1 or count > 5000:
        raise Refused("Choose between 1 and 5,000 labels.")
    for _attempt in range(3):
        try:
            with write_transaction(session):
                tags = new_tags(session, count=count, group_id=group_id, now=now)
            return tags
        except IntegrityError:  # a 40-bit collision: vanishingly rare, simply draw again
            continue
    raise Refused("Could not issue unique codes; please try again.")


def tag_by_code(session: Session, code: str) -> Tag | None:
    return session.exec(select(Tag).where(Tag.code == code)).one_or_none()


def claimable_tag(session: Session, text: str, *, for_update: bool = True) -> Tag:
    """The blank tag a volunteer wants to stick on something, or a Refused saying why not."""
    code = codes.parse(text)
    query = select(Tag).where(Tag.code == code)
    if for_update:
        query = query.with_for_update()
    tag = session.exec(query).one_or_none()
    if tag is None:
        raise NotFound("Label %(code)s was never issued by this system.",
                       code=codes.display(code))
    if tag.status != "issued":
        raise Refused("Label %(code)s is already in use; take a fresh label.",
                      code=codes.display(code))
    return tag


def resolve(session: Session, text: str) -> Resolution:
    """Read a label URL or a code in any form and say what it points at."""
    parsed = parse_scanned(text)
    if isinstance(parsed, Resolution):
        return parsed
    row = session.connection().execute(_TAG_BY_CODE, {"code": parsed}).first()
    return describe(parsed, None if row is None else tuple(row))  # type: ignore[arg-type]


def parse_scanned(text: str) -> str | Resolution:
    """The code in a scanned or typed text, or the resolution that says why there is none.

    A wrong check character is reported as a typo, not as unknown: the two need different
    advice at the table.
    """
    try:
        return codes.parse(text)
    except CheckCharacterError as exc:
        return Resolution("typo", codes.normalise(codes.extract(text))[:16], exc.message, exc)
    except CodeError as exc:
        return Resolution("invalid", None, exc.message, exc)


def describe(code: str, tag: tuple[int, str, int | None, int | None, int | None] | None,
             ) -> Resolution:
    """What a code leads to, from its tag row (id, status, item, part, bin) or its absence."""
    if tag is None:
        problem = NotFound("Label %(code)s was never issued by this system.",
                           code=codes.display(code))
        return Resolution("unknown", code, problem.message, problem)
    tag_id, status, item_id, part_id, bin_id = tag
    if status == "issued":
        result, message = "blank", "This label is not attached to anything yet."
    elif status == "retired":
        result, message = "retired", "This label was replaced by a new one."
    else:
        result, message = "item" if item_id else "part" if part_id else "bin", ""
    return Resolution(result, code, message, tag_id=tag_id, item_id=item_id, part_id=part_id,
                      bin_id=bin_id)


def log_scan(
    session: Session,
    *,
    raw: str,
    resolution: Resolution,
    user_id: int | None,
    channel: str,
    now: datetime,
    key: str | None = None,
) -> None:
    """Record a lookup, unknown and mistyped codes included.

    With a key, a retried request (same key, same code, same user) finds the scan it logged
    the first time and logs nothing more; a key reused for another scan is refused.
    On PostgreSQL the commit does not wait for the disk: a log row lost in a server crash
    costs nothing, while waiting for it would slow every scan at the table.
    """
    if key is not None and _scan_by_key(session, key, raw=raw, user_id=user_id) is not None:
        return
    row = dict(raw=raw[:300], code=resolution.code, result=resolution.result,
               tag_id=resolution.tag_id, user_id=user_id, channel=channel, scanned_at=now,
               idempotency_key=key)
    try:
        with write_transaction(session):
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            connection.execute(_LOG_SCAN, row)
    except IntegrityError:
        # the same key, logged by a retry that ran at the same time
        if key is None or _scan_by_key(session, key, raw=raw, user_id=user_id) is None:
            raise


def _scan_by_key(session: Session, key: str, *, raw: str, user_id: int | None) -> ScanLog | None:
    first = session.exec(select(ScanLog).where(ScanLog.idempotency_key == key)).one_or_none()
    if first is not None and (first.raw != raw[:300] or first.user_id != user_id):
        raise KeyReused("This request key was already used for another scan; use a new key.")
    return first


def current_tag(session: Session, *, item_id: int | None = None, part_id: int | None = None,
                bin_id: int | None = None) -> Tag | None:
    """The linked tag of an object, part or bin."""
    query = select(Tag).where(Tag.status == "linked")
    if item_id is not None:
        query = query.where(Tag.item_id == item_id)
    elif part_id is not None:
        query = query.where(Tag.part_id == part_id)
    else:
        query = query.where(Tag.bin_id == bin_id)
    return session.exec(query.order_by(Tag.id.desc())).first()  # type: ignore[union-attr]
