"""Issue 13's "done when": every console scenario of tests/e2e/discord_scenarios.py, played
on the console and through the real discord.py client on the loopback fake Discord, leaves
the same decision records (outcome, tallies, participation, who closed and why), ids and
times aside."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from adapters.console_script import ConsoleSession, fake_clock
from adapters.discord.adapter import DiscordAdapter
from bot.app import App
from bot.model import InboundEvent
from bot.registry import Registry
from commands.decisions import record_dict
from storage import migrate
from storage.db import Database
from storage.vote_tables import DecisionRecord
from tests.conftest import START
from tests.e2e.discord_fake import FakeDiscord
from tests.e2e.discord_scenarios import SCENARIOS, DiscordDriver, Scenario, normalised
from tests.e2e.test_discord_e2e import settings_for


def records(db: Database) -> list[dict[str, Any]]:
    with db.transaction() as s:
        rows = s.execute(select(DecisionRecord).order_by(DecisionRecord.vote_id)).scalars()
        return [normalised(record_dict(r)) for r in rows]


async def on_console(registry: Registry, script: str, tmp_path: Path) -> list[dict[str, Any]]:
    db = Database(f"sqlite:///{tmp_path / 'console.db'}")
    migrate.upgrade(db)
    try:
        session = ConsoleSession(db, registry, fake_clock(START), out=lambda _s: None)
        await session.run_script(script)
        assert not session.failures, session.failures  # every line played on the console
        return records(db)
    finally:
        db.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        yield f


async def on_discord(
    fake: FakeDiscord, db: Database, registry: Registry, script: str
) -> list[dict[str, Any]]:
    clock = fake_clock(START)
    adapter = DiscordAdapter(settings_for(fake), db, registry, clock=clock)
    app = App(db, registry, clock, {"discord": adapter}, prefixes={"discord": "/"})
    handled: list[str] = []

    async def sink(event: InboundEvent) -> Any:
        try:
            return await app.dispatcher.handle(event)
        finally:
            handled.append(event.event_id)

    sender = asyncio.create_task(app.sender.run(idle=0.02))
    await adapter.start(sink)
    try:
        driver = DiscordDriver(fake, app, clock, registry, lambda: len(handled))
        await driver.run(script)
        return records(db)
    finally:
        app.sender.stop()
        await adapter.stop()
        await sender


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_discord_decides_as_the_console_does(
    scenario: Scenario, fake: FakeDiscord, db: Database, registry: Registry, tmp_path: Path
) -> None:
    console = await on_console(registry, scenario.script, tmp_path)
    assert console, f"{scenario.name} decides nothing on the console"
    discord = await on_discord(fake, db, registry, scenario.script)
    assert [r["vote_id"] for r in discord] == [r["vote_id"] for r in console]
    for on_d, on_c in zip(discord, console, strict=True):
        assert on_d == on_c, f"vote {on_c['vote_id']} of {scenario.name}"
