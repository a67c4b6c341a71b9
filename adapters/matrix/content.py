"""Effects -> the exact event content dicts the bot sends. Pure: no I/O, no nio."""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

from bot.i18n import N_
from bot.model import Card

HTML_FORMAT = "org.matrix.custom.html"
MSGTYPE = "m.text"

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")


def txn_id(key: str) -> str:
    """A transaction id from an outbox key: the same row always gets the same id, so the
    homeserver answers a retry with the event it already made instead of posting again."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def plain_text(text: str, card: Card | None = None) -> str:
    parts = [text] if text else []
    if card is not None:
        lines = [card.title, *(f"{k}: {v}" for k, v in card.fields)]
        if card.footer:
            lines.append(card.footer)
        parts.append("\n".join(lines))
    return "\n".join(parts)


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return out.replace("\n", "<br>")


def html_text(text: str, card: Card | None = None) -> str:
    parts = [_inline(text)] if text else []
    if card is not None:
        block = [f"<strong>{html.escape(card.title, quote=False)}</strong>"]
        if card.fields:
            items = "".join(
                f"<li><strong>{html.escape(k, quote=False)}</strong>: {_inline(v)}</li>"
                for k, v in card.fields
            )
            block.append(f"<ul>{items}</ul>")
        if card.footer:
            block.append(f"<em>{_inline(card.footer)}</em>")
        parts.append("".join(block) if len(block) > 1 else block[0])
    return "<br>".join(parts)


# Intentional mentions (Matrix 1.7): an event that carries m.mentions pings exactly the users
# listed there, and clients stop matching display names and "@room" in the body. Moot never
# means to ping anyone by a message, so every event it sends names nobody.
NO_MENTIONS: dict[str, Any] = {}


def _body(text: str, card: Card | None) -> dict[str, Any]:
    return {
        "msgtype": MSGTYPE,
        "body": plain_text(text, card),
        "format": HTML_FORMAT,
        "formatted_body": html_text(text, card),
        "m.mentions": dict(NO_MENTIONS),
    }


def message_content(
    text: str,
    card: Card | None = None,
    *,
    thread_root: str | None = None,
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    """An m.room.message. In a thread: an m.thread relation whose fallback reply points at
    in_reply_to (the message being answered) or the root, for clients without threads."""
    content = _body(text, card)
    if thread_root:
        content["m.relates_to"] = {
            "rel_type": "m.thread",
            "event_id": thread_root,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": in_reply_to or thread_root},
        }
    return content


def edit_content(target: str, text: str, card: Card | None = None) -> dict[str, Any]:
    """An m.replace edit: m.new_content is what edit-aware clients show; the outer body with
    "* " is the fallback older clients show as a new message."""
    new = _body(text, card)
    return {
        "msgtype": MSGTYPE,
        "body": "* " + new["body"],
        "format": HTML_FORMAT,
        "formatted_body": "* " + new["formatted_body"],
        "m.mentions": dict(NO_MENTIONS),
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": target},
    }


def reaction_content(target: str, key: str) -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": key}}


E2EE_NOTICE = N_(
    "This room is end-to-end encrypted, and Moot cannot read encrypted messages yet. "
    "Please use Moot in an unencrypted room."
)


def notice_content(text: str) -> dict[str, Any]:
    return {"msgtype": "m.notice", "body": text, "m.mentions": dict(NO_MENTIONS)}


def direct_room_request(user_id: str) -> dict[str, Any]:
    """The /createRoom body for a private chat with one person."""
    return {
        "preset": "trusted_private_chat",
        "is_direct": True,
        "invite": [user_id],
        "visibility": "private",
    }


def place_room_request(title: str, members: tuple[str, ...], bot_user_id: str) -> dict[str, Any]:
    """The /createRoom body for a private place (a support ticket): invite-only, not in the
    directory, its members invited; history visible to members from their invite on."""
    invite = [m for m in dict.fromkeys(members) if m != bot_user_id and m.startswith("@")]
    return {
        "name": title[:255],
        "preset": "private_chat",
        "visibility": "private",
        "invite": invite,
        "initial_state": [
            {
                "type": "m.room.history_visibility",
                "state_key": "",
                "content": {"history_visibility": "invited"},
            }
        ],
    }


def with_hosts(power_levels: dict[str, Any], hosts: tuple[str, ...], level: int) -> dict[str, Any]:
    """A room's power levels with the place's hosts (its staff) raised to `level`, since roles
    come from each room's power levels. Read from the room and written back, so the bot's
    own level stays as the server set it (room v12 creators are not listed at all)."""
    users = dict(power_levels.get("users") or {})
    for h in hosts:
        if h.startswith("@") and int(users.get(h, 0)) < level:
            users[h] = level
    return {**power_levels, "users": users}
