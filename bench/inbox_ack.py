"""Slack ack latency on the HTTP path: the durable inbox against committing the whole handling
before the ack. The real bolt app in HTTP mode receives signed button presses (ballots on a
real vote) from CONCURRENCY voters at once; each request's time to its HTTP answer is
measured on the client, beside a raw database commit from the same run.

    python -m bench.inbox_ack [--n 2000] [--concurrency 16] [--pg]

"inbox": the answer waits for one short INSERT into the inbox; the handling follows.
"commit first": the answer waits for the actor look-up and the whole handler transaction
(ballot, tally, outbox rows). Slack gives up after 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from adapters.slack.adapter import SlackAdapter, SlackConfig
from bench.common import Stats, pg_url, postgres_baseline, sqlite_baseline
from bot.app import App
from bot.clock import SystemClock
from bot.model import InboundEvent
from moot.cli import registry
from storage import repos
from storage.db import Database
from storage.migrate import upgrade
from tests.adapters import slack_payloads as p
from tests.e2e.chaos_bot import SECRET, TOKEN, slack_with
from tests.e2e.slack_fake import SlackSender

ALICE = "U0ALICE01"


async def measure(url: str, mode: str, n: int, concurrency: int) -> tuple[Stats, float]:
    voters = [f"U0B{i:05d}" for i in range(n)]
    fake = slack_with(voters, ALICE)
    await fake.start()
    db = Database(url)
    upgrade(db)
    reg = registry()
    cfg = SlackConfig(
        bot_token=TOKEN,
        signing_secret=SECRET,
        mode="http",
        port=0,
        api_base_url=fake.url,
        min_post_interval=0.0,
    )
    adapter = SlackAdapter(cfg, db, reg)
    app = App(db, reg, SystemClock(), {"slack": adapter})

    async def commit_first(event: InboundEvent) -> str:
        return app.dispatcher.handle_now(await adapter.prepare(event))

    sink = app.inbox.accept if mode == "inbox" else commit_first
    inbox = asyncio.create_task(app.inbox.run())
    sender = asyncio.create_task(app.sender.run(idle=0.05))
    await adapter.start(sink)
    http = aiohttp.ClientSession()
    send = SlackSender(f"http://127.0.0.1:{adapter.bound_port}/slack/events", SECRET, http)
    try:
        await send.command(p.slash_command("/vote", 'start "Bench?" --for 1h', ALICE, "o1"))
        deadline = time.monotonic() + 30
        posted = None
        while posted is None and time.monotonic() < deadline:
            with db.transaction() as s:
                posted = repos.latest_posted(s, "vote:1")
            await asyncio.sleep(0.05)
        assert posted is not None, "the vote message was not posted"
        queue = list(range(n))
        latencies: list[float] = []

        async def voter() -> None:
            while queue:
                i = queue.pop()
                who = voters[i]
                payload = p.block_actions("vote.cast|1:yes", who, posted.message_id, f"b{i}")
                payload["channel"]["id"] = payload["container"]["channel_id"] = posted.channel
                payload["user"].update(id=who, username=who.lower(), name=who.lower())
                status, _ = await send.interaction(payload)
                assert status == 200
                latencies.append(send.last_seconds)

        start = time.perf_counter()
        await asyncio.gather(*(voter() for _ in range(concurrency)))
        acked = time.perf_counter() - start
        while app.inbox.pending():
            await asyncio.sleep(0.05)
        handled = time.perf_counter() - start
        label = f"{mode}: HTTP ack ({'SQLite' if url.startswith('sqlite') else 'PostgreSQL'})"
        return Stats(label, n, acked, latencies), n / handled
    finally:
        await http.close()
        await adapter.stop()
        app.inbox.stop()
        app.sender.stop()
        await asyncio.gather(inbox, sender)
        await fake.stop()
        db.dispose()


def fresh_pg(base: str) -> tuple[str, Any]:
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from storage.db import normalise_url

    url = make_url(normalise_url(base))
    name = f"moot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--pg", action="store_true", help="also on MOOT_BENCH/TEST_DATABASE_URL")
    args = ap.parse_args()
    print(f"{args.n} ballots, {args.concurrency} voters at once, one vote")
    with tempfile.TemporaryDirectory() as tmp:
        print(sqlite_baseline(args.n, tmp).line("commits"))
        for mode in ("inbox", "commit first"):
            url = f"sqlite:///{Path(tmp) / (mode.replace(' ', '_') + '.db')}"
            stats, rate = asyncio.run(measure(url, mode, args.n, args.concurrency))
            print(stats.line("acks") + f"   handled {rate:.0f}/s")
    base = pg_url()
    if args.pg and base:
        print(postgres_baseline(base, args.n).line("commits"))
        for mode in ("inbox", "commit first"):
            url, drop = fresh_pg(base)
            try:
                stats, rate = asyncio.run(measure(url, mode, args.n, args.concurrency))
            finally:
                drop()
            print(stats.line("acks") + f"   handled {rate:.0f}/s")


if __name__ == "__main__":
    main()
