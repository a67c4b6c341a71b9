"""A reacted-to message, fetched, as the neutral Quoted. Pure: no I/O, no nio.

A Matrix reaction names only its target event, so a 🎫 or 📝 would quote nothing. The adapter
fetches the target (GET /rooms/{room}/event/{id}) before dispatch and hands the JSON here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from adapters.matrix.events import relation, strip_reply_fallback, thread_root
from bot.i18n import N_
from bot.model import Quoted

TEXT_TYPES = ("m.text", "m.notice", "m.emote")

# Why a message could not be quoted; one line each, since the core shows it as the error
# (translated there, in the reader's language).
DELETED = N_("that message was deleted, so there is nothing to quote")
UNREADABLE = N_("I cannot read that message (it is gone or hidden from me)")
ENCRYPTED = N_("that message is end-to-end encrypted, so I cannot read it")
NO_TEXT = N_("that message has no text I can quote")


def link(room_id: str, event_id: str) -> str:
    return f"https://matrix.to/#/{room_id}/{event_id}"


def _latest_body(raw: Mapping[str, Any]) -> Any:
    """The text as it reads now: an edit the server bundled (unsigned m.relations m.replace,
    Matrix 1.7) replaces the original, but only when the author made it."""
    content = raw.get("content") or {}
    unsigned = raw.get("unsigned")
    rels = unsigned.get("m.relations") if isinstance(unsigned, Mapping) else None
    edit = rels.get("m.replace") if isinstance(rels, Mapping) else None
    if isinstance(edit, Mapping) and edit.get("sender") == raw.get("sender"):
        new = (edit.get("content") or {}).get("m.new_content")
        if isinstance(new, Mapping) and isinstance(new.get("body"), str):
            return new["body"]
    return content.get("body")


def from_event(base: Quoted, raw: Mapping[str, Any], bot_user_id: str) -> Quoted:
    """base (the reaction's own quote: where and a link) filled from the fetched event."""
    content = raw.get("content")
    unsigned = raw.get("unsigned")
    if isinstance(unsigned, Mapping) and unsigned.get("redacted_because"):
        return replace(base, missing=DELETED)
    if raw.get("type") == "m.room.encrypted":
        return replace(base, missing=ENCRYPTED)
    if not isinstance(content, Mapping) or not content:
        return replace(base, missing=DELETED)
    if raw.get("type") != "m.room.message" or content.get("msgtype", "m.text") not in TEXT_TYPES:
        return replace(base, missing=NO_TEXT)
    body = _latest_body(raw)
    if not isinstance(body, str):
        return replace(base, missing=NO_TEXT)
    rel = relation(raw)
    if isinstance(rel.get("m.in_reply_to"), Mapping) and not rel.get("is_falling_back"):
        body = strip_reply_fallback(body)
    text = body.strip()
    if not text:
        return replace(base, missing=NO_TEXT)
    sender = raw.get("sender")
    # Moot's own message is credited to whoever pointed at it, not to Moot.
    author = sender if isinstance(sender, str) and sender != bot_user_id else ""
    # A message inside a thread: answers about it go in that thread (Matrix has no nested
    # threads, so one cannot start on it).
    address = base.address
    root = thread_root(raw)
    if root and address.thread is None:
        address = replace(address, thread=root)
    return replace(base, address=address, text=text, author=author)


def unreadable(base: Quoted) -> Quoted:
    return replace(base, missing=UNREADABLE)
