"""Runs due work exactly once. The database holds every deadline; APScheduler only wakes the
process at the next one, and a periodic sweep does the same work in case a wake-up is lost.

Each item is claimed and run in one transaction: the claim (a conditional update, with
FOR UPDATE SKIP LOCKED on PostgreSQL), the handler's state changes and its outbox rows commit
together or not at all, so a crash re-runs the item instead of losing or doubling it.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.core import Core
from bot.model import Address
from storage import repos
from storage.tables import Community, DueWork

log = logging.getLogger("moot.scheduler")

MAX_ATTEMPTS = 10


def node_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    def __init__(self, core: Core, *, sweep_seconds: float = 15.0) -> None:
        self.core = core
        self.sweep_seconds = sweep_seconds
        self._aps: Any = None

    # ---- the work itself (no timers involved: tests call this with a fake clock)
    async def run_due(self, now: datetime | None = None) -> int:
        return self.run_due_now(now)

    def run_due_now(self, now: datetime | None = None) -> int:
        """Run every item due at `now` (default: the clock's now). Returns how many ran."""
        ran = 0
        # Items already run or failed in this pass: a handler that puts its own work back at
        # a time that is already due must not spin this loop forever.
        seen: set[int] = set()
        while True:
            at = max(now, self.core.clock.now()) if now else self.core.clock.now()
            outcome = self._run_one(at, seen)
            if outcome is None:
                break
            ran += outcome
        if ran:
            self.core.committed(None)
        return ran

    def _run_one(self, at: datetime, seen: set[int]) -> int | None:
        core = self.core
        work_id: int | None = None
        try:
            with core.db.transaction() as s:
                stmt = (
                    select(DueWork)
                    .where(DueWork.status == "pending", DueWork.due_at <= at)
                    .order_by(DueWork.due_at, DueWork.id)
                    .limit(1)
                )
                if seen:
                    stmt = stmt.where(DueWork.id.not_in(seen))
                if core.db.dialect == "postgresql":
                    stmt = stmt.with_for_update(skip_locked=True)
                work = s.execute(stmt).scalar_one_or_none()
                if work is None:
                    return None
                work_id = work.id
                seen.add(work.id or 0)
                claimed = s.execute(
                    update(DueWork)
                    .where(DueWork.id == work.id, DueWork.status == "pending")
                    .values(status="done", done_at=at)
                ).rowcount
                if claimed != 1:
                    return 0
                handler = core.registry.due.get(work.kind)
                if handler is None:
                    log.error("no handler for due work kind %r (%s)", work.kind, work.key)
                    return 0
                community = s.get(Community, work.community_id) if work.community_id else None
                if community is None:
                    log.error("due work %s has no community", work.key)
                    return 0
                ctx = core.ctx(
                    s,
                    community,
                    core.system_actor(community),
                    core_address(community),
                )
                # "Run everything due at T": the handler must see T, not an earlier clock.
                ctx.clock = FixedClock(at)
                handler(ctx, work)
                core.write_effects(ctx, f"due:{work.id}:{work.due_at.timestamp():.0f}")
            core.after_commit(ctx)
            return 1
        except Exception as exc:
            log.exception("due work %s failed", work_id)
            if work_id is not None:
                self._record_failure(work_id, repr(exc))
            return 0

    def _record_failure(self, work_id: int, error: str) -> None:
        core = self.core
        with core.db.transaction() as s:
            work = s.get(DueWork, work_id)
            if work is None or work.status != "pending":
                return
            work.attempts += 1
            work.last_error = error[:1000]
            if work.attempts >= MAX_ATTEMPTS:
                work.status = "failed"
                log.error("due work %s gave up after %d attempts", work.key, work.attempts)
            else:
                work.due_at = core.clock.now() + timedelta(seconds=min(300, 2**work.attempts))
            s.add(work)

    def next_due(self) -> datetime | None:
        with self.core.db.transaction() as s:
            return repos.next_due_at(s)

    def housekeeping(self) -> None:
        with self.core.db.transaction() as s:
            repos.prune_processed(s, self.core.clock.now() - timedelta(days=7))

    # ---- timers
    def start(self) -> None:
        """Start waking up on time. Overdue work (fell due while we were down) runs at once."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._aps = AsyncIOScheduler(timezone="UTC")
        # misfire_grace_time=None: APScheduler 3 would otherwise silently drop a job that
        # starts more than a second late, which is exactly when we need it most.
        self._aps.add_job(
            self._tick,
            "interval",
            seconds=self.sweep_seconds,
            id="sweep",
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )
        self._aps.add_job(
            self._housekeeping_tick,
            "interval",
            hours=1,
            id="housekeeping",
            misfire_grace_time=None,
            coalesce=True,
        )
        self._aps.start()
        self.poke()

    def shutdown(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

    def poke(self) -> None:
        """Re-aim the wake-up at the earliest pending deadline (or now, if overdue)."""
        if self._aps is None:
            return
        when = self.next_due()
        if when is None:
            return
        self._aps.add_job(
            self._tick,
            "date",
            run_date=max(when, self.core.clock.now()),
            id="wake",
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def _tick(self) -> None:
        try:
            self.run_due_now()
        except Exception:
            log.exception("scheduler pass failed")
        self.poke()

    async def _housekeeping_tick(self) -> None:
        try:
            self.housekeeping()
        except Exception:
            log.exception("housekeeping failed")


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def core_address(community: Community) -> Address:
    return Address(community.platform, community.workspace, channel="")
