"""Chaos (issue 11): a real `moot run` in Slack HTTP mode, fed signed button presses by
several concurrent voters, SIGKILLed at random moments at least 50 times. Every ballot that
Slack's side saw acknowledged with HTTP 200 must be counted, none twice, and every vote's
result must reach Slack exactly once.

One guard: a kill is not aimed inside the few milliseconds between a result post reaching
Slack and its outbox row being marked sent. Slack's chat.postMessage has no idempotency key,
so closing that window is issue 20 item 4 (message metadata and a history look-up), which
has its own test; everything else here is killed wherever it happens to be."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from storage import repos
from storage.db import Database
from storage.migrate import upgrade
from storage.vote_tables import DecisionRecord, VoteBallot
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
VOTES = 4
VOTERS = [f"U0V{i:05d}" for i in range(150)]
KILLS = 52
DURATION = 75  # seconds each vote is open
SEND_FOR = DURATION - 12  # ballots are sent this long after the votes open
RESULT_WINDOW = 0.3  # seconds after a result post in which no kill is aimed (see above)


def ballot_payload(vote_id: int, channel: str, ts: str, voter: str, choice: str, n: int) -> Any:
    payload = p.block_actions(f"vote.cast|{vote_id}:{choice}", voter, ts, trigger=f"t{n}")
    payload["channel"]["id"] = channel
    payload["container"]["channel_id"] = channel
    payload["user"].update(id=voter, username=voter.lower(), name=voter.lower())
    payload["actions"][0]["action_ts"] = f"{time.time():.6f}"
    return payload


def vote_messages(db: Database) -> dict[int, tuple[str, str]]:
    with db.transaction() as s:
        found = {i: repos.latest_posted(s, f"vote:{i}") for i in range(1, VOTES + 1)}
    return {i: (m.channel, m.message_id) for i, m in found.items() if m is not None}


async def test_sigkill_under_ballot_load_loses_nothing_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    rng = random.Random(11)
    fake = slack_with(VOTERS, ALICE)
    await fake.start()
    db_file = tmp_path / "moot.db"
    db = Database(f"sqlite:///{db_file}")
    upgrade(db)
    port = free_port()
    config = write_config(tmp_path / "moot.toml", f"sqlite:///{db_file}", fake.url, port)
    bot = BotProcess(config, port, tmp_path / "bot.log")
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
    send = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET, http)
    acked: dict[tuple[str, int], str] = {}
    attempted: dict[tuple[str, int], set[str]] = {}
    ack_times: list[float] = []
    try:
        bot.spawn()
        await bot.ready()
        for i in range(1, VOTES + 1):
            form = p.slash_command("/vote", f'start "Chaos {i}?" --for {DURATION}s', ALICE, f"o{i}")
            assert (await send.command(form))[0] == 200
        messages = await wait_for(
            lambda: (m := vote_messages(db)) and len(m) == VOTES and m, 30, "the vote messages"
        )
        opened = time.monotonic()

        todo = deque(
            (voter, vote_id, rng.choice(["yes", "no", "abstain"]))
            for voter in VOTERS
            for vote_id in messages
        )
        rng.shuffle(todo)
        counter = iter(range(10**9))

        async def voter_loop() -> None:
            while todo and time.monotonic() - opened < SEND_FOR:
                voter, vote_id, choice = todo.popleft()
                channel, ts = messages[vote_id]
                payload = ballot_payload(vote_id, channel, ts, voter, choice, next(counter))
                attempted.setdefault((voter, vote_id), set()).add(choice)
                try:
                    status, _ = await send.interaction(payload)
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                if status == 200:
                    acked[(voter, vote_id)] = choice
                    ack_times.append(send.last_seconds)
                else:  # the bot is down: the voter presses again a little later
                    todo.append((voter, vote_id, choice))
                    await asyncio.sleep(0.05)

        async def killer() -> None:
            while bot.kills < KILLS:
                await bot.ready()
                await asyncio.sleep(rng.uniform(0.05, 1.0))
                while fake.result_times and time.monotonic() - fake.result_times[-1] < (
                    RESULT_WINDOW
                ):
                    await asyncio.sleep(0.05)
                bot.kill()
                bot.spawn()
            await bot.ready()

        await asyncio.gather(killer(), *(voter_loop() for _ in range(6)))

        def closed() -> bool:
            with db.transaction() as s:
                return len(s.execute(select(DecisionRecord.id)).all()) == VOTES

        await wait_for(closed, DURATION + 60, "every vote to close")
        await wait_for(lambda: len(fake.results()) == VOTES, 90, "every result on Slack")
        await asyncio.sleep(2)  # a second post of a result would show by now
    finally:
        await http.close()
        bot.stop()
        await fake.stop()

    with db.transaction() as s:
        records = {r.vote_id: r for r in s.execute(select(DecisionRecord)).scalars()}
        assert s.execute(select(VoteBallot.id)).all()  # the ballots are kept after close
    db.dispose()
    lost, doubled, unasked = [], [], []
    for vote_id, record in records.items():
        counted = [(b["voter"], b["choices"]) for b in record.data["ballots"]]
        voters = [v for v, _ in counted]
        doubled += [v for v in set(voters) if voters.count(v) > 1]
        by_voter = dict(counted)
        for (voter, vid), choice in acked.items():
            if vid == vote_id and by_voter.get(voter) != [choice]:
                lost.append((voter, vote_id, choice, by_voter.get(voter)))
        unasked += [v for v in by_voter if (v, vote_id) not in attempted]
    ack_times.sort()
    print(
        f"\nchaos: {bot.kills} kills, {bot.starts} starts, {len(acked)} ballots acknowledged "
        f"of {len(attempted)} pressed; ack p50 {ack_times[len(ack_times) // 2] * 1000:.1f} ms, "
        f"p99 {ack_times[int(len(ack_times) * 0.99)] * 1000:.1f} ms; results {fake.results()}"
    )
    assert bot.kills >= 50
    assert len(acked) >= len(VOTERS)  # real load got through between the kills
    assert lost == [], f"{len(lost)} acknowledged ballots lost: {lost[:10]}"
    assert doubled == [] and unasked == []
    assert fake.results() == {i: 1 for i in range(1, VOTES + 1)}
