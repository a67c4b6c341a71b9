"""Tables of the RFC capability: proposals, their reviews, blocking concerns, the discussion
captured from their threads, and the timeline that becomes the decision log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import json_column, utc_column


class Rfc(SQLModel, table=True):
    __tablename__ = "rfc"
    __table_args__ = (UniqueConstraint("community_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    # RFC-1, RFC-2 ... counted per community.
    number: int
    title: str = Field(sa_column=Column(Text, nullable=False))
    summary: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    link: str | None = Field(default=None, max_length=1000)
    rfc_type: str | None = Field(default=None, max_length=32)
    author: str = Field(max_length=255)
    author_display: str = Field(default="", max_length=255)
    channel: str = Field(max_length=255)
    stage: str = Field(default="discussion", max_length=16, index=True)
    created_at: datetime = utc_column()
    last_activity_at: datetime = utc_column()
    decided_at: datetime | None = utc_column(nullable=True)
    vote_id: int | None = Field(default=None, index=True)
    # Final comment period: what applies when it ends, and either when it ends (running) or
    # how long it still had to run when a concern paused it (paused).
    fcp_disposition: str | None = Field(default=None, max_length=16)
    fcp_ends_at: datetime | None = utc_column(nullable=True)
    fcp_remaining_s: int | None = None
    postponed_until: datetime | None = utc_column(nullable=True)
    implemented_link: str | None = Field(default=None, max_length=1000)


class RfcReview(SQLModel, table=True):
    """One row per reviewer: requested (verdict None) or their latest review."""

    __tablename__ = "rfc_review"
    __table_args__ = (UniqueConstraint("rfc_id", "reviewer"),)
    id: int | None = Field(default=None, primary_key=True)
    rfc_id: int = Field(foreign_key="rfc.id", index=True)
    reviewer: str = Field(max_length=255)
    reviewer_display: str = Field(default="", max_length=255)
    requested: bool = False
    requested_at: datetime | None = utc_column(nullable=True)
    verdict: str | None = Field(default=None, max_length=16)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reviewed_at: datetime | None = utc_column(nullable=True)
    reminded_at: datetime | None = utc_column(nullable=True)


class RfcConcern(SQLModel, table=True):
    """A blocking concern, numbered 1, 2, ... within its RFC."""

    __tablename__ = "rfc_concern"
    __table_args__ = (UniqueConstraint("rfc_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    rfc_id: int = Field(foreign_key="rfc.id", index=True)
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    raised_by: str = Field(max_length=255)
    raised_by_display: str = Field(default="", max_length=255)
    raised_at: datetime = utc_column()
    resolved_at: datetime | None = utc_column(nullable=True)
    resolved_by: str | None = Field(default=None, max_length=255)
    resolved_by_display: str | None = Field(default=None, max_length=255)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class RfcComment(SQLModel, table=True):
    """A reply in the RFC's thread: the discussion as it happened."""

    __tablename__ = "rfc_comment"
    id: int | None = Field(default=None, primary_key=True)
    rfc_id: int = Field(foreign_key="rfc.id", index=True)
    author: str = Field(max_length=255)
    author_display: str = Field(default="", max_length=255)
    at: datetime = utc_column()
    text: str = Field(sa_column=Column(Text, nullable=False))


class RfcEvent(SQLModel, table=True):
    """One step of an RFC's timeline (proposed, reviewed, concern raised, fcp started, ...)."""

    __tablename__ = "rfc_event"
    id: int | None = Field(default=None, primary_key=True)
    rfc_id: int = Field(foreign_key="rfc.id", index=True)
    at: datetime = utc_column()
    actor: str = Field(max_length=255)
    actor_display: str = Field(default="", max_length=255)
    what: str = Field(max_length=32)
    detail: dict[str, Any] = json_column()
