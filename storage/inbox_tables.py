"""The durable inbox, and the per-person change log that orders changes by when they were
cast rather than when they arrived."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import json_column, utc_column


class InboxEvent(SQLModel, table=True):
    """A neutral event an adapter acknowledged: on disk before the platform hears "got it",
    deleted once handled. The id orders processing; (platform, event_id) drops a redelivery
    that arrives while the first copy is still waiting."""

    __tablename__ = "inbox_event"
    __table_args__ = (
        UniqueConstraint("platform", "event_id"),
        Index("ix_inbox_claim", "claimed_until", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    event_id: str = Field(max_length=255)
    payload: dict[str, Any] = json_column()
    received_at: datetime = utc_column()
    # The process that stored it handles it; after this, any process may (it died).
    claimed_until: datetime = utc_column()
    attempts: int = 0


class PersonChange(SQLModel, table=True):
    """One person's change to one thing (a ballot on a vote, an RSVP, an upvote), stamped
    with the platform's time of the change. The thing's state for that person is the fold of
    these in cast order, so a late or repeated delivery lands where it belongs."""

    __tablename__ = "person_change"
    __table_args__ = (
        UniqueConstraint("scope", "person", "event_id"),
        Index("ix_person_change_scope", "scope", "person", "cast_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=255)
    person: str = Field(max_length=255)
    cast_at: datetime = utc_column()
    event_id: str = Field(max_length=255)
    op: dict[str, Any] = json_column()
