"""The outbox sender beside a backlog: a reply in a lane of its own goes out in the next pass
however many rows wait in other lanes, a pass reads a bounded number of rows however many
lanes there are, and a delivered row costs a bounded number of statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, select

from bot.clock import FakeClock
from bot.outbox import OutboxSender
from storage import repos
from storage.db import Database
from storage.tables import Outbox
from tests.unit.test_outbox_lanes import T0, Paced, post, queue


def _sent_texts(log: list[tuple[str, str, float]]) -> list[str]:
    return [t for _, t, _ in log]


async def test_a_reply_behind_a_backlog_in_another_lane_goes_in_the_next_pass(
    db: Database,
) -> None:
    queue(db, [post("busy", f"b{i}") for i in range(650)], "due:1:1")
    queue(db, [post("busy", "ok", visibility="ephemeral", recipient="u1")], "ev:fake:reply")
    log: list[tuple[str, str, float]] = []
    # The windows are under test, not the pass's time limit: a slow machine must not cut it.
    sender = OutboxSender(db, {"fake": Paced(log)}, FakeClock(T0), pass_seconds=60)
    sender.resume_own_claims()
    await sender._pass()
    assert "ok" in _sent_texts(log)
    # and the backlog keeps its order all the same
    assert await sender.drain() > 0
    backlog = [t for t in _sent_texts(log) if t != "ok"]
    assert backlog == [f"b{i}" for i in range(650)]


async def test_a_reply_during_a_round_to_many_lanes_goes_in_the_next_pass(db: Database) -> None:
    """A reminder round to 1,200 people: a lane each, all urgent; one pass reads at most two
    windows, and a person's answer is in the second."""
    with db.transaction() as s:
        community = repos.get_or_create_community(s, "fake", "w", T0)
        rows = [
            repos.outbox_row(
                community_id=community.id,
                platform="fake",
                channel_key=f"fake:w:dm:to:u{i}",
                key=f"due:remind:{i}",
                kind="send",
                payload={"address": {"platform": "fake", "workspace": "w", "channel": f"d{i}"}},
                ref=None,
                now=T0,
                priority=0,
            )
            for i in range(1200)
        ]
        s.execute(insert(Outbox), rows)
    queue(db, [post("c", "ok", visibility="ephemeral", recipient="asker")], "ev:fake:reply")
    with db.transaction() as s:
        oldest, others = repos.pending_windows(s)
    assert len(oldest) == 500 and len(others) == 500
    assert others[0].key.startswith("ev:fake:reply")
    log: list[tuple[str, str, float]] = []
    # The windows are under test, not the pass's time limit: a slow machine must not cut it.
    sender = OutboxSender(db, {"fake": Paced(log)}, FakeClock(T0), pass_seconds=60)
    sender.resume_own_claims()
    await sender._pass()
    assert "ok" in _sent_texts(log)


async def test_statements_per_delivered_row(db: Database) -> None:
    """Replies in a thread whose root is posted: a claim (the database's clock read inside
    it), the root looked up once a pass, the finish and the posted message; one transaction
    a row (the finish rides with the next claim). Before: 5 statements, 3 transactions."""
    log: list[tuple[str, str, float]] = []
    sender = OutboxSender(db, {"fake": Paced(log)}, FakeClock(T0))
    queue(db, [post("c", "root", ref="thread:1")], "ev:fake:root")
    assert await sender.drain() == 1
    n = 200
    queue(db, [post("c", f"r{i}", thread_ref="thread:1") for i in range(n)], "ev:fake:replies")
    counts = {"statements": 0, "transactions": 0}

    def statement(conn: Any, cursor: Any, stmt: str, *_: Any) -> None:
        if not stmt.lstrip().upper().startswith("BEGIN"):  # SQLite's own; counted below
            counts["statements"] += 1

    def begun(conn: Any) -> None:
        counts["transactions"] += 1

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "begin", begun)
    try:
        assert await sender.drain() == n
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "begin", begun)
    assert _sent_texts(log)[1:] == [f"r{i}" for i in range(n)]
    with db.transaction() as s:
        statuses = set(s.execute(select(Outbox.status)).scalars())
    assert statuses == {"sent"}
    assert counts["statements"] / n <= 3.2, counts
    assert counts["transactions"] / n <= 1.1, counts
