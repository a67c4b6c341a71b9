"""Tables of the vote capability: votes, ballots, who has voted, and decision records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import json_column, utc_column


class Vote(SQLModel, table=True):
    __tablename__ = "vote"
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    channel: str = Field(max_length=255)
    question: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=16)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    vote_type: str | None = Field(default=None, max_length=64)
    # "simple" | "absolute" | "super" | "unanimous"; threshold "2/3" for super.
    rule: str = Field(default="simple", max_length=16)
    threshold: str | None = Field(default=None, max_length=32)
    # "5" (voters) or "1/2" (share of the eligible weight); None: no quorum.
    quorum: str | None = Field(default=None, max_length=32)
    eligible_roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    method: str = Field(default="schulze", max_length=16)
    max_choices: int | None = None
    secret: bool = False
    hide_results: bool = False
    allow_block: bool = False
    close_when_decided: bool = False
    status: str = Field(default="open", max_length=16, index=True)
    outcome: str | None = Field(default=None, max_length=16)
    created_by: str = Field(max_length=255)
    created_by_display: str = Field(default="", max_length=255)
    opened_at: datetime = utc_column()
    closes_at: datetime = utc_column()
    closed_at: datetime | None = utc_column(nullable=True)
    rfc_id: int | None = Field(default=None, index=True)
    # The ref of a message whose thread holds the vote (an RFC's thread), if any.
    thread_ref: str | None = Field(default=None, max_length=255)
    # Secret votes: the HMAC key that ties ballots to voters while the vote is open. Set to
    # NULL at close, which is what makes the stored ballots anonymous.
    secret_key: str | None = Field(default=None, max_length=128)
    # [{"at": iso, "what": "opened"|"extended"|"closed"|..., "by": display, ...}]
    timeline: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class VoteBallot(SQLModel, table=True):
    """One ballot per voter per vote; a changed vote replaces the row. For secret votes
    `voter` is an HMAC of the voter id while the vote is open and a random id after close."""

    __tablename__ = "vote_ballot"
    __table_args__ = (UniqueConstraint("vote_id", "voter"),)
    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    voter: str = Field(max_length=255)
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Exact weight as a fraction string ("1", "3/2"), never a float.
    weight: str = Field(default="1", max_length=32)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    cast_at: datetime | None = utc_column(nullable=True)


class VoteVoter(SQLModel, table=True):
    """Who has voted (never what): participation and reminders, also for secret votes."""

    __tablename__ = "vote_voter"
    __table_args__ = (UniqueConstraint("vote_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    user_id: str = Field(max_length=255)


class DecisionRecord(SQLModel, table=True):
    """What a closed vote decided, kept for good. One per vote (the unique vote_id is the
    last line of defence against a double close)."""

    __tablename__ = "decision_record"
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    vote_id: int = Field(foreign_key="vote.id", unique=True)
    rfc_id: int | None = Field(default=None, index=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    outcome: str = Field(max_length=16)
    secret: bool = False
    roster_size: int = 0
    roster_hash: str = Field(default="", max_length=64)
    closed_at: datetime = utc_column()
    # kind, rule, quorum, eligibility, tallies, winners, consensus, participation, blocks,
    # ranking, pairwise, timeline, ballots (anonymised for secret votes), result text.
    data: dict[str, Any] = json_column()
