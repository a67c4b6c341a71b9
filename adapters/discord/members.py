"""People arriving and roles given: GUILD_MEMBER_ADD as a neutral MemberJoined, and the
GrantRole effect (a kudos milestone's or a certification's role) as
PUT /guilds/{g}/members/{u}/roles/{r}. The translation is pure; `grant` does the I/O through
the adapter's REST helper."""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

from adapters.discord.events import PLATFORM, GuildInfo, Payload, member_entry
from bot.adapter import PermanentFailure
from bot.i18n import _
from bot.model import Actor, Address, MemberJoined

log = logging.getLogger("moot.discord")

MISSING_PERMISSIONS = 50013
_ROLE_MENTION = re.compile(r"^<@&(\d+)>$")


def joined(payload: Payload, guild: GuildInfo) -> MemberJoined | None:
    """GUILD_MEMBER_ADD. Its event id is built from the join itself (guild, person, joined_at),
    so a dispatch delivered twice is the same event; a later re-join is a new one."""
    entry = member_entry(payload, guild)
    if not entry.user_id or entry.is_bot:
        return None
    at = str(payload.get("joined_at") or "")
    return MemberJoined(
        event_id=f"join:{guild.guild_id}:{entry.user_id}:{at}",
        actor=Actor(PLATFORM, entry.user_id, entry.display, frozenset(entry.roles), entry.is_admin),
        address=Address(PLATFORM, guild.guild_id, ""),
        raw=payload,
    )


def role_id(role: str, guild: GuildInfo) -> str | None:
    """The guild role a configured role names: a `<@&id>` mention, a bare id, or its name
    (any case). None when the guild has no such role."""
    text = role.strip()
    m = _ROLE_MENTION.match(text)
    wanted = m.group(1) if m else text
    if wanted in guild.roles and wanted != guild.guild_id:
        return wanted
    name = text.lstrip("@").casefold()
    for rid, (rname, _bits) in guild.roles.items():
        if rid != guild.guild_id and rname.casefold() == name:
            return rid
    return None


def refusal(role: str, user_display: str, status: int, code: int) -> str:
    """The notice a moderator gets when a role could not be given, saying what to fix."""
    if status == 403 or code == MISSING_PERMISSIONS:
        why = _(
            "Moot lacks the Manage Roles permission, or the role is above Moot's own role "
            "in Server Settings → Roles"
        )
    else:
        why = _("Discord refused it ({status})").format(status=status)
    return _("⚠️ I could not give @{user} the role {role}: {why}.").format(
        user=user_display, role=role, why=why
    )


class _Rest(Protocol):
    async def _request(self, method: str, path: str, body: Any = None, **params: Any) -> Any: ...


async def grant(
    rest: _Rest, guild: GuildInfo | None, user_id: str, display: str, role: str
) -> str | None:
    """Give the role; None when it is done, else the notice to send the guild's owner. A
    refusal is final (no retry helps until someone changes the server's settings)."""
    if guild is None:
        log.warning("cannot grant role %r to %s: Moot is not in that guild", role, user_id)
        return None
    rid = role_id(role, guild)
    if rid is None:
        log.warning(
            "cannot grant role %r to %s: no such role in guild %s", role, user_id, guild.guild_id
        )
        return _(
            "⚠️ I could not give @{user} the role {role}: this server has no such role."
        ).format(user=display, role=role)
    try:
        await rest._request(
            "PUT",
            "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
            guild_id=guild.guild_id,
            user_id=user_id,
            role_id=rid,
        )
    except PermanentFailure as exc:
        status, code = getattr(exc, "status", 0), getattr(exc, "code", 0)
        log.warning(
            "cannot grant role %r (%s) to %s in guild %s: discord %s (code %s)",
            role, rid, user_id, guild.guild_id, status, code,
        )  # fmt: skip
        return refusal(guild.roles[rid][0], display, status, code)
    log.info("granted role %r (%s) to %s in guild %s", role, rid, user_id, guild.guild_id)
    return None
