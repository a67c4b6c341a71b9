"""Discord gateway payloads in the shapes Discord sends them (API v10), trimmed of fields
nothing reads but keeping every one discord.py or the adapter looks at. Shared by the
contract tests and the loopback fake Discord."""

from __future__ import annotations

import itertools
from typing import Any

GUILD = "1180000000000000001"
APP = "1180000000000000002"
BOT = "1180000000000000003"
OWNER = "1180000000000000004"
GENERAL = "1180000000000000010"
VOTES = "1180000000000000011"
EVERYONE = GUILD  # the @everyone role has the guild's id
ROLE_TC = "1180000000000000020"
ROLE_MODS = "1180000000000000021"
ALICE = "1180000000000000101"
BOB = "1180000000000000102"
CAROL = "1180000000000000103"
DAVE = "1180000000000000104"
MANAGE_GUILD = 1 << 5
BASE_PERMS = 0x63584C0 | (1 << 10) | (1 << 11)  # view, send, read history, react, threads ...

_ids = itertools.count(1190000000000000000)


def snowflake() -> str:
    return str(next(_ids))


def user(uid: str, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": uid,
        "username": name,
        "global_name": name.capitalize(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


NAMES = {ALICE: "alice", BOB: "bob", CAROL: "carol", DAVE: "dave", OWNER: "olga"}
ROLES_OF = {ALICE: [ROLE_MODS], BOB: [ROLE_TC], CAROL: [ROLE_TC], DAVE: [], OWNER: []}


def role(rid: str, name: str, perms: int, position: int) -> dict[str, Any]:
    return {
        "id": rid,
        "name": name,
        "permissions": str(perms),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": True,
        "flags": 0,
    }


ROLES = [
    role(EVERYONE, "@everyone", BASE_PERMS, 0),
    role(ROLE_TC, "TC", 0, 1),
    role(ROLE_MODS, "Mods", MANAGE_GUILD, 2),
]


def member(uid: str, *, roles: list[str] | None = None, nick: str | None = None) -> dict[str, Any]:
    return {
        "user": user(uid, NAMES.get(uid, "someone"), bot=uid == BOT),
        "roles": list(ROLES_OF.get(uid, []) if roles is None else roles),
        "nick": nick,
        "joined_at": "2026-01-01T00:00:00.000000+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "avatar": None,
    }


def interaction_member(uid: str) -> dict[str, Any]:
    """An interaction's member carries its computed permissions in the channel."""
    perms = BASE_PERMS
    for r in ROLES_OF.get(uid, []):
        perms |= int(next(x for x in ROLES if x["id"] == r)["permissions"])
    return {**member(uid), "permissions": str(perms)}


def text_channel(cid: str, name: str, position: int) -> dict[str, Any]:
    return {
        "id": cid,
        "type": 0,
        "name": name,
        "position": position,
        "guild_id": GUILD,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def thread_channel(tid: str, parent: str, name: str, kind: int = 11) -> dict[str, Any]:
    return {
        "id": tid,
        "type": kind,
        "name": name,
        "guild_id": GUILD,
        "parent_id": parent,
        "owner_id": BOT,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 10080,
            "archive_timestamp": "2026-01-01T00:00:00.000000+00:00",
            "locked": False,
            "invitable": kind != 12,
        },
    }


def guild_create(members: list[str]) -> dict[str, Any]:
    """GUILD_CREATE: member_count equals the members listed, so discord.py counts the guild
    as chunked (READY lists the same guild as unavailable until this arrives)."""
    everyone = [member(uid) for uid in members]
    return {
        "id": GUILD,
        "name": "Moot Test Guild",
        "owner_id": OWNER,
        "icon": None,
        "unavailable": False,
        "large": False,
        "member_count": len(everyone),
        "roles": ROLES,
        "channels": [text_channel(GENERAL, "general", 0), text_channel(VOTES, "votes", 1)],
        "threads": [],
        "members": everyone,
        "presences": [],
        "voice_states": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "joined_at": "2026-01-01T00:00:00.000000+00:00",
        "preferred_locale": "en-US",
        "premium_tier": 0,
        "system_channel_flags": 0,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "afk_timeout": 300,
    }


def _interaction(kind: int, uid: str, channel: str | None, data: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": snowflake(),
        "application_id": APP,
        "type": kind,
        "token": "aW50ZXJhY3Rpb246" + snowflake(),
        "version": 1,
        "locale": "en-GB",
        "app_permissions": str(BASE_PERMS),
        "entitlements": [],
        "attachment_size_limit": 10485760,
        "authorizing_integration_owners": {"0": GUILD},
        "context": 0,
        "data": data,
    }
    if channel is None:  # a DM with the bot
        dm = data.pop("_dm_channel")
        base.update(
            channel_id=dm,
            channel={"id": dm, "type": 1, "recipients": [user(uid, NAMES.get(uid, "x"))]},
            user=user(uid, NAMES.get(uid, "someone")),
            context=1,
        )
        return base
    base.update(
        guild_id=GUILD,
        guild_locale="en-US",
        guild={"id": GUILD, "locale": "en-US", "features": []},
        channel_id=channel,
        channel={"id": channel, "type": 0, "guild_id": GUILD, "name": "votes", "parent_id": None},
        member=interaction_member(uid),
    )
    return base


def slash(
    uid: str,
    channel: str | None,
    name: str,
    sub: str | None = None,
    options: list[dict[str, Any]] | None = None,
    dm_channel: str = "",
    resolved: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """INTERACTION_CREATE of type 2 (APPLICATION_COMMAND). options: [{"name","type","value"}]."""
    opts = list(options or [])
    data: dict[str, Any] = {"id": snowflake(), "name": name, "type": 1, "guild_id": GUILD}
    if sub is not None:
        data["options"] = [{"name": sub, "type": 1, "options": opts}]
    elif opts:
        data["options"] = opts
    if resolved:
        data["resolved"] = resolved
    if channel is None:
        data["_dm_channel"] = dm_channel
        data.pop("guild_id")
    return _interaction(2, uid, channel, data)


def opt(name: str, value: Any, kind: int = 3, focused: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "type": kind, "value": value}
    if focused:
        out["focused"] = True
    return out


def _message(channel: str, message_id: str, author: dict[str, Any], content: str) -> dict[str, Any]:
    return {
        "id": message_id,
        "channel_id": channel,
        "type": 0,
        "content": content,
        "author": author,
        "embeds": [],
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": "2026-01-01T00:00:00.000000+00:00",
        "edited_timestamp": None,
        "flags": 0,
        "components": [],
    }


def bot_message(channel: str, message_id: str, components: list[Any]) -> dict[str, Any]:
    out = _message(channel, message_id, user(BOT, "moot", bot=True), "Vote")
    out["components"] = components
    return out


def button(
    uid: str, channel: str, message_id: str, custom_id: str, components: list[Any] | None = None
) -> dict[str, Any]:
    """INTERACTION_CREATE of type 3 (MESSAGE_COMPONENT), a button."""
    data = {"custom_id": custom_id, "component_type": 2}
    out = _interaction(3, uid, channel, data)
    out["message"] = bot_message(channel, message_id, components or [])
    return out


def select(uid: str, channel: str, message_id: str, custom_id: str, value: str) -> dict[str, Any]:
    data = {"custom_id": custom_id, "component_type": 3, "values": [value]}
    out = _interaction(3, uid, channel, data)
    out["message"] = bot_message(channel, message_id, [])
    return out


def modal_submit(uid: str, channel: str, custom_id: str, values: dict[str, str]) -> dict[str, Any]:
    """INTERACTION_CREATE of type 5 (MODAL_SUBMIT)."""
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
        for k, v in values.items()
    ]
    return _interaction(5, uid, channel, {"custom_id": custom_id, "components": rows})


def autocomplete(uid: str, channel: str, name: str, sub: str, options: list[Any]) -> dict[str, Any]:
    """INTERACTION_CREATE of type 4 (APPLICATION_COMMAND_AUTOCOMPLETE)."""
    data = {
        "id": snowflake(),
        "name": name,
        "type": 1,
        "options": [{"name": sub, "type": 1, "options": options}],
    }
    return _interaction(4, uid, channel, data)


def message_create(
    uid: str, channel: str, content: str, *, guild: bool = True, message_id: str | None = None
) -> dict[str, Any]:
    out = _message(
        channel, message_id or snowflake(), user(uid, NAMES.get(uid, "someone")), content
    )
    out["nonce"] = snowflake()
    if guild:
        m = member(uid)
        m.pop("user")
        out.update(guild_id=GUILD, member=m)
    return out


def reaction_add(uid: str, channel: str, message_id: str, emoji: str) -> dict[str, Any]:
    m = member(uid)
    return {
        "user_id": uid,
        "channel_id": channel,
        "message_id": message_id,
        "guild_id": GUILD,
        "member": m,
        "emoji": {"id": None, "name": emoji},
        "message_author_id": BOT,
        "burst": False,
        "burst_colors": [],
        "type": 0,
    }


def reaction_remove(uid: str, channel: str, message_id: str, emoji: str) -> dict[str, Any]:
    return {
        "user_id": uid,
        "channel_id": channel,
        "message_id": message_id,
        "guild_id": GUILD,
        "emoji": {"id": None, "name": emoji},
        "burst": False,
        "type": 0,
    }


def member_update(uid: str, roles: list[str], nick: str | None = None) -> dict[str, Any]:
    """GUILD_MEMBER_UPDATE."""
    m = member(uid, roles=roles, nick=nick)
    return {"guild_id": GUILD, **m}


def message_menu(uid: str, channel: str, name: str, target: dict[str, Any]) -> dict[str, Any]:
    """INTERACTION_CREATE of type 2 for a message context menu (data.type 3): the message
    it was used on is in data.resolved.messages under data.target_id."""
    data = {
        "id": snowflake(),
        "name": name,
        "type": 3,
        "guild_id": GUILD,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: target}},
    }
    return _interaction(2, uid, channel, data)


def member_add(uid: str, name: str) -> dict[str, Any]:
    """GUILD_MEMBER_ADD: a guild member object with the guild's id."""
    out = member(uid)
    out["user"] = user(uid, name)
    return {"guild_id": GUILD, **out}
