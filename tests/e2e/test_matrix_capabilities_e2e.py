"""The capabilities on a real Synapse, through the same path `moot run` takes: the adapter stores
each event in the inbox, the inbox worker prepares it (a 🎫 / 📝 reaction fetches its message)
and dispatches it, and the outbox sends the answers as real Matrix events. Private answers
become direct rooms, which every user here joins as they are invited.

Covered: events (RSVP by reaction and command, the waitlist moving up with a DM), feedback
captured by 📝 quoting the message (and refused for a deleted one) and backed by 👍, a ticket
by 🎫 quoting its message, kudos, a certification exam in DM passed by reactions that raises
the holder's power level ([matrix.role_levels]) and says where Moot lacks power, onboarding
once per person across a leave and rejoin, a knowledge-base search and /rfc assess.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

nio = pytest.importorskip("nio")

import commands  # noqa: E402
from adapters.matrix.adapter import MatrixAdapter  # noqa: E402
from adapters.matrix.settings import MatrixSettings  # noqa: E402
from bot.app import App  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.registry import Registry  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.feedback_tables import FeedbackItem  # noqa: E402
from storage.ticket_tables import Ticket  # noqa: E402
from tests.e2e.cert_exam import bank, right_number  # noqa: E402
from tests.e2e.synapse_harness import (  # noqa: E402
    SYNC_FILTER,
    EventLog,
    RegisteredUser,
    SynapseError,
    SynapseServer,
)
from tests.e2e.test_matrix_e2e import (  # noqa: E402
    body,
    in_thread,
    join_when_invited,
    ok,
    react,
    say,
    settings_for,
)
from tests.e2e.test_matrix_e2e import bot_account as bot_account  # noqa: E402  (fixtures)
from tests.e2e.test_matrix_e2e import users as users  # noqa: E402

NUMBERS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"]


class Person(EventLog):
    """A user's synced timeline that also joins every room it is invited to (the bot's
    direct rooms), so private answers are seen like public ones."""

    def __init__(self, client: Any, bot_user_id: str) -> None:
        super().__init__(client)
        self.bot_user_id = bot_user_id

    async def sync_once(self, timeout_ms: int = 0) -> None:
        resp = await self.client.sync(timeout=timeout_ms, sync_filter=SYNC_FILTER)
        if not isinstance(resp, nio.SyncResponse):
            raise SynapseError(f"{self.client.user_id}: sync failed: {resp}")
        for room_id, room in resp.rooms.join.items():
            for event in room.timeline.events:
                self.events.append({**event.source, "room_id": room_id})
        for room_id in resp.rooms.invite:
            await self.client.join(room_id)

    async def said(self, pattern: str, **kw: Any) -> dict[str, Any]:
        """The bot's next message (or edit) anywhere whose text matches pattern."""
        rx = re.compile(pattern)
        return await self.wait_for(
            lambda e: (
                e.get("type") == "m.room.message"
                and e["sender"] == self.bot_user_id
                and bool(
                    rx.search(
                        body(e) + "\n" + str(e["content"].get("m.new_content", {}).get("body", ""))
                    )
                )
            ),
            **kw,
        )


class InboxBot:
    """The bot as `moot run` wires it: adapter -> inbox (prepare) -> dispatcher -> outbox."""

    def __init__(self, db: Database, settings: MatrixSettings) -> None:
        reg = commands.register_all(Registry())
        self.adapter = MatrixAdapter(settings, db, quote_keys=list(reg.message_action_emoji))
        self.app = App(db, reg, SystemClock(), {"matrix": self.adapter}, prefixes={"matrix": "!"})
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> InboxBot:
        self.tasks = [
            asyncio.create_task(self.app.sender.run(idle=0.2)),
            asyncio.create_task(self.app.inbox.run()),
        ]
        await self.adapter.start(self.app.inbox.accept)
        return self

    async def stop(self) -> None:
        await self.adapter.stop()
        self.app.inbox.stop()
        self.app.sender.stop()
        for task in self.tasks:
            await task


async def community(
    synapse: SynapseServer,
    bot: RegisteredUser,
    users: tuple[Any, ...],
    db: Database,
    **section: Any,
) -> tuple[InboxBot, str, list[Person]]:
    """alice's room with bob, carol and the bot in it; the bot at power 100 there (it must
    raise others' levels); dave is invited later by each test that needs a newcomer."""
    alice, bob, carol, _dave = users
    me = bot.user_id
    room = ok(
        await alice.room_create(
            name="community",
            invite=[me, bob.user_id, carol.user_id],
            power_level_override={"users": {me: 100}},
        ),
        nio.RoomCreateResponse,
    ).room_id
    rooms = [room, *section.pop("extra_rooms", [])]
    settings = settings_for(synapse, bot, allowed_inviters=[alice.user_id], rooms=rooms, **section)
    running = await InboxBot(db, settings).start()
    await join_when_invited(bob, room)
    await join_when_invited(carol, room)
    people = [Person(u, me) for u in users]
    await people[0].wait_for(
        lambda e: e.get("state_key") == me and e["content"].get("membership") == "join"
    )
    return running, room, people


