"""Delivers outbox rows through the adapters: in order within a lane, with an idempotency key,
retrying with backoff, and marking each row sent only after the platform took it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta

from sqlalchemy import update

from bot import codec, render
from bot.adapter import Adapter, PermanentFailure, RetryAfter, Target
from bot.clock import Clock
from bot.model import Delivered, Edit, OpenThread, React, Send
from storage import repos
from storage.db import Database
from storage.tables import Outbox, PostedMessage

log = logging.getLogger("moot.outbox")


class NotYet(Exception):
    """A message this row refers to has not been delivered yet."""


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** min(attempts, 9)))


class OutboxSender:
    def __init__(
        self,
        db: Database,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        *,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 10,
        live_cards: Mapping[str, Callable[..., Edit | None]] | None = None,
        prefix_of: Callable[[str], str] = lambda platform: "/",
    ) -> None:
        self.db = db
        self.adapters = adapters
        self.clock = clock
        self.lease = lease
        self.max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._last_edit: dict[str, float] = {}
        self._stopping = False
        self.live_cards = live_cards or {}
        self.prefix_of = prefix_of

    def kick(self) -> None:
        self._wake.set()

    async def drain(self) -> int:
        """Deliver everything deliverable now; returns how many rows went out."""
        total = 0
        while True:
            sent = await self._pass()
            total += sent
            if not sent:
                return total

    async def run(self, idle: float = 1.0) -> None:
        while not self._stopping:
            try:
                await self.drain()
            except Exception:
                log.exception("outbox pass failed; retrying")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=idle)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def _pass(self) -> int:
        now = self.clock.now()
        with self.db.transaction() as s:
            rows = [r for r in repos.pending_outbox(s) if r.platform in self.adapters]
        blocked: set[str] = set()
        sent = 0
        later_edits: dict[str, int] = {}
        for r in rows:
            if r.kind == "edit" and r.ref:
                later_edits[r.ref] = r.id or 0
        for row in rows:
            lane = row.channel_key
            if lane in blocked:
                continue
            if row.next_attempt_at > now or (row.claimed_until and row.claimed_until > now):
                blocked.add(lane)
                continue
            adapter = self.adapters[row.platform]
            if row.kind == "edit" and row.ref and later_edits.get(row.ref) != row.id:
                self._finish(row, "superseded")
                continue
            if row.kind == "edit" and row.ref and not self._edit_allowed(adapter, row.ref):
                continue
            with self.db.transaction() as s:
                if not repos.claim_outbox(s, row.id or 0, now, now + self.lease):
                    blocked.add(lane)
                    continue
            try:
                await self._deliver(adapter, row)
            except RetryAfter as exc:
                log.warning("rate limited on %s: waiting %.1fs", lane, exc.seconds)
                self._retry(row, timedelta(seconds=exc.seconds), str(exc), count=False)
                blocked.add(lane)
            except NotYet as exc:
                self._retry(row, timedelta(0), str(exc), count=True)
                blocked.add(lane)
            except PermanentFailure as exc:
                log.error("outbox row %s failed for good: %s", row.key, exc)
                self._finish(row, "failed", str(exc))
            except Exception as exc:
                log.warning("outbox row %s failed (attempt %d): %r", row.key, row.attempts + 1, exc)
                self._retry(row, backoff(row.attempts + 1), repr(exc), count=True)
                blocked.add(lane)
            else:
                sent += 1
        return sent

    def _edit_allowed(self, adapter: Adapter, ref: str) -> bool:
        if adapter.min_edit_interval <= 0:
            return True
        last = self._last_edit.get(ref)
        return last is None or time.monotonic() - last >= adapter.min_edit_interval

    def _target(self, ref: str) -> Target:
        with self.db.transaction() as s:
            posted = repos.latest_posted(s, ref)
        if posted is None:
            raise NotYet(f"message {ref} is not delivered yet")
        return Target(posted.channel, posted.message_id, posted.thread)

    async def _deliver(self, adapter: Adapter, row: Outbox) -> None:
        effect = codec.decode(row.kind, row.payload)
        caps = adapter.capabilities
        if isinstance(effect, Send):
            msg = render.fit_send(effect, caps)
            root = self._thread_root(msg) if caps.threads else None
            delivered = await adapter.send(msg, root, row.key)
            for i, emoji in enumerate(render.reactions_to_add(msg, caps)):
                await adapter.react(
                    Target(delivered.channel, delivered.message_id, delivered.thread),
                    emoji,
                    f"{row.key}:r{i}",
                )
            self._finish(row, "sent", delivered=delivered, msg=msg)
        elif isinstance(effect, Edit):
            if not caps.edits:
                self._finish(row, "sent")
                return
            target = self._target(effect.ref)
            fitted = render.fit_edit(self._live(row.platform, effect), caps)
            await adapter.edit(target, fitted, row.key)
            self._last_edit[effect.ref] = time.monotonic()
            self._finish(row, "sent", refresh_choices=fitted)
        elif isinstance(effect, React):
            if caps.reactions:
                await adapter.react(self._target(effect.ref), effect.key, row.key)
            self._finish(row, "sent")
        elif isinstance(effect, OpenThread):
            if caps.threads:
                await adapter.open_thread(self._target(effect.ref), effect.title, row.key)
            self._finish(row, "sent")

    def _live(self, platform: str, effect: Edit) -> Edit:
        """A live message (reg.live_card) is rendered now, in a short read of its own, so
        the edit shows the state at delivery however many changes marked it stale."""
        fn = self.live_cards.get(effect.ref.split(":", 1)[0])
        if fn is None:
            return effect
        with self.db.transaction() as s:
            fresh = fn(s, effect.ref, self.prefix_of(platform))
        return fresh or effect

    def _thread_root(self, msg: Send) -> str | None:
        if msg.thread_ref:
            with self.db.transaction() as s:
                posted = repos.latest_posted(s, msg.thread_ref)
            if posted is None:
                raise NotYet(f"thread root {msg.thread_ref} is not delivered yet")
            return posted.thread or posted.message_id
        if msg.thread == "never":
            return None
        if msg.address.thread:
            return msg.address.thread
        if msg.thread == "force":
            return msg.address.message
        return None

    def _finish(
        self,
        row: Outbox,
        status: str,
        error: str | None = None,
        delivered: Delivered | None = None,
        msg: Send | None = None,
        refresh_choices: Edit | None = None,
    ) -> None:
        now = self.clock.now()
        with self.db.transaction() as s:
            s.execute(
                update(Outbox)
                .where(Outbox.id == row.id)
                .values(
                    status=status,
                    sent_at=now if status == "sent" else None,
                    claimed_until=None,
                    last_error=(error or "")[:1000] or None,
                )
            )
            if delivered and delivered.message_id and msg is not None:
                existing = repos.posted_at(s, row.platform, delivered.channel, delivered.message_id)
                if existing is None:
                    s.add(
                        PostedMessage(
                            community_id=row.community_id,
                            platform=row.platform,
                            channel=delivered.channel,
                            message_id=delivered.message_id,
                            thread=delivered.thread,
                            ref=msg.ref,
                            choices=[codec.encode_choice(c) for c in msg.choices],
                            outbox_id=row.id,
                            created_at=now,
                        )
                    )
            if refresh_choices is not None and refresh_choices.choices:
                posted = repos.latest_posted(s, refresh_choices.ref)
                if posted is not None:
                    posted.choices = [codec.encode_choice(c) for c in refresh_choices.choices]
                    s.add(posted)

    def _retry(self, row: Outbox, delay: timedelta, error: str, *, count: bool) -> None:
        attempts = row.attempts + (1 if count else 0)
        status = "failed" if attempts >= self.max_attempts else "pending"
        if status == "failed":
            log.error("outbox row %s gave up after %d attempts: %s", row.key, attempts, error)
        with self.db.transaction() as s:
            s.execute(
                update(Outbox)
                .where(Outbox.id == row.id)
                .values(
                    attempts=attempts,
                    status=status,
                    next_attempt_at=self.clock.now() + delay,
                    claimed_until=None,
                    last_error=error[:1000],
                )
            )
