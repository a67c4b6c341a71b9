"""Ballots through the dispatcher at 10 to 10,000 eligible voters, closing big votes, and
ranked counting, each beside a raw baseline measured in the same run.

    python -m bench.votes [--sizes 10,100,1000,10000] [--ballots 1000] [--close 10000]
                          [--ranked-ballots 10000] [--no-reference] [--memory N]

PostgreSQL too when MOOT_BENCH_DATABASE_URL or MOOT_TEST_DATABASE_URL is set.

A ballot's latency runs from the event entering the dispatcher to its transaction (ballot,
running totals, stale mark of the vote message, private receipt in the outbox) committed.
The dispatcher runs on the event loop, so that latency is also how long one ballot blocks
the loop. Each size casts --ballots events, voters taking turns and changing their ballot
each round, so every size measures the same number of events. The live card (the vote
message the outbox renders when it delivers the edit) is timed separately. Closes run on a
vote topped up to --close ballots (inserted in bulk, as if cast earlier) and include the
storage scrub after a secret close.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from bench.common import Stats, pg_url, postgres_baseline, sqlite_baseline, timed
from bot.app import App
from bot.clock import FakeClock
from bot.model import ActionInvoked, Actor, Address, CommandInvoked
from bot.registry import Registry
from storage import migrate, repos
from storage.db import Database, normalise_url
from storage.tables import Member
from storage.vote_tables import Vote, VoteBallot, VoteVoter

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
OPTIONS = ("yes", "no", "abstain")


def _app(db: Database) -> App:
    import commands

    return App(db, commands.register_all(Registry()), FakeClock(T0))


def _start(app: App, workspace: str, channel: str, eid: str, flags: str) -> int:
    event = CommandInvoked(
        event_id=eid,
        actor=Actor("console", "chair", "chair", is_admin=True),
        address=Address("console", workspace, channel),
        name="vote",
        args=f'start "Bench?" --for 72h {flags}'.strip(),
        raw_text="",
    )
    assert app.dispatcher.handle_now(event) == "ok", "the vote did not open"
    with app.db.transaction() as s:
        return s.execute(select(Vote.id).order_by(Vote.id.desc())).scalars().first() or 0


def directory(app: App, workspace: str, size: int, channel: str, prefix: str) -> None:
    """The member list an adapter would have synced: `size` people in the channel."""
    with app.db.transaction() as s:
        community = app.core.community(s, "console", workspace)
        s.execute(
            insert(Member),
            [
                {
                    "community_id": community.id,
                    "user_id": f"{prefix}{i}",
                    "display": f"{prefix}{i}",
                    "roles": [],
                    "is_admin": False,
                    "channels": [channel],
                    "active": True,
                    "updated_at": T0,
                }
                for i in range(size)
            ],
        )
        repos.upsert_member(
            s, community.id or 0, "chair", display="chair", roles=[], is_admin=True, now=T0
        )


def cast_op(
    app: App, workspace: str, vote_id: int, size: int, secret: bool, tag: str
) -> Callable[[int], None]:
    def op(i: int) -> None:
        who = f"{'s' if secret else 'v'}{i % size}"
        option = OPTIONS[(i // size + i) % 3]  # every round, a changed ballot
        event: CommandInvoked | ActionInvoked
        if secret:
            event = CommandInvoked(
                event_id=f"{tag}-{i}",
                actor=Actor("console", who, who),
                address=Address("console", workspace, f"dm:{who}"),
                is_direct=True,
                name="vote",
                args=f"cast {vote_id} {option}",
                raw_text="",
            )
        else:
            where = Address("console", workspace, "votes")
            event = ActionInvoked(
                event_id=f"{tag}-{i}",
                actor=Actor("console", who, who),
                address=where,
                action="vote.cast",
                value=f"{vote_id}:{option}",
                message=where.at_message("1"),
            )
        assert app.dispatcher.handle_now(event) == "ok"

    return op


def live_card_stats(app: App, vote_id: int, label: str, n: int = 200) -> Stats:
    fn = app.registry.live_cards["vote"]

    def op(_i: int) -> None:
        with app.db.transaction() as s:
            assert fn(s, f"vote:{vote_id}", "/") is not None

    return timed(label, n, op)


def top_up(db: Database, vote_id: int, size: int, secret: bool) -> None:
    from commands.votes.state import voter_key

    with db.transaction() as s:
        vote = s.get(Vote, vote_id)
        assert vote is not None
        prefix = "s" if secret else "v"
        s.execute(
            insert(VoteBallot),
            [
                {
                    "vote_id": vote_id,
                    "voter": voter_key(vote, f"{prefix}{i}"),
                    "choices": [OPTIONS[i % 3]],
                    "weight": "1",
                    "cast_at": None if secret else T0,
                }
                for i in range(size)
            ],
        )
        s.execute(
            insert(VoteVoter),
            [{"vote_id": vote_id, "user_id": f"{prefix}{i}"} for i in range(size)],
        )


def close_seconds(app: App) -> float:
    start = time.perf_counter()
    ran = app.scheduler.run_due_now(T0 + timedelta(hours=72))
    took = time.perf_counter() - start
    assert ran >= 1, "the close did not run"
    return took


def ballots(db: Database, sizes: list[int], n: int, backend: str) -> list[Stats]:
    """Every roster size set up first, then their ballots interleaved (one of each size in
    turn), so a machine whose load changes during the run slows every size alike and the
    sizes stay comparable."""
    app = _app(db)
    runs: list[tuple[str, Callable[[int], None], list[float], int]] = []
    for size in sizes:
        for secret in (False, True):
            kind = "secret" if secret else "public"
            ws = f"{kind}-{size}"
            channel = "secret" if secret else "votes"
            directory(app, ws, size, channel, "s" if secret else "v")
            vote_id = _start(app, ws, channel, f"start-{ws}", "--secret" if secret else "")
            label = f"{kind} ballot, {size} eligible ({backend})"
            runs.append((label, cast_op(app, ws, vote_id, size, secret, ws), [], vote_id))
    spent = [0.0] * len(runs)
    for i in range(n):
        for k, (_label, op, lat, _vote) in enumerate(runs):
            t = time.perf_counter()
            op(i)
            took = time.perf_counter() - t
            lat.append(took)
            spent[k] += took
    out: list[Stats] = []
    for k, (label, _op, lat, vote_id) in enumerate(runs):
        out.append(Stats(label, n, spent[k], lat))
        if label.startswith("public"):
            size_label = label.replace("public ballot", "live card render")
            out.append(live_card_stats(app, vote_id, size_label))
    return out


def closes(db: Database, size: int, backend: str) -> list[str]:
    lines = []
    app = _app(db)
    for secret in (False, True):
        kind = "secret" if secret else "public"
        ws = f"close-{kind}"
        channel = "secret" if secret else "votes"
        directory(app, ws, size, channel, "s" if secret else "v")
        vote_id = _start(app, ws, channel, f"start-{ws}", "--secret" if secret else "")
        top_up(db, vote_id, size, secret)
        took = close_seconds(app)
        lines.append(f"close a {kind} vote of {size} ballots ({backend}): {took * 1000:.0f} ms")
    return lines


# ---------------------------------------------------------------- ranked counting


def ranked(n_ballots: int, reference: bool) -> list[str]:
    from commands.votes import rules

    rng = random.Random(12)
    options = tuple(f"O{i:02d}" for i in range(20))
    profile = []
    for i in range(n_ballots):
        order = list(options)
        rng.shuffle(order)
        profile.append(rules.Ballot(f"v{i}", tuple(order[: rng.randint(1, 20)]), Fraction(1)))
    lines = []
    for name in ("schulze", "irv"):
        fast = getattr(rules, name)
        start = time.perf_counter()
        got = fast(options, profile)
        took = time.perf_counter() - start
        line = f"{name} 20 options x {n_ballots} ballots: {took * 1000:.0f} ms"
        if reference:
            from tests.unit.votes import reference_counting as ref

            start = time.perf_counter()
            want = getattr(ref, name)(options, profile)
            ref_took = time.perf_counter() - start
            assert got == want, f"{name} differs from the reference"
            line += f"   reference (the old per-ballot code): {ref_took * 1000:.0f} ms, equal"
        lines.append(line)
    return lines


# ---------------------------------------------------------------- memory


def memory(n_votes: int, tmp: str) -> str:
    db = Database(f"sqlite:///{Path(tmp) / 'memory.db'}")
    migrate.upgrade(db)
    app = _app(db)
    directory(app, "mem", 10, "votes", "v")
    for i in range(n_votes):
        _start(app, "mem", "votes", f"mem-{i}", "")
    app.scheduler.run_due_now(T0)  # one sweep over everything due (nothing is)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    db.dispose()
    return f"peak RSS with {n_votes} open votes in one process: {rss:.0f} MB"


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


def report(stats: list[Stats], base: Stats) -> None:
    print(base.line("txns"))
    small = next((s for s in stats if "public ballot" in s.label), None)
    for s in stats:
        print(s.line("ops"))
        if "ballot" in s.label:
            extra = f"    ratio to baseline commits {s.rate / base.rate:.3f}"
            if small is not None and "public" in s.label:
                extra += f", p50 vs the smallest roster x{s.pct(50) / small.pct(50):.2f}"
            print(extra)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,100,1000,10000")
    ap.add_argument("--ballots", type=int, default=1000)
    ap.add_argument("--close", type=int, default=10_000)
    ap.add_argument("--ranked-ballots", type=int, default=10_000)
    ap.add_argument("--no-reference", action="store_true", help="skip the slow reference count")
    ap.add_argument("--memory", type=int, default=0, help="open N votes and report peak RSS")
    ap.add_argument("--only", choices=("ballots", "close", "ranked", "memory"), default=None)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    want = lambda part: args.only in (None, part)  # noqa: E731
    print(f"Moot vote benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    with tempfile.TemporaryDirectory() as tmp:
        for sync in ("FULL", "NORMAL") if want("ballots") else ():
            # NORMAL at the largest size only: enough to state what it buys.
            db = Database(f"sqlite:///{Path(tmp) / f'bench-{sync}.db'}", synchronous=sync)
            migrate.upgrade(db)
            print(f"-- SQLite WAL, synchronous={sync}")
            stats = ballots(db, sizes if sync == "FULL" else sizes[-1:], args.ballots, sync)
            db.dispose()
            report(stats, sqlite_baseline(2000, tmp, synchronous=sync))
            print()
        if want("close"):
            db = Database(f"sqlite:///{Path(tmp) / 'close.db'}")
            migrate.upgrade(db)
            for line in closes(db, args.close, "SQLite"):
                print(line)
            db.dispose()
            print()
        if want("memory") and args.memory:
            print(memory(args.memory, tmp))
            print()
    if want("ranked"):
        for line in ranked(args.ranked_ballots, not args.no_reference):
            print(line)
        print()
    url = pg_url()
    if url and args.only in (None, "ballots", "close"):
        if want("ballots"):
            with scratch_pg(url) as target:
                db = Database(target)
                migrate.upgrade(db)
                print("-- PostgreSQL")
                stats = ballots(db, sizes, args.ballots, "PostgreSQL")
                report(stats, postgres_baseline(target, 2000))
                db.dispose()
                print()
        if want("close"):
            # A database of its own: the deadline sweep would close the votes above too.
            with scratch_pg(url) as target:
                db = Database(target)
                migrate.upgrade(db)
                for line in closes(db, args.close, "PostgreSQL"):
                    print(line)
                db.dispose()


if __name__ == "__main__":
    main()
