"""Raw Matrix event JSON (client-server API v1.x) -> the neutral model. Pure: no I/O, no nio.

The adapter keeps per-room state (power levels, display names, whether the room is a direct
chat) in a RoomView and hands it in with each event; everything here is a function of that and
the event dict, so contract tests can feed recorded JSON straight in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.model import (
    Actor,
    Address,
    ChannelMessage,
    CommandInvoked,
    InboundEvent,
    MessageReceived,
    Quoted,
    ReactionChanged,
)

PLATFORM = "matrix"

# Before room version 12 the creator's power is an ordinary power level (MSC4289).
LEGACY_ROOM_VERSIONS = frozenset(str(v) for v in range(1, 12))
CREATOR_POWER = 2**53

_PILL = re.compile(r'^\s*<a href="https://matrix\.to/#/(@[^"?]+)[^"]*">(.*?)</a>', re.S)


@dataclass(frozen=True)
class RoleRules:
    """How power levels and configured user lists become roles."""

    admin_level: int = 100
    moderator_level: int = 50
    admins: frozenset[str] = frozenset()
    moderators: frozenset[str] = frozenset()


@dataclass
class RoomView:
    """What the adapter knows about one room when it translates an event from it."""

    room_id: str
    workspace: str
    bot_user_id: str
    prefix: str = "!"
    is_direct: bool = False
    bot_names: tuple[str, ...] = ()
    power_users: dict[str, int] = field(default_factory=dict)
    users_default: int = 0
    displaynames: dict[str, str] = field(default_factory=dict)
    rules: RoleRules = field(default_factory=RoleRules)
    loaded: bool = False  # the adapter fetched the room's full state
    # Room version 12 and later: creators outrank every power level and are not listed.
    creators: frozenset[str] = frozenset()
    # Where roles come from: the rooms and spaces the community configured. None only for a
    # view that is its own authority (contract tests on recorded JSON); the adapter always
    # sets it, so a room anyone can create never decides who moderates.
    authority: tuple[RoomView, ...] | None = None
    # Whether the room is one of the community's (configured, or a child of a configured
    # space): a fact for the core, which refuses commands from anywhere else.
    in_community: bool = True
    # For a space: the rooms it lists (m.space.child state).
    children: frozenset[str] = frozenset()

    def power(self, user_id: str) -> int:
        if self.authority is not None:
            return max((a.own_power(user_id) for a in self.authority), default=0)
        return self.own_power(user_id)

    def own_power(self, user_id: str) -> int:
        if user_id in self.creators:
            return CREATOR_POWER
        try:
            return int(self.power_users.get(user_id, self.users_default))
        except (TypeError, ValueError):
            return 0

    def address(self, thread: str | None = None, message: str | None = None) -> Address:
        return Address(PLATFORM, self.workspace, self.room_id, thread, message)

    def apply_create(self, sender: str, content: Mapping[str, Any]) -> None:
        if str(content.get("room_version", "1")) in LEGACY_ROOM_VERSIONS:
            return
        extra = content.get("additional_creators")
        others = [u for u in extra if isinstance(u, str)] if isinstance(extra, list) else []
        self.creators = frozenset({sender, *others})

    def apply_space_child(self, state_key: str, content: Mapping[str, Any]) -> None:
        # A child is listed while its event names servers to join it through (spec: an
        # m.space.child without `via` is a removed child).
        via = content.get("via")
        if isinstance(via, list) and via:
            self.children = self.children | {state_key}
        else:
            self.children = self.children - {state_key}

    def apply_power_levels(self, content: Mapping[str, Any]) -> None:
        users = content.get("users")
        self.power_users = dict(users) if isinstance(users, Mapping) else {}
        try:
            self.users_default = int(content.get("users_default", 0))
        except (TypeError, ValueError):
            self.users_default = 0


# The roles roles_for() hands out, by power level or the configured user lists: the only
# ones a Matrix command may name.
DIRECTORY_ROLES = {"admin": "admin", "moderator": "moderator"}


def roles_for(room: RoomView, user_id: str) -> tuple[frozenset[str], bool]:
    rules = room.rules
    level = room.power(user_id)
    is_admin = level >= rules.admin_level or user_id in rules.admins
    roles: set[str] = set()
    if is_admin:
        roles.add("admin")
    if level >= rules.moderator_level or user_id in rules.moderators:
        roles.add("moderator")
    return frozenset(roles), is_admin


def actor_for(room: RoomView, user_id: str) -> Actor:
    roles, is_admin = roles_for(room, user_id)
    display = room.displaynames.get(user_id) or user_id
    return Actor(PLATFORM, user_id, display, roles, is_admin)


def relation(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    content = raw.get("content")
    rel = content.get("m.relates_to") if isinstance(content, Mapping) else None
    return rel if isinstance(rel, Mapping) else {}


def thread_root(raw: Mapping[str, Any]) -> str | None:
    rel = relation(raw)
    if rel.get("rel_type") == "m.thread" and isinstance(rel.get("event_id"), str):
        return str(rel["event_id"])
    return None


def strip_reply_fallback(body: str) -> str:
    """Rich replies quote the original as leading '> ' lines and a blank line."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    i = 0
    while i < len(lines) and lines[i].startswith(">"):
        i += 1
    if i < len(lines) and not lines[i].strip():
        i += 1
    return "\n".join(lines[i:])


