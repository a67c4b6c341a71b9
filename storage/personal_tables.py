"""Personal settings: one row per member of a community, a JSON object any capability may
read and add keys to ("timezone", "reminders", later "language", "notifications")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import json_column, utc_column


class MemberSettings(SQLModel, table=True):
    """Personal settings of one member of one community ({"timezone": "Europe/Berlin",
    "reminders": false, ...}); any capability may read and add keys."""

    __tablename__ = "member_settings"
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    user_id: str = Field(max_length=255)
    settings: dict[str, Any] = json_column()
    updated_at: datetime = utc_column()
