"""Tables of the console adapter: its messages and the screen feed. The console keeps them in
the database like any platform keeps its messages, so two console processes on one database
number messages as one sequence, can press buttons on each other's messages, and each shows
everything posted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel


class ConsoleMessage(SQLModel, table=True):
    __tablename__ = "console_message"
    # A number is never handed out twice, even after a message is deleted.
    __table_args__ = {"sqlite_autoincrement": True}
    # The id is the number people and scripts point at (#3).
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=255)
    thread: str | None = Field(default=None, max_length=64)
    header: str = Field(max_length=512)
    text: str = Field(sa_column=Column(Text, nullable=False))
    card: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    choices: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    reactions: dict[str, list[str]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    # The outbox key: the platform-side idempotency a real platform gives a retried send.
    key: str = Field(max_length=255, unique=True)


class ConsoleFeed(SQLModel, table=True):
    """What the screen shows, in order: a message posted, or a message edited."""

    __tablename__ = "console_feed"
    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(index=True)
    edited: bool = False
    # An edit's changed lines, so the screen shows what changed, not the whole card again.
    shown: str = Field(sa_column=Column(Text, nullable=False))
