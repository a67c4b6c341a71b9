"""Runs due work exactly once. The database holds every deadline; one timer wakes the
process at the next one (and at least every `sweep_seconds`, in case another process added
earlier work), so a lost wake-up costs seconds, never a deadline.

Each item is claimed and run in one transaction: the claim (a conditional update, with
FOR UPDATE SKIP LOCKED on PostgreSQL), the handler's state changes and its outbox rows commit
together or not at all, so a crash re-runs the item instead of losing or doubling it.

A pass walks the due items oldest deadline first by a (due_at, id) keyset cursor, so 10,000
overdue items cost 10,000 indexed reads, not a quadratic `NOT IN`. Passes run in a worker
thread: the event loop keeps answering people while a long catch-up closes votes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from bot import changes, logctx, metrics
from bot.context import Ctx
from bot.core import Core, effect_rows, fallback_lane
from bot.model import Address, Edit, OpenThread, React
from storage import repos
from storage.tables import Community, DueWork

log = logging.getLogger("moot.scheduler")

MAX_ATTEMPTS = 10
HOUSEKEEPING_SECONDS = 3600.0
# During a long pass, let the outbox sender start on what is already committed this often.
PROGRESS_SECONDS = 0.5

Cursor = tuple[datetime, int]
# Effects whose lane is that of the message they name (core.lane looks it up).
REF_LANED = (Edit, React, OpenThread)
# (kind, due_at, committed_at) for every item run: metrics, benchmarks, tests.
Observer = Callable[[str, datetime, datetime], None]


def node_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    def __init__(self, core: Core, *, sweep_seconds: float = 15.0, batch: int = 20) -> None:
        self.core = core
        self.sweep_seconds = sweep_seconds
        # Items per transaction. On SQLite a batch holds the write lock: 20 closes of a vote
        # are a few tens of milliseconds, short enough for an event to wait behind.
        self.batch = batch
        self.observers: list[Observer] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.passes = 0
        # True while a pass keeps finding full batches: a backlog (a restart after downtime,
        # a burst of deadlines) is being worked off, and the outbox sender gives way to it.
        self.catching_up = False

    # ---- the work itself (no timers involved: tests call this with a fake clock)
    async def run_due(self, now: datetime | None = None) -> int:
        return self.run_due_now(now)

    def run_due_now(self, now: datetime | None = None) -> int:
        """Run every item due at `now` (default: the clock's now). Returns how many ran."""
        ran = self._pass(now)
        if ran:
            self.core.committed(None)
        return ran

    def _pass(
        self,
        now: datetime | None = None,
        progress: Callable[[], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> int:
        ran = 0
        cursor: Cursor | None = None
        noted = time.monotonic()
        while stop is None or not stop():
            at = max(now, self.core.clock.now()) if now else self.core.clock.now()
            # A deadline waits for events received before it that the inbox still holds.
            if self.core.horizon is not None:
                at = self.core.horizon(at)
            outcome, cursor = self._run_batch(at, cursor)
            if outcome is None:
                break
            ran += outcome
            self.catching_up = outcome >= self.batch
            if progress is not None and time.monotonic() - noted >= PROGRESS_SECONDS:
                progress()
                noted = time.monotonic()
        self.catching_up = False
        self.passes += 1
        return ran

    def _run_batch(self, at: datetime, cursor: Cursor | None) -> tuple[int | None, Cursor | None]:
        """Claim and run up to `batch` due items in one transaction. First all together,
        with no savepoint per item and their outbox rows in one INSERT; if any item fails,
        that transaction is rolled back and the batch runs again item by item, each in a
        savepoint, so a failing handler undoes only its own item. A catch-up of 10,000
        items pays for 10,000 handlers, not also for 10,000 transactions and savepoints."""
        together = self._run_together(at, cursor)
        if together is not None:
            return together
        return self._run_one_by_one(at, cursor)

    def _run_together(
        self, at: datetime, cursor: Cursor | None
    ) -> tuple[int | None, Cursor | None] | None:
        """The whole batch in one go; None when anything in it failed (nothing was kept)."""
        core = self.core
        done: list[tuple[str, datetime]] = []
        ran: list[tuple[Ctx, str]] = []
        try:
            with core.db.transaction() as s:
                batch = self._next(s, at, cursor)
                if not batch:
                    return None, cursor
                after = (batch[-1].due_at, batch[-1].id or 0)
                self._prefetch(s, batch)
                changes.defer_forgetting(s)
                for work in batch:
                    kind, due_at = work.kind, work.due_at
                    with logctx.scope(due=f"{kind}:{work.key}"):
                        ctx = self._run_item(s, work, at, ran)
                    if ctx is not None:
                        done.append((kind, due_at))
                changes.forget_deferred(s)
                self._write_effects(s, ran)
        except Exception:
            log.info("a batch of due work failed; running it again item by item", exc_info=True)
            return None
        self._after(done, [ctx for ctx, _ in ran], [])
        return len(done), after

    def _next(self, s: Session, at: datetime, cursor: Cursor | None) -> list[DueWork]:
        lock = self.core.db.dialect == "postgresql"
        return repos.next_due_work(s, at, cursor, lock=lock, limit=self.batch)

    def _prefetch(self, s: Session, batch: list[DueWork]) -> None:
        kinds: dict[str, list[DueWork]] = {}
        for work in batch:
            kinds.setdefault(work.kind, []).append(work)
        for kind, works in kinds.items():
            fetch = self.core.registry.due_prefetch.get(kind)
            if fetch is not None:
                fetch(s, works)

    def _write_effects(self, s: Session, ran: list[tuple[Ctx, str]]) -> None:
        """Every item's effects in one INSERT, with the lanes of the messages they refer to
        looked up in one read. An item sees the sends of the items before it, as it would
        have had each written its own rows."""
        core = self.core
        wanted = {
            e.ref for ctx, _ in ran for e in ctx.effects if isinstance(e, REF_LANED) and e.ref
        }
        known = repos.ref_channel_keys(s, sorted(wanted)) if wanted else {}
        rows: list[dict[str, object]] = []
        for ctx, key in ran:
            lanes = {
                e.ref: known.get(e.ref) or fallback_lane(ctx.community, e.ref)
                for e in ctx.effects
                if isinstance(e, REF_LANED) and e.ref
            }
            mine = effect_rows(s, ctx.community, ctx.effects, key, core.clock, lanes)
            for row in mine:
                if row["kind"] == "send" and row["ref"]:
                    known[str(row["ref"])] = str(row["channel_key"])
            rows += mine
        repos.add_outbox_rows(s, rows)

    def _run_one_by_one(
        self, at: datetime, cursor: Cursor | None
    ) -> tuple[int | None, Cursor | None]:
        core = self.core
        done: list[tuple[str, datetime]] = []
        failed: list[tuple[int, str, str]] = []
        contexts: list[Ctx] = []
        try:
            with core.db.transaction() as s:
                batch = self._next(s, at, cursor)
                if not batch:
                    return None, cursor
                # Taken before any handler runs: a handler may move its own row.
                cursor = (batch[-1].due_at, batch[-1].id or 0)
                for work in batch:
                    work_id, kind, due_at = work.id or 0, work.kind, work.due_at
                    with logctx.scope(due=f"{kind}:{work.key}"):
                        savepoint = s.begin_nested()
                        try:
                            ran = self._run_item(s, work, at)
                            if ran is not None:
                                done.append((kind, due_at))
                                contexts.append(ran)
                            savepoint.commit()
                        except Exception as exc:
                            savepoint.rollback()
                            log.exception("due work %s (%s) failed", work_id, kind)
                            failed.append((work_id, kind, repr(exc)))
        except Exception:
            # The commit itself failed (a lost race, a dropped connection): nothing of the
            # batch happened, and the next pass tries again.
            log.exception("a batch of due work could not be committed")
            return 0, cursor
        self._after(done, contexts, failed)
        return len(done), cursor

    def _after(
        self,
        done: list[tuple[str, datetime]],
        contexts: list[Ctx],
        failed: list[tuple[int, str, str]],
    ) -> None:
        core = self.core
        # Committed: now the steps handlers left for after it (a secret vote's scrub).
        for ctx in contexts:
            core.after_commit(ctx)
        finished = core.clock.now()
        for kind, due_at in done:
            metrics.due_ran(kind, True, (finished - due_at).total_seconds())
            for observe in self.observers:
                observe(kind, due_at, finished)
        for work_id, kind, error in failed:
            metrics.due_ran(kind, False)
            self._record_failure(work_id, error)

    def _run_item(
        self, s: Session, work: DueWork, at: datetime, defer: list[tuple[Ctx, str]] | None = None
    ) -> Ctx | None:
        """Claim and run one item. Its effects go to the outbox now, or, given `defer`, are
        added there for the caller to write with the rest of its batch."""
        core = self.core
        if not repos.claim_due(s, work.id or 0, at):
            return None
        handler = core.registry.due.get(work.kind)
        if handler is None:
            log.error("no handler for due work kind %r (%s)", work.kind, work.key)
            return None
        community = s.get(Community, work.community_id) if work.community_id else None
        if community is None:
            log.error("due work %s has no community", work.key)
            return None
        due_at = work.due_at
        with logctx.scope():
            ctx = core.ctx(s, community, core.system_actor(community), core_address(community))
            # "Run everything due at T": the handler must see T, not an earlier clock.
            ctx.clock = FixedClock(at)
            # Due work has no actor: it speaks to the community (results, reminders posted).
            with ctx.public():
                handler(ctx, work)
            key = f"due:{work.id}:{due_at.timestamp():.0f}"
            if defer is None:
                core.write_effects(ctx, key)
            else:
                defer.append((ctx, key))
        return ctx

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

    # ---- the timer
    def start(self) -> None:
        """Start waking up on time. The first pass runs at once: work that fell due while we
        were down runs oldest deadline first, beside (not before) the adapters."""
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task = asyncio.create_task(self._timer(), name="moot-scheduler")

    async def stop(self) -> None:
        """Stop the timer; a pass under way finishes the item it holds, then stops."""
        self._stopping = True
        task, self._task = self._task, None
        if task is None:
            return
        self.poke()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def shutdown(self) -> None:
        """Stop without waiting (synchronous callers); the pass ends after its item."""
        self._stopping = True
        if self._task is not None:
            self.poke()
            self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def poke(self) -> None:
        """Something was scheduled: look again now (callable from any thread)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            wake.set()
        else:
            loop.call_soon_threadsafe(wake.set)

    async def _timer(self) -> None:
        """One loop, one timer: a pass, then sleep until the next deadline (capped by the
        sweep) or a poke. It cannot overlap itself or be skipped the way a scheduled job
        with a maximum number of instances can."""
        assert self._wake is not None
        housekept = time.monotonic()
        while not self._stopping:
            # Cleared before the pass: a poke during it means "look again", not "lost".
            self._wake.clear()
            try:
                ran = await asyncio.to_thread(
                    self._pass, None, self._deliver_progress, lambda: self._stopping
                )
                if ran:
                    self.core.committed(None)
                if time.monotonic() - housekept >= HOUSEKEEPING_SECONDS:
                    housekept = time.monotonic()
                    await asyncio.to_thread(self.housekeeping)
                delay = await asyncio.to_thread(self._delay)
            except Exception:
                log.exception("scheduler pass failed; trying again shortly")
                delay = min(self.sweep_seconds, 1.0)
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def _delay(self) -> float:
        when = self.next_due()
        if when is None:
            return self.sweep_seconds
        wait = (when - self.core.clock.now()).total_seconds()
        return min(self.sweep_seconds, max(0.0, wait))

    def _deliver_progress(self) -> None:
        """From the pass's thread: tell the sender there are results to post already."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        for hook in self.core.on_outbox:
            loop.call_soon_threadsafe(hook)


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def core_address(community: Community) -> Address:
    return Address(community.platform, community.workspace, channel="")