def _strip_mention(room: RoomView, text: str, formatted: str | None) -> str | None:
    names = [room.bot_user_id, *room.bot_names]
    localpart = room.bot_user_id[1:].split(":", 1)[0]
    names.append(localpart)
    if formatted:
        m = _PILL.match(formatted)
        if m and m.group(1) == room.bot_user_id:
            names.insert(0, html.unescape(re.sub(r"<[^>]+>", "", m.group(2))))
    lowered = text.lower()
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        for candidate in (name, "@" + name):
            if lowered.startswith(candidate.lower()):
                rest = text[len(candidate) :]
                # "Moot: help" or "@moot:server help", but "moot is great" is chatter.
                full_id = name == room.bot_user_id
                if rest[:1] in (":", ",") or (full_id and rest[:1].isspace()):
                    return rest[1:].strip()
    return None


def command_text(room: RoomView, content: Mapping[str, Any], in_reply: bool = False) -> str | None:
    """The command line without prefix ("vote start ..."), or None if the message is not
    addressed to the bot: a prefix, a leading mention of the bot (id, display name or pill),
    or any message in a direct room."""
    body = content.get("body")
    if not isinstance(body, str):
        return None
    if in_reply:
        body = strip_reply_fallback(body)
    text = body.strip()
    formatted = content.get("formatted_body")
    prefix = room.prefix
    if prefix and text.startswith(prefix):
        line = text[len(prefix) :]
        if line[:1].isspace():
            return None  # "! look" is chatter, not a command
    else:
        mentioned = _strip_mention(room, text, formatted if isinstance(formatted, str) else None)
        if mentioned is not None:
            line = (
                mentioned[len(prefix) :] if prefix and mentioned.startswith(prefix) else mentioned
            )
        elif room.is_direct:
            line = text
        else:
            return None
    line = line.strip()
    # "!!!" or "?": punctuation, not a command name
    if not line or not line[0].isalpha():
        return None
    return line


def split_command(line: str) -> tuple[str, str]:
    parts = line.split(None, 1)
    return parts[0], (parts[1] if len(parts) > 1 else "")


