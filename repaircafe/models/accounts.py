"""People with accounts, API tokens, and owners (who have no account)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from repaircafe.models.base import UTCDateTime, utc_now

ROLES = ("admin", "coordinator", "fixer", "viewer")


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=80)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=300)
    role: str = Field(max_length=20)
    group_id: int | None = Field(default=None, foreign_key="repair_group.id", ondelete="RESTRICT")
    territory_id: int | None = Field(default=None, foreign_key="territory.id", ondelete="RESTRICT")
    is_active: bool = True
    # Bumped by logout, deactivation and role changes: a session cookie carries the version it
    # was issued under, so every copy of an older cookie stops working on its next request.
    session_version: int = 0
    language: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))


class ApiToken(SQLModel, table=True):
    """A revocable bearer token for the JSON API; only its hash is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    token_hash: str = Field(unique=True, max_length=128)
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Owner(SQLModel, table=True):
    """The person who brought an object: minimal contact data, kept only with consent.

    Erasure blanks the personal fields and keeps the row, so the lifecycle stays intact.
    """

    __tablename__ = "owner"

    id: int | None = Field(default=None, primary_key=True)
    name: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    consent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # "Still working?" mails need their own yes: consent to be contacted about the repair is not
    # consent to be asked again months later.
    follow_up_consent: bool = False
    follow_ups_stopped_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    private_token: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime()))
