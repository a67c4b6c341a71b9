"""Tables of feedback capture: items, the people backing them (one row each, however many
ways they voted), and each item's timeline of moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import json_column, utc_column


class FeedbackItem(SQLModel, table=True):
    __tablename__ = "feedback_item"
    __table_args__ = (UniqueConstraint("community_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(max_length=32)
    status: str = Field(default="new", max_length=16, index=True)
    priority: str = Field(default="normal", max_length=8)
    anonymous: bool = False
    submitter: str = Field(max_length=255)
    submitter_display: str = Field(default="", max_length=255)
    # Where it was said, when captured from a message.
    source_channel: str | None = Field(default=None, max_length=255)
    source_message: str | None = Field(default=None, max_length=255)
    source_link: str | None = Field(default=None, max_length=1000)
    channel: str = Field(max_length=255)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    done_at: datetime | None = utc_column(nullable=True)
    # Running counts, moved by the one changed backer.
    backers: int = 0
    merged_into: int | None = None
    rfc: str | None = Field(default=None, max_length=32)


class FeedbackBacker(SQLModel, table=True):
    __tablename__ = "feedback_backer"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="feedback_item.id", index=True)
    user_id: str = Field(max_length=255)
    at: datetime = utc_column()


class FeedbackEvent(SQLModel, table=True):
    __tablename__ = "feedback_event"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="feedback_item.id", index=True)
    at: datetime = utc_column()
    actor: str = Field(max_length=255)
    what: str = Field(max_length=16)
    detail: dict[str, Any] = json_column()
