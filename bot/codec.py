"""Effects to and from JSON, for the outbox table."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.model import (
    Address,
    Card,
    Choice,
    Edit,
    Effect,
    GrantRole,
    OpenPlace,
    OpenThread,
    React,
    Send,
)

KINDS: dict[type, str] = {
    Send: "send",
    Edit: "edit",
    React: "react",
    OpenThread: "open_thread",
    GrantRole: "grant_role",
    OpenPlace: "open_place",
}


def kind_of(effect: Effect) -> str:
    return KINDS[type(effect)]


def encode(effect: Effect) -> dict[str, Any]:
    return asdict(effect)


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
        )
    if kind == "edit":
        return Edit(d["ref"], d["text"], _card(d.get("card")), _choices(d.get("choices")))
    if kind == "react":
        return React(d["ref"], d["key"])
    if kind == "open_thread":
        return OpenThread(d["ref"], d["title"])
    if kind == "grant_role":
        return GrantRole(d["platform"], d["workspace"], d["user_id"], d["role"])
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
