"""Who and where: territories (municipalities), groups, sites, café sessions, categories."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now


class Territory(SQLModel, table=True):
    __tablename__ = "territory"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    country: str = Field(default="GBR", max_length=3)


class RepairGroup(SQLModel, table=True):
    __tablename__ = "repair_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    data_provider: str | None = Field(default=None, max_length=120)


class Site(SQLModel, table=True):
    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("group_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    group_id: int = Field(foreign_key="repair_group.id", index=True, ondelete="RESTRICT")
    territory_id: int = Field(foreign_key="territory.id", index=True, ondelete="RESTRICT")
    address: str = Field(default="", max_length=300)
    # Where the site is, in the terms a council uses: territories can then be assigned in bulk
    # from a list of postcodes or municipality codes instead of one site at a time.
    postcode: str = Field(default="", max_length=20, index=True)
    municipality_code: str = Field(default="", max_length=20, index=True)


class RepairSession(SQLModel, table=True):
    """One café opening at a site on a day (an "event" in ORDS)."""

    __tablename__ = "repair_session"
    __table_args__ = (UniqueConstraint("site_id", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True, ondelete="RESTRICT")
    held_on: date = Field(index=True)
    title: str = Field(default="", max_length=200)
    opens_at: time | None = None
    closes_at: time | None = None
    # Attendance is counted by the coordinator at the end of the day; None is "not recorded",
    # which reports must tell apart from a day nobody came.
    visitors: int | None = None
    volunteers: int | None = None
    volunteer_hours: float | None = None
    notes: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))


class Category(SQLModel, table=True):
    """ORDS v0.3's 40 product categories plus the unpowered ones repair cafés see."""

    __tablename__ = "category"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=60)
    name: str = Field(max_length=120)
    ords_id: int | None = Field(default=None, index=True)
    is_powered: bool = True
    sort_order: int = 0
