"""The platform's own roles, as each adapter last reported them (Slack user groups, Discord
guild roles, Matrix power-level names, the console's built-ins), so a command that names a
role can refuse one the platform does not have."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import UniqueConstraint, delete, select
from sqlmodel import Field, Session, SQLModel

from storage.repos import insert_or_skip
from storage.tables import utc_column


class PlatformRole(SQLModel, table=True):
    __tablename__ = "platform_role"
    __table_args__ = (UniqueConstraint("community_id", "role_id"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    # What a role argument resolves to (a Slack S… id, a Discord snowflake, a Matrix name).
    role_id: str = Field(max_length=255)
    # What people call it (a handle or display name), for messages and hints.
    name: str = Field(default="", max_length=255)
    updated_at: datetime = utc_column()


def known(s: Session, community_id: int) -> dict[str, str]:
    """role id -> name, for one community."""
    rows = s.execute(
        select(PlatformRole.role_id, PlatformRole.name).where(
            PlatformRole.community_id == community_id
        )
    ).all()
    return {r.role_id: r.name for r in rows}


def put(s: Session, community_id: int, roles: Mapping[str, str], now: datetime) -> None:
    """Add or rename these roles; others stay."""
    have = known(s, community_id)
    for role_id, name in roles.items():
        if role_id in have:
            if have[role_id] != name:
                row = s.execute(
                    select(PlatformRole).where(
                        PlatformRole.community_id == community_id,
                        PlatformRole.role_id == role_id,
                    )
                ).scalar_one()
                row.name, row.updated_at = name[:255], now
            continue
        insert_or_skip(
            s,
            PlatformRole,
            {
                "community_id": community_id,
                "role_id": role_id,
                "name": name[:255],
                "updated_at": now,
            },
        )


def replace(s: Session, community_id: int, roles: Mapping[str, str], now: datetime) -> None:
    """The platform's whole list: roles not in it are gone."""
    s.execute(
        delete(PlatformRole).where(
            PlatformRole.community_id == community_id, PlatformRole.role_id.not_in(list(roles))
        )
    )
    put(s, community_id, roles, now)


def drop(s: Session, community_id: int, role_id: str) -> None:
    s.execute(
        delete(PlatformRole).where(
            PlatformRole.community_id == community_id, PlatformRole.role_id == role_id
        )
    )
