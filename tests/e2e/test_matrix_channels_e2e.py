"""Plain room messages on a real Synapse: a question in the support room gets the asker a
private set of knowledge-base suggestions (a direct room: Matrix has no ephemeral), once per
window; a first message welcomes once; the bot's own posts are never heard."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

nio = pytest.importorskip("nio")

import commands  # noqa: E402
from bot.registry import Registry  # noqa: E402
from storage.contrib_tables import OnboardingSent  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.kb_tables import KbSuggestion  # noqa: E402
from tests.e2e.synapse_harness import (  # noqa: E402
    SYNC_FILTER,
    EventLog,
    RegisteredUser,
    SynapseServer,
)
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


def count(db: Database, table: type) -> int:
    from sqlalchemy import func, select

    with db.transaction() as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())


async def configured(db: Database, timeout: float = 15.0) -> None:
    """Until the support room and the welcome text are set (their answers are private)."""
    from storage import repos
    from storage.tables import Community

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        with db.transaction() as s:
            c = s.query(Community).filter_by(platform="matrix").one_or_none()
            if c and repos.channel_for(s, c.id or 0, "support") and "onboarding" in c.settings:
                return
        await asyncio.sleep(0.2)
    raise AssertionError("the support room and welcome were not configured")


async def private_text(client: Any, log: EventLog, room: str, text: str) -> dict[str, Any]:
    """The bot's message with this text in any room but `room`, joining every invite on the
    way: the private answer and the welcome go out in parallel lanes, and each may open its
    own direct room."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while loop.time() < deadline:
        resp = ok(await client.sync(timeout=500, sync_filter=SYNC_FILTER), nio.SyncResponse)
        for invited in resp.rooms.invite:
            ok(await client.join(invited), nio.JoinResponse)
        for room_id, joined in resp.rooms.join.items():
            log.events += [{**e.source, "room_id": room_id} for e in joined.timeline.events]
        found = [e for e in log.events if e["room_id"] != room and text in body(e)]
        if found:
            return found[0]
    raise AssertionError(f"no private message with {text!r}")


async def test_support_room_questions_and_first_messages(
    synapse: SynapseServer, bot_account: RegisteredUser, users: tuple[Any, ...], db: Database
) -> None:
    alice, bob, _carol, _dave = users
    reg = commands.register_all(Registry())
    me = bot_account.user_id
    room = ok(
        await alice.room_create(name="help", invite=[me, bob.user_id]), nio.RoomCreateResponse
    ).room_id
    settings = settings_for(synapse, bot_account, allowed_inviters=[alice.user_id], rooms=[room])
    bot = await Bot(db, reg, settings).start()
    try:
        await join_when_invited(bob, room)
        seen = EventLog(alice)
        await seen.wait_for(
            lambda e: e.get("state_key") == me and e["content"].get("membership") == "join"
        )
        for line in (
            '!kb add "How do I get commit rights?" "Ask in #maintainers after three PRs."',
            f"!config channel support {room}",
            '!config onboarding text "Welcome to the project!"',
        ):
            await say(alice, room, line)
        await seen.wait_for(lambda e: e["sender"] == me and "Added KB-1" in body(e))
        await configured(db)
        bob_log = EventLog(bob)
        await say(bob, room, "how can I get commit rights?")
        got = await private_text(bob, bob_log, room, "Does one of these answer it?")
        assert got["sender"] == me and "KB-1" in body(got)
        await private_text(bob, bob_log, room, "Welcome to the project")
        # Within the window a second question gets nothing; the room saw no suggestion.
        await say(bob, room, "and commit rights for docs?")
        await say(bob, room, "!kb stats")  # a command still works, and marks the end
        await private_text(bob, bob_log, room, "Suggestions offered")
        assert count(db, KbSuggestion) == 1 and count(db, OnboardingSent) == 1
        assert not any("Does one of these" in body(e) for e in seen.events if e["room_id"] == room)
        asked = [e for e in bob_log.events if "Does one of these" in body(e)]
        welcomes = [e for e in bob_log.events if body(e).startswith("👋 Welcome to the project")]
        assert len(asked) == 1 and len(welcomes) == 1
    finally:
        await bot.stop()