async def recorded(db: Database, room: str, event_id: str, timeout: float = 15.0) -> None:
    """Wait until the outbox has recorded a bot message as posted. Clients see it (and its
    own reactions) a moment before that, and a reaction handled in between finds no message
    to count on: a race of the outbox, not of what is tested here."""
    from storage import repos

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        with db.transaction() as s:
            if repos.posted_at(s, "matrix", room, event_id) is not None:
                return
        assert loop.time() < deadline, f"{event_id} was never recorded as posted"
        await asyncio.sleep(0.1)


def in_room(room: str, pattern: str) -> Callable[[dict[str, Any]], bool]:
    rx = re.compile(pattern)
    return lambda e: e["room_id"] == room and bool(rx.search(body(e)))


async def test_events_feedback_tickets_and_kudos(
    synapse: SynapseServer, bot_account: RegisteredUser, users: tuple[Any, ...], db: Database
) -> None:
    alice, bob, carol, dave = users
    bot, room, (a, b, c, d) = await community(synapse, bot_account, users, db)
    me = bot_account.user_id
    try:
        ok(await alice.room_invite(room, dave.user_id), nio.RoomInviteResponse)
        await join_when_invited(dave, room)

        # ---- an event with one seat: RSVP by reaction, the waitlist, promotion by DM
        await say(alice, room, '!event create "Release party" --at "in 2d" --capacity 1')
        card = await a.wait_for(
            lambda e: e["sender"] == me and in_room(room, r"Event #1: Release party")(e)
        )
        await recorded(db, room, card["event_id"])
        await react(bob, room, card["event_id"], "✅")
        await b.said(r"you're going")
        await react(carol, room, card["event_id"], "✅")
        await c.said(r"waitlist \(number 1 in line")
        await say(bob, room, "!event rsvp 1 no")
        promoted = await c.said(r"moved from the waitlist to going for event #1")
        assert promoted["room_id"] != room  # told privately
        await a.said(r"going 1/1 · waitlist 0")  # the card, edited

        # ---- feedback captured by 📝, quoting the message and crediting its author
        said = await say(carol, room, "The search box ignores accents")
        await react(dave, room, said, "📝")
        thanks = await d.wait_for(in_room(room, r"Captured as feedback #1"))
        assert thanks["content"]["m.relates_to"]["event_id"] == said  # in the message's thread
        item_card = await a.wait_for(
            lambda e: e["sender"] == me and in_room(room, r"Feedback #1 \[idea\]")(e)
        )
        assert "The search box ignores accents" in body(item_card)
        await recorded(db, room, item_card["event_id"])
        await react(bob, room, item_card["event_id"], "👍")
        await say(bob, room, "!feedback up 1")  # the same person again: counted once
        await a.said(r"(?s)Feedback #1 .*👍 3 ")

        # A reply inside a thread, edited by its author: the edit is quoted, and the answer
        # goes in that thread (Matrix has no threads inside threads).
        root = await say(bob, room, "Search feedback here, please")
        typo = await say(carol, room, "Serch ignores case", **in_thread(root))
        edit = {
            "m.new_content": {"msgtype": "m.text", "body": "Search ignores case"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": typo},
        }
        await say(carol, room, "* Search ignores case", **edit)
        await react(dave, room, typo, "📝")
        thanks = await d.said(r"Captured as feedback #2")
        assert thanks["content"]["m.relates_to"]["event_id"] == root
        await a.said(r"Feedback #2 \[idea\] — new\nSearch ignores case\n")

        # ...and refused, saying why, for a message that was deleted meanwhile
        gone = await say(carol, room, "never mind")
        ok(await carol.room_redact(room, gone, reason="oops"), nio.RoomRedactResponse)
        await react(dave, room, gone, "📝")
        refusal = await d.said(r"that message was deleted")
        assert '!feedback "TEXT"' in body(refusal)

        # ---- a ticket by 🎫, quoting the message
        asked = await say(dave, room, "I cannot log in since Tuesday")
        await react(dave, room, asked, "🎫")
        await d.said(r"Ticket #1")

        # ---- kudos, posted publicly and told to the recipient
        await say(bob, room, f'!kudos {carol.user_id} docs "rewrote the install guide"')
        await a.said(r"rewrote the install guide")
        await say(bob, room, f'!kudos {bob.user_id} docs "me"')
        await b.said(r"(?i)yourself")
    finally:
        await bot.stop()
    from sqlalchemy import select

    with db.transaction() as s:
        items = list(s.execute(select(FeedbackItem)).scalars())
        assert [(i.text, i.submitter) for i in items] == [
            ("The search box ignores accents", carol.user_id),
            ("Search ignores case", carol.user_id),
        ]
        t = s.execute(select(Ticket)).scalar_one()
        assert t.source_text == "I cannot log in since Tuesday"
        assert t.source_link and asked in t.source_link


async def test_onboarding_cert_exam_role_kb_and_assess(
    synapse: SynapseServer,
    bot_account: RegisteredUser,
    users: tuple[Any, ...],
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, bob, carol, dave = users
    (tmp_path / "steward.toml").write_text(bank(role="steward"))
    monkeypatch.setenv("MOOT_CERTS_DIR", str(tmp_path))
    # A second community room where Moot has no power: it says so there.
    weak = ok(
        await alice.room_create(name="lounge", invite=[bot_account.user_id]),
        nio.RoomCreateResponse,
    ).room_id
    bot, room, (a, b, _c, d) = await community(
        synapse, bot_account, users, db, extra_rooms=[weak], role_levels={"steward": 10}
    )
    me = bot_account.user_id
    try:
        # ---- onboarding: dave's join is welcomed once, also after a leave and a rejoin
        await say(alice, room, '!config onboarding text "Welcome to the project!"')
        await a.said(r"Onboarding updated")
        ok(await alice.room_invite(room, dave.user_id), nio.RoomInviteResponse)
        await join_when_invited(dave, room)
        welcome = await d.said(r"👋 Welcome to the project!")
        dm = welcome["room_id"]
        ok(await dave.room_leave(room), nio.RoomLeaveResponse)
        ok(await alice.room_invite(room, dave.user_id), nio.RoomInviteResponse)
        await join_when_invited(dave, room)
        # ...and a display-name change is no join either
        ok(await dave.set_displayname("Dave D."), nio.ProfileSetDisplayNameResponse)

        # ---- a certification exam in DM, answered by reactions
        await say(alice, room, "!cert import steward.toml")
        await a.said(r"Track \*\*steward\*\*")
        await say(dave, room, "!cert apply steward")
        for n in range(2):
            q = await d.wait_for(
                lambda e, n=n: (
                    e["sender"] == me and e["room_id"] == dm and f"question {n + 1} of 2" in body(e)
                )
            )
            text = body(q)
            number = right_number(text) - 1
            await recorded(db, dm, q["event_id"])
            await react(dave, dm, q["event_id"], NUMBERS[number])
        await d.said(r"(?i)passed|MOOT-")
        # the role is a power level in the room where Moot may raise it...
        await a.wait_for(
            lambda e: (
                e["room_id"] == room
                and e.get("type") == "m.room.power_levels"
                and e["content"]["users"].get(dave.user_id) == 10
            )
        )
        # ...and a notice where it may not
        await a.wait_for(
            lambda e: (
                e["room_id"] == weak
                and e["sender"] == me
                and "needs 100 to change power levels" in body(e)
                and "'steward'" in body(e)
            )
        )

        # ---- knowledge base and decision support
        await say(
            alice,
            room,
            '!kb add "How do I report a security issue?" "Mail security@example.org"',
        )
        await a.said(r"Added KB-1")
        await say(bob, room, "!kb search report a security problem")
        await b.said(r"How do I report a security issue\?")
        await say(alice, room, '!rfc propose "Adopt a code of conduct" --summary "Covenant"')
        await a.said(r"RFC-1")
        await say(alice, room, f"!rfc reviewers RFC-1 {carol.user_id}")
        await say(carol, room, "!rfc review RFC-1 approve")
        await say(alice, room, "!rfc assess RFC-1")
        assessed = await a.said(r"Assessment of RFC-1")
        assert "Consensus" in body(assessed) and "Risk" in body(assessed)
    finally:
        await bot.stop()
    welcomes = d.find(lambda e: "👋 Welcome to the project!" in body(e))
    # By event id: a loaded run's overlapping syncs can hand the test one event twice.
    assert len({e["event_id"] for e in welcomes}) == 1, [body(e) for e in welcomes]

