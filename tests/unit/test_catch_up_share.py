"""While the scheduler works off a backlog (a restart after downtime, a burst of deadlines),
the outbox sender gives it most of the process's time: rows of due work are delivered with
a pause after each, replies to people are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.clock import FakeClock
from bot.context import Ctx
from bot.outbox import CATCH_UP_SHARE, OutboxSender
from bot.registry import Registry
from storage import repos
from storage.db import Database
from storage.tables import DueWork
from tests.unit.test_outbox_lanes import Paced, post, queue

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_the_scheduler_says_it_is_catching_up_only_while_batches_come_full(
    db: Database,
) -> None:
    seen: list[bool] = []
    reg = Registry()
    app = App(db, reg, FakeClock(T0 + timedelta(hours=1)))

    @reg.due_kind("tick")
    def tick(ctx: Ctx, work: DueWork) -> None:
        seen.append(app.scheduler.catching_up)

    with db.transaction() as s:
        c = repos.get_or_create_community(s, "console", "local", T0)
        for i in range(45):
            repos.schedule(
                s, kind="tick", key=f"k{i}", due_at=T0 + timedelta(seconds=i), community_id=c.id
            )
    batch = app.scheduler.batch
    assert app.scheduler.run_due_now() == 45
    # The first batch does not know yet; each batch after a full one does.
    assert seen == [False] * batch + [True] * (45 - batch)
    assert app.scheduler.catching_up is False
    # A pass with less than a batch to do is no backlog.
    seen.clear()
    with db.transaction() as s:
        for i in range(3):
            repos.schedule(
                s, kind="tick", key=f"m{i}", due_at=T0 + timedelta(seconds=i), community_id=c.id
            )
    assert app.scheduler.run_due_now() == 3
    assert seen == [False] * 3


async def test_due_rows_pause_while_the_scheduler_catches_up_and_replies_do_not(
    db: Database,
) -> None:
    log: list[tuple[str, str, float]] = []
    behind = True
    paused: list[float] = []
    sender = OutboxSender(
        db, {"fake": Paced(log, delay=0.01)}, FakeClock(T0), give_way=lambda: behind
    )

    async def pause(seconds: float) -> None:
        paused.append(seconds)

    sender.pause = pause
    queue(db, [post("votes", f"result {i}") for i in range(4)], key_base="due:1:0")
    queue(db, [post("dm-alice", "your reply")], key_base="ev:fake:e1")
    assert await sender.drain() == 5
    assert sorted(t for _, t, _ in log) == [*(f"result {i}" for i in range(4)), "your reply"]
    # One pause per result, each long enough that the sender keeps CATCH_UP_SHARE of the
    # time (the adapter's 10 ms per send included); none for the reply.
    assert len(paused) == 4
    floor = 0.01 * (1 - CATCH_UP_SHARE) / CATCH_UP_SHARE
    assert all(p >= floor for p in paused)

    # Not behind: no pause at all.
    behind = False
    paused.clear()
    queue(db, [post("votes", f"later {i}") for i in range(3)], key_base="due:2:0")
    assert await sender.drain() == 3
    assert paused == []
