"""When a Discord event was cast, for the core's last-answer-wins ordering (bot/changes.py).
Pure: no client, no I/O.

Interactions (slash commands, buttons, selects, forms) and messages carry a snowflake id that
Discord mints when the person acts: its top 42 bits are milliseconds since Discord's epoch.
That time is Discord's own, so two changes by one person are ordered as they were made even
when they reach the bot out of order (a gateway RESUME replaying, the inbox retrying).

Reaction add/remove dispatches carry no id and no time. They are stamped when the adapter
reads them off the websocket, before they wait in any queue: one gateway connection delivers
its dispatches in sequence order, so receipt order is the order Discord saw them in, and a
stamp taken that early keeps it through every later retry or replay. A stamp taken later (at
handling time) would let a redelivered old reaction count as the newest change. The stamp is
our clock and a snowflake is Discord's: they differ by the clocks' error plus the delivery
time (tens of milliseconds), so a press and a reaction by one person closer together than
that may be ordered as they arrived."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from bot.model import Event

DISCORD_EPOCH_MS = 1420070400000
TIMESTAMP_SHIFT = 22
# A snowflake is a 64-bit unsigned integer; anything else is not one.
SNOWFLAKE_MAX = (1 << 64) - 1

E = TypeVar("E", bound=Event)


def snowflake_ms(value: Any) -> int | None:
    """Unix milliseconds of a snowflake (a string or int id), None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit():
            return None
        value = int(value)
    if not isinstance(value, int) or value <= 0 or value > SNOWFLAKE_MAX:
        return None
    return (value >> TIMESTAMP_SHIFT) + DISCORD_EPOCH_MS


def snowflake_time(value: Any) -> datetime | None:
    """When a snowflake was minted, UTC, to the millisecond."""
    ms = snowflake_ms(value)
    if ms is None:
        return None
    return datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)


def snowflake_at(when: datetime, sequence: int = 0) -> str:
    """The smallest-but-`sequence` snowflake minted at `when` (for tests and fixtures)."""
    ms = int(when.timestamp() * 1000) - DISCORD_EPOCH_MS
    if ms < 0:
        raise ValueError("Discord snowflakes start in 2015")
    return str((ms << TIMESTAMP_SHIFT) | (sequence & ((1 << TIMESTAMP_SHIFT) - 1)))


def cast_from_id(event: E, snowflake: Any) -> E:
    """The event stamped with its snowflake's time (left as it is when it has none)."""
    at = snowflake_time(snowflake)
    return replace(event, cast_at=at) if at is not None else event


def stamp_received(event: E, received: datetime) -> E:
    """An event whose payload carries no time, stamped with when it was read off the socket."""
    return event if event.cast_at is not None else replace(event, cast_at=received)
