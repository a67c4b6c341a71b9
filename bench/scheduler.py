"""The scheduler at scale: deadlines kept with 10,000 votes open, and a restart with 10,000
votes overdue, on a real clock, beside a raw baseline measured in the same run.

    python -m bench.scheduler [OPEN] [DUE_IN_WINDOW] [WINDOW_SECONDS] [OVERDUE]
        defaults 10000 1000 30 10000; PostgreSQL too when MOOT_BENCH_DATABASE_URL or
        MOOT_TEST_DATABASE_URL is set

1. Lateness: OPEN votes are open; DUE_IN_WINDOW of them close at random moments over the
   next WINDOW_SECONDS, the rest later. Lateness is from a vote's deadline to its close
   (tally, decision record, result and card edit in the outbox) being committed, while the
   outbox sender delivers through a stand-in adapter. The raw baseline is a bare asyncio
   timer per deadline on the same event loop in the same run: the floor for "on time".
2. Restart: OVERDUE votes fell due during the last hour while no process was running. A new
   process starts its adapters and scheduler as `moot run` does; the figures are the time
   until every vote is closed and every result delivered, how soon a command is answered
   meanwhile (its reply committed, and then delivered by the sender), and checks that each
   vote closed exactly once, oldest deadline first.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bench.common import Stats, pg_url, postgres_baseline, sqlite_baseline
from bench.votes import scratch_pg
from bot.adapter import Adapter, Target
from bot.app import App
from bot.clock import Clock, SystemClock
from bot.model import Actor, Address, Capabilities, CommandInvoked, Delivered, Edit, Send
from bot.registry import Registry
from storage import migrate, repos
from storage.db import Database
from storage.tables import DueWork, Outbox, PostedMessage
from storage.vote_tables import DecisionRecord, Vote
from storage.vote_tally_tables import VoteRosterEntry, VoteTally

WHERE = Address("console", "local", "votes")
CHAIR = Actor("console", "chair", "chair", is_admin=True)


class CountingAdapter(Adapter):
    """A platform that takes everything at once and counts what it was given, by key."""

    platform = "console"
    capabilities = Capabilities()
    min_edit_interval = 0.0

    def __init__(self) -> None:
        self.sends: Counter[str] = Counter()
        self.results: Counter[str] = Counter()
        self.edits = 0
        # When the first message of each `/help` reply was handed over, by event id.
        self.helped: dict[str, float] = {}

    async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered:
        await asyncio.sleep(0)  # a real platform call gives the event loop back
        self.sends[key] += 1
        if ":help-" in key:
            self.helped.setdefault(key.split(":")[2], time.perf_counter())
        if msg.ref and msg.ref.startswith("vote-result:"):
            self.results[msg.ref] += 1
        return Delivered(f"m{key}", msg.address.channel or "dm", thread_root)

    async def edit(self, target: Target, msg: Edit, key: str) -> None:
        await asyncio.sleep(0)
        self.edits += 1

    async def react(self, target: Target, emoji: str, key: str) -> None:
        return None


def registry() -> Registry:
    import commands

    return commands.register_all(Registry())


def seed_votes(app: App, closes_at: Callable[[int], datetime], n: int) -> list[int]:
    """n open votes as `/vote start` leaves them (the vote row, its card posted, its close and
    reminder scheduled), made by copying one real vote in bulk: opening 10,000 through the
    dispatcher would measure the opening, not the scheduler."""
    now = app.clock.now()
    event = CommandInvoked(
        event_id=f"seed-{now.timestamp()}",
        actor=CHAIR,
        address=WHERE,
        name="vote",
        args='start "Adopt the plan?" --for 72h',
        raw_text="",
    )
    assert app.dispatcher.handle_now(event) == "ok"
    with app.db.transaction() as s:
        template = s.execute(select(Vote).order_by(Vote.id.desc())).scalars().first()
        assert template is not None
        fields = template.model_dump(exclude={"id", "closes_at"})
        first = template.id or 0
        # The template itself is one of the n, with the first deadline.
        template.closes_at = closes_at(0)
        repos.schedule(
            s,
            kind="vote.close",
            key=str(first),
            due_at=closes_at(0),
            community_id=template.community_id,
            payload={"vote_id": first},
        )
        repos.cancel_due(s, "vote.remind", key_prefix=f"{first}:")
        s.execute(insert(Vote), [{**fields, "closes_at": closes_at(i)} for i in range(1, n)])
        ids = [
            first,
            *s.execute(select(Vote.id).where(Vote.id > first).order_by(Vote.id)).scalars(),
        ]
        assert len(ids) == n
        s.execute(
            insert(DueWork),
            [
                row
                for i, vid in enumerate(ids[1:], 1)
                for row in (
                    _due("vote.close", str(vid), closes_at(i), template.community_id, vid),
                    _due(
                        "vote.remind",
                        f"{vid}:86400",
                        closes_at(i) - timedelta(days=1),
                        template.community_id,
                        vid,
                        # Already sent, unless it is still ahead of us.
                        status="pending" if closes_at(i) - timedelta(days=1) > now else "done",
                    ),
                )
            ],
        )
        # Each as `/vote start` leaves it: its roster frozen and its totals at zero.
        tally = s.get(VoteTally, first)
        assert tally is not None
        totals = tally.model_dump(exclude={"vote_id"})
        s.execute(insert(VoteTally), [{**totals, "vote_id": vid} for vid in ids[1:]])
        roster = s.execute(
            select(VoteRosterEntry.user_id, VoteRosterEntry.weight).where(
                VoteRosterEntry.vote_id == first
            )
        ).all()
        if roster:
            s.execute(
                insert(VoteRosterEntry),
                [{"vote_id": vid, "user_id": u, "weight": w} for vid in ids[1:] for u, w in roster],
            )
        s.execute(
            insert(PostedMessage),
            [
                {
                    "community_id": template.community_id,
                    "platform": "console",
                    "channel": WHERE.channel,
                    "message_id": f"card{vid}",
                    "ref": f"vote:{vid}",
                    "choices": [],
                    "created_at": now,
                }
                for vid in ids[1:]
            ],
        )
    return ids


def _due(
    kind: str, key: str, at: datetime, community_id: int, vote_id: int, status: str = "pending"
) -> dict[str, object]:
    return {
        "kind": kind,
        "key": key,
        "due_at": at,
        "community_id": community_id,
        "payload": {"vote_id": vote_id},
        "status": status,
        "attempts": 0,
    }


def new_app(db: Database, clock: Clock, adapter: CountingAdapter) -> App:
    return App(db, registry(), clock, {"console": adapter}, sweep_seconds=15.0)


# ------------------------------------------------------------------ 1. lateness


async def lateness(db: Database, n_open: int, n_due: int, window: float) -> tuple[Stats, Stats]:
    clock = SystemClock()
    adapter = CountingAdapter()
    app = new_app(db, clock, adapter)
    await app.settle()
    begin = clock.now() + timedelta(seconds=3)
    rng = random.Random(11)
    offsets = sorted(rng.uniform(0, window) for _ in range(n_due))
    # The rest close in two days: open all along, their reminders (a day ahead) pending.
    far = [2 * 86400 + i for i in range(n_open - n_due)]
    deadlines = [begin + timedelta(seconds=o) for o in [*offsets, *far]]
    seed_votes(app, lambda i: deadlines[i], n_open)
    late: list[float] = []
    app.scheduler.observers.append(
        lambda kind, due, done: (
            late.append((done - due).total_seconds()) if kind == "vote.close" else None
        )
    )
    raw: list[float] = []
    loop = asyncio.get_running_loop()

    def fire(due: datetime) -> None:
        raw.append((datetime.now(UTC) - due).total_seconds())

    for due in deadlines[:n_due]:
        loop.call_later((due - clock.now()).total_seconds(), fire, due)
    app.scheduler.start()
    sender = asyncio.create_task(app.sender.run())
    started = time.perf_counter()
    limit = window + 60
    while len(late) < n_due and time.perf_counter() - started < limit:
        await asyncio.sleep(0.2)
    took = time.perf_counter() - started
    await app.scheduler.stop()
    app.sender.stop()
    await sender
    assert len(late) == n_due, f"only {len(late)} of {n_due} closes ran in {limit:.0f}s"
    return (
        Stats(f"moot: deadline -> close committed, {n_open} open", n_due, took, late),
        Stats("baseline: bare asyncio timer, same loop and run", len(raw), took, raw),
    )


# ------------------------------------------------------------------ 2. restart


async def restart(db: Database, n: int) -> list[str]:
    clock = SystemClock()
    seeding = new_app(db, clock, CountingAdapter())
    now = clock.now()
    # Fell due over the last hour, in shuffled id order so "oldest first" is tested.
    rng = random.Random(12)
    ages = [rng.uniform(1, 3600) for _ in range(n)]
    ids = seed_votes(seeding, lambda i: now - timedelta(seconds=ages[i]), n)
    await seeding.settle()
    db.engine.dispose()

    adapter = CountingAdapter()
    app = new_app(db, clock, adapter)
    order: list[datetime] = []
    app.scheduler.observers.append(lambda kind, due, done: order.append(due))
    t0 = time.perf_counter()
    # As `moot run`: adapters are up (the stand-in is), then the scheduler and the sender.
    app.scheduler.start()
    sender = asyncio.create_task(app.sender.run())
    answers: list[float] = []
    committed: dict[str, float] = {}
    closed_at = delivered_at = None
    while time.perf_counter() - t0 < 300:
        asked = time.perf_counter()
        event = CommandInvoked(
            event_id=f"help-{asked}",
            actor=CHAIR,
            address=WHERE,
            name="help",
            args="",
            raw_text="",
        )
        assert await app.dispatcher.handle(event) == "ok"
        committed[event.event_id] = time.perf_counter()
        answers.append(committed[event.event_id] - asked)
        with db.transaction() as s:
            open_left = s.execute(
                select(func.count()).select_from(Vote).where(Vote.status == "open")
            ).scalar_one()
        if not open_left and closed_at is None:
            closed_at = time.perf_counter() - t0
        if closed_at is not None and sum(adapter.results.values()) >= n:
            delivered_at = time.perf_counter() - t0
            break
        await asyncio.sleep(0.5)
    await app.scheduler.stop()
    app.sender.stop()
    await sender
    with db.transaction() as s:
        records = s.execute(
            select(DecisionRecord.vote_id, func.count()).group_by(DecisionRecord.vote_id)
        ).all()
        pending = s.execute(
            select(func.count()).select_from(Outbox).where(Outbox.status == "pending")
        ).scalar_one()
    twice = sum(1 for _, c in records if c > 1)
    once = len(records) == n and not twice
    posted_once = len(adapter.results) == n and set(adapter.results.values()) == {1}
    posted_twice = sum(1 for c in adapter.results.values() if c > 1)
    ordered = all(a <= b for a, b in itertools.pairwise(order))
    answer = Stats("", len(answers), 1, answers)
    reached = [adapter.helped[e] - at for e, at in committed.items() if e in adapter.helped]
    delivery = Stats("", len(reached), 1, reached)
    unreached = len(committed) - len(reached)
    return [
        f"moot: {n} overdue votes closed after start: "
        + (f"{closed_at:.1f} s" if closed_at is not None else "NOT within 300 s"),
        "moot: ... and every result delivered: "
        + (f"{delivered_at:.1f} s" if delivered_at is not None else "NOT within 300 s"),
        f"moot: each closed exactly once: {once} ({len(records)} of {len(ids)} votes closed, "
        f"{twice} twice); each result posted exactly once: {posted_once} "
        f"({len(adapter.results)} posted, {posted_twice} more than once); "
        f"oldest deadline first: {ordered}; outbox rows left pending: {pending}",
        f"moot: /help answered during the catch-up: p50 {answer.pct(50) * 1000:.1f} ms, "
        f"p99 {answer.pct(99) * 1000:.1f} ms, max {max(answers) * 1000:.1f} ms (n={len(answers)})",
        f"moot: /help reply committed -> delivered during the catch-up: "
        f"p50 {delivery.pct(50) * 1000:.1f} ms, p99 {delivery.pct(99) * 1000:.1f} ms, "
        f"max {max(reached, default=0) * 1000:.1f} ms (n={len(reached)}, "
        f"{unreached} not delivered when the catch-up was over)",
    ]


def backend_run(url: str, label: str, args: tuple[int, int, float, int]) -> list[str]:
    n_open, n_due, window, overdue = args
    db = Database(url)
    migrate.upgrade(db)
    late, raw = asyncio.run(lateness(db, n_open, n_due, window))
    db.dispose()
    db = Database(url)
    _wipe(db)
    lines = [f"-- {label}", late.line("closes"), raw.line("timers")]
    if overdue:
        lines += asyncio.run(restart(db, overdue))
    db.dispose()
    return lines


def _wipe(db: Database) -> None:
    with db.transaction() as s:
        for table in (
            "decision_record",
            "vote_roster",
            "vote_tally",
            "vote",
            "due_work",
            "outbox",
            "posted_message",
        ):
            s.execute(text(f"DELETE FROM {table}"))


def main() -> None:
    n_open = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    n_due = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    window = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    overdue = int(sys.argv[4]) if len(sys.argv) > 4 else 10_000
    args = (n_open, n_due, window, overdue)
    print(
        f"Moot scheduler benchmark: {n_open} open votes, {n_due} closing over {window:.0f} s "
        f"(real clock); restart with {overdue} overdue\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for line in backend_run(f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite WAL", args):
            print(line)
        print(sqlite_baseline(2000, tmp).line("txns"))
    url = pg_url()
    if url:
        with scratch_pg(url) as target:
            for line in backend_run(target, "PostgreSQL", args):
                print(line)
            print(postgres_baseline(target, 2000).line("txns"))


if __name__ == "__main__":
    main()
