"""Column mappings that a group saved for its spreadsheets, so the next upload needs no setup."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now


class SheetMapping(SQLModel, table=True):
    """One group's spreadsheet column mapping: our field -> their column, plus read options."""

    __tablename__ = "sheet_mapping"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="repair_group.id", unique=True, ondelete="CASCADE")
    mapping: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    updated_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
