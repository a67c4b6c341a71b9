"""The core's tables. Capabilities add their own in modules beside this one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utc_column(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def json_column() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Community(SQLModel, table=True):
    """One Slack team, Discord guild or Matrix server, with its settings."""

    __tablename__ = "community"
    __table_args__ = (UniqueConstraint("platform", "workspace"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    workspace: str = Field(max_length=255)
    name: str = Field(default="", max_length=255)
    timezone: str = Field(default="UTC", max_length=64)
    settings: dict[str, Any] = json_column()
    created_at: datetime = utc_column()


class ChannelPurpose(SQLModel, table=True):
    __tablename__ = "channel_purpose"
    __table_args__ = (UniqueConstraint("community_id", "purpose"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    purpose: str = Field(max_length=32)
    channel: str = Field(max_length=255)


class RoleBinding(SQLModel, table=True):
    """A platform role given a meaning here: moderator, support, or a named voter group."""

    __tablename__ = "role_binding"
    __table_args__ = (UniqueConstraint("community_id", "kind", "name", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    kind: str = Field(max_length=32)
    name: str = Field(default="", max_length=64)
    role: str = Field(max_length=255)


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_event"
    platform: str = Field(primary_key=True, max_length=32)
    event_id: str = Field(primary_key=True, max_length=255)
    processed_at: datetime = utc_column(index=True)


class Outbox(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "status", "next_attempt_at"),
        # A message's lane is looked up by its ref on every edit of it; without kind and id
        # in the index that lookup reads every earlier edit of the same message.
        Index("ix_outbox_ref_kind", "ref", "kind", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(default=None, index=True)
    platform: str = Field(max_length=32)
    channel_key: str = Field(max_length=512)
    # Deterministic from what caused it, so a replay writes nothing new and the platform can
    # drop a resend (Matrix txnId, Discord nonce).
    key: str = Field(max_length=255, unique=True)
    kind: str = Field(max_length=16)
    ref: str | None = Field(default=None, max_length=255, index=True)
    payload: dict[str, Any] = json_column()
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = utc_column()
    claimed_until: datetime | None = utc_column(nullable=True)
    created_at: datetime = utc_column()
    sent_at: datetime | None = utc_column(nullable=True)
    last_error: str | None = Field(default=None, max_length=1000)
    # Which sender replica holds the claim: a restarted replica takes its own rows back at
    # once instead of waiting out the lease.
    claimed_by: str | None = Field(default=None, max_length=255)
    # 0 goes first within a lane (results and closes from due work), then 1, each by id.
    priority: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # Delivery attempts started: above 0, an earlier one may have reached the platform.
    tries: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class PostedMessage(SQLModel, table=True):
    """A message the bot posted: its platform id and what it shows, so a reaction, a button or
    a thread reply on it reaches the right capability."""

    __tablename__ = "posted_message"
    __table_args__ = (UniqueConstraint("platform", "channel", "message_id"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(default=None, index=True)
    platform: str = Field(max_length=32)
    channel: str = Field(max_length=255)
    message_id: str = Field(max_length=255)
    thread: str | None = Field(default=None, max_length=255)
    ref: str | None = Field(default=None, max_length=255, index=True)
    choices: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    outbox_id: int | None = None
    created_at: datetime = utc_column()


class DueWork(SQLModel, table=True):
    """Work that falls due at a time: the database, not a timer, is the source of truth."""

    __tablename__ = "due_work"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        # The scheduler's walk; PostgreSQL also has ix_due_work_kind_key_c (migration 0011).
        Index("ix_due_work_walk", "status", "due_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(default=None, index=True)
    kind: str = Field(max_length=64)
    key: str = Field(max_length=255)
    due_at: datetime = utc_column()
    payload: dict[str, Any] = json_column()
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1000)
    done_at: datetime | None = utc_column(nullable=True)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(default=None, index=True)
    at: datetime = utc_column()
    actor_id: str = Field(max_length=255)
    actor_display: str = Field(default="", max_length=255)
    action: str = Field(max_length=64)
    detail: dict[str, Any] = json_column()


class KeyValue(SQLModel, table=True):
    """Small adapter state that must survive a restart (sync tokens, DM rooms)."""

    __tablename__ = "key_value"
    namespace: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=255)
    value: dict[str, Any] = json_column()


class Member(SQLModel, table=True):
    """The community's directory as the adapters last saw it: who exists, their roles, and
    which channels they are in ("*" for all). Rosters for eligibility come from here."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    user_id: str = Field(max_length=255)
    display: str = Field(default="", max_length=255)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_admin: bool = False
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    updated_at: datetime = utc_column()
