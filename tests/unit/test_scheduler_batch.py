"""A batch of due work runs in one transaction without a savepoint per item; when one item
fails, the batch runs again item by item and only the failing item is undone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.context import Ctx
from bot.model import Edit
from bot.registry import Registry
from storage import repos
from storage.db import Database
from storage.tables import DueWork, Outbox
from tests.unit.sql_statements import statements

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def registry(calls: list[str], prefetched: list[list[str]]) -> Registry:
    reg = Registry()

    @reg.due_kind("ping")
    def ping(ctx: Ctx, work: DueWork) -> None:
        calls.append(work.key)
        ctx.post("general", f"ping {work.key}", ref=f"msg:{work.key}")

    @reg.due_kind("poke")
    def poke(ctx: Ctx, work: DueWork) -> None:
        # An edit of the message an earlier item of the same batch posted.
        calls.append(work.key)
        ctx.emit(Edit(f"msg:{work.payload['of']}", f"edited by {work.key}"))

    @reg.due_kind("bad")
    def bad(ctx: Ctx, work: DueWork) -> None:
        calls.append(work.key)
        ctx.post("general", "half done")
        raise RuntimeError("bad item")

    reg.due_prefetch["ping"] = lambda s, works: prefetched.append([w.key for w in works])
    return reg


def seed(db: Database, items: list[tuple[str, str, int, dict[str, Any]]]) -> None:
    with db.transaction() as s:
        c = repos.get_or_create_community(s, "console", "local", T0)
        for kind, key, seconds, payload in items:
            repos.schedule(
                s,
                kind=kind,
                key=key,
                due_at=T0 + timedelta(seconds=seconds),
                community_id=c.id,
                payload=payload,
            )


def outbox(db: Database) -> list[tuple[str, str, str]]:
    with db.transaction() as s:
        rows = s.execute(select(Outbox.key, Outbox.kind, Outbox.channel_key).order_by(Outbox.id))
        return [tuple(r) for r in rows.all()]


def test_a_batch_runs_without_savepoints_and_writes_its_outbox_in_one_insert(
    db: Database,
) -> None:
    calls: list[str] = []
    prefetched: list[list[str]] = []
    app = App(db, registry(calls, prefetched), FakeClock(T0 + timedelta(hours=1)))
    seed(db, [("ping", f"k{i}", i, {}) for i in range(5)])
    with statements(db) as seen:
        assert app.scheduler.run_due_now() == 5
    assert calls == [f"k{i}" for i in range(5)]
    assert prefetched == [[f"k{i}" for i in range(5)]]
    assert not [q for q in seen if "SAVEPOINT" in q.upper()]
    assert len([q for q in seen if q.lstrip().upper().startswith("INSERT INTO OUTBOX")]) == 1
    assert len(outbox(db)) == 5
    assert app.scheduler.run_due_now() == 0


def test_an_edit_takes_the_lane_of_a_send_made_earlier_in_the_same_batch(db: Database) -> None:
    app = App(db, registry([], []), FakeClock(T0 + timedelta(hours=1)))
    seed(db, [("ping", "a", 0, {}), ("poke", "b", 1, {"of": "a"}), ("poke", "c", 2, {"of": "z"})])
    assert app.scheduler.run_due_now() == 3
    lanes = {key.split(":")[1]: lane for key, _, lane in outbox(db)}
    # The edit of a's message is delivered in order after it, in a's channel.
    assert lanes[_id(db, "b")] == lanes[_id(db, "a")] == "console:local:general"
    # A message nobody posted gets the lane of its ref.
    assert lanes[_id(db, "c")] == "console:local:ref:msg:z"


def _id(db: Database, key: str) -> str:
    with db.transaction() as s:
        return str(s.execute(select(DueWork.id).where(DueWork.key == key)).scalar_one())


def test_one_failing_item_undoes_only_itself_and_the_rest_run_once(db: Database) -> None:
    calls: list[str] = []
    app = App(db, registry(calls, []), FakeClock(T0 + timedelta(hours=1)))
    seed(db, [("ping", "k0", 0, {}), ("bad", "x", 1, {}), ("ping", "k2", 2, {})])
    assert app.scheduler.run_due_now() == 2
    # Tried together first (rolled back), then one by one.
    assert calls == ["k0", "x", "k0", "x", "k2"]
    rows = outbox(db)
    assert sorted(k.split(":")[1] for k, _, _ in rows) == sorted([_id(db, "k0"), _id(db, "k2")])
    assert len(rows) == 2
    with db.transaction() as s:
        states = dict(s.execute(select(DueWork.key, DueWork.status)).all())
        bad = s.execute(select(DueWork).where(DueWork.key == "x")).scalar_one()
    assert states == {"k0": "done", "x": "pending", "k2": "done"}
    assert bad.attempts == 1 and "bad item" in (bad.last_error or "")
    # A restart runs nothing twice.
    again = App(db, registry(calls, []), FakeClock(T0 + timedelta(hours=1)))
    assert again.scheduler.run_due_now() == 0
    assert len(outbox(db)) == 2


def test_cancelling_by_prefix_updates_the_rows_the_session_holds(db: Database) -> None:
    seed(db, [("remind", "7:3600", 0, {}), ("remind", "7:60", 1, {}), ("remind", "70:60", 2, {})])
    with db.transaction() as s:
        held = {w.key: w for w in s.execute(select(DueWork)).scalars()}
        assert repos.cancel_due(s, "remind", key_prefix="7:") == 2
        # As the ORM's own synchronisation would: a later flush must not undo the cancel.
        assert {k: w.status for k, w in held.items()} == {
            "7:3600": "cancelled",
            "7:60": "cancelled",
            "70:60": "pending",
        }
        repos.schedule(s, kind="remind", key="7:60", due_at=T0, payload={})
    with db.transaction() as s:
        states = dict(s.execute(select(DueWork.key, DueWork.status)).all())
    assert states == {"7:3600": "cancelled", "7:60": "pending", "70:60": "pending"}
