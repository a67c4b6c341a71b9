"""Each announced event copied to the platform's own calendar (a Discord guild scheduled
event) and kept in step: its announcement makes the copy, an edit changes it, a cancellation
removes it. The adapter remembers which copy belongs to which event, so it is made once."""

from __future__ import annotations

from typing import Any

from bot.context import Ctx
from bot.model import MirrorEvent
from bot.registry import Registry
from commands.events import render
from storage.event_tables import Event


def mirrored(ctx: Ctx, event: Event) -> MirrorEvent:
    return MirrorEvent(
        platform=ctx.community.platform,
        workspace=ctx.community.workspace,
        source=render.ref(event),
        title=event.title,
        starts_at=event.starts_at.isoformat(),
        ends_at=event.ends_at.isoformat(),
        where=event.location or "",
        description=event.description or "",
        cancelled=event.status == "cancelled",
        channel=event.channel,
    )


def register(reg: Registry) -> None:
    @reg.on("event.announced")
    def on_announced(ctx: Ctx, event: Event, **_: Any) -> None:
        ctx.emit(mirrored(ctx, event))

    @reg.on("event.changed")
    @reg.on("event.cancelled")
    def on_changed(ctx: Ctx, event: Event, **_: Any) -> None:
        # Later occurrences of a series have no copy until they are announced.
        if event.announced:
            ctx.emit(mirrored(ctx, event))
