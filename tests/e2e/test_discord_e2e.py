"""End to end on loopback: the real discord.py client (gateway websocket and REST, with its
own rate-limit handling) against a fake Discord (tests/e2e/discord_fake.py), feeding a real
bot App (dispatcher, outbox sender) on the test database with every Moot capability.

Acknowledgement times of every interaction of the run are collected and printed at the end
(`pytest -s tests/e2e/test_discord_e2e.py` shows them)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.discord import tree
from adapters.discord.adapter import DiscordAdapter
from adapters.discord.settings import DiscordSettings
from bot.app import App
from bot.clock import SystemClock
from bot.registry import Registry
from storage.db import Database
from storage.tables import Member
from storage.vote_tables import DecisionRecord
from storage.vote_tables import VoteBallot as Ballot
from tests.adapters import discord_payloads as p
from tests.e2e.discord_fake import Callback, FakeDiscord

TOKEN = "MTE4MDAwMDAwMDAwMDAwMDAwMw.fake.not-a-real-token-e2e"
LATENCIES: list[float] = []


def settings_for(fake: FakeDiscord, **kw: Any) -> DiscordSettings:
    return DiscordSettings(
        token=TOKEN,
        guild_id=p.GUILD,
        api_base=fake.api,
        gateway_url=fake.gateway_url,
        **kw,
    )


async def until(check: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.02)


@dataclass
class Bot:
    fake: FakeDiscord
    app: App
    adapter: DiscordAdapter
    db: Database

    async def interact(self, payload: dict[str, Any]) -> Callback:
        cb = await self.fake.interact(payload)
        LATENCIES.append(cb.latency)
        assert cb.latency < 3.0, f"acknowledged after {cb.latency:.2f}s"
        return cb

    async def settled(self) -> None:
        """Everything dispatched has been delivered."""
        await asyncio.sleep(0.05)
        await self.app.sender.drain()

    def count(self, model: Any) -> int:
        with self.db.transaction() as s:
            return int(s.execute(select(func.count()).select_from(model)).scalar_one())


BotFactory = Callable[..., Awaitable[Bot]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        yield f


@pytest.fixture
async def start_bot(
    fake: FakeDiscord, db: Database, registry: Registry
) -> AsyncIterator[BotFactory]:
    running: list[tuple[Bot, asyncio.Task[None]]] = []

    async def make(**kw: Any) -> Bot:
        adapter = DiscordAdapter(settings_for(fake, **kw), db, registry)
        app = App(db, registry, SystemClock(), {"discord": adapter}, prefixes={"discord": "/"})
        app.sender.lease = __import__("datetime").timedelta(seconds=5)
        task = asyncio.create_task(app.sender.run(idle=0.05))
        await adapter.start(app.dispatcher.handle)
        bot = Bot(fake, app, adapter, db)
        running.append((bot, task))
        return bot

    yield make
    for bot, task in running:
        bot.app.sender.stop()
        await bot.adapter.stop()
        await task


def _vote_card(fake: FakeDiscord) -> Any:
    return next(m for m in fake.in_channel(p.VOTES) if m.components)


async def start_vote(bot: Bot, question: str, *extra: dict[str, Any]) -> Any:
    cb = await bot.interact(
        p.slash(
            p.ALICE,
            p.VOTES,
            "vote",
            "start",
            [p.opt("question", question), p.opt("for", "1h"), *extra],
        )
    )
    assert cb.type == 5 and cb.data.get("flags") == 64  # deferred, privately
    await until(lambda: any(m.components for m in bot.fake.in_channel(p.VOTES)), what="vote card")
    return _vote_card(bot.fake)


def _custom_id(card: Any, label: str) -> str:
    for row in card.components:
        for c in row["components"]:
            if c["label"] == label:
                return str(c["custom_id"])
    raise AssertionError(f"no button {label} in {card.components}")


async def test_the_registered_tree_matches_the_specs(
    start_bot: BotFactory, registry: Registry
) -> None:
    bot = await start_bot()
    registered = bot.fake.commands[p.GUILD]
    assert [c["name"] for c in registered] == sorted(registry.commands)
    assert [
        {k: v for k, v in c.items() if k not in ("id", "application_id", "version")}
        for c in registered
    ] == tree.commands(registry)
    vote = next(c for c in registered if c["name"] == "vote")
    subs = {o["name"] for o in vote["options"]}
    assert subs == {s for s in registry.commands["vote"] if s}
    cast = next(o for o in vote["options"] if o["name"] == "cast")
    by_name = {o["name"]: o for o in cast["options"]}
    assert by_name["id"]["type"] == tree.INTEGER and by_name["id"]["autocomplete"] is True
    assert by_name["id"]["min_value"] == 1
    # The directory came from GUILD_CREATE: every human member, admins from Manage Server.
    with bot.db.transaction() as s:
        members = {m.user_id: m for m in s.execute(select(Member)).scalars()}
    assert set(members) == {p.OWNER, p.ALICE, p.BOB, p.CAROL, p.DAVE}
    assert members[p.ALICE].is_admin and members[p.OWNER].is_admin
    assert not members[p.BOB].is_admin and "tc" in members[p.BOB].roles


async def test_a_full_vote_by_buttons(start_bot: BotFactory) -> None:
    bot = await start_bot()
    fake = bot.fake
    card = await start_vote(bot, "Adopt v2?")
    assert "<t:" in str(card.embeds) or "<t:" in card.content  # deadline in each reader's zone
    assert card.allowed_mentions["parse"] == []
    await until(lambda: card.id in fake.threads, what="the vote's thread")
    for who, choice in ((p.BOB, "yes"), (p.CAROL, "yes"), (p.DAVE, "no")):
        cb = await bot.interact(p.button(who, p.VOTES, card.id, _custom_id(card, choice)))
        assert cb.type == 6  # deferred update: no "thinking" message on a button
    await until(lambda: bot.count(Ballot) == 3, what="three ballots")
    await until(lambda: "3 of 5 eligible voted" in str(card.embeds), what="the tally edit")
    for who in (p.BOB, p.CAROL, p.DAVE):
        assert any("yes" in m.content or "no" in m.content for m in fake.seen_by(who))
    await bot.interact(p.slash(p.ALICE, p.VOTES, "vote", "close", [p.opt("id", 1, 4)]))
    await until(lambda: bot.count(DecisionRecord) == 1, what="the decision")
    await until(lambda: fake.in_channel(card.id), what="the result in the thread")
    result = fake.in_channel(card.id)[-1]
    assert "pass" in result.content.lower() or "pass" in str(result.embeds).lower()
    await until(lambda: not card.components, what="buttons removed at close")
