"""The things we track: objects (items), their tags, harvested parts and stock bins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now

WEIGHT_SOURCES = ("measured", "estimated", "category_average")
TAG_STATUSES = ("issued", "linked", "retired")
TAG_KINDS = ("item", "part", "bin", "blank")


class Item(SQLModel, table=True):
    """One physical object. `state` is a cache of its events; `repaircafe db rebuild` redoes it."""

    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("source_provider", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="repair_group.id", index=True, ondelete="RESTRICT")
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    brand: str = Field(default="", max_length=120, index=True)
    model: str = Field(default="", max_length=120)
    problem: str = Field(default="", max_length=2000)
    weight_kg: float | None = None
    weight_source: str | None = Field(default=None, max_length=20)
    product_age_years: float | None = None
    state: str = Field(max_length=20, index=True)
    is_donor: bool = False
    owner_id: int | None = Field(default=None, foreign_key="owner.id", ondelete="SET NULL")
    current_session_id: int | None = Field(
        default=None, foreign_key="repair_session.id", index=True, ondelete="SET NULL"
    )
    registered_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
    source_provider: str | None = Field(default=None, max_length=120)
    source_id: str | None = Field(default=None, max_length=120)
    # Where the repair happened (ISO 3166-1 alpha-3) and the partner's own category wording, as
    # an imported record carried them: an export gives back exactly what came in.
    country: str | None = Field(default=None, max_length=3)
    partner_category: str | None = Field(default=None, max_length=200)


class StockBin(SQLModel, table=True):
    __tablename__ = "stock_bin"
    __table_args__ = (UniqueConstraint("group_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="repair_group.id", index=True, ondelete="RESTRICT")
    site_id: int | None = Field(default=None, foreign_key="site.id", ondelete="SET NULL")
    name: str = Field(max_length=120)


class Part(SQLModel, table=True):
    """A component taken from a donor object (or bought), with its own tag and fate."""

    __tablename__ = "part"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="repair_group.id", index=True, ondelete="RESTRICT")
    name: str = Field(max_length=200)
    part_type: str = Field(default="", max_length=120, index=True)
    fits_category_id: int | None = Field(default=None, foreign_key="category.id")
    condition: str = Field(default="untested", max_length=20)
    weight_kg: float | None = None
    donor_item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    installed_item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    bin_id: int | None = Field(default=None, foreign_key="stock_bin.id", index=True)
    state: str = Field(max_length=20, index=True)
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))


class Tag(SQLModel, table=True):
    """A printed code: issued (blank) -> linked (to an item, part or bin) -> retired."""

    __tablename__ = "tag"
    # "The current label of this object/part/bin" is asked on nearly every page; without these,
    # SQLite (which keeps no statistics) walks every linked tag through the status index. They
    # also serve every lookup by item, part or bin alone (and the foreign keys' checks), so
    # those columns have no index of their own: it would only cost every tag written.
    __table_args__ = (
        Index("ix_tag_item_id_status", "item_id", "status"),
        Index("ix_tag_part_id_status", "part_id", "status"),
        Index("ix_tag_bin_id_status", "bin_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=16)
    status: str = Field(default="issued", max_length=10, index=True)
    kind: str = Field(default="blank", max_length=10)
    group_id: int | None = Field(default=None, foreign_key="repair_group.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="item.id")
    part_id: int | None = Field(default=None, foreign_key="part.id")
    bin_id: int | None = Field(default=None, foreign_key="stock_bin.id")
    issued_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
    linked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    retired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
