"""Discord gateway payloads -> neutral events. Pure: the adapter hands in what it knows of
the guild (its roles, owner, which channels are threads) as a GuildInfo built from
discord.py's cache, so these functions only read dictionaries.

Event ids: the interaction id or message id (Discord snowflakes, unique); reactions carry
none, so they are named by the gateway session and sequence number, which a RESUME replays
unchanged. Cast times come from the same snowflakes (order.py); reactions have none here
and are stamped by the adapter as they arrive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.discord.order import snowflake_time
from bot.model import (
    ActionInvoked,
    Actor,
    Address,
    ChannelMessage,
    CommandInvoked,
    MessageReceived,
    ReactionChanged,
)

PLATFORM = "discord"
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
# Interaction types and component types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
BUTTON, STRING_SELECT = 2, 3
CUSTOM_PREFIX = "moot:"
CUSTOM_ID_MAX = 100

Payload = Mapping[str, Any]


@dataclass(frozen=True)
class GuildInfo:
    guild_id: str
    owner_id: str = ""
    # role id -> (name, permission bits); the @everyone role has the guild's id.
    roles: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    # thread id -> the channel it hangs off
    threads: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MemberEntry:
    """What the directory learns of one person."""

    user_id: str
    display: str
    roles: tuple[str, ...]
    is_admin: bool
    is_bot: bool = False


# ------------------------------------------------------------------ people


def display_of(user: Payload, member: Payload | None = None) -> str:
    nick = (member or {}).get("nick")
    return str(
        nick or user.get("global_name") or user.get("username") or user.get("id") or "someone"
    )


def moot_roles(role_ids: list[str], guild: GuildInfo) -> tuple[str, ...]:
    """Each guild role counts by its id (a `<@&id>` mention binds it) and by its name,
    lower-cased (`/config role moderator @tc`)."""
    out: set[str] = set()
    for rid in role_ids:
        out.add(rid)
        name = guild.roles.get(rid, ("", 0))[0]
        if name:
            out.add(name.lower())
    return tuple(sorted(out))


def directory_roles(guild: GuildInfo) -> dict[str, str]:
    """The guild's roles for the platform-role directory: each by its id and, since a
    role's lower-cased name counts too (moot_roles), by that name."""
    out: dict[str, str] = {}
    for rid, (name, _bits) in guild.roles.items():
        out[rid] = name
        if name and rid != guild.guild_id:  # @everyone is not a name anyone holds
            out.setdefault(name.lower(), name)
    return out


def role_permissions(role_ids: list[str], guild: GuildInfo) -> int:
    bits = guild.roles.get(guild.guild_id, ("", 0))[1]
    for rid in role_ids:
        bits |= guild.roles.get(rid, ("", 0))[1]
    return bits


def is_admin(user_id: str, role_ids: list[str], guild: GuildInfo, bits: int | None) -> bool:
    """Manage Server or Administrator (or owning the guild) makes a Moot admin."""
    if guild.owner_id and user_id == guild.owner_id:
        return True
    if bits is None:
        bits = role_permissions(role_ids, guild)
    return bool(bits & (ADMINISTRATOR | MANAGE_GUILD))


def member_entry(member: Payload, guild: GuildInfo, user: Payload | None = None) -> MemberEntry:
    """A guild member object (GUILD_MEMBER_ADD/UPDATE, GUILD_CREATE members, an
    interaction's member) as a directory entry."""
    user = user or member.get("user") or {}
    uid = str(user.get("id", ""))
    role_ids = [str(r) for r in member.get("roles") or []]
    raw_bits = member.get("permissions")
    bits = int(raw_bits) if raw_bits not in (None, "") else None
    admin = is_admin(uid, role_ids, guild, bits)
    roles = set(moot_roles(role_ids, guild))
    if admin:
        roles.add("admin")
    return MemberEntry(
        uid, display_of(user, member), tuple(sorted(roles)), admin, bool(user.get("bot"))
    )


