"""What one ticket event costs, in a community of 10 and of 10,000 members (5 of them staff),
beside a raw sqlite3 commit measured in the same run: opening a ticket (limit, cooldown,
level, staff for its place, two SLA clocks and their alerts), a reply in its thread (first
response, clocks, transcript), and `/ticket list --breaching` over every open ticket.

    python -m bench.tickets [N]       (N tickets per community size, default 300)
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Stats, sqlite_baseline, timed
from bot.app import App
from bot.clock import FakeClock
from bot.model import Actor, Address, CommandInvoked, MessageReceived
from bot.registry import Registry
from storage import migrate, repos
from storage.db import Database
from storage.tables import PostedMessage

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
STAFF = 5


def seed(db: Database, app: App, members: int) -> None:
    with db.transaction() as s:
        community = app.core.community(s, "console", "local")
        repos.set_channel(s, community.id or 0, "support-staff", "staff")
        for i in range(members):
            roles = ["support"] if i < STAFF else []
            repos.upsert_member(
                s,
                community.id or 0,
                f"u{i}",
                display=f"u{i}",
                roles=roles,
                is_admin=False,
                now=T0,
                channels=["*"],
            )


def run(members: int, n: int, tmp: str) -> list[Stats]:
    import commands

    db = Database(f"sqlite:///{Path(tmp) / f'tickets{members}.db'}")
    migrate.upgrade(db)
    app = App(db, commands.register_all(Registry()), FakeClock(T0))
    seed(db, app, members)
    where = Address("console", "local", "general")
    staff = Actor("console", "u0", "u0", roles=frozenset({"support"}))

    def open_one(i: int) -> None:
        who = Actor("console", f"u{STAFF + i % (members - STAFF)}", "r")
        event = CommandInvoked(
            event_id=f"o{i}",
            actor=who,
            address=where,
            name="ticket",
            args=f'open "Question {i}"',
            raw_text="",
        )
        assert app.dispatcher.handle_now(event) == "ok"

    # Distinct requesters need more people than tickets; a small community reuses them, so
    # its limit is lifted for the measurement.
    app.dispatcher.handle_now(
        CommandInvoked(
            event_id="cfg",
            actor=Actor("console", "mo", "mo", is_admin=True),
            address=where,
            name="config",
            args="ticket limits --limit 0 --cooldown 1s",
            raw_text="",
        )
    )
    clock = app.core.clock
    assert isinstance(clock, FakeClock)

    def open_after_cooldown(i: int) -> None:
        clock.advance(timedelta(seconds=1))
        open_one(i)

    stats = [timed(f"open a ticket ({members:,} members)", n, open_after_cooldown)]
    # The outbox is not drained here (no adapter): fake each ticket's place as delivered.
    with db.transaction() as s:
        for i in range(n):
            s.add(
                PostedMessage(
                    platform="console",
                    channel="staff",
                    message_id=f"p{i}",
                    ref=f"ticket:{i + 1}",
                    created_at=T0,
                )
            )

    def reply(i: int) -> None:
        event = MessageReceived(
            event_id=f"r{i}",
            actor=staff,
            address=Address("console", "local", "staff", f"p{i}"),
            text="Could you send the logs?",
            reply_to=Address("console", "local", "staff", None, f"p{i}"),
        )
        assert app.dispatcher.handle_now(event) == "ok"

    stats.append(timed(f"staff reply in a ticket ({members:,} members)", n, reply))

    def breaching(i: int) -> None:
        event = CommandInvoked(
            event_id=f"l{i}",
            actor=staff,
            address=where,
            name="ticket",
            args="list --breaching",
            raw_text="",
        )
        assert app.dispatcher.handle_now(event) == "ok"

    stats.append(timed(f"list --breaching over {n} open tickets", 20, breaching))
    db.dispose()
    return stats


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    print(f"Moot ticket benchmark (SQLite file, WAL): {n} tickets per community size\n")
    with tempfile.TemporaryDirectory() as tmp:
        for members in (10, 10_000):
            for st in run(members, n, tmp):
                print(st.line("ops"))
        print(sqlite_baseline(2000, tmp).line("txns"))


if __name__ == "__main__":
    main()
