from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock, SystemClock
from bot.context import Ctx
from bot.registry import Registry
from storage import repos
from storage.db import Database
from storage.tables import DueWork, Outbox

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def due_registry(calls: list[str]) -> Registry:
    reg = Registry()

    @reg.due_kind("ping")
    def ping(ctx: Ctx, work: DueWork) -> None:
        calls.append(work.key)
        ctx.post("general", f"ping {work.key}")

    @reg.due_kind("flaky")
    def flaky(ctx: Ctx, work: DueWork) -> None:
        ctx.post("general", "half done")
        raise RuntimeError("flaky")

    return reg


def seed(db: Database, n: int, due: datetime, kind: str = "ping") -> None:
    with db.transaction() as s:
        c = repos.get_or_create_community(s, "console", "local", T0)
        for i in range(n):
            repos.schedule(s, kind=kind, key=f"k{i}", due_at=due, community_id=c.id)


def outbox_count(db: Database) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(Outbox)).scalar_one()


async def test_runs_due_work_at_time_t_and_not_before(db: Database) -> None:
    calls: list[str] = []
    clock = FakeClock(T0)
    app = App(db, due_registry(calls), clock)
    seed(db, 1, T0 + timedelta(hours=1))
    assert app.scheduler.run_due_now() == 0
    assert app.scheduler.run_due_now(T0 + timedelta(hours=1)) == 1
    assert calls == ["k0"]
    assert app.scheduler.run_due_now(T0 + timedelta(hours=2)) == 0


async def test_work_that_fell_due_while_down_runs_at_start(db: Database) -> None:
    calls: list[str] = []
    seed(db, 3, T0 + timedelta(minutes=5))
    # The process was down for an hour: a new one starts and reconciles first thing.
    app = App(db, due_registry(calls), FakeClock(T0 + timedelta(hours=1)))
    assert app.scheduler.run_due_now() == 3
    assert sorted(calls) == ["k0", "k1", "k2"] and outbox_count(db) == 3


async def test_a_failing_item_leaves_no_effects_and_is_retried_later(db: Database) -> None:
    clock = FakeClock(T0)
    app = App(db, due_registry([]), clock)
    seed(db, 1, T0, kind="flaky")
    assert app.scheduler.run_due_now() == 0
    assert outbox_count(db) == 0
    with db.transaction() as s:
        work = s.execute(select(DueWork)).scalar_one()
        assert work.status == "pending" and work.attempts == 1 and work.due_at > T0


def test_two_schedulers_on_one_database_run_each_item_exactly_once(db_url: str) -> None:
    n = 60
    setup = Database(db_url)
    seed(setup, n, T0)
    setup.dispose()
    calls: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        mine: list[str] = []
        db = Database(db_url)
        try:
            app = App(db, due_registry(mine), FakeClock(T0 + timedelta(seconds=1)))
            barrier.wait()
            app.scheduler.run_due_now()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            db.dispose()
            with lock:
                calls.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(calls) == sorted(f"k{i}" for i in range(n))
    check = Database(db_url)
    assert outbox_count(check) == n
    check.dispose()


async def wait_for(cond: Callable[[], bool], seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):
        if cond():
            return True
        await asyncio.sleep(0.05)
    return cond()


async def test_the_timer_wakes_the_process_at_the_deadline(db: Database) -> None:
    calls: list[str] = []
    app = App(db, due_registry(calls), SystemClock(), sweep_seconds=3600)
    app.scheduler.start()
    try:
        await asyncio.sleep(0.2)  # asleep with nothing due; the schedule below pokes it
        seed(db, 1, SystemClock().now() + timedelta(milliseconds=300))
        app.scheduler.poke()
        assert not calls
        assert await wait_for(lambda: bool(calls), 5)
    finally:
        await app.scheduler.stop()
    assert calls == ["k0"]


async def test_an_overdue_wake_is_not_dropped(db: Database) -> None:
    """APScheduler 3 drops one-shot jobs more than a second late by default; ours must run."""
    calls: list[str] = []
    app = App(db, due_registry(calls), SystemClock(), sweep_seconds=3600)
    seed(db, 1, SystemClock().now() - timedelta(minutes=10))
    app.scheduler.start()
    try:
        assert await wait_for(lambda: bool(calls), 5)
    finally:
        await app.scheduler.stop()
    assert calls == ["k0"]


