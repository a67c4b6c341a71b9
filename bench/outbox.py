"""The outbox sender's own cost: a catch-up's outbox (a card edit and a result send per
closed vote) drained through a stand-in adapter, timed and with its SQL statements counted.

    python -m bench.outbox [VOTES]      default 1000 (2,000 rows); PostgreSQL too when
                                        MOOT_BENCH_DATABASE_URL or MOOT_TEST_DATABASE_URL is set

Also: how long one look at the pending rows takes with a backlog of 20,000 rows in one lane
and a reply waiting in another, and whether that reply is in what the look returns."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select

from bench.common import pg_url
from bench.scheduler import CountingAdapter, new_app, seed_votes
from bench.votes import scratch_pg
from bot.clock import SystemClock
from storage import migrate, repos
from storage.db import Database
from storage.tables import Outbox


async def drain_cost(db: Database, n: int) -> str:
    clock = SystemClock()
    app = new_app(db, clock, CountingAdapter())
    now = clock.now()
    seed_votes(app, lambda i: now - timedelta(seconds=3600 - i * 0.1), n)
    await app.settle()
    app.scheduler.run_due_now()
    with db.transaction() as s:
        rows = s.execute(select(Outbox.kind).where(Outbox.status == "pending")).scalars().all()
    kinds = Counter(rows)
    adapter = CountingAdapter()
    sender = new_app(db, clock, adapter).sender
    sender.resume_own_claims()
    statements: Counter[str] = Counter()

    def count(conn: Any, cursor: Any, stmt: str, params: Any, context: Any, many: bool) -> None:
        statements[stmt.split(None, 1)[0].upper()] += 1

    def begun(conn: Any) -> None:
        statements["transactions"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    event.listen(db.engine, "begin", begun)
    t = time.perf_counter()
    sent = await sender.drain()
    took = time.perf_counter() - t
    event.remove(db.engine, "before_cursor_execute", count)
    event.remove(db.engine, "begin", begun)
    txns = statements.pop("transactions")
    statements.pop("BEGIN", None)  # SQLite's own, PostgreSQL's driver sends it unseen
    total = sum(statements.values())
    return (
        f"drain of {sum(kinds.values())} rows ({dict(kinds)}): {sent} delivered in "
        f"{took:.2f} s, {took / sent * 1000:.2f} ms/row, {total / sent:.2f} statements/row "
        f"({', '.join(f'{k} {v / sent:.2f}' for k, v in statements.most_common())}), "
        f"{txns / sent:.2f} transactions/row"
    )


def backlog_look(db: Database, n: int = 20_000) -> str:
    now = SystemClock().now()
    with db.transaction() as s:
        base = repos.outbox_row(
            community_id=None,
            platform="console",
            channel_key="console:local:votes",
            key="",
            kind="send",
            payload={},
            ref=None,
            now=now,
            priority=0,
        )
        s.execute(insert(Outbox), [{**base, "key": f"backlog:{i}"} for i in range(n)])
        reply = {"key": "reply", "channel_key": "console:local:votes:to:chair", "priority": 1}
        s.execute(insert(Outbox), [{**base, **reply}])
    times = []
    for _ in range(5):
        t = time.perf_counter()
        with db.transaction() as s:
            seen = repos.pending_outbox(s)
        times.append(time.perf_counter() - t)
    found = any(r.key == "reply" for r in seen)
    return (
        f"one look at {n + 1} pending rows: {len(seen)} read in {min(times) * 1000:.1f} ms "
        f"(best of 5); the reply in another lane is among them: {found}"
    )


def run(url: str, label: str, n: int) -> None:
    db = Database(url)
    migrate.upgrade(db)
    print(f"-- {label}")
    print(asyncio.run(drain_cost(db, n)))
    db.dispose()
    db = Database(url)
    with db.transaction() as s:
        s.execute(Outbox.__table__.delete())  # type: ignore[attr-defined]
    print(backlog_look(db))
    db.dispose()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite WAL", n)
    url = pg_url()
    if url:
        with scratch_pg(url) as target:
            run(target, "PostgreSQL", n)


if __name__ == "__main__":
    main()