def actor_of(payload: Payload, guild: GuildInfo | None) -> Actor:
    """The person behind an interaction or message: `member` in a guild, `user` in a DM."""
    member = payload.get("member")
    user = payload.get("user") or payload.get("author") or (member or {}).get("user") or {}
    if member and guild is not None:
        e = member_entry(member, guild, user)
        return Actor(PLATFORM, e.user_id, e.display, frozenset(e.roles), e.is_admin)
    return Actor(PLATFORM, str(user.get("id", "")), display_of(user))


# ------------------------------------------------------------------ where


def _where(payload: Payload, guild: GuildInfo | None, home: str) -> tuple[Address, str, bool]:
    """(address, the channel the payload is in, is it a DM). In a thread the address names
    the parent channel and the thread; a DM belongs to the home guild's community."""
    channel = str(payload.get("channel_id") or (payload.get("channel") or {}).get("id") or "")
    gid = payload.get("guild_id")
    if not gid:
        return Address(PLATFORM, home, channel), channel, True
    parent = None
    if guild is not None:
        parent = guild.threads.get(channel)
    info = payload.get("channel") or {}
    if parent is None and info.get("type") in (10, 11, 12) and info.get("parent_id"):
        parent = str(info["parent_id"])
    if parent:
        return Address(PLATFORM, str(gid), parent, channel), channel, False
    return Address(PLATFORM, str(gid), channel), channel, False


# ------------------------------------------------------------------ components


def custom_id(action: str, value: str, index: int) -> str:
    """Static, so a message posted before a restart routes after it: `moot:vote.cast:12:yes`.
    Too long or ambiguous, it names the choice by position (`moot:#3`) and the adapter finds
    the choice in the stored message."""
    cid = f"{CUSTOM_PREFIX}{action}:{value}"
    if ":" in action or not action or len(cid) > CUSTOM_ID_MAX:
        return f"{CUSTOM_PREFIX}#{index}"
    return cid


def parse_custom_id(cid: str) -> tuple[str, str] | int | None:
    """(action, value), or the index of the choice, or None for what is not ours."""
    if not cid.startswith(CUSTOM_PREFIX):
        return None
    body = cid[len(CUSTOM_PREFIX) :]
    if body.startswith("#"):
        return int(body[1:]) if body[1:].isdigit() else None
    if body.startswith("sel:") or body.startswith("modal:"):
        return None
    action, sep, value = body.partition(":")
    return (action, value) if sep and action else None


def pressed(payload: Payload) -> str | None:
    """The custom_id of what was pressed: a button's own, or a select's chosen value."""
    data = payload.get("data") or {}
    if data.get("component_type") == STRING_SELECT:
        values = data.get("values") or []
        return str(values[0]) if values else None
    cid = data.get("custom_id")
    return str(cid) if cid else None


def component(
    payload: Payload, guild: GuildInfo | None, home: str, resolved: tuple[str, str] | None = None
) -> ActionInvoked | None:
    """A button press or select choice on a bot message. resolved: the (action, value) the
    adapter looked up for an index-form custom_id."""
    cid = pressed(payload)
    parsed = parse_custom_id(cid) if cid else None
    if isinstance(parsed, int):
        parsed = resolved
    if parsed is None:
        return None
    address, channel, direct = _where(payload, guild, home)
    message = payload.get("message") or {}
    return ActionInvoked(
        event_id=str(payload["id"]),
        actor=actor_of(payload, guild),
        address=address,
        is_direct=direct,
        cast_at=snowflake_time(payload["id"]),
        action=parsed[0],
        value=parsed[1],
        message=Address(
            PLATFORM,
            address.workspace,
            channel,
            address.thread,
            str(message.get("id") or "") or None,
        ),
        raw=payload,
    )


# ------------------------------------------------------------------ commands


