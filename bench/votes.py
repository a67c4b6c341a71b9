"""Ballots through the dispatcher, and closing a big vote, beside the raw database's own
single-row commit rate measured in the same run.

    python -m bench.votes [BALLOTS] [CLOSE_SIZE]   (defaults 2000 and 10000; PostgreSQL too
                        when MOOT_BENCH_DATABASE_URL or MOOT_TEST_DATABASE_URL is set)

Latency is from the event entering the dispatcher to its transaction (ballot, live-tally
edit and private receipt in the outbox) being committed. The close is timed on a vote
topped up to CLOSE_SIZE ballots (the extra ones inserted in bulk, as if cast earlier).
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench.common import Stats, pg_url, postgres_baseline, sqlite_baseline, timed
from bot.app import App
from bot.clock import FakeClock
from bot.model import ActionInvoked, Actor, Address, CommandInvoked
from bot.registry import Registry
from storage import migrate, repos
from storage.db import Database, normalise_url
from storage.vote_tables import Vote, VoteBallot, VoteVoter

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
WHERE = Address("console", "local", "votes")
OPTIONS = ("yes", "no", "abstain")


def _start(app: App, eid: str, flags: str, where: Address = WHERE) -> int:
    boss = Actor("console", "chair", "chair", is_admin=True)
    event = CommandInvoked(
        event_id=eid,
        actor=boss,
        address=where,
        name="vote",
        args=f'start "Bench?" --for 72h {flags}'.strip(),
        raw_text="",
    )
    assert app.dispatcher.handle_now(event) == "ok"
    with app.db.transaction() as s:
        return s.execute(select(Vote.id).order_by(Vote.id.desc())).scalars().first() or 0


def top_up(db: Database, vote_id: int, have: int, size: int, secret: bool) -> None:
    from commands.votes.state import voter_key

    with db.transaction() as s:
        vote = s.get(Vote, vote_id)
        assert vote is not None
        for i in range(have, size):
            uid = f"{'s' if secret else 'v'}{i}"
            s.add(
                VoteBallot(
                    vote_id=vote_id,
                    voter=voter_key(vote, uid),
                    choices=[OPTIONS[i % 3]],
                    weight="1",
                )
            )
            s.add(VoteVoter(vote_id=vote_id, user_id=uid))


def directory(app: App, workspace: str, size: int) -> None:
    """The member list an adapter would have synced: a public roster in #votes and a secret
    one in #secret, `size` people each."""
    with app.db.transaction() as s:
        community = app.core.community(s, "console", workspace)
        for prefix, channel in (("v", "votes"), ("s", "secret")):
            for i in range(size):
                repos.upsert_member(
                    s,
                    community.id or 0,
                    f"{prefix}{i}",
                    display=f"{prefix}{i}",
                    roles=[],
                    is_admin=False,
                    now=T0,
                    channels=[channel],
                )


def cast_op(app: App, vote_id: int, secret: bool) -> Callable[[int], None]:
    def op(i: int) -> None:
        event: CommandInvoked | ActionInvoked
        if secret:
            # Secret ballots are cast privately, by command in a direct chat.
            event = CommandInvoked(
                event_id=f"s{i}",
                actor=Actor("console", f"s{i}", f"s{i}"),
                address=Address("console", "local", f"dm:s{i}"),
                is_direct=True,
                name="vote",
                args=f"cast {vote_id} {OPTIONS[i % 3]}",
                raw_text="",
            )
        else:
            event = ActionInvoked(
                event_id=f"b{i}",
                actor=Actor("console", f"v{i}", f"v{i}"),
                address=WHERE,
                action="vote.cast",
                value=f"{vote_id}:{OPTIONS[i % 3]}",
                message=WHERE.at_message("1"),
            )
        assert app.dispatcher.handle_now(event) == "ok"

    return op


def close_line(app: App, label: str) -> str:
    start = time.perf_counter()
    ran = app.scheduler.run_due_now(T0 + timedelta(hours=72))
    took = time.perf_counter() - start
    assert ran >= 1, "the close did not run"
    return f"moot: {label}: {took * 1000:.0f} ms"


def run(db: Database, n: int, close_size: int, backend: str) -> list[str]:
    import commands

    app = App(db, commands.register_all(Registry()), FakeClock(T0))
    directory(app, "local", n)
    directory(app, "big", close_size)
    lines: list[str] = []
    for secret in (False, True):
        kind = "secret" if secret else "public"
        flags = "--secret" if secret else ""
        channel = "secret" if secret else "votes"
        # Ballots through the dispatcher, in a community of n eligible voters.
        vote_id = _start(app, f"start-{kind}", flags, Address("console", "local", channel))
        stats = timed(
            f"moot: {kind} ballot -> outbox committed ({backend})", n, cast_op(app, vote_id, secret)
        )
        lines.append(stats.line("ballots"))
        lines.append(close_line(app, f"close the {kind} vote of {n} ballots ({backend})"))
        # The close again, on a vote of close_size ballots in a community of that size.
        big = _start(app, f"big-{kind}", flags, Address("console", "big", channel))
        top_up(db, big, 0, close_size, secret)
        lines.append(close_line(app, f"close a {kind} vote of {close_size} ballots ({backend})"))
    return lines


@contextmanager
def scratch_pg(url: str) -> Iterator[str]:
    base = make_url(normalise_url(url))
    name = f"moot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(moot_lines: list[str], base: Stats, moot_rate: float) -> None:
    for line in moot_lines:
        print(line)
    print(base.line("txns"))
    print(f"ratio public ballots/baseline commits: {moot_rate / base.rate:.3f}\n")


def _rate(line: str) -> float:
    return float(line.split("ballots/s")[0].split()[-1])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    close_size = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    print(f"Moot vote benchmark: {n} ballots per vote through the dispatcher, one event each\n")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(db)
        lines = run(db, n, close_size, "SQLite WAL")
        db.dispose()
        base = sqlite_baseline(n, tmp)
    report(lines, base, _rate(lines[0]))
    url = pg_url()
    if url:
        with scratch_pg(url) as target:
            db = Database(target)
            migrate.upgrade(db)
            lines = run(db, n, close_size, "PostgreSQL")
            db.dispose()
            base = postgres_baseline(target, n)
        report(lines, base, _rate(lines[0]))


if __name__ == "__main__":
    main()
