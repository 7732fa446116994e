"""Report rollups: small tables kept current from the append-only events, so a report's cost does
not grow with history. They hold nothing that cannot be rebuilt from the events (sentinel 0 means
"none" for site, category and barrier, so the keys stay unique without NULLs)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now


class ReportVisit(SQLModel, table=True):
    """One visit of an object (its `registered` or `checked_in` event) and where it ended up.

    A visit counts once, under the month and site it was received at, with the outcome of its
    latest repair attempt (unknown until one is recorded) and the impact stored for that attempt.
    It is back in use when fixed, or when refurbished and handed over with a credit; that
    credit adds to the visit's impact once, never on top of a repair credit.
    """

    __tablename__ = "report_visit"
    __table_args__ = (Index("ix_report_visit_month", "month", "site_id"),)

    event_id: int = Field(primary_key=True)
    item_id: int = Field(index=True)
    occurred_on: date
    month: str = Field(max_length=7)
    group_id: int
    site_id: int
    category_id: int
    outcome: str = Field(max_length=20)
    barrier: int = 0
    attempt_event_id: int = 0
    has_weight: bool = False
    waste_prevented_kg: float = 0.0
    co2e_avoided_kg: float = 0.0
    co2e_avoided_conservative_kg: float = 0.0
    back_in_use_objects: int = 0
    back_in_use_kg: float = 0.0


class ReportRollup(SQLModel, table=True):
    """Visits summed per month x site x category x outcome x barrier (central factor set)."""

    __tablename__ = "report_rollup"
    __table_args__ = (
        UniqueConstraint("month", "group_id", "site_id", "category_id", "outcome", "barrier"),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    group_id: int
    site_id: int
    category_id: int
    outcome: str = Field(max_length=20)
    barrier: int = 0
    objects: int = 0
    objects_with_weight: int = 0
    waste_prevented_kg: float = 0.0
    co2e_avoided_kg: float = 0.0
    co2e_avoided_conservative_kg: float = 0.0
    back_in_use_objects: int = 0
    back_in_use_kg: float = 0.0


class ReportFlow(SQLModel, table=True):
    """Parts harvested and reused, and kilograms recycled by material, per month and site."""

    __tablename__ = "report_flow"
    __table_args__ = (UniqueConstraint("month", "group_id", "site_id", "flow", "material"),)

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    group_id: int
    site_id: int
    flow: str = Field(max_length=20)  # harvested / installed / recycled
    material: str = Field(default="", max_length=30)
    count: int = 0
    kg: float = 0.0
    co2e_kg: float = 0.0
    co2e_low_kg: float = 0.0


class ReportRollupState(SQLModel, table=True):
    """The fold's lock row: one fold at a time holds it. `last_event_id` is the highest event id
    folded so far; an event queued below it committed late and is folded in its object's order.
    """

    __tablename__ = "report_rollup_state"

    id: int = Field(default=1, primary_key=True)
    last_event_id: int = 0
    folded_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))


class ReportFoldQueue(SQLModel, table=True):
    """Events not yet folded into the rollup, one row per event.

    A database trigger writes the row in the transaction that writes the event (every writer,
    bulk importers included), so an event is folded exactly once however late it commits.
    The trigger lives in migration 5c1f0a7e2b9d: a later migration that copies `lifecycle_event`
    into a new table (SQLite batch mode) must create it again.
    """

    __tablename__ = "report_fold_queue"

    event_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
