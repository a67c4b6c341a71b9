"""The durable inbox: what an adapter acknowledged is on disk, survives a crash before it
is handled, is handled once, and holds a deadline back until it is counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from adapters.console_script import ConsoleSession
from bot import codec
from bot.inbox import MAX_PREPARE_ATTEMPTS, RETRY_STEP
from bot.model import (
    ActionInvoked,
    Actor,
    Address,
    CommandInvoked,
    InboundEvent,
    MessageReceived,
    ReactionChanged,
)
from storage.db import Database
from storage.inbox_tables import InboxEvent
from storage.vote_tables import DecisionRecord, VoteBallot
from tests.conftest import Script

OPEN = ("roles alice=admin bob= carol=", "channel #votes", '@alice /vote start "Ship?" --for 1h')


def voters(db: Database) -> list[str]:
    with db.transaction() as s:
        return sorted(v for (v,) in s.execute(select(VoteBallot.voter)).all())


async def ballot(session: ConsoleSession, who: str, option: str = "yes") -> InboundEvent:
    return await session._as_user(who, f"click /Ship/ {option}")


def test_every_event_kind_survives_the_codec() -> None:
    where = Address("slack", "T1", "C1", "1.0", "2.0")
    actor = Actor("slack", "U1", "Ann", frozenset({"tc", "admin"}), True)
    at = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)
    common = {"actor": actor, "address": where, "is_direct": True, "cast_at": at}
    events: list[InboundEvent] = [
        CommandInvoked("e1", **common, name="vote", args='start "A b"', raw_text="/vote"),
        ActionInvoked("e2", **common, action="vote.cast", value="1:yes", message=where),
        ReactionChanged("e3", **common, key="👍", added=False, target=where),
        MessageReceived("e4", **common, text="hi", reply_to=None),
        CommandInvoked("e5", actor=actor, address=where, raw={"secret": "payload"}),
    ]
    for event in events:
        assert codec.decode_event(codec.encode_event(event)) == event
    assert "raw" not in codec.encode_event(events[-1])  # raw payloads never reach the disk


async def test_an_acknowledged_event_survives_a_crash_before_it_is_handled(
    script: Script, db: Database
) -> None:
    session = await script(*OPEN)
    event = await ballot(session, "bob")
    assert await session.app.inbox.accept(event) == "stored"
    assert await session.app.inbox.accept(event) == "duplicate"  # a platform retry
    assert voters(db) == []
    # The process dies here. A new one on the same database picks the row up once the
    # dead process's claim runs out.
    await script("restart", session=session)
    assert voters(db) == []  # still claimed by the process that stored it
    session.clock.advance(timedelta(seconds=11))  # type: ignore[attr-defined]
    assert await session.app.inbox.drain() == 1
    assert voters(db) == ["bob"]
    assert session.app.inbox.pending() == 0
    # A redelivery after it was handled is stored again, and dropped by the dispatcher.
    seen: list[str] = []
    session.app.inbox.observers.append(lambda _e, outcome: seen.append(outcome))
    await session.app.inbox.accept(event)
    await session.app.inbox.drain()
    assert seen == ["duplicate"] and voters(db) == ["bob"]


async def test_a_deadline_waits_for_ballots_still_in_the_inbox(
    script: Script, db: Database
) -> None:
    session = await script(*OPEN, "advance 59m")
    await session.app.inbox.accept(await ballot(session, "bob"))
    await session.app.inbox.accept(await ballot(session, "carol", "no"))
    session.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    assert await session.app.run_due() == 0  # the close waits for the two ballots
    await session.app.inbox.drain()
    assert await session.app.run_due() == 1
    with db.transaction() as s:
        record = s.execute(select(DecisionRecord)).scalar_one()
    assert sorted(b["voter"] for b in record.data["ballots"]) == ["bob", "carol"]


async def test_a_stuck_row_holds_deadlines_back_only_for_a_while(
    script: Script, db: Database
) -> None:
    session = await script(*OPEN, "advance 58m")
    await session.app.inbox.accept(await ballot(session, "bob"))
    session.clock.advance(timedelta(minutes=3))  # type: ignore[attr-defined]
    assert await session.app.run_due() == 0
    session.clock.advance(timedelta(minutes=3))  # type: ignore[attr-defined]
    assert await session.app.run_due() == 1


async def test_an_unready_event_is_retried_then_handled_anyway(
    script: Script, db: Database
) -> None:
    session = await script(*OPEN)
    calls: list[str] = []

    async def broken(event: InboundEvent) -> InboundEvent:
        calls.append(event.event_id)
        raise ConnectionError("directory down")

    session.adapter.prepare = broken  # type: ignore[method-assign]
    await session.app.inbox.accept(await ballot(session, "bob"))
    session.clock.advance(timedelta(seconds=11))  # type: ignore[attr-defined]
    for attempt in range(1, MAX_PREPARE_ATTEMPTS):
        await session.app.inbox.drain()
        assert len(calls) == attempt and voters(db) == []
        session.clock.advance(RETRY_STEP * attempt)  # type: ignore[attr-defined]
    await session.app.inbox.drain()
    assert voters(db) == ["bob"]


async def test_an_unreadable_row_is_dropped_not_retried_for_ever(
    script: Script, db: Database
) -> None:
    session = await script(*OPEN)
    now = session.clock.now()
    with db.transaction() as s:
        s.add(
            InboxEvent(
                platform="console",
                event_id="garbled",
                payload={"kind": "nonsense"},
                received_at=now,
                claimed_until=now,
            )
        )
    await session.app.inbox.drain()
    assert session.app.inbox.pending() == 0
    await session.app.inbox.drain()  # and it does not come back
