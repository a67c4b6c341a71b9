"""The outbox sender under pressure: lanes delivered in parallel with a bound, order kept
within a lane, two replicas that never send one row twice, a restart that resumes its own
claims at once, private answers and results that never queue behind public chatter."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.adapter import Adapter, Target
from bot.clock import FakeClock, SystemClock
from bot.core import write_effects
from bot.model import Address, Delivered, Edit, Send
from bot.outbox import OutboxSender
from storage import repos
from storage.db import Database
from storage.tables import Outbox

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


class Paced(Adapter):
    """Records every send; each takes `delay` seconds (per channel if given)."""

    platform = "fake"
    min_edit_interval = 0.0

    def __init__(
        self,
        log: list[tuple[str, str, float]],
        delay: float = 0.0,
        per_channel: dict[str, float] | None = None,
    ) -> None:
        from bot.model import Capabilities

        self.capabilities = Capabilities()
        self.log = log
        self.delay = delay
        self.per_channel = per_channel or {}
        self.active = 0
        self.most_active = 0
        self.asked: list[str] = []
        self.already: dict[str, Delivered] = {}

    async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered:
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            await asyncio.sleep(self.per_channel.get(msg.address.channel, self.delay))
        finally:
            self.active -= 1
        self.log.append((msg.address.channel, msg.text, time.monotonic()))
        return Delivered(f"m-{key}", msg.address.channel, None)

    async def edit(self, target: Target, msg: Edit, key: str) -> None:
        self.log.append((target.channel, msg.text, time.monotonic()))

    async def react(self, target: Target, emoji: str, key: str) -> None:
        return None

    async def find_delivered(
        self, msg: Send, thread_root: str | None, key: str
    ) -> Delivered | None:
        self.asked.append(key)
        return self.already.get(key)


def queue(db: Database, sends: list[Send], key_base: str = "ev:fake:e") -> None:
    with db.transaction() as s:
        community = repos.get_or_create_community(s, "fake", "w", T0)
        write_effects(s, community, list(sends), key_base, FakeClock(T0))


def post(channel: str, text: str, **kw: object) -> Send:
    return Send(Address("fake", "w", channel), text, **kw)  # type: ignore[arg-type]


def rows(db: Database) -> list[Outbox]:
    with db.transaction() as s:
        return list(s.execute(select(Outbox).order_by(Outbox.id)).scalars())


async def test_a_slow_channel_holds_no_other_and_each_keeps_its_order(db: Database) -> None:
    log: list[tuple[str, str, float]] = []
    adapter = Paced(log, per_channel={"slow": 0.5})
    queue(db, [post("slow", f"s{i}") for i in range(3)] + [post("fast", f"f{i}") for i in range(5)])
    sender = OutboxSender(db, {"fake": adapter}, FakeClock(T0))
    start = time.monotonic()
    assert await sender.drain() == 8
    fast = [(t, at) for c, t, at in log if c == "fast"]
    slow = [(t, at) for c, t, at in log if c == "slow"]
    assert [t for t, _ in fast] == [f"f{i}" for i in range(5)]
    assert [t for t, _ in slow] == [f"s{i}" for i in range(3)]
    # all of the fast channel went out before the slow channel's first send finished
    assert fast[-1][1] < slow[0][1]
    assert slow[-1][1] - start >= 1.5  # the slow one is still serial in itself


async def test_parallel_lanes_are_bounded(db: Database) -> None:
    log: list[tuple[str, str, float]] = []
    adapter = Paced(log, delay=0.05)
    queue(db, [post(f"c{i}", "hi") for i in range(12)])
    sender = OutboxSender(db, {"fake": adapter}, FakeClock(T0), max_lanes=3)
    assert await sender.drain() == 12
    assert adapter.most_active == 3


async def test_two_replicas_paced_past_the_lease_send_every_row_once(db: Database) -> None:
    """The defect: a pass that outlived its lease held claims that had already expired, so
    the other replica took the same rows. One channel, 1 s per post, a 2 s lease, a backlog
    of 6 s: each row is delivered exactly once, in order."""
    log: list[tuple[str, str, float]] = []
    queue(db, [post("busy", f"r{i}") for i in range(6)])
    replicas = [
        OutboxSender(
            db,
            {"fake": Paced(log, delay=1.0)},
            SystemClock(),
            lease=timedelta(seconds=2),
            replica=name,
        )
        for name in ("replica-a", "replica-b")
    ]

    async def keep_draining(sender: OutboxSender) -> None:
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline and any(r.status == "pending" for r in rows(db)):
            await sender.drain()
            await asyncio.sleep(0.05)

    await asyncio.gather(*(keep_draining(r) for r in replicas))
    assert [t for _, t, _ in log] == [f"r{i}" for i in range(6)]
    assert all(r.status == "sent" and r.tries == 1 for r in rows(db))


async def test_a_restart_resumes_its_own_claims_at_once_and_asks_before_resending(
    db: Database,
) -> None:
    log: list[tuple[str, str, float]] = []
    queue(db, [post("c", "result"), post("c", "after")])
    first, _ = rows(db)
    with db.transaction() as s:  # a claim taken just before a SIGKILL
        assert repos.claim_outbox(s, first.id or 0, "host-1", timedelta(minutes=5)) == 0
    other = OutboxSender(db, {"fake": Paced(log)}, FakeClock(T0), replica="host-2")
    assert await other.drain() == 0  # someone else's live claim: the lane waits
    adapter = Paced(log)
    adapter.already["ev:fake:e:0"] = Delivered("m-earlier", "c")
    again = OutboxSender(db, {"fake": adapter}, FakeClock(T0), replica="host-1")
    assert await again.drain() == 2
    # the row that may have reached the platform was looked up, found, and not re-sent
    assert adapter.asked == ["ev:fake:e:0"]
    assert [t for _, t, _ in log] == ["after"]
    with db.transaction() as s:
        assert repos.posted_at(s, "fake", "c", "m-earlier") is not None
    assert [r.status for r in rows(db)] == ["sent", "sent"]


async def test_a_row_tried_before_is_looked_up_and_sent_if_missing(db: Database) -> None:
    log: list[tuple[str, str, float]] = []
    queue(db, [post("c", "once")])
    (row,) = rows(db)
    with db.transaction() as s:
        s.execute(update(Outbox).where(Outbox.id == row.id).values(tries=1))
    adapter = Paced(log)
    assert await OutboxSender(db, {"fake": adapter}, FakeClock(T0)).drain() == 1
    assert adapter.asked == ["ev:fake:e:0"] and [t for _, t, _ in log] == ["once"]


async def test_private_answers_have_their_own_lane_and_results_go_first(db: Database) -> None:
    queue(db, [post("c", f"tally {i}") for i in range(3)])
    queue(db, [post("c", "ok", visibility="ephemeral", recipient="u1")], "ev:fake:p")
    queue(db, [post("c", "Vote #1 closed: passed")], "due:7:1700000000")
    lanes = {r.payload["text"]: (r.channel_key, r.priority) for r in rows(db)}
    assert lanes["ok"][0] == "fake:w:c:to:u1" != lanes["tally 0"][0] == "fake:w:c"
    assert lanes["Vote #1 closed: passed"] == ("fake:w:c", 0)
    log: list[tuple[str, str, float]] = []
    await OutboxSender(db, {"fake": Paced(log)}, FakeClock(T0), max_lanes=1).drain()
    public = [t for c, t, _ in log if t != "ok"]
    assert public == ["Vote #1 closed: passed", "tally 0", "tally 1", "tally 2"]


async def test_a_thousand_rows_over_fifty_channels(db: Database) -> None:
    log: list[tuple[str, str, float]] = []
    queue(db, [post(f"c{i % 50}", f"{i}") for i in range(1000)])
    sender = OutboxSender(db, {"fake": Paced(log)}, FakeClock(T0))
    assert await sender.drain() == 1000
    by_channel: dict[str, list[int]] = {}
    for channel, text, _ in log:
        by_channel.setdefault(channel, []).append(int(text))
    assert all(v == sorted(v) and len(v) == 20 for v in by_channel.values())
