"""How fast one command goes from event in to outbox row committed, against the raw
database's own commit rate.

    python -m bench.dispatch [N]      (PostgreSQL too when MOOT_BENCH_DATABASE_URL or
                                       MOOT_TEST_DATABASE_URL is set)
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import Stats, pg_url, postgres_baseline, sqlite_baseline, timed
from bot.app import App
from bot.clock import FakeClock
from bot.model import Actor, Address, CommandInvoked
from bot.registry import Registry
from storage import migrate
from storage.db import Database, normalise_url


def run_dispatch(db: Database, n: int, label: str) -> Stats:
    import commands

    app = App(db, commands.register_all(Registry()), FakeClock(datetime(2026, 1, 5, tzinfo=UTC)))
    where = Address("console", "local", "general")
    actor = Actor("console", "alice", "alice", is_admin=True)

    def op(i: int) -> None:
        event = CommandInvoked(
            event_id=f"b{i}", actor=actor, address=where, name="config", args="show", raw_text=""
        )
        assert app.dispatcher.handle_now(event) == "ok"

    return timed(label, n, op)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"Moot dispatch benchmark: {n} commands (/config show), one transaction each\n")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(db)
        moot = run_dispatch(db, n, "moot: event -> outbox row committed (SQLite)")
        db.dispose()
        base = sqlite_baseline(n, tmp, synchronous="FULL")
    print(moot.line("cmds"))
    print(base.line("txns"))
    print(f"ratio moot/baseline: {moot.rate / base.rate:.2f}\n")
    url = pg_url()
    if url:
        base_url = make_url(normalise_url(url))
        name = f"moot_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            target = base_url.set(database=name).render_as_string(hide_password=False)
            db = Database(target)
            migrate.upgrade(db)
            moot = run_dispatch(db, n, "moot: event -> outbox row committed (PostgreSQL)")
            db.dispose()
            base = postgres_baseline(target, n)
            print(moot.line("cmds"))
            print(base.line("txns"))
            print(f"ratio moot/baseline: {moot.rate / base.rate:.2f}")
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