def command(
    payload: Payload, guild: GuildInfo | None, home: str, name: str, args: str
) -> CommandInvoked:
    """A slash command or a form, already turned into its command line by tree/modal."""
    address, _channel, direct = _where(payload, guild, home)
    return CommandInvoked(
        event_id=str(payload["id"]),
        actor=actor_of(payload, guild),
        address=address,
        is_direct=direct,
        cast_at=snowflake_time(payload["id"]),
        name=name,
        args=args,
        raw_text=f"/{name} {args}".strip(),
        raw=payload,
    )


def command_text(content: str, prefix: str, direct: bool) -> str | None:
    """`!vote start ...` -> "vote start ...". In a DM the prefix (or a slash) may be left
    out. None when the text is not addressed to the bot."""
    text = content.strip()
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :]
        if text[:1].isspace():
            return None  # "! look" is chatter, not a command
    elif direct:
        text = text.removeprefix("/")
    else:
        return None
    text = text.strip()
    return text if text[:1].isalpha() else None


def message(
    payload: Payload, guild: GuildInfo | None, home: str, prefix: str, bot_id: str = ""
) -> CommandInvoked | MessageReceived | ChannelMessage | None:
    """MESSAGE_CREATE: a text command, a reply in a thread the bot may follow, or a plain
    top-level message in a channel."""
    author = payload.get("author") or {}
    if author.get("bot") or payload.get("webhook_id") or not author.get("id"):
        return None
    if bot_id and str(author["id"]) == bot_id:
        return None
    if payload.get("type", 0) not in (0, 19):  # default and reply; not joins, pins, ...
        return None
    address, channel, direct = _where(payload, guild, home)
    content = str(payload.get("content") or "")
    actor = actor_of(payload, guild)
    line = command_text(content, prefix, direct)
    if line is not None:
        name, _, args = line.partition(" ")
        return CommandInvoked(
            event_id=str(payload["id"]),
            actor=actor,
            address=address,
            is_direct=direct,
            cast_at=snowflake_time(payload["id"]),
            name=name.lower(),
            args=args.strip(),
            raw_text=content,
            raw=payload,
        )
    if address.thread is None:
        if direct or not content.strip():
            return None
        # Plain words in a channel: the adapter's channel gate decides if the core hears them.
        return ChannelMessage(
            event_id=str(payload["id"]), actor=actor, address=address, text=content, raw=payload
        )
    # A thread started on a message has that message's id: the root is the thread's id.
    return MessageReceived(
        event_id=str(payload["id"]),
        actor=actor,
        address=address,
        is_direct=False,
        cast_at=snowflake_time(payload["id"]),
        text=content,
        reply_to=Address(PLATFORM, address.workspace, address.channel, channel, channel),
        raw=payload,
    )


# ------------------------------------------------------------------ reactions


def emoji_key(emoji: Payload) -> str:
    """Unicode emoji as themselves; a custom emoji as its `<:name:id>` markup."""
    if emoji.get("id"):
        return f"<{'a' if emoji.get('animated') else ''}:{emoji.get('name')}:{emoji['id']}>"
    return str(emoji.get("name") or "")


def reaction(
    payload: Payload,
    added: bool,
    guild: GuildInfo | None,
    home: str,
    event_id: str,
    bot_id: str = "",
) -> ReactionChanged | None:
    """MESSAGE_REACTION_ADD / _REMOVE. Removals carry no member, so the actor's roles come
    from the directory (the adapter fills them in)."""
    uid = str(payload.get("user_id") or "")
    if not uid or (bot_id and uid == bot_id):
        return None
    member = payload.get("member")
    if member and (member.get("user") or {}).get("bot"):
        return None
    address, channel, direct = _where(payload, guild, home)
    actor = actor_of({"member": member, "user": (member or {}).get("user") or {"id": uid}}, guild)
    return ReactionChanged(
        event_id=event_id,
        actor=actor,
        address=address,
        is_direct=direct,
        key=emoji_key(payload.get("emoji") or {}),
        added=added,
        target=Address(
            PLATFORM, address.workspace, channel, address.thread, str(payload.get("message_id", ""))
        ),
        raw=payload,
    )
