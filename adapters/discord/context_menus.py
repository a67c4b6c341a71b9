"""Message context menus ("Apps" on a message's menu): the core's message actions as
Discord message commands, and an invocation turned into the same neutral
MessageActionInvoked the Slack shortcut makes. A 🎫/📝 reaction quotes the message the same
way once the adapter has fetched it. Pure: no client, no I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from adapters.discord.events import PLATFORM, GuildInfo, Payload, _where, actor_of, display_of
from bot import i18n
from bot.i18n import N_, _
from bot.model import Address, MessageActionInvoked, Quoted
from bot.registry import Registry

# Application command type of a message context menu.
MESSAGE = 3
# Message action -> the menu entry people see (Discord's name, at most 32 characters).
MENUS: dict[str, str] = {
    "ticket.from_message": N_("Open a ticket"),
    "feedback.capture": N_("Capture as feedback"),
}
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")


def commands(registry: Registry) -> list[dict[str, Any]]:
    """The menu entries, for the same PUT as the slash commands (guild only: a DM has no
    one else's message to quote). The name is the English one, which invocations carry;
    a Chinese client shows its translation."""
    return [
        {
            "name": label,
            "name_localizations": _localized(label),
            "type": MESSAGE,
            "contexts": [0],
            "integration_types": [0],
        }
        for action, label in MENUS.items()
        if action in registry.message_actions
    ]


def _localized(label: str) -> dict[str, str]:
    with i18n.use("zh-Hans"):
        zh = _(label)[:32]
    return {"zh-CN": zh} if zh and zh != label else {}


def action_of(name: str) -> str | None:
    return next((a for a, label in MENUS.items() if label == name), None)


def link(guild_id: str, channel: str, message_id: str) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel}/{message_id}"


def quoted_text(message: Payload, guild: GuildInfo | None) -> str:
    """The message's words with its pings turned into the names they point at, so a quote
    reads as the author wrote it and can never ping anyone (the renderer then silences
    @everyone and what else is left)."""
    names = {str(u.get("id")): display_of(u) for u in message.get("mentions") or []}
    roles = guild.roles if guild is not None else {}
    text = str(message.get("content") or "")
    text = _USER.sub(lambda m: "@" + names.get(m.group(1), "someone"), text)
    return _ROLE.sub(lambda m: "@" + (roles.get(m.group(1), ("role", 0))[0] or "role"), text)


def quote(message: Payload, address: Address, guild: GuildInfo | None) -> Quoted:
    """A message object (resolved.messages, GET /channels/{c}/messages/{m}) as a Quoted at
    `address` (its channel and thread)."""
    mid = str(message.get("id") or "")
    channel = address.thread or address.channel
    author = message.get("author") or {}
    return Quoted(
        Address(PLATFORM, address.workspace, address.channel, address.thread, mid),
        quoted_text(message, guild),
        str(author.get("id") or ""),
        link(address.workspace, channel, mid) if address.workspace else "",
    )


def invocation(
    payload: Payload, guild: GuildInfo | None, home: str
) -> MessageActionInvoked | None:
    """INTERACTION_CREATE type 2 with data.type 3: the target message is in
    data.resolved.messages[data.target_id]. None for a menu Moot does not know."""
    data: Mapping[str, Any] = payload.get("data") or {}
    action = action_of(str(data.get("name") or ""))
    target = str(data.get("target_id") or "")
    message = ((data.get("resolved") or {}).get("messages") or {}).get(target)
    if action is None or not target or not isinstance(message, Mapping):
        return None
    address, _channel, direct = _where(payload, guild, home)
    return MessageActionInvoked(
        event_id=str(payload["id"]),
        actor=actor_of(payload, guild),
        address=address,
        is_direct=direct,
        action=action,
        target=quote({**message, "id": target}, address, guild),
        raw=payload,
    )
