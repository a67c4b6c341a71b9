"""What a log line is about: the event, community, platform (and due item) being handled,
kept in context variables so every line written while handling it carries them, including
lines from storage and adapters that know nothing of the event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

FIELDS = ("event_id", "community", "platform", "due")

_VARS: dict[str, ContextVar[str | None]] = {
    name: ContextVar(f"moot_log_{name}", default=None) for name in FIELDS
}


def bind(**values: str | None) -> None:
    """Set fields for the rest of the current scope (see `scope`)."""
    for name, value in values.items():
        _VARS[name].set(value)


def current() -> dict[str, str | None]:
    return {name: var.get() for name, var in _VARS.items()}


@contextmanager
def scope(**values: str | None) -> Iterator[None]:
    """Fields bound inside are forgotten on the way out, so one event's id never leaks
    onto the next event's lines."""
    saved = current()
    bind(**values)
    try:
        yield
    finally:
        bind(**saved)
