"""The product's own benchmark: full RFC lifecycles through the dispatcher and the
scheduler, beside raw single-row commits measured in the same run.

    python -m bench.rfcs [--counts 10,100,1000,10000]   (PostgreSQL too with --pg when
                          MOOT_BENCH_DATABASE_URL or MOOT_TEST_DATABASE_URL is set)

One lifecycle: propose, two reviews, a linked vote, five ballots by button, the close at
the deadline (tally, decision record, result, the RFC moved to accepted). Printed per
count: the total, the mean lifecycle time of the first and the last tenth (growth must be
flat), SQL statements and committed transactions per lifecycle, the ratio of lifecycles'
events per second to raw commits per second, and the floor: the committed transactions of
one lifecycle times the mean raw commit of the same run, which no amount of Python speed
gets under. SQLite runs with synchronous=FULL and again with NORMAL (--sync FULL,NORMAL).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event as sa_event
from sqlalchemy import insert

from bench.common import pg_url, postgres_baseline, sqlite_baseline
from bench.votes import scratch_pg
from bot.app import App
from bot.clock import FakeClock
from bot.model import ActionInvoked, Actor, Address, CommandInvoked
from bot.registry import Registry
from storage import migrate
from storage.db import Database
from storage.tables import Member

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
WHERE = Address("console", "local", "rfcs")
PEOPLE = [f"m{i}" for i in range(8)]
EVENTS_PER_LIFECYCLE = 10  # propose, 2 reviews, vote, 5 ballots, the close


class Counter:
    """SQL statements and committed transactions on one engine."""

    def __init__(self, db: Database) -> None:
        self.n = 0
        self.commits = 0
        sa_event.listen(db.engine, "before_cursor_execute", self._count)
        sa_event.listen(db.engine, "commit", self._commit)

    def _count(self, *_a: object, **_k: object) -> None:
        self.n += 1

    def _commit(self, *_a: object, **_k: object) -> None:
        self.commits += 1


def _setup(app: App) -> None:
    with app.db.transaction() as s:
        community = app.core.community(s, "console", "local")
        s.execute(
            insert(Member),
            [
                {
                    "community_id": community.id,
                    "user_id": p,
                    "display": p,
                    "roles": [],
                    "is_admin": False,
                    "channels": ["*"],
                    "active": True,
                    "updated_at": T0,
                }
                for p in PEOPLE
            ],
        )


def lifecycle(app: App, clock: FakeClock, i: int) -> None:
    number = i + 1
    n = [0]

    def command(who: str, args: str) -> None:
        n[0] += 1
        event = CommandInvoked(
            event_id=f"r{i}-{n[0]}",
            actor=Actor("console", who, who),
            address=WHERE,
            name="rfc",
            args=args,
            raw_text="",
        )
        assert app.dispatcher.handle_now(event) == "ok", args

    command("m0", f'propose "Idea {number}" --summary "Bench"')
    command("m1", f"review RFC-{number} approve")
    command("m2", f"review RFC-{number} approve")
    command("m0", f"vote RFC-{number} --for 24h")
    vote_id = number  # one vote per RFC, in order
    for j in range(5):
        n[0] += 1
        voter = PEOPLE[1 + j]
        event = ActionInvoked(
            event_id=f"r{i}-{n[0]}",
            actor=Actor("console", voter, voter),
            address=WHERE,
            action="vote.cast",
            value=f"{vote_id}:{'yes' if j < 4 else 'no'}",
            message=WHERE.at_message("1"),
        )
        assert app.dispatcher.handle_now(event) == "ok"
    clock.advance(timedelta(hours=24))
    assert app.scheduler.run_due_now() >= 1, "the vote did not close"


def run(db: Database, count: int, label: str, commit_s: float) -> tuple[float, float, float, float]:
    """commit_s: the mean raw commit of this run, for the floor."""
    import commands

    clock = FakeClock(T0)
    app = App(db, commands.register_all(Registry()), clock)
    _setup(app)
    counter = Counter(db)
    times: list[float] = []
    start = time.perf_counter()
    for i in range(count):
        t = time.perf_counter()
        lifecycle(app, clock, i)
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    tenth = max(1, count // 10)
    first = sum(times[:tenth]) / tenth
    last = sum(times[-tenth:]) / tenth
    statements = counter.n / count
    commits = counter.commits / count
    floor = commits * commit_s
    print(
        f"{label}: {count} lifecycles in {total:.1f} s; per lifecycle first tenth "
        f"{first * 1000:.1f} ms, last tenth {last * 1000:.1f} ms; "
        f"{statements:.0f} SQL statements and {commits:.1f} commits each\n"
        f"    floor: {commits:.1f} commits x {commit_s * 1000:.3f} ms raw commit = "
        f"{floor * 1000:.2f} ms a lifecycle, {floor * count:.1f} s for {count}"
    )
    return total, first, last, statements


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts", default="10,100,1000,10000")
    ap.add_argument("--sync", default="FULL,NORMAL", help="SQLite synchronous settings to run")
    ap.add_argument("--pg", action="store_true")
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    print(f"Moot RFC lifecycle benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    with tempfile.TemporaryDirectory() as tmp:
        for sync in args.sync.upper().split(","):
            base = sqlite_baseline(2000, tmp, synchronous=sync)
            print(base.line("txns"))
            for count in counts:
                path = Path(tmp) / f"rfcs-{sync}-{count}.db"
                db = Database(f"sqlite:///{path}", synchronous=sync)
                migrate.upgrade(db)
                total, *_ = run(db, count, f"SQLite WAL, {sync}", 1 / base.rate)
                rate = count * EVENTS_PER_LIFECYCLE / total
                print(f"    events/s {rate:.0f}, ratio to raw commits {rate / base.rate:.3f}")
                db.dispose()
    url = pg_url()
    if args.pg and url:
        with scratch_pg(url) as target:
            pbase = postgres_baseline(target, 2000)
            print(pbase.line("txns"))
            for count in counts:
                db = Database(target)
                migrate.upgrade(db)
                total, *_ = run(db, count, "PostgreSQL", 1 / pbase.rate)
                rate = count * EVENTS_PER_LIFECYCLE / total
                print(f"    events/s {rate:.0f}, ratio to raw commits {rate / pbase.rate:.3f}")
                db.dispose()
                break  # one PostgreSQL count keeps the run short


if __name__ == "__main__":
    main()
