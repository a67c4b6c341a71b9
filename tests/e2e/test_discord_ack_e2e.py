"""Acknowledgements go first: while handlers hold the event loop for their transactions, an
interaction's defer still reaches Discord at once (real discord.py, loopback fake)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from adapters.discord.adapter import DiscordAdapter
from bot.app import App
from bot.clock import SystemClock
from bot.registry import Registry
from storage.db import Database
from tests.adapters import discord_payloads as p
from tests.e2e.discord_fake import FakeDiscord
from tests.e2e.test_discord_e2e import fake as fake
from tests.e2e.test_discord_e2e import registry as registry
from tests.e2e.test_discord_e2e import settings_for

HANDLER_SECONDS = 0.4  # a slow transaction, holding the loop as a real one does


async def test_presses_are_acknowledged_while_slow_handlers_hold_the_loop(
    fake: FakeDiscord, db: Database, registry: Registry
) -> None:
    adapter = DiscordAdapter(settings_for(fake), db, registry)
    app = App(db, registry, SystemClock(), {"discord": adapter}, prefixes={"discord": "/"})
    handled: list[str] = []

    async def slow_sink(event: Any) -> Any:
        time.sleep(HANDLER_SECONDS)  # blocking on purpose: the loop is held
        handled.append(event.event_id)
        return "ok"

    await adapter.start(slow_sink)
    try:
        def press(who: str) -> dict[str, Any]:
            return p.button(who, p.VOTES, p.snowflake(), "moot:vote.cast:1:yes")

        people = (p.BOB, p.CAROL, p.DAVE, p.ALICE, p.OWNER)
        backlog = [press(who) for who in people * 2]
        first = await asyncio.gather(*(fake.interact(x, timeout=10) for x in backlog))
        # Then presses one by one while that backlog (4 s of handlers) is being worked off.
        later = []
        for who in people:
            later.append(await fake.interact(press(who), timeout=10))
            await asyncio.sleep(0.1)
        latencies = sorted(cb.latency for cb in first + later)
        # Each waits at most for the handler running when it arrived; behind the queue
        # (one turn of the loop between handlers) a press waited for several.
        assert latencies[-1] < 3 * HANDLER_SECONDS, latencies
        assert len(handled) < len(backlog)  # the work was still queued when all were acked
        deadline = time.monotonic() + 20
        while len(handled) < len(backlog) + len(later) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert len(handled) == len(backlog) + len(later)
    finally:
        await adapter.stop()
        app.sender.stop()
