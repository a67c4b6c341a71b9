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

import aiohttp

from adapters.slack.adapter import SlackAdapter, SlackConfig
from bench.common import Stats, pg_url, postgres_baseline, sqlite_baseline
from bench.votes import scratch_pg
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
MODES = ["inbox", "commit first"]


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--pg", action="store_true", help="also on MOOT_BENCH/TEST_DATABASE_URL")
    ap.add_argument("--mode", choices=MODES, action="append", help="only this mode")
    args = ap.parse_args()
    modes = args.mode or MODES
    print(f"{args.n} ballots, {args.concurrency} voters at once, one vote")
    with tempfile.TemporaryDirectory() as tmp:
        print(sqlite_baseline(args.n, tmp).line("commits"))
        for mode in modes:
            url = f"sqlite:///{Path(tmp) / (mode.replace(' ', '_') + '.db')}"
            stats, rate = asyncio.run(measure(url, mode, args.n, args.concurrency))
            print(stats.line("acks") + f"   handled {rate:.0f}/s")
    base = pg_url()
    if args.pg and base:
        print(postgres_baseline(base, args.n).line("commits"))
        for mode in modes:
            with scratch_pg(base) as url:
                stats, rate = asyncio.run(measure(url, mode, args.n, args.concurrency))
            print(stats.line("acks") + f"   handled {rate:.0f}/s")


if __name__ == "__main__":
    main()
