"""Where recycled mass went: one record per recycled object or part, one line per material."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now

MATERIALS = (
    "steel",
    "aluminium",
    "copper",
    "plastics",
    "glass",
    "circuit_boards",
    "batteries",
    "wood",
    "textiles",
    "other",
)
"""Materials a recycled mass is split into (keys of factors/materials.csv)."""


class RecyclingRecord(SQLModel, table=True):
    """The `recycled` event of an object or a part, with its recycler and (later) its batch.

    ``item_id`` is the recycled object, or for a part the donor it came from, so a donor's
    mass balance and a group's scope both follow from this one column.
    """

    __tablename__ = "recycling_record"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="lifecycle_event.id", unique=True, ondelete="RESTRICT")
    group_id: int = Field(foreign_key="repair_group.id", index=True, ondelete="RESTRICT")
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    part_id: int | None = Field(default=None, foreign_key="part.id", index=True)
    recycler_id: int = Field(foreign_key="recycler.id", index=True, ondelete="RESTRICT")
    batch_id: int | None = Field(
        default=None, foreign_key="recycling_batch.id", index=True, ondelete="RESTRICT"
    )
    weee_category: int | None = None
    total_kg: float
    is_estimated: bool = False
    recycled_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class RecyclingLine(SQLModel, table=True):
    """The kilograms of one material in one recycling record."""

    __tablename__ = "recycling_line"
    __table_args__ = (UniqueConstraint("record_id", "material"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="recycling_record.id", index=True, ondelete="RESTRICT")
    material: str = Field(max_length=30)
    kg: float