def cast_time(raw: Mapping[str, Any]) -> datetime | None:
    """When the sender's homeserver received the event (origin_server_ts, milliseconds)."""
    ts = raw.get("origin_server_ts")
    if not isinstance(ts, int) or isinstance(ts, bool) or ts <= 0:
        return None
    try:
        return datetime.fromtimestamp(ts // 1000, UTC).replace(microsecond=ts % 1000 * 1000)
    except (OverflowError, OSError, ValueError):
        return None


def to_event(
    room: RoomView,
    raw: Mapping[str, Any],
    reactions: Mapping[str, Mapping[str, Any]] | None = None,
    place_root: str | None = None,
) -> InboundEvent | None:
    """One timeline event -> a neutral event, or None when it means nothing to the core (the
    bot's own events, state, edits, encrypted payloads, chatter not addressed to the bot).

    reactions: what the adapter remembered about earlier reaction events, by event id
    ({"user", "key", "target"}), so a redaction can be told apart and undone.
    place_root: in a private place (a ticket room) its first message: every message in the
    room is a reply in the place, thread or not."""
    event_id = raw.get("event_id")
    sender = raw.get("sender")
    kind = raw.get("type")
    content = raw.get("content")
    if not isinstance(event_id, str) or not isinstance(sender, str):
        return None
    if not isinstance(content, Mapping) or "state_key" in raw:
        return None
    if sender == room.bot_user_id:
        return None
    if kind == "m.reaction":
        rel = relation(raw)
        if rel.get("rel_type") != "m.annotation":
            return None
        target, key = rel.get("event_id"), rel.get("key")
        if not isinstance(target, str) or not isinstance(key, str) or not key:
            return None
        return ReactionChanged(
            event_id=event_id,
            actor=actor_for(room, sender),
            address=room.address(message=target),
            is_direct=room.is_direct,
            in_community=room.in_community,
            cast_at=cast_time(raw),
            raw=raw,
            key=key,
            added=True,
            target=room.address(message=target),
            # The reacted-to text is not in the event, only its id: the adapter's prepare()
            # fetches it for a 🎫 or 📝 (actions.fill_quote).
            quoted=Quoted(
                room.address(message=target), link=f"https://matrix.to/#/{room.room_id}/{target}"
            ),
        )
    if kind == "m.room.redaction":
        redacts = raw.get("redacts") or content.get("redacts")
        known = (reactions or {}).get(redacts) if isinstance(redacts, str) else None
        if not known:
            return None
        target = str(known["target"])
        return ReactionChanged(
            event_id=event_id,
            # The vote was the reactor's, even when a moderator removed it.
            actor=actor_for(room, str(known["user"])),
            address=room.address(message=target),
            is_direct=room.is_direct,
            in_community=room.in_community,
            cast_at=cast_time(raw),
            raw=raw,
            key=str(known["key"]),
            added=False,
            target=room.address(message=target),
        )
    if kind != "m.room.message":
        return None
    rel = relation(raw)
    if rel.get("rel_type") == "m.replace":
        # An edit: commands are not re-run; in a private place it is noted in the record.
        new = content.get("m.new_content")
        original = rel.get("event_id")
        if not place_root or not isinstance(new, Mapping) or not isinstance(original, str):
            return None
        body = new.get("body")
        return MessageReceived(
            event_id=event_id,
            actor=actor_for(room, sender),
            address=room.address(thread=place_root, message=event_id),
            is_direct=room.is_direct,
            raw=raw,
            text=body.strip() if isinstance(body, str) else "",
            reply_to=room.address(thread=place_root, message=place_root),
            edit_of=original,
        )
    if content.get("msgtype") not in ("m.text", "m.emote", None):
        return None
    root = thread_root(raw)
    in_reply = isinstance(rel.get("m.in_reply_to"), Mapping) and not rel.get("is_falling_back")
    line = command_text(room, content, in_reply=in_reply)
    actor = actor_for(room, sender)
    if line is not None:
        name, args = split_command(line)
        return CommandInvoked(
            event_id=event_id,
            actor=actor,
            address=room.address(thread=root, message=event_id),
            is_direct=room.is_direct,
            in_community=room.in_community,
            cast_at=cast_time(raw),
            raw=raw,
            name=name,
            args=args,
            raw_text=str(content.get("body", "")),
        )
    root = root or place_root
    if root is not None:
        body = content.get("body")
        return MessageReceived(
            event_id=event_id,
            actor=actor,
            address=room.address(thread=root, message=event_id),
            is_direct=room.is_direct,
            in_community=room.in_community,
            cast_at=cast_time(raw),
            raw=raw,
            text=body.strip() if isinstance(body, str) else "",
            reply_to=room.address(thread=root, message=root),
        )
    body = content.get("body")
    if room.is_direct or not room.in_community or not isinstance(body, str) or not body.strip():
        return None
    # Plain words in a community room: the adapter's channel gate decides if the core hears.
    return ChannelMessage(
        event_id=event_id,
        actor=actor,
        address=room.address(message=event_id),
        cast_at=cast_time(raw),
        raw=raw,
        text=strip_reply_fallback(body) if in_reply else body.strip(),
    )


# ---------------------------------------------------------------- not-neutral events


def reaction_record(raw: Mapping[str, Any]) -> dict[str, str] | None:
    """What to remember about a reaction so its redaction can be turned into a removal."""
    if raw.get("type") != "m.reaction":
        return None
    rel = relation(raw)
    if rel.get("rel_type") != "m.annotation":
        return None
    target, key, sender = rel.get("event_id"), rel.get("key"), raw.get("sender")
    if not all(isinstance(v, str) and v for v in (target, key, sender)):
        return None
    return {"user": str(sender), "key": str(key), "target": str(target)}


def redacted_id(raw: Mapping[str, Any]) -> str | None:
    if raw.get("type") != "m.room.redaction":
        return None
    content = raw.get("content") if isinstance(raw.get("content"), Mapping) else {}
    redacts = raw.get("redacts") or content.get("redacts")  # type: ignore[union-attr]
    return redacts if isinstance(redacts, str) else None


def is_encrypted(raw: Mapping[str, Any]) -> bool:
    return raw.get("type") in ("m.room.encrypted", "m.room.encryption")


@dataclass(frozen=True)
class Invite:
    room_id: str
    inviter: str | None
    is_direct: bool


def invite_of(room_id: str, bot_user_id: str, invite_state: list[Mapping[str, Any]]) -> Invite:
    """The bot's own m.room.member invite event in a sync's invite_state tells who invited it
    and whether the room is meant as a direct chat."""
    for ev in invite_state:
        content = ev.get("content")
        if (
            ev.get("type") == "m.room.member"
            and ev.get("state_key") == bot_user_id
            and isinstance(content, Mapping)
            and content.get("membership") == "invite"
        ):
            sender = ev.get("sender")
            return Invite(
                room_id, sender if isinstance(sender, str) else None, bool(content.get("is_direct"))
            )
    return Invite(room_id, None, False)


def server_of(user_id: str) -> str:
    return user_id.split(":", 1)[1] if ":" in user_id else ""


def invite_allowed(
    inviter: str | None, allowed_inviters: frozenset[str], allowed_servers: frozenset[str]
) -> bool:
    if not inviter:
        return False
    return inviter in allowed_inviters or server_of(inviter) in allowed_servers


@dataclass(frozen=True)
class MemberChange:
    user_id: str
    membership: str
    display: str


def member_change(raw: Mapping[str, Any]) -> MemberChange | None:
    if raw.get("type") != "m.room.member":
        return None
    user, content = raw.get("state_key"), raw.get("content")
    if not isinstance(user, str) or not isinstance(content, Mapping):
        return None
    display = content.get("displayname")
    return MemberChange(
        user, str(content.get("membership", "")), display if isinstance(display, str) else ""
    )
