"""Label batches: one print job (blank codes or reprints), kept so preview and PDF match."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now

BATCH_KINDS = ("blank", "reprint")


class LabelBatch(SQLModel, table=True):
    """The tags of one print job and how to print them.

    Blank codes are issued once, when the batch is made; previewing and downloading
    render the same tags again, so looking before printing never wastes codes. The
    printer calibration is copied in, so the batch prints the same after a profile changes.
    """

    __tablename__ = "label_batch"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    group_id: int | None = Field(default=None, foreign_key="repair_group.id", index=True)
    created_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    layout: str = Field(max_length=60)
    start_at: int = 1
    printer_profile_id: int | None = Field(
        default=None, foreign_key="printer_profile.id", ondelete="SET NULL"
    )
    offset_x_mm: float = 0.0
    offset_y_mm: float = 0.0
    scale: float = 1.0
    tag_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    idempotency_key: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