async def test_a_wake_up_that_fires_late_still_runs_its_work(db: Database) -> None:
    calls: list[str] = []
    app = App(db, due_registry(calls), SystemClock(), sweep_seconds=3600)
    seed(db, 1, SystemClock().now() + timedelta(milliseconds=200))
    app.scheduler.start()
    try:
        await asyncio.sleep(0.05)  # the timer is armed for +200 ms ...
        time.sleep(1.6)  # ... and the event loop is stuck well past it
        assert await wait_for(lambda: bool(calls), 5)
    finally:
        await app.scheduler.stop()
    assert calls == ["k0"]


async def test_a_slow_handler_delays_but_never_drops_the_next_wake_up(db: Database) -> None:
    """Work falling due while a slow handler runs is run right after it, and passes never
    overlap (APScheduler skipped the wake-up: "maximum number of running instances")."""
    running, most, calls = [0], [0], []
    reg = Registry()

    @reg.due_kind("slow")
    def slow(ctx: Ctx, work: DueWork) -> None:
        running[0] += 1
        most[0] = max(most[0], running[0])
        time.sleep(1.2 if work.key == "first" else 0.01)
        calls.append(work.key)
        running[0] -= 1

    clock = SystemClock()
    app = App(db, reg, clock, sweep_seconds=3600)
    with db.transaction() as s:
        c = repos.get_or_create_community(s, "console", "local", T0)
        for key, ms in (("first", 100), ("during", 500)):
            at = clock.now() + timedelta(milliseconds=ms)
            repos.schedule(s, kind="slow", key=key, due_at=at, community_id=c.id)
    app.scheduler.start()
    try:
        await asyncio.sleep(0.6)
        # The loop stays free while the handler runs in the worker thread.
        tick = time.perf_counter()
        await asyncio.sleep(0.01)
        assert time.perf_counter() - tick < 0.5
        # Scheduled (and poked) while the slow pass is under way.
        with db.transaction() as s:
            at = clock.now() + timedelta(milliseconds=50)
            repos.schedule(s, kind="slow", key="poked", due_at=at, community_id=c.id)
        app.scheduler.poke()
        assert await wait_for(lambda: len(calls) == 3, 10)
    finally:
        await app.scheduler.stop()
    assert calls == ["first", "during", "poked"] and most[0] == 1


async def test_a_poke_from_another_thread_wakes_the_timer(db: Database) -> None:
    calls: list[str] = []
    app = App(db, due_registry(calls), SystemClock(), sweep_seconds=3600)
    app.scheduler.start()
    try:
        await asyncio.sleep(0.1)
        seed(db, 1, SystemClock().now())
        await asyncio.to_thread(app.scheduler.poke)
        assert await wait_for(lambda: bool(calls), 5)
    finally:
        await app.scheduler.stop()


@pytest.mark.parametrize("delay", [timedelta(0)])
async def test_rescheduling_done_work_runs_it_again(db: Database, delay: timedelta) -> None:
    calls: list[str] = []
    app = App(db, due_registry(calls), FakeClock(T0))
    seed(db, 1, T0)
    app.scheduler.run_due_now()
    seed(db, 1, T0 + timedelta(hours=1))
    app.scheduler.run_due_now(T0 + timedelta(hours=1))
    assert calls == ["k0", "k0"] and outbox_count(db) == 2


async def test_handlers_see_the_time_they_are_run_at_and_cannot_spin(db: Database) -> None:
    seen: list[datetime] = []
    reg = Registry()

    @reg.due_kind("again")
    def again(ctx: Ctx, work: DueWork) -> None:
        seen.append(ctx.now)
        # Puts itself back at a time that is already due: must run once per pass, not loop.
        ctx.schedule("again", work.key, ctx.now - timedelta(minutes=1))

    app = App(db, reg, FakeClock(T0))
    seed(db, 1, T0 + timedelta(hours=2), kind="again")
    assert app.scheduler.run_due_now(T0 + timedelta(hours=3)) == 1
    assert seen == [T0 + timedelta(hours=3)]
