"""Effects to and from JSON, for the outbox table; inbound events too, for the inbox."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from bot import files
from bot.model import (
    ActionInvoked,
    Actor,
    Address,
    Card,
    ChannelMessage,
    Choice,
    CommandInvoked,
    Edit,
    Effect,
    GrantRole,
    InboundEvent,
    MemberJoined,
    MessageActionInvoked,
    MessageReceived,
    MirrorEvent,
    OpenPlace,
    OpenThread,
    Quoted,
    React,
    ReactionChanged,
    Send,
)

KINDS: dict[type, str] = {
    Send: "send",
    Edit: "edit",
    React: "react",
    OpenThread: "open_thread",
    GrantRole: "grant_role",
    OpenPlace: "open_place",
    MirrorEvent: "mirror_event",
}


def kind_of(effect: Effect) -> str:
    return KINDS[type(effect)]


def encode(effect: Effect) -> dict[str, Any]:
    data = asdict(effect)
    if isinstance(effect, Send) and effect.files:
        data["files"] = files.encode(effect.files)  # bytes are not JSON
    return data


def encode_choice(choice: Choice) -> dict[str, Any]:
    return asdict(choice)


def decode_card(d: dict[str, Any] | None) -> Card | None:
    if not d:
        return None
    return Card(d["title"], tuple(tuple(f) for f in d.get("fields", ())), d.get("footer"))


def decode_choices(items: list[dict[str, Any]] | None) -> tuple[Choice, ...]:
    return tuple(Choice(**c) for c in items or ())


_card, _choices = decode_card, decode_choices


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
            place_ref=d.get("place_ref"),
            relay=d.get("relay", True),
            files=files.decode(d.get("files")),
        )
    if kind == "edit":
        return Edit(d["ref"], d["text"], _card(d.get("card")), _choices(d.get("choices")))
    if kind == "react":
        return React(d["ref"], d["key"])
    if kind == "open_thread":
        return OpenThread(d["ref"], d["title"])
    if kind == "grant_role":
        return GrantRole(d["platform"], d["workspace"], d["user_id"], d["role"])
    if kind == "mirror_event":
        return MirrorEvent(**d)
    if kind == "open_place":
        return OpenPlace(
            ref=d["ref"],
            address=Address(**d["address"]),
            title=d["title"],
            members=tuple(d.get("members", ())),
            text=d["text"],
            card=_card(d.get("card")),
            choices=_choices(d.get("choices")),
            relay_to=tuple(d["relay_to"]) if d.get("relay_to") is not None else None,
            hosts=tuple(d.get("hosts", ())),
        )
    raise ValueError(f"unknown effect kind {kind}")


# ---------------------------------------------------------------- inbound events (the inbox)

EVENT_TYPES: dict[str, type[InboundEvent]] = {
    "command": CommandInvoked,
    "action": ActionInvoked,
    "reaction": ReactionChanged,
    "message": MessageReceived,
    "message_action": MessageActionInvoked,
    "joined": MemberJoined,
    "channel_message": ChannelMessage,
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
    for name, value in list(data.items()):
        # A quoted message (a message action's target, a reaction's quote) keeps its kind.
        if isinstance(value, Quoted):
            data[name] = {"quoted": True, **asdict(value)}
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
    for name, value in list(data.items()):
        if isinstance(value, dict) and value.get("quoted") is True:
            q = {k: v for k, v in value.items() if k != "quoted"}
            data[name] = Quoted(**{**q, "address": Address(**q["address"])})
    for name in _ADDRESS_FIELDS:
        if isinstance(data.get(name), dict):
            data[name] = Address(**data[name])
    cast_at = data.get("cast_at")
    data["cast_at"] = datetime.fromisoformat(cast_at) if cast_at else None
    return cls(**data)
