"""Factor sets, report subscriptions and their runs, printers, recyclers and batches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now


class FactorSet(SQLModel, table=True):
    """A versioned impact factor table; shipped sets are loaded from package data."""

    __tablename__ = "factor_set"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    version: str = Field(max_length=20)
    displacement: float
    source: str = Field(default="", max_length=500)
    rows: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    is_default: bool = False
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))


class ReportSubscription(SQLModel, table=True):
    __tablename__ = "report_subscription"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    scope_kind: str = Field(max_length=20)
    scope_id: int | None = None
    period_kind: str = Field(max_length=10)
    formats: str = Field(default="pdf", max_length=60)
    recipients: str = Field(default="", max_length=2000)
    language: str = Field(default="en", max_length=8)
    factor_set: str = Field(default="restart-2021", max_length=60)
    is_active: bool = True
    starts_on: date | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))


class ReportRun(SQLModel, table=True):
    """One period of one subscription; the UNIQUE pair is the exactly-once claim."""

    __tablename__ = "report_run"
    __table_args__ = (UniqueConstraint("subscription_id", "period_start"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="report_subscription.id", ondelete="CASCADE")
    period_start: date
    period_end: date
    status: str = Field(default="running", max_length=20)
    attempts: int = 1
    claimed_by: str = Field(default="", max_length=120)
    started_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    error: str = Field(default="", max_length=4000)
    # The mail outbox: "sending" is committed before the SMTP conversation starts and "sent"
    # after it, so a retry after a lost commit never mails the same period twice.
    mail_status: str = Field(default="", max_length=20)
    mail_claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    mailed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    files: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))


class PrinterProfile(SQLModel, table=True):
    __tablename__ = "printer_profile"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    layout: str = Field(max_length=60)
    offset_x_mm: float = 0.0
    offset_y_mm: float = 0.0
    scale: float = 1.0


class Recycler(SQLModel, table=True):
    __tablename__ = "recycler"

    id: int | None = Field(default=None, primary_key=True)
    territory_id: int = Field(foreign_key="territory.id", index=True)
    name: str = Field(max_length=200)
    permit_number: str = Field(default="", max_length=120)
    weee_categories: str = Field(default="", max_length=60)


class RecyclingBatch(SQLModel, table=True):
    __tablename__ = "recycling_batch"

    id: int | None = Field(default=None, primary_key=True)
    recycler_id: int = Field(foreign_key="recycler.id", index=True)
    group_id: int = Field(foreign_key="repair_group.id", index=True)
    opened_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    weight_ticket: str = Field(default="", max_length=120)
    ticket_kg: float | None = None
