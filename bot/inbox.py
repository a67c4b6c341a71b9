"""The durable inbox: an adapter acknowledges an event only after it is on disk.

`accept` (the adapters' sink) writes the neutral event to the inbox table in one short
transaction and returns; the adapter acknowledges the platform after that. A worker then
handles the rows oldest first through the dispatcher and deletes each one. A process that
dies leaves its rows behind: their claim runs out and any process (the same one restarted,
or another replica) takes them. Handling twice is harmless: the dispatcher drops an event id
it has already processed, inside the handler's own transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from bot import codec
from bot.adapter import Adapter
from bot.clock import Clock
from bot.dispatcher import Dispatcher, Outcome
from bot.model import InboundEvent
from storage import repos
from storage.db import Database
from storage.inbox_tables import InboxEvent

log = logging.getLogger("moot.inbox")

# How long the process that stored a row keeps it to itself; after that it counts as
# orphaned (its process died) and any process takes it.
LEASE = timedelta(seconds=10)
# A row that cannot even be prepared (the platform's directory is down) waits this long
# times its attempts before the next try; after MAX_PREPARE_ATTEMPTS it is handled with the
# actor as the event carried it rather than never.
RETRY_STEP = timedelta(seconds=5)
MAX_PREPARE_ATTEMPTS = 5
# Due work waits for older inbox rows at most this long (a row that never gets handled
# must not hold every deadline back for ever).
HOLD_LIMIT = timedelta(minutes=5)
BATCH = 50

Observer = Callable[[InboundEvent, Outcome], None]


class Inbox:
    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        *,
        lease: timedelta = LEASE,
        sweep_seconds: float = 2.0,
    ) -> None:
        self.db = db
        self.dispatcher = dispatcher
        self.adapters = adapters
        self.clock = clock
        self.lease = lease
        self.sweep_seconds = sweep_seconds
        self.observers: list[Observer] = []
        # Called when this process's queue runs empty (due work held back may run now).
        self.on_drained: list[Callable[[], None]] = []
        self._mine: asyncio.Queue[int] = asyncio.Queue()
        self._stopping = False

    # ---------------------------------------------------------------- in
    def put(self, event: InboundEvent) -> int | None:
        """Store the event durably; its row id, or None if a copy is already waiting."""
        now = self.clock.now()
        with self.db.transaction() as s:
            values = {
                "platform": event.address.platform,
                "event_id": event.event_id,
                "payload": codec.encode_event(event),
                "received_at": now,
                "claimed_until": now + self.lease,
                "attempts": 0,
            }
            if not repos.insert_or_skip(s, InboxEvent, values):
                return None
            row = s.execute(
                select(InboxEvent.id).where(
                    InboxEvent.platform == values["platform"],
                    InboxEvent.event_id == event.event_id,
                )
            ).scalar_one()
        return int(row)

    async def accept(self, event: InboundEvent) -> str:
        """The adapters' sink. When this returns the event survives a crash: acknowledge."""
        row_id = self.put(event)
        if row_id is None:
            return "duplicate"
        self._mine.put_nowait(row_id)
        return "stored"

    # ---------------------------------------------------------------- out
    def _claim(self, row_id: int | None = None) -> list[InboxEvent]:
        """Rows to handle now: the one given (stored by this process), or every row whose
        claim ran out, oldest first; each claimed again for a lease."""
        now = self.clock.now()
        with self.db.transaction() as s:
            stmt = select(InboxEvent)
            if row_id is not None:
                stmt = stmt.where(InboxEvent.id == row_id)
            else:
                stmt = stmt.where(InboxEvent.claimed_until <= now).order_by(InboxEvent.id)
                stmt = stmt.limit(BATCH)
            if s.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list(s.execute(stmt).scalars())
            if rows and row_id is None:
                s.execute(
                    update(InboxEvent)
                    .where(InboxEvent.id.in_([r.id for r in rows]))
                    .values(claimed_until=now + self.lease)
                )
        return rows

    def horizon(self, at: datetime) -> datetime:
        """`at`, or just before the oldest event still waiting if that is earlier. A row
        stuck for longer than HOLD_LIMIT holds nothing back."""
        with self.db.transaction() as s:
            oldest = s.execute(
                select(func.min(InboxEvent.received_at)).where(
                    InboxEvent.received_at > at - HOLD_LIMIT
                )
            ).scalar_one_or_none()
        if oldest is None or oldest > at:
            return at
        return oldest - timedelta(microseconds=1)

    async def _handle(self, row: InboxEvent) -> None:
        try:
            event = codec.decode_event(row.payload)
        except Exception:
            log.exception("inbox row %s (event %s) cannot be read; dropped", row.id, row.event_id)
            self._delete(row)
            return
        adapter = self.adapters.get(event.address.platform)
        if adapter is not None:
            try:
                event = await adapter.prepare(event)
            except Exception as exc:
                if row.attempts + 1 < MAX_PREPARE_ATTEMPTS:
                    self._postpone(row, exc)
                    return
                log.warning("event %s handled without its actor's details: %s", row.event_id, exc)
        outcome = self.dispatcher.handle_now(event)
        self._delete(row)
        for observe in self.observers:
            observe(event, outcome)

    def _delete(self, row: InboxEvent) -> None:
        with self.db.transaction() as s:
            s.execute(delete(InboxEvent).where(InboxEvent.id == row.id))

    def _postpone(self, row: InboxEvent, exc: Exception) -> None:
        attempts = row.attempts + 1
        log.warning("event %s not ready (%s); retry %d later", row.event_id, exc, attempts)
        with self.db.transaction() as s:
            s.execute(
                update(InboxEvent)
                .where(InboxEvent.id == row.id)
                .values(attempts=attempts, claimed_until=self.clock.now() + RETRY_STEP * attempts)
            )

    async def drain(self) -> int:
        """Handle every row that is free now, including this process's own (tests, scripts)."""
        done = 0
        while True:
            while not self._mine.empty():
                for row in self._claim(self._mine.get_nowait()):
                    await self._handle(row)
                    done += 1
            rows = self._claim()
            if not rows:
                return done
            for row in rows:
                await self._handle(row)
                done += 1

    async def run(self) -> None:
        """Handle this process's rows as they come, and orphaned rows every sweep."""
        self._stopping = False
        loop = asyncio.get_running_loop()
        next_sweep = 0.0
        while not self._stopping:
            try:
                if loop.time() >= next_sweep:
                    for row in self._claim():
                        await self._handle(row)
                    next_sweep = loop.time() + self.sweep_seconds
                try:
                    row_id = await asyncio.wait_for(self._mine.get(), timeout=0.25)
                except TimeoutError:
                    continue
                for row in self._claim(row_id):
                    await self._handle(row)
                if self._mine.empty():
                    for hook in self.on_drained:
                        hook()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The row stays; its claim runs out and the sweep takes it again.
                log.exception("inbox worker failed; carrying on")
                await asyncio.sleep(0.5)

    def stop(self) -> None:
        self._stopping = True

    def pending(self) -> int:
        with self.db.transaction() as s:
            return int(s.execute(select(func.count()).select_from(InboxEvent)).scalar_one())
