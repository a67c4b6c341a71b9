"""RSVPs through the dispatcher on an event that grows to N answers, and the reminder
fan-out to N attendees, beside the raw database's own single-row commit rate measured in
the same run.

    python -m bench.events [N]   (default 5000; PostgreSQL too when MOOT_BENCH_DATABASE_URL
                                  or MOOT_TEST_DATABASE_URL is set)

Latency is from the button press entering the dispatcher to its transaction (the RSVP row,
the running totals, the message edit and the private confirmation in the outbox)
committing. The event has a capacity of N/2, so the second half of the answers joins the
waitlist, and the last phase frees seats (each "no" promotes the first in line and DMs
them). An answer must cost the same at the 5,000th as at the first: the first and last
500 are printed apart.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.common import Stats, pg_url, postgres_baseline, sqlite_baseline, timed
from bench.votes import scratch_pg
from bot.app import App
from bot.clock import FakeClock
from bot.model import ActionInvoked, Actor, Address, CommandInvoked
from bot.registry import Registry
from storage import migrate
from storage.db import Database
from storage.event_tables import Event, EventRsvp
from storage.tables import Outbox

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
WHERE = Address("console", "local", "events")


def create(app: App, eid: str, args: str) -> int:
    boss = Actor("console", "chair", "chair", is_admin=True)
    event = CommandInvoked(
        event_id=eid, actor=boss, address=WHERE, name="event", args=args, raw_text=""
    )
    assert app.dispatcher.handle_now(event) == "ok"
    with app.db.transaction() as s:
        return s.execute(select(Event.id).order_by(Event.id.desc())).scalars().first() or 0


def rsvp_op(app: App, event_id: int, answer: str, tag: str, offset: int = 0):
    def op(i: int) -> None:
        user = f"u{i + offset}"
        event = ActionInvoked(
            event_id=f"{tag}{i}",
            actor=Actor("console", user, user),
            address=WHERE,
            action="event.rsvp",
            value=f"{event_id}:{answer}",
            message=WHERE.at_message("1"),
        )
        assert app.dispatcher.handle_now(event) == "ok"

    return op


def part(stats: Stats, label: str, lo: int, hi: int) -> Stats:
    lat = stats.latencies[lo:hi]
    return Stats(label, len(lat), sum(lat), lat)


def run(db: Database, n: int, backend: str) -> tuple[list[str], float]:
    import commands

    app = App(db, commands.register_all(Registry()), FakeClock(T0))
    event_id = create(
        app, "create", f'create "Bench" --at "2026-01-09 18:00" --capacity {n // 2} --remind 1h'
    )
    answers = timed(
        f"moot: RSVP going -> outbox committed ({backend})", n, rsvp_op(app, event_id, "going", "g")
    )
    head = min(500, n)
    lines = [
        answers.line("rsvps"),
        part(answers, "  first 500 answers", 0, head).line("rsvps"),
        part(answers, "  last 500 answers (waitlist)", n - head, n).line("rsvps"),
    ]
    frees = timed(
        f"moot: RSVP no + promotion + DM ({backend})",
        head,
        rsvp_op(app, event_id, "no", "n"),
    )
    lines.append(frees.line("rsvps"))
    with db.transaction() as s:
        event = s.get(Event, event_id)
        assert event is not None
        assert event.going == n // 2 and event.waitlist == n - n // 2 - head, "totals drifted"
        answered = s.execute(select(func.count()).select_from(EventRsvp)).scalar_one()
        assert answered == n
        before = s.execute(select(func.count()).select_from(Outbox)).scalar_one()
    # Reminder fan-out: the 1-hour reminder to everyone going (N/2) ...
    start = time.perf_counter()
    ran = app.scheduler.run_due_now(datetime(2026, 1, 9, 17, 0, tzinfo=UTC))
    took = time.perf_counter() - start
    with db.transaction() as s:
        sent = s.execute(select(func.count()).select_from(Outbox)).scalar_one() - before
    assert ran >= 1 and sent >= n // 2
    lines.append(
        f"moot: reminder fan-out to {sent} attendees ({backend}): {took * 1000:.0f} ms"
        f" ({sent / took:.0f} DMs/s)"
    )
    # ... and to N attendees on an event without a capacity.
    big = create(app, "create-big", 'create "Big" --at "2026-01-12 18:00" --remind 1h')
    for i in range(n):
        rsvp_op(app, big, "going", "b")(i)
    with db.transaction() as s:
        before = s.execute(select(func.count()).select_from(Outbox)).scalar_one()
    start = time.perf_counter()
    app.scheduler.run_due_now(datetime(2026, 1, 12, 17, 0, tzinfo=UTC) + timedelta(seconds=1))
    took = time.perf_counter() - start
    with db.transaction() as s:
        sent = s.execute(select(func.count()).select_from(Outbox)).scalar_one() - before
    assert sent >= n
    lines.append(
        f"moot: reminder fan-out to {sent} attendees ({backend}): {took * 1000:.0f} ms"
        f" ({sent / took:.0f} DMs/s)"
    )
    return lines, answers.rate


def report(lines: list[str], base: Stats, rate: float) -> None:
    for line in lines:
        print(line)
    print(base.line("txns"))
    print(f"ratio RSVPs/baseline commits: {rate / base.rate:.3f}\n")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    print(f"Moot events benchmark: an event growing to {n} answers, one event each\n")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(db)
        lines, rate = run(db, n, "SQLite WAL")
        db.dispose()
        base = sqlite_baseline(n, tmp)
    report(lines, base, rate)
    url = pg_url()
    if url:
        with scratch_pg(url) as target:
            db = Database(target)
            migrate.upgrade(db)
            lines, rate = run(db, n, "PostgreSQL")
            db.dispose()
            base = postgres_baseline(target, n)
        report(lines, base, rate)


if __name__ == "__main__":
    main()
