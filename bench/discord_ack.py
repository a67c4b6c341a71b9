"""Discord interaction acknowledgement (defer) latency under load, through the loopback fake
gateway and REST (tests/e2e/discord_fake.py) with the real discord.py client.

    python -m bench.discord_ack [--n 600] [--concurrency 16] [--members 200] [--pg]

Each figure is the time from the fake pushing an INTERACTION_CREATE down the websocket to its
callback (a deferred update) arriving at the fake's REST endpoint; Discord gives up after 3 s.
CONCURRENCY button presses are in flight at once, ballots on one real vote, and each is also
handled (ballot, tally, receipt, card edit) on the same event loop, so the acknowledgements
compete with that work.

Baseline, measured in the same run against the same fake: a bare discord.py client that
answers every interaction from its raw-dispatch hook and does nothing else: the floor set by
the library, the websocket, JSON and one REST call on this machine.

"acks first" is the adapter as it is: its worker starts no handler while an acknowledgement
is on its way. "yield once" replays the worker before that change (one turn of the loop
between handlers), for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.settings import DiscordSettings
from bench.common import Stats, pg_url, postgres_baseline, sqlite_baseline
from bench.votes import scratch_pg
from bot.app import App
from bot.clock import SystemClock
from moot.cli import registry
from storage import repos
from storage.db import Database
from storage.migrate import upgrade
from tests.adapters import discord_payloads as p
from tests.e2e.discord_fake import FakeDiscord

TOKEN = "MTE4MDAwMDAwMDAwMDAwMDAwMw.fake.not-a-real-token-bench"
MODES = ("acks first", "yield once")


def members(n: int) -> list[str]:
    return [p.OWNER, p.ALICE, p.BOT, *(str(1180000000000100000 + i) for i in range(n))]


async def presses(
    fake: FakeDiscord, voters: list[str], card: str, ids: list[str], n: int, concurrency: int
) -> tuple[float, list[float]]:
    """n presses from `concurrency` voters at once; (seconds in all, latencies)."""
    queue = list(range(n))
    latencies: list[float] = []

    async def voter() -> None:
        while queue:
            i = queue.pop()
            payload = p.button(voters[i % len(voters)], p.VOTES, card, ids[i % len(ids)])
            cb = await fake.interact(payload, timeout=60)
            latencies.append(cb.latency)

    start = time.perf_counter()
    await asyncio.gather(*(voter() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies


async def baseline(n: int, concurrency: int, size: int) -> Stats:
    """A bare client: acknowledge, nothing else."""
    people = members(size)
    async with FakeDiscord(people) as fake:
        Route.BASE = fake.api
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        client = discord.Client(intents=discord.Intents.none(), enable_debug_events=True)

        @client.event
        async def on_socket_raw_receive(raw: str) -> None:
            msg = json.loads(raw)
            if msg.get("t") != "INTERACTION_CREATE":
                return
            d = msg["d"]
            route = Route(
                "POST",
                "/interactions/{webhook_id}/{webhook_token}/callback",
                webhook_id=d["id"],
                webhook_token=d["token"],
            )
            await client.http.request(route, json={"type": 6})

        await client.login(TOKEN)
        task = asyncio.create_task(client.connect(reconnect=False))
        try:
            await fake.wait_connected()
            await asyncio.sleep(0.2)
            ids = ["moot:vote.cast:1:yes", "moot:vote.cast:1:no"]
            seconds, lat = await presses(fake, people[3:], p.snowflake(), ids, n, concurrency)
            return Stats("baseline: bare discord.py client, ack only", n, seconds, lat)
        finally:
            await client.close()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def _yield_once(self: DiscordAdapter) -> None:
    await asyncio.sleep(0)


async def moot(
    url: str, n: int, concurrency: int, size: int, mode: str = "acks first"
) -> tuple[Stats, float]:
    people = members(size)
    async with FakeDiscord(people) as fake:
        db = Database(url)
        upgrade(db)
        reg = registry()
        settings = DiscordSettings(
            token=TOKEN, guild_id=p.GUILD, api_base=fake.api, gateway_url=fake.gateway_url
        )
        adapter = DiscordAdapter(settings, db, reg)
        if mode == "yield once":
            adapter._acks_first = _yield_once.__get__(adapter)  # type: ignore[method-assign]
        app = App(db, reg, SystemClock(), {"discord": adapter}, prefixes={"discord": "/"})
        handled: list[Any] = []

        async def sink(event: Any) -> Any:
            try:
                return await app.dispatcher.handle(event)
            finally:
                handled.append(event.event_id)

        sender = asyncio.create_task(app.sender.run(idle=0.05))
        await adapter.start(sink)
        try:
            start = p.slash(p.ALICE, p.VOTES, "vote", "start", [p.opt("question", "Bench?")])
            await fake.interact(start, timeout=30)
            posted = None
            deadline = time.monotonic() + 30
            while posted is None and time.monotonic() < deadline:
                with db.transaction() as s:
                    posted = repos.latest_posted(s, "vote:1")
                await asyncio.sleep(0.05)
            assert posted is not None, "the vote message was not posted"
            before = len(handled)
            ids = ["moot:vote.cast:1:yes", "moot:vote.cast:1:no"]
            seconds, lat = await presses(
                fake, people[3:], posted.message_id, ids, n, concurrency
            )
            t0 = time.perf_counter() - seconds
            while len(handled) - before < n:
                await asyncio.sleep(0.02)
            rate = n / (time.perf_counter() - t0)
            await app.sender.drain()  # the receipts and edits, before the fake goes
            where = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
            return Stats(f"Moot, {mode}: defer, then handle ({where})", n, seconds, lat), rate
        finally:
            app.sender.stop()
            await adapter.stop()
            await sender
            db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--pg", action="store_true", help="also on MOOT_BENCH/TEST_DATABASE_URL")
    args = ap.parse_args()
    print(
        f"{args.n} button presses, {args.concurrency} at once, one vote, "
        f"{args.members} members"
    )
    print(asyncio.run(baseline(args.n, args.concurrency, args.members)).line("acks"))
    with tempfile.TemporaryDirectory() as tmp:
        print(sqlite_baseline(args.n, tmp).line("commits"))
        for mode in MODES:
            url = f"sqlite:///{Path(tmp) / (mode.replace(' ', '_') + '.db')}"
            stats, rate = asyncio.run(moot(url, args.n, args.concurrency, args.members, mode))
            print(stats.line("acks") + f"   handled {rate:.0f}/s")
    base = pg_url()
    if args.pg and base:
        print(postgres_baseline(base, args.n).line("commits"))
        for mode in MODES:
            with scratch_pg(base) as url:
                stats, rate = asyncio.run(
                    moot(url, args.n, args.concurrency, args.members, mode)
                )
            print(stats.line("acks") + f"   handled {rate:.0f}/s")


if __name__ == "__main__":
    main()
