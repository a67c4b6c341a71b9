"""Delivers outbox rows through the adapters: in order within a lane, with an idempotency key,
retrying with backoff, and marking each row sent only after the platform took it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot import codec, i18n, metrics, render
from bot.adapter import Adapter, PermanentFailure, RetryAfter, Target
from bot.clock import Clock
from bot.model import (
    Address,
    Delivered,
    Edit,
    GrantRole,
    MirrorEvent,
    OpenPlace,
    OpenThread,
    React,
    Send,
)
from storage import repos
from storage.db import Database
from storage.tables import Community, Outbox

log = logging.getLogger("moot.outbox")


# The sender's share of the time while the scheduler works off a backlog (see _give_way).
CATCH_UP_SHARE = 0.05
# Rows a pass reads, in each of its two windows (repos.pending_windows); fewer during a
# catch-up.
WINDOW = 500
CATCH_UP_WINDOW = 50
# KeyValue namespace: where each opened private place is (channel, thread, relayed members).
PLACES = "place"


class NotYet(Exception):
    """A message this row refers to has not been delivered yet."""


@dataclass
class _Done:
    """A row's outcome, written with the sender's next transaction (the lane's next claim, or
    another lane's): one transaction a row instead of a claim and a finish each. The row
    stays claimed until then, so no replica sends it again, and nothing awaits between a
    send and the lane's next claim; a lane that has no next row leaves its outcome for
    another lane's claim within the same turn of the event loop, or writes it then."""

    row_id: int
    status: str
    sent_at: datetime | None
    error: str | None
    posted: dict[str, Any] | None = None
    choices: tuple[int, list[dict[str, Any]]] | None = None


@dataclass
class _Ready:
    """What a row's delivery reads from the database, read in the claim's transaction just
    after the claim (so a live card shows what was committed before it was claimed)."""

    effect: Any
    error: Exception | None = None
    msg: Send | None = None
    root: str | None = None
    target: Target | None = None
    edit: Edit | None = None
    posted_id: int | None = None
    place: dict[str, Any] | None = None


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** min(attempts, 9)))


def default_replica() -> str:
    # Stable across restarts of the same container or host, so a restart resumes its own
    # claims at once; set [outbox] replica where several run on one host.
    return socket.gethostname() or "moot"


