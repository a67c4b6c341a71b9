"""Tables of the contributor capabilities: onboarding (one welcome per person), kudos and
their milestones, and certification tracks with attempts and credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import json_column, utc_column


class OnboardingSent(SQLModel, table=True):
    """One row per person welcomed: the unique pair is what makes the welcome happen once,
    across restarts and replicas."""

    __tablename__ = "onboarding_sent"
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    user_id: str = Field(max_length=255)
    at: datetime = utc_column()


class Kudos(SQLModel, table=True):
    __tablename__ = "kudos"
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    giver: str = Field(max_length=255, index=True)
    recipient: str = Field(max_length=255, index=True)
    recipient_display: str = Field(default="", max_length=255)
    category: str = Field(max_length=32)
    why: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = utc_column(index=True)


class KudosMilestone(SQLModel, table=True):
    __tablename__ = "kudos_milestone"
    __table_args__ = (UniqueConstraint("community_id", "user_id", "category", "threshold"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    user_id: str = Field(max_length=255)
    category: str = Field(max_length=32)
    threshold: int
    at: datetime = utc_column()


class CertTrack(SQLModel, table=True):
    """A certification track as imported: its question bank and rules, kept as validated
    data (see commands/certs/rules.py for the schema)."""

    __tablename__ = "cert_track"
    __table_args__ = (UniqueConstraint("community_id", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    slug: str = Field(max_length=32)
    name: str = Field(max_length=200)
    bank: dict[str, Any] = json_column()
    imported_by: str = Field(max_length=255)
    imported_at: datetime = utc_column()


class CertAttempt(SQLModel, table=True):
    __tablename__ = "cert_attempt"
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    track_id: int = Field(foreign_key="cert_track.id", index=True)
    user_id: str = Field(max_length=255, index=True)
    # running | passed | failed
    status: str = Field(default="running", max_length=8, index=True)
    started_at: datetime = utc_column()
    ends_at: datetime = utc_column()
    graded_at: datetime | None = utc_column(nullable=True)
    # The drawn questions with their shuffled option order, and the answers given so far.
    # {"questions": [{"id", "options": [original indexes, in the order shown]}]}
    paper: dict[str, Any] = json_column()
    answers: dict[str, Any] = json_column()
    current: int = 0
    score: int | None = None
    out_of: int = 0


class Credential(SQLModel, table=True):
    __tablename__ = "credential"
    __table_args__ = (UniqueConstraint("code"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    track_id: int = Field(foreign_key="cert_track.id")
    user_id: str = Field(max_length=255, index=True)
    user_display: str = Field(default="", max_length=255)
    code: str = Field(max_length=64)
    issued_on: str = Field(max_length=10)
    revoked_at: datetime | None = utc_column(nullable=True)
    revoked_reason: str | None = Field(default=None, max_length=500)
