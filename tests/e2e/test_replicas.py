"""Replicas (issue 11): three `moot run` processes on one database, started at the same
moment on an empty schema (they race on the migrations), behind a round-robin "load
balancer". 300 votes opened through all three, deadlines spread over a minute, ballots from
people the bot has never seen (they race on creating the same member rows): each vote
closes once, each result reaches Slack once, and no handler fails. SQLite file and
PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.dispatcher import APOLOGY
from storage.db import Database
from storage.tables import PostedMessage
from storage.vote_tables import DecisionRecord, Vote
from tests.adapters import slack_payloads as p
from tests.e2e.chaos_bot import (
    SECRET,
    BotProcess,
    free_port,
    slack_with,
    wait_for,
    write_config,
)
from tests.e2e.slack_fake import SlackSender

pytestmark = pytest.mark.slow

ALICE = "U0ALICE01"
REPLICAS = 3
VOTES = 300
VOTERS = [f"U0R{i:05d}" for i in range(40)]
BALLOTS_PER_VOTE = 2


async def test_three_replicas_start_together_and_close_each_vote_once(
    tmp_path: Path, empty_database: str
) -> None:
    rng = random.Random(3)
    fake = slack_with(VOTERS, ALICE)
    await fake.start()
    bots = []
    for n in range(REPLICAS):
        port = free_port()
        config = write_config(tmp_path / f"moot{n}.toml", empty_database, fake.url, port)
        bots.append(BotProcess(config, port, tmp_path / f"bot{n}.log"))
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    senders = [SlackSender(f"http://127.0.0.1:{b.port}/slack/events", SECRET, http) for b in bots]
    balance = itertools.cycle(senders)
    db: Database | None = None
    try:
        for bot in bots:  # all at once, before any has migrated
            bot.spawn()
        await asyncio.gather(*(bot.ready() for bot in bots))
        started = time.monotonic()
        db = Database(empty_database)

        async def start(i: int) -> None:
            seconds = 60 + i % 16  # deadlines spread over 60-75 s
            form = p.slash_command(
                "/vote", f'start "Replica {i}?" --for {seconds}s', ALICE, f"o{i}"
            )
            status, _ = await next(balance).command(form)
            assert status == 200

        for chunk in range(0, VOTES, 30):
            await asyncio.gather(*(start(i) for i in range(chunk, min(chunk + 30, VOTES))))

        def opened() -> list[tuple[int, str, str]]:
            assert db is not None
            with db.transaction() as s:
                rows = s.execute(
                    select(PostedMessage.ref, PostedMessage.channel, PostedMessage.message_id)
                ).all()
            found = [
                (int(ref.split(":")[1]), channel, ts)
                for ref, channel, ts in rows
                if ref and ref.startswith("vote:")
            ]
            return found if len(found) == VOTES else []

        posted = await wait_for(opened, 60, "every vote message")

        async def ballot(n: int, vote_id: int, channel: str, ts: str) -> None:
            voter = VOTERS[(vote_id * 7 + n) % len(VOTERS)]
            payload = p.block_actions(
                f"vote.cast|{vote_id}:{rng.choice(['yes', 'no'])}", voter, ts, f"b{vote_id}.{n}"
            )
            payload["channel"]["id"] = payload["container"]["channel_id"] = channel
            payload["user"].update(id=voter, username=voter.lower(), name=voter.lower())
            payload["actions"][0]["action_ts"] = f"{time.time():.6f}"
            status, _ = await next(balance).interaction(payload)
            assert status == 200

        jobs = [(n, *m) for m in posted for n in range(BALLOTS_PER_VOTE)]
        for chunk in range(0, len(jobs), 30):
            await asyncio.gather(*(ballot(*job) for job in jobs[chunk : chunk + 30]))

        def all_closed() -> bool:
            assert db is not None
            with db.transaction() as s:
                return len(s.execute(select(DecisionRecord.id)).all()) == VOTES

        await wait_for(all_closed, 150, "every vote to close")
        await wait_for(lambda: len(fake.results()) == VOTES, 90, "every result on Slack")
        await asyncio.sleep(3)  # a second post of a result would show by now
        elapsed = time.monotonic() - started
    finally:
        await http.close()
        for bot in bots:
            bot.stop()
        await fake.stop()

    assert db is not None
    with db.transaction() as s:
        votes = list(s.execute(select(Vote)).scalars())
        records = list(s.execute(select(DecisionRecord.vote_id)).scalars())
    db.dispose()
    assert len(votes) == VOTES and {v.status for v in votes} == {"closed"}
    closes = [sum(step["what"] == "closed" for step in v.timeline) for v in votes]
    assert closes == [1] * VOTES
    assert sorted(records) == sorted(v.id for v in votes)
    assert fake.results() == {v.id: 1 for v in votes}
    apologies = [
        c for c in fake.calls if APOLOGY in str(c.args.get("text", ""))
    ]  # a handler failure answers its actor with the apology
    logs = "\n".join(bot.tail(10**7) for bot in bots)
    assert apologies == [] and "handler failed" not in logs and "Traceback" not in logs, logs[
        -3000:
    ]
    receipts = [c for c in fake.of("chat.postEphemeral") if "Your vote" in str(c.args.get("text"))]
    assert len(receipts) == VOTES * BALLOTS_PER_VOTE
    print(f"\nreplicas: {VOTES} votes closed once each in {elapsed:.0f} s on {empty_database[:10]}")