class OutboxSender:
    def __init__(
        self,
        db: Database,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        *,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 10,
        max_lanes: int = 8,
        replica: str | None = None,
        live_cards: Mapping[str, Callable[..., Edit | None]] | None = None,
        prefix_of: Callable[[str], str] = lambda platform: "/",
        pass_seconds: float = 0.5,
        give_way: Callable[[], bool] = lambda: False,
    ) -> None:
        self.db = db
        self.adapters = adapters
        self.clock = clock
        self.lease = lease
        self.max_attempts = max_attempts
        # How many channels are delivered at once: enough that a slow channel holds no
        # other, few enough to stay inside the platforms' global rate limits.
        self.max_lanes = max(1, max_lanes)
        self.replica = replica or default_replica()
        self._wake = asyncio.Event()
        self._last_edit: dict[str, float] = {}
        self._stopping = False
        self._resumed = False
        self.live_cards = live_cards or {}
        self.prefix_of = prefix_of
        # While this says so (the scheduler working off a backlog), rows of due work are
        # delivered at a fraction of the process's time: see _give_way.
        self.give_way = give_way
        self.pause: Callable[[float], Awaitable[None]] = asyncio.sleep
        # A pass stops starting sends after this long and looks at the outbox again: a row
        # committed meanwhile in a lane of its own (a command's reply) waits at most about
        # this, not for a backlog in another lane to drain.
        self.pass_seconds = pass_seconds
        self._pass_ends = 0.0
        self._cut = False
        self._begun = False
        # Lanes the last pass ended before they had a turn (a dict: ordered, no repeats).
        self._skipped: dict[str, None] = {}
        # Outcomes not yet written (see _Done).
        self._owed: list[_Done] = []
        # Per pass: thread roots found posted (a root, once posted, stays where it is).
        self._roots: dict[str, str | None] = {}

    def kick(self) -> None:
        self._wake.set()

    def resume_own_claims(self) -> int:
        """Claims this replica held before a crash are released now, not after the lease."""
        with self.db.transaction() as s:
            n = repos.release_own_claims(s, self.replica)
        if n:
            log.info("resuming %d outbox row(s) this replica had claimed before it stopped", n)
        self._resumed = True
        return n

    async def drain(self) -> int:
        """Deliver everything deliverable now; returns how many rows went out."""
        if not self._resumed:
            self.resume_own_claims()
        total = 0
        while True:
            sent = await self._pass()
            total += sent
            if not sent and not self._cut:
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
        """One look at the pending rows: each lane in order (priority, then id), different
        lanes concurrently, at most max_lanes at a time."""
        # A read of its own: on SQLite it never queues for the write lock behind a catch-up.
        # While a catch-up runs the sender sends a few rows a pass (see _give_way): reading
        # 1,000 rows a pass then cost the catch-up more than the sends.
        limit = CATCH_UP_WINDOW if self.give_way() else WINDOW
        with self.db.read() as s:
            oldest, others = repos.pending_windows(s, limit)
        self._pass_ends = time.monotonic() + self.pass_seconds
        self._cut = False
        self._begun = False
        self._roots = {}
        latest_edit: dict[str, int] = {}
        skipped, self._skipped = self._skipped, {}
        windows: list[dict[str, list[Outbox]]] = [{}, {}, {}]
        for window, rows in zip(windows[1:], (oldest, others), strict=True):
            for r in rows:
                if r.platform not in self.adapters:
                    continue
                if r.kind == "edit" and r.ref:
                    latest_edit[r.ref] = r.id or 0
                into = windows[0] if r.channel_key in skipped else window
                into.setdefault(r.channel_key, []).append(r)
        # Lanes start in turn from the lanes the last pass ended before it started, the oldest
        # rows' and the rest's: when a pass ends before every lane had its turn, the lanes
        # beyond the backlog have had theirs as much as the oldest, and a lane left out once
        # is among the first next time, so none is left out for good.
        lanes = {
            key: rows
            for pair in itertools.zip_longest(*(w.items() for w in windows))
            for item in pair
            if item is not None
            for key, rows in (item,)
        }
        gate = asyncio.Semaphore(self.max_lanes)

        async def one(lane: list[Outbox]) -> int:
            async with gate:
                return await self._lane(
                    sorted(lane, key=lambda r: (r.priority, r.id or 0)), latest_edit
                )

        # One lane's failure must not leave the others running unawaited: wait for all.
        results = await asyncio.gather(
            *(one(lane) for lane in lanes.values()), return_exceptions=True
        )
        for r in results:
            if isinstance(r, BaseException):
                log.error("outbox lane failed", exc_info=r)
        self._flush()
        return sum(r for r in results if isinstance(r, int))

    async def _lane(self, rows: list[Outbox], latest_edit: dict[str, int]) -> int:
        sent = 0
        try:
            for row in rows:
                if self._stopping:
                    break
                # The pass's first row goes however late it is: every pass makes progress.
                if time.monotonic() >= self._pass_ends and self._begun:
                    self._cut = True  # the rest waits for the next look at the outbox
                    if not sent and row is rows[0]:
                        self._skipped[row.channel_key] = None
                    break
                self._begun = True
                if row.next_attempt_at > self.clock.now():
                    break  # waiting out a backoff: nothing behind it may overtake
                started = time.perf_counter()
                adapter = self.adapters[row.platform]
                if row.kind == "edit" and row.ref and latest_edit.get(row.ref) != row.id:
                    self._finish(row, "superseded")
                    continue
                if row.kind == "edit" and row.ref and not self._edit_allowed(adapter, row.ref):
                    continue
                # Claimed one row at a time, just before its send, by the database's clock:
                # the lease is fresh for every send however long the pass, and a claim
                # another replica holds stops this lane here, so the lane keeps its order.
                with self._transaction() as s:
                    earlier = repos.claim_outbox(s, row.id or 0, self.replica, self.lease)
                    ready = None if earlier is None else self._ready(s, adapter, row)
                if earlier is None or ready is None:
                    break
                outcome = await self._attempt(adapter, row, ready, maybe_sent=earlier > 0)
                if outcome == "sent":
                    sent += 1
                elif outcome == "blocked":
                    break
                if row.priority == 0:
                    await self._give_way(started)
        finally:
            if self._owed:
                # Another lane's next claim, due in a moment, writes it with its own; if
                # none comes before the event loop's next turn, it is written alone then.
                asyncio.get_running_loop().call_soon(self._flush)
        return sent

    def _flush(self) -> None:
        if self._owed:
            with self._transaction():
                pass

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A sender transaction, which first writes every outcome owed (see _Done)."""
        owed, self._owed = self._owed, []
        try:
            with self.db.transaction() as s:
                for done in owed:
                    self._write(s, done)
                yield s
        except BaseException:
            self._owed = owed + self._owed
            raise

    def _ready(self, s: Session, adapter: Adapter, row: Outbox) -> _Ready:
        """Everything the row's delivery reads, in the claim's transaction. A row that cannot
        go yet (NotYet, PermanentFailure, a card that fails to render) keeps its claim and
        its reason, dealt with as a failed attempt; a database error ends the transaction
        and with it the claim."""
        ready = _Ready(None)
        caps = adapter.capabilities
        try:
            effect = ready.effect = codec.decode(row.kind, row.payload)
            if isinstance(effect, Send) and effect.place_ref:
                ready.place = repos.kv_get(s, PLACES, effect.place_ref)
            elif isinstance(effect, Send):
                ready.msg = render.fit_send(effect, caps)
                ready.root = self._thread_root(s, ready.msg) if caps.threads else None
            elif isinstance(effect, Edit) and caps.edits:
                ready.target, ready.posted_id = self._target(s, effect.ref)
                live = self._live(s, row.platform, effect, row.community_id)
                ready.edit = render.fit_edit(live, caps)
            elif (isinstance(effect, React) and caps.reactions) or (
                isinstance(effect, OpenThread) and caps.threads
            ):
                ready.target, _ = self._target(s, effect.ref)
            elif isinstance(effect, MirrorEvent):
                coming = repos.latest_posted(s, effect.source) is None and repos.send_pending(
                    s, effect.source
                )
                if coming:
                    # The copy links to the event's message: made once that is out.
                    raise NotYet(f"message {effect.source} is not delivered yet")
        except SQLAlchemyError:
            raise
        except Exception as exc:
            ready.error = exc
        return ready

    async def _give_way(self, started: float) -> None:
        """A catch-up's closes and the sender share one interpreter lock. A result committed
        is a decision kept (and shown by /decisions, /vote show); posting it can follow. So
        while the scheduler works off a backlog, the sender sleeps after each of its rows
        long enough to use at most CATCH_UP_SHARE of the time. Replies to people (priority
        1) never wait for this."""
        if self.give_way():
            took = time.perf_counter() - started
            await self.pause(took * (1 - CATCH_UP_SHARE) / CATCH_UP_SHARE)

    async def _attempt(
        self, adapter: Adapter, row: Outbox, ready: _Ready, *, maybe_sent: bool
    ) -> str:
        lane = row.channel_key
        try:
            if ready.error is not None:
                raise ready.error
            await self._deliver(adapter, row, ready, maybe_sent=maybe_sent)
        except RetryAfter as exc:
            log.warning("rate limited on %s: waiting %.1fs", lane, exc.seconds)
            self._retry(row, timedelta(seconds=exc.seconds), str(exc), count=False)
            return "blocked"
        except NotYet as exc:
            # What it waits for is an earlier row elsewhere; the rest of the lane may go.
            self._retry(row, timedelta(0), str(exc), count=True)
            return "waiting"
        except PermanentFailure as exc:
            log.error("outbox row %s failed for good: %s", row.key, exc)
            self._finish(row, "failed", str(exc))
            return "failed"
        except Exception as exc:
            log.warning("outbox row %s failed (attempt %d): %r", row.key, row.attempts + 1, exc)
            self._retry(row, backoff(row.attempts + 1), repr(exc), count=True)
            return "blocked"
        return "sent"

    def _edit_allowed(self, adapter: Adapter, ref: str) -> bool:
        if adapter.min_edit_interval <= 0:
            return True
        last = self._last_edit.get(ref)
        return last is None or time.monotonic() - last >= adapter.min_edit_interval

    @staticmethod
    def _target(s: Session, ref: str) -> tuple[Target, int | None]:
        posted = repos.latest_posted(s, ref)
        coming = posted is None and repos.send_pending(s, ref)
        if posted is None:
            if not coming:
                # No row will ever post it (it failed for good, or never existed): waiting
                # would only hold up the rows behind this one.
                raise PermanentFailure(f"message {ref} was never delivered and never will be")
            raise NotYet(f"message {ref} is not delivered yet")
        return Target(posted.channel, posted.message_id, posted.thread), posted.id

    async def _deliver(
        self, adapter: Adapter, row: Outbox, ready: _Ready, *, maybe_sent: bool = False
    ) -> None:
        effect = ready.effect
        caps = adapter.capabilities
        if isinstance(effect, OpenPlace):
            await self._open_place(adapter, row, effect)
        elif isinstance(effect, Send) and effect.place_ref:
            await self._send_to_place(adapter, row, effect, ready.place)
        elif isinstance(effect, Send):
            assert ready.msg is not None
            msg, root = ready.msg, ready.root
            found = await adapter.find_delivered(msg, root, row.key) if maybe_sent else None
            if found is not None:
                log.info("outbox row %s was already delivered; not sending it again", row.key)
                # Its files may not have followed before the crash; uploads are keyed.
                await self._upload(adapter, msg, found, row.key)
                self._finish(row, "sent", delivered=found, msg=msg)
                return
            delivered = await adapter.send(msg, root, row.key)
            await self._add_reactions(adapter, row, msg, delivered)
            await self._upload(adapter, msg, delivered, row.key)
            self._finish(row, "sent", delivered=delivered, msg=msg)
        elif isinstance(effect, Edit):
            if not caps.edits:
                self._finish(row, "sent")
                return
            assert ready.target is not None and ready.edit is not None
            fitted = ready.edit
            await adapter.edit(ready.target, fitted, row.key)
            self._last_edit[effect.ref] = time.monotonic()
            choices = None
            if fitted.choices and ready.posted_id is not None:
                choices = (ready.posted_id, [codec.encode_choice(c) for c in fitted.choices])
            self._finish(row, "sent", choices=choices)
        elif isinstance(effect, React):
            if caps.reactions:
                assert ready.target is not None
                await adapter.react(ready.target, effect.key, row.key)
            self._finish(row, "sent")
        elif isinstance(effect, OpenThread):
            if caps.threads:
                assert ready.target is not None
                await adapter.open_thread(ready.target, effect.title, row.key)
            self._finish(row, "sent")
        elif isinstance(effect, GrantRole):
            if not await adapter.grant_role(effect.workspace, effect.user_id, effect.role, row.key):
                log.info(
                    "%s cannot grant role %r to %s", adapter.platform, effect.role, effect.user_id
                )
            self._finish(row, "sent")
        elif isinstance(effect, MirrorEvent):
            await adapter.mirror_event(effect, row.key)
            self._finish(row, "sent")

    async def _add_reactions(
        self, adapter: Adapter, row: Outbox, msg: Send, delivered: Delivered
    ) -> None:
        emojis = render.reactions_to_add(msg, adapter.capabilities)
        if emojis and delivered.message_id:
            # Someone may click the first reaction before the last is added: the message
            # must already be known, or that reaction finds nothing and is dropped.
            with self.db.transaction() as s:
                self._record_posted(s, row, delivered, msg, self.clock.now())
        for i, emoji in enumerate(emojis):
            await adapter.react(
                Target(delivered.channel, delivered.message_id, delivered.thread),
                emoji,
                f"{row.key}:r{i}",
            )

    @staticmethod
    async def _upload(adapter: Adapter, msg: Send, delivered: Delivered, key: str) -> None:
        """A message's files, after it and where it landed (a DM's channel, its thread)."""
        if not msg.files or not delivered.channel:
            return  # not delivered anywhere yet (a DM held for later): nowhere to attach
        if delivered.ephemeral:
            log.warning("files of %s not sent: the message could only be shown privately", key)
            return
        target = Target(delivered.channel, delivered.message_id, delivered.thread)
        for i, file in enumerate(msg.files):
            await adapter.upload(target, file, f"{key}:f{i}")

    async def _open_place(self, adapter: Adapter, row: Outbox, place: OpenPlace) -> None:
        """A private place, by the adapter where it can, else by the core's fallback: the
        first message in the channel and the place is its thread (see OpenPlace)."""
        caps = adapter.capabilities
        first = render.fit_send(
            Send(place.address, place.text, card=place.card, choices=place.choices, ref=place.ref),
            caps,
        )
        if caps.places == "private":
            fitted = replace(place, text=first.text, card=first.card, choices=first.choices)
            delivered = await adapter.open_place(fitted, row.key)
            where = {"channel": delivered.channel, "thread": delivered.thread}
        else:
            delivered = await adapter.send(first, None, row.key)
            root = delivered.thread or delivered.message_id if caps.threads else None
            where = {"channel": delivered.channel, "thread": root}
        await self._add_reactions(adapter, row, first, delivered)
        relay = place.members if place.relay_to is None else place.relay_to
        members = list(relay) if caps.places == "relayed" else []
        with self.db.transaction() as s:
            repos.kv_put(s, PLACES, place.ref, {**where, "relay": members})
            if delivered.message_id:
                # Known before any member's copy goes out: a reply to a copy may come back
                # at once and must find the place's first message.
                self._record_posted(s, row, delivered, first, self.clock.now())
        for i, user in enumerate(members):
            await self._relay(adapter, row, first, user, place.ref, f"{row.key}:dm{i}")
        self._finish(row, "sent", delivered=delivered, msg=first)

    async def _send_to_place(
        self, adapter: Adapter, row: Outbox, effect: Send, place: dict[str, Any] | None
    ) -> None:
        if place is None:
            raise NotYet(f"place {effect.place_ref} is not open yet")
        msg = render.fit_send(effect, adapter.capabilities)
        where = Address(msg.address.platform, msg.address.workspace, place["channel"])
        msg = replace(msg, address=where, thread="inherit")
        delivered = await adapter.send(msg, place.get("thread"), row.key)
        await self._add_reactions(adapter, row, msg, delivered)
        await self._upload(adapter, msg, delivered, row.key)
        if effect.relay and effect.visibility == "public":
            for i, user in enumerate(place.get("relay") or []):
                key = f"{row.key}:dm{i}"
                await self._relay(adapter, row, msg, user, effect.place_ref or "", key)
        self._finish(row, "sent", delivered=delivered, msg=msg)

    async def _relay(
        self, adapter: Adapter, row: Outbox, msg: Send, user: str, place_ref: str, key: str
    ) -> None:
        """A member's DM copy of a message in a relayed place; replies to it come back as
        replies in the place (its ref is the place's, plus ':dm')."""
        copy = replace(msg, visibility="dm", recipient=user, ref=f"{place_ref}:dm", thread="never")
        delivered = await adapter.send(copy, None, key)
        with self.db.transaction() as s:
            self._record_posted(s, row, delivered, copy, self.clock.now())

    def _live(
        self, s: Session, platform: str, effect: Edit, community_id: int | None = None
    ) -> Edit:
        """A live message (reg.live_card) is rendered now, after its edit was claimed, so the
        edit shows the state at delivery however many changes marked it stale."""
        fn = self.live_cards.get(effect.ref.split(":", 1)[0])
        if fn is None:
            return effect
        # A live card is public: it speaks the community's language.
        community = s.get(Community, community_id) if community_id else None
        with i18n.use(community.settings.get("language") if community else None):
            fresh = fn(s, effect.ref, self.prefix_of(platform))
        return fresh or effect

    def _thread_root(self, s: Session, msg: Send) -> str | None:
        if msg.thread_ref:
            if msg.thread_ref in self._roots:
                return self._roots[msg.thread_ref]
            posted = repos.latest_posted(s, msg.thread_ref)
            coming = posted is None and repos.send_pending(s, msg.thread_ref)
            if posted is None and not coming:
                # The root will never exist; the message still matters, so it goes unthreaded.
                log.warning("thread root %s never delivered; posting unthreaded", msg.thread_ref)
                return None
            if posted is None:
                raise NotYet(f"thread root {msg.thread_ref} is not delivered yet")
            root = self._roots[msg.thread_ref] = posted.thread or posted.message_id
            return root
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
        choices: tuple[int, list[dict[str, Any]]] | None = None,
    ) -> None:
        """The row's outcome, owed to the lane's next transaction (see _Done)."""
        now = self.clock.now()
        metrics.delivered(row.platform, row.kind, status)
        posted = None
        if delivered and delivered.message_id and msg is not None:
            posted = self._posted_values(row, delivered, msg, now)
        done = _Done(
            row.id or 0,
            status,
            now if status == "sent" else None,
            (error or "")[:1000] or None,
            posted,
            choices,
        )
        self._owed.append(done)

    @staticmethod
    def _write(s: Session, done: _Done) -> None:
        repos.finish_outbox(s, done.row_id, done.status, done.sent_at, done.error)
        if done.posted is not None:
            repos.record_posted(s, **done.posted)
        if done.choices is not None:
            repos.set_posted_choices(s, *done.choices)

    @staticmethod
    def _posted_values(
        row: Outbox, delivered: Delivered, msg: Send, now: datetime
    ) -> dict[str, Any]:
        return {
            "community_id": row.community_id,
            "platform": row.platform,
            "channel": delivered.channel,
            "message_id": delivered.message_id,
            "thread": delivered.thread,
            "ref": msg.ref,
            "choices": [codec.encode_choice(c) for c in msg.choices],
            "outbox_id": row.id,
            "created_at": now,
        }

    @classmethod
    def _record_posted(
        cls, s: Session, row: Outbox, delivered: Delivered, msg: Send, now: datetime
    ) -> None:
        repos.record_posted(s, **cls._posted_values(row, delivered, msg, now))

    def _retry(self, row: Outbox, delay: timedelta, error: str, *, count: bool) -> None:
        attempts = row.attempts + (1 if count else 0)
        metrics.delivery_failed(row.platform, row.kind)
        status = "failed" if attempts >= self.max_attempts else "pending"
        if status == "failed":
            log.error("outbox row %s gave up after %d attempts: %s", row.key, attempts, error)
        with self._transaction() as s:
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
