""""Still working?" questions sent to owners months after a repair, and their answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now

FOLLOW_UP_STATUSES = ("pending", "sending", "sent", "answered", "stopped")


class FollowUp(SQLModel, table=True):
    """One question due some months after a hand-over; the mail is claimed before it is sent."""

    __tablename__ = "follow_up"
    __table_args__ = (UniqueConstraint("handover_event_id", "months"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True, ondelete="RESTRICT")
    owner_id: int | None = Field(default=None, foreign_key="owner.id", ondelete="SET NULL")
    handover_event_id: int = Field(foreign_key="lifecycle_event.id", ondelete="RESTRICT")
    months: int
    due_on: date = Field(index=True)
    status: str = Field(default="pending", max_length=10, index=True)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    answer_event_id: int | None = Field(
        default=None, foreign_key="lifecycle_event.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
