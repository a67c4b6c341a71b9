"""A support ticket on a real Synapse: the bot opens an invite-only room for it with the
requester and the staff invited, takes every message in that room into the ticket (staff's
first response, the requester's reply ending a wait), and answers there."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

nio = pytest.importorskip("nio")

import commands  # noqa: E402
from bot.registry import Registry  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.ticket_tables import Ticket, TicketMessage  # noqa: E402
from tests.e2e.synapse_harness import EventLog, RegisteredUser, SynapseServer  # noqa: E402
from tests.e2e.test_matrix_e2e import (  # noqa: E402
    Bot,
    body,
    join_when_invited,
    ok,
    say,
    settings_for,
)
from tests.e2e.test_matrix_e2e import bot_account as bot_account  # noqa: E402  (fixtures)
from tests.e2e.test_matrix_e2e import users as users  # noqa: E402


async def place_room(db: Database, timeout: float = 15.0) -> str:
    """The room the bot opened for ticket #1, once the outbox has delivered it."""
    from sqlalchemy import select

    from storage.tables import KeyValue

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        with db.transaction() as s:
            row = s.execute(
                select(KeyValue).where(KeyValue.namespace.like("matrix.place:%"))
            ).scalar_one_or_none()
            if row is not None:
                return row.key
        assert loop.time() < deadline, "the bot never opened a room for the ticket"
        await asyncio.sleep(0.2)


async def test_a_ticket_gets_its_own_room(
    synapse: SynapseServer,
    bot_account: RegisteredUser,
    users: tuple[Any, ...],
    db: Database,
) -> None:
    alice, bob, carol, _dave = users
    me = bot_account.user_id
    # alice (creator, admin) sets up the community's room; bob gets power 50: a moderator,
    # so staff. The bot's config names the room: roles come from it alone.
    room = ok(
        await alice.room_create(
            name="help",
            invite=[me, bob.user_id, carol.user_id],
            power_level_override={"users": {bob.user_id: 50}},
        ),
        nio.RoomCreateResponse,
    ).room_id
    settings = settings_for(synapse, bot_account, allowed_inviters=[alice.user_id], rooms=[room])
    bot = await Bot(db, commands.register_all(Registry()), settings).start()
    try:
        await join_when_invited(bob, room)
        await join_when_invited(carol, room)
        seen = EventLog(alice)
        await seen.wait_for(
            lambda e: e.get("state_key") == me and e["content"].get("membership") == "join"
        )
        await say(carol, room, '!ticket open "Cannot log in" --priority high')
        ticket_room = await place_room(db)
        await join_when_invited(bob, ticket_room)
        await join_when_invited(carol, ticket_room)
        carol_log = EventLog(carol)
        first = await carol_log.wait_for(
            lambda e: e["room_id"] == ticket_room and "Ticket #1: Cannot log in" in body(e)
        )
        assert first["sender"] == me
        # Invite-only, named for the ticket.
        state = ok(await carol.room_get_state(ticket_room), nio.RoomGetStateResponse).events
        rules = [e for e in state if e["type"] == "m.room.join_rules"]
        assert rules and rules[0]["content"]["join_rule"] == "invite"

        # Staff write in the room at its top level: the ticket's first response.
        await say(bob, ticket_room, "Which browser are you using?")
        await say(bob, ticket_room, "!ticket status waiting")
        await carol_log.wait_for(lambda e: e["room_id"] == ticket_room and "Waiting on" in body(e))
        # The requester replies in the room: the wait ends, said in the room.
        await say(carol, ticket_room, "Firefox 128")
        await carol_log.wait_for(
            lambda e: e["room_id"] == ticket_room and "the ticket is open again" in body(e)
        )
    finally:
        await bot.stop()
    from sqlalchemy import select

    with db.transaction() as s:
        t = s.execute(select(Ticket)).scalar_one()
        lines = [
            (m.role, m.text)
            for m in s.execute(select(TicketMessage).order_by(TicketMessage.id)).scalars()
        ]
        assert t.status == "open" and t.first_response_at is not None
    assert ("staff", "Which browser are you using?") in lines
    assert ("requester", "Firefox 128") in lines
    assert any(role == "moot" and "Waiting on" in text for role, text in lines)
