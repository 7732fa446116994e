"""Append-only facts: lifecycle events, the scan log and the impact computed per event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now

EVENT_KINDS = (
    "registered",
    "checked_in",
    "diagnosed",
    "repair_attempted",
    "part_installed",
    "part_removed",
    "parts_harvested",
    "refurbished",
    "handed_over",
    "returned",
    "recycled",
    "note",
    "correction",
    "tag_replaced",
    "photo_added",
    "follow_up_answered",
    # events that only parts have
    "harvested",
    "installed",
    "removed",
    "moved",
    "written_off",
)


class LifecycleEvent(SQLModel, table=True):
    """One fact about an object or a part. Never updated; a `correction` points at a mistake."""

    __tablename__ = "lifecycle_event"
    __table_args__ = (Index("ix_lifecycle_event_item_id_id", "item_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int | None = Field(default=None, foreign_key="item.id", ondelete="RESTRICT")
    part_id: int | None = Field(
        default=None, foreign_key="part.id", index=True, ondelete="RESTRICT"
    )
    kind: str = Field(max_length=30, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    public_note: str = Field(default="", max_length=2000)
    internal_note: str = Field(default="", max_length=4000)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    actor_name: str = Field(default="", max_length=120)
    repair_session_id: int | None = Field(
        default=None, foreign_key="repair_session.id", index=True, ondelete="RESTRICT"
    )
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    recorded_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )
    idempotency_key: str = Field(unique=True, max_length=120)
    corrects_id: int | None = Field(
        default=None, foreign_key="lifecycle_event.id", ondelete="RESTRICT"
    )


class ScanLog(SQLModel, table=True):
    """Every lookup of a code, unknown ones included: how label and scanner problems show up."""

    __tablename__ = "scan_log"
    # Each scan writes its row and these indexes, so there are only the two that reads need:
    # a user's latest scans (the scan page), and retried API scans found by their key (most
    # scans carry none, and a partial index skips them).
    __table_args__ = (
        Index("ix_scan_log_user_id_id", "user_id", "id"),
        Index("uq_scan_log_idempotency_key", "idempotency_key", unique=True,
              sqlite_where=text("idempotency_key IS NOT NULL"),
              postgresql_where=text("idempotency_key IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    raw: str = Field(max_length=300)
    code: str | None = Field(default=None, max_length=16)
    result: str = Field(max_length=30)
    tag_id: int | None = Field(default=None, foreign_key="tag.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    channel: str = Field(default="staff", max_length=20)
    scanned_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
    # The client's key for this scan: a retried request finds its first scan instead of a second.
    idempotency_key: str | None = Field(default=None, max_length=100)


class ImpactRecord(SQLModel, table=True):
    """Savings computed when an event was recorded, frozen with the factor set used then."""

    __tablename__ = "impact_record"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="lifecycle_event.id", index=True, ondelete="RESTRICT")
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    part_id: int | None = Field(default=None, foreign_key="part.id", index=True)
    kind: str = Field(max_length=20)
    factor_set: str = Field(max_length=60)
    factor_version: str = Field(max_length=20)
    weight_kg: float = 0.0
    weight_source: str | None = Field(default=None, max_length=20)
    waste_prevented_kg: float = 0.0
    co2e_avoided_kg: float = 0.0
    co2e_avoided_conservative_kg: float = 0.0
    material: str | None = Field(default=None, max_length=30)
    is_void: bool = False
    computed_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
