"""The community knowledge base: questions with their answers, written by moderators or made
from decisions, accepted RFCs and resolved tickets; and the suggestions Moot made from it,
so the knowledge base can tell whether it answers questions.

The full-text index is the database's own: an FTS5 table `kb_fts` on SQLite, a generated
`search` tsvector with a GIN index on PostgreSQL (both made by migration 0013_kb)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import utc_column


class KbEntry(SQLModel, table=True):
    __tablename__ = "kb_entry"
    __table_args__ = (UniqueConstraint("community_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    # KB-1, KB-2 ... counted per community.
    number: int
    question: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    tags: str = Field(default="", max_length=500)
    # manual | decision | rfc | ticket; with source_ref the entry made from it exactly once.
    source: str = Field(default="manual", max_length=16)
    source_ref: str | None = Field(default=None, max_length=64, index=True)
    link: str | None = Field(default=None, max_length=1000)
    created_by: str = Field(max_length=255)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    removed: bool = False


class KbSuggestion(SQLModel, table=True):
    """Entries suggested to someone who asked; `outcome` says whether one answered it."""

    __tablename__ = "kb_suggestion"
    # A person's latest suggestion, for the support channel's rate limit.
    __table_args__ = (Index("ix_kb_suggestion_user_at", "community_id", "user_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    user_id: str = Field(max_length=255)
    asked: str = Field(sa_column=Column(Text, nullable=False))
    entry_numbers: str = Field(default="", max_length=100)
    # where the question came from: ticket:12, message
    context: str = Field(default="", max_length=64)
    at: datetime = utc_column()
    outcome: str | None = Field(default=None, max_length=16)  # helpful | not-helpful
    answered_by: int | None = None  # the entry number that helped
