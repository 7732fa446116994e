"""Photos taken at intake or at the bench, kept as evidence of an object's state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now


class Photo(SQLModel, table=True):
    """One resized photo on disk under the instance folder; private unless marked public."""

    __tablename__ = "photo"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True, ondelete="RESTRICT")
    group_id: int = Field(foreign_key="repair_group.id", index=True, ondelete="RESTRICT")
    event_id: int | None = Field(
        default=None, foreign_key="lifecycle_event.id", index=True, ondelete="SET NULL"
    )
    filename: str = Field(unique=True, max_length=80)
    content_type: str = Field(default="image/jpeg", max_length=40)
    width: int = 0
    height: int = 0
    size_bytes: int = 0
    caption: str = Field(default="", max_length=300)
    is_public: bool = False
    uploaded_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
    removed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
