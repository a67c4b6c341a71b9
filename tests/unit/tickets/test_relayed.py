"""A ticket on a platform whose places are relayed (Slack): a thread in the private staff
channel, the requester's side in their DM with Moot, both ways; staff notes never leave."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.clock import FakeClock
from bot.model import Actor, Address, Capabilities, CommandInvoked, MessageReceived
from bot.registry import Registry
from storage.db import Database
from tests.unit.test_outbox import Recorder
from tests.unit.test_places import sends

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
ALICE = Actor("fake", "alice", "alice")
SAM = Actor("fake", "sam", "sam", roles=frozenset({"support"}))
MO = Actor("fake", "mo", "mo", is_admin=True)


def command(eid: str, who: Actor, text: str, where: Address | None = None) -> CommandInvoked:
    name, _, args = text.partition(" ")
    return CommandInvoked(
        event_id=eid,
        actor=who,
        address=where or Address("fake", "w", "general"),
        name=name,
        args=args,
        raw_text="/" + text,
    )


def reply(eid: str, who: Actor, channel: str, root: str, text: str, dm: bool) -> MessageReceived:
    return MessageReceived(
        event_id=eid,
        actor=who,
        address=Address("fake", "w", channel, root),
        is_direct=dm,
        text=text,
        reply_to=Address("fake", "w", channel, None, root),
    )


async def test_relayed_ticket_both_ways(db: Database, registry: Registry) -> None:
    adapter = Recorder(Capabilities(places="relayed"))
    app = App(db, registry, FakeClock(T0), {"fake": adapter})
    for i, (who, text) in enumerate(
        [
            (MO, "config channel support-staff #staff"),
            # Built-in role names count only where an admin controls them (console, Matrix).
            (MO, "config role support support"),
            (SAM, "ticket list"),  # sam is in the directory as staff
            (ALICE, 'ticket open "Cannot log in"'),
        ]
    ):
        await app.dispatcher.handle(command(f"e{i}", who, text))
    await app.settle()
    got = sends(adapter)
    root = next(n for n, s in enumerate(got, 1) if s[0].startswith("🎫 Ticket #1"))
    assert got[root - 1][1:3] == ("staff", None)
    # The opening is copied to alice's DM; sam sees the staff channel and gets no copies.
    dm_copy = next(n for n, s in enumerate(got, 1) if s[1] == "alice" and "Ticket #1" in s[0])
    assert not [s for s in got if s[1] == "sam" and s[3] == "dm"]
    # Staff answer in the staff thread: alice gets it in her DM.
    await app.dispatcher.handle(reply("r1", SAM, "staff", f"m{root}", "Which browser?", False))
    await app.settle()
    assert ("💬 @sam: Which browser?", "alice", None, "dm") in sends(adapter)
    # alice answers in her DM: it lands in the staff thread, and not back in her DM.
    await app.dispatcher.handle(reply("r2", ALICE, "dm-alice", f"m{dm_copy}", "Firefox", True))
    await app.settle()
    after = sends(adapter)
    assert ("💬 @alice: Firefox", "staff", f"m{root}", "public") in after
    assert not [s for s in after if s[0] == "💬 @alice: Firefox" and s[1] == "alice"]
    # A staff note never reaches anyone's DM.
    await app.dispatcher.handle(command("n1", SAM, "ticket note 1 billing issue"))
    await app.settle()
    assert not [s for s in sends(adapter) if "billing issue" in s[0]]
    # Moot's own moves in the ticket are relayed too.
    await app.dispatcher.handle(command("w1", SAM, "ticket status waiting 1"))
    await app.settle()
    assert [s for s in sends(adapter) if s[1] == "alice" and s[0].startswith("⏸️ Waiting")]
