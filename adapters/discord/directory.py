"""The member directory, from the guild: who is in it, their roles and whether they may
administer. Written to the members table the core's rosters read, so eligibility, rosters
and reminders work on Discord as on every platform."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update

from adapters.discord.events import PLATFORM, MemberEntry
from storage import repos, role_tables
from storage.db import Database
from storage.tables import Member

# Discord membership is guild-wide: everyone in the guild counts for every channel.
EVERY_CHANNEL = ["*"]


def report(
    db: Database, guild_id: str, timezone: str, entries: Iterable[MemberEntry], now: datetime
) -> int:
    """Upsert people (bots skipped); returns how many were written."""
    n = 0
    with db.transaction() as s:
        community = repos.get_or_create_community(s, PLATFORM, guild_id, now, timezone)
        for e in entries:
            if e.is_bot or not e.user_id:
                continue
            repos.upsert_member(
                s,
                community.id or 0,
                e.user_id,
                display=e.display,
                roles=list(e.roles),
                is_admin=e.is_admin,
                now=now,
                channels=EVERY_CHANNEL,
            )
            n += 1
    return n


def left(db: Database, guild_id: str, timezone: str, user_id: str, now: datetime) -> None:
    """Someone left or was removed: they drop out of rosters (their history stays)."""
    with db.transaction() as s:
        community = repos.get_or_create_community(s, PLATFORM, guild_id, now, timezone)
        s.execute(
            update(Member)
            .where(Member.community_id == community.id, Member.user_id == user_id)
            .values(active=False, updated_at=now)
        )


def report_roles(
    db: Database, guild_id: str, timezone: str, roles: dict[str, str], now: datetime
) -> None:
    """The guild's whole role list: what commands that name a role are checked against."""
    with db.transaction() as s:
        community = repos.get_or_create_community(s, PLATFORM, guild_id, now, timezone)
        role_tables.replace(s, community.id or 0, roles, now)
