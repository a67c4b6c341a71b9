"""Effects to and from JSON, for the outbox table; inbound events too, for the inbox."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from bot.model import (
    ActionInvoked,
    Actor,
    Address,
    Card,
    Choice,
    CommandInvoked,
    Edit,
    Effect,
    InboundEvent,
    MessageReceived,
    OpenThread,
    React,
    ReactionChanged,
    Send,
)

KINDS: dict[type, str] = {Send: "send", Edit: "edit", React: "react", OpenThread: "open_thread"}


def kind_of(effect: Effect) -> str:
    return KINDS[type(effect)]


def encode(effect: Effect) -> dict[str, Any]:
    return asdict(effect)


def encode_choice(choice: Choice) -> dict[str, Any]:
    return asdict(choice)


def _card(d: dict[str, Any] | None) -> Card | None:
    if not d:
        return None
    return Card(d["title"], tuple(tuple(f) for f in d.get("fields", ())), d.get("footer"))


def _choices(items: list[dict[str, Any]] | None) -> tuple[Choice, ...]:
    return tuple(Choice(**c) for c in items or ())


def decode(kind: str, d: dict[str, Any]) -> Effect:
    if kind == "send":
        return Send(
            address=Address(**d["address"]),
            text=d["text"],
            card=_card(d.get("card")),
            choices=_choices(d.get("choices")),
            thread=d.get("thread", "inherit"),
            visibility=d.get("visibility", "public"),
            recipient=d.get("recipient"),
            ref=d.get("ref"),
            thread_ref=d.get("thread_ref"),
        )
    if kind == "edit":
        return Edit(d["ref"], d["text"], _card(d.get("card")), _choices(d.get("choices")))
    if kind == "react":
        return React(d["ref"], d["key"])
    if kind == "open_thread":
        return OpenThread(d["ref"], d["title"])
    raise ValueError(f"unknown effect kind {kind}")


# ---------------------------------------------------------------- inbound events (the inbox)

EVENT_TYPES: dict[str, type[InboundEvent]] = {
    "command": CommandInvoked,
    "action": ActionInvoked,
    "reaction": ReactionChanged,
    "message": MessageReceived,
}
EVENT_KINDS = {cls: name for name, cls in EVENT_TYPES.items()}
# Fields holding an Address besides `address` itself.
_ADDRESS_FIELDS = ("message", "target", "reply_to")


def encode_event(event: InboundEvent) -> dict[str, Any]:
    """A neutral event as JSON. The raw payload is left out: nothing after the inbox reads it."""
    data = {f.name: getattr(event, f.name) for f in fields(event) if f.name != "raw"}
    actor = event.actor
    data["actor"] = {**asdict(actor), "roles": sorted(actor.roles)}
    data["address"] = asdict(event.address)
    for name in _ADDRESS_FIELDS:
        if isinstance(data.get(name), Address):
            data[name] = asdict(data[name])
    data["cast_at"] = event.cast_at.isoformat() if event.cast_at else None
    return {"kind": EVENT_KINDS[type(event)], **data}


def decode_event(d: dict[str, Any]) -> InboundEvent:
    data = dict(d)
    cls = EVENT_TYPES[data.pop("kind")]
    actor = dict(data["actor"])
    data["actor"] = Actor(**{**actor, "roles": frozenset(actor.get("roles") or ())})
    data["address"] = Address(**data["address"])
    for name in _ADDRESS_FIELDS:
        if isinstance(data.get(name), dict):
            data[name] = Address(**data[name])
    cast_at = data.get("cast_at")
    data["cast_at"] = datetime.fromisoformat(cast_at) if cast_at else None
    return cls(**data)
