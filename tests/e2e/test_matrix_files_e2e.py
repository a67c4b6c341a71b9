"""Files on a real Synapse: `!event ics` sends the event as an m.file in the person's
direct room, its bytes in the media repository (downloaded back and parsed), and a retried
upload of the same outbox key is the same event, uploaded once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

nio = pytest.importorskip("nio")

import commands  # noqa: E402
from bot.adapter import Target  # noqa: E402
from bot.model import Attachment  # noqa: E402
from bot.registry import Registry  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.e2e.synapse_harness import EventLog, RegisteredUser, SynapseServer  # noqa: E402
from tests.e2e.test_matrix_e2e import Bot, join_when_invited, ok, say, settings_for  # noqa: E402
from tests.e2e.test_matrix_e2e import bot_account as bot_account  # noqa: E402  (fixtures)
from tests.e2e.test_matrix_e2e import users as users  # noqa: E402


async def download(hs: SynapseServer, client: Any, mxc: str) -> bytes:
    server, media = mxc.removeprefix("mxc://").split("/", 1)
    url = f"{hs.base_url}/_matrix/client/v1/media/download/{server}/{media}"
    headers = {"Authorization": f"Bearer {client.access_token}"}
    async with aiohttp.ClientSession() as s, s.get(url, headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.read()


async def test_event_ics_is_an_m_file_in_the_direct_room(
    synapse: SynapseServer,
    bot_account: RegisteredUser,
    users: tuple[Any, ...],
    db: Database,
) -> None:
    alice, _bob, carol, _dave = users
    me = bot_account.user_id
    room = ok(
        await alice.room_create(name="events", invite=[me, carol.user_id]), nio.RoomCreateResponse
    ).room_id
    settings = settings_for(synapse, bot_account, allowed_inviters=[alice.user_id], rooms=[room])
    bot = await Bot(db, commands.register_all(Registry()), settings).start()
    try:
        await join_when_invited(carol, room)
        seen = EventLog(alice)
        await seen.wait_for(
            lambda e: e.get("state_key") == me and e["content"].get("membership") == "join"
        )
        at = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
        await say(alice, room, f'!event create "Standup" --at "{at}"')
        await seen.wait_for(lambda e: "Standup" in str(e.get("content", {}).get("body", "")))
        await say(carol, room, "!event ics 1")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        dm_room = None
        while dm_room is None:
            resp = ok(await carol.sync(timeout=500), nio.SyncResponse)
            dm_room = next(iter(resp.rooms.invite), None)
            assert loop.time() < deadline, "no direct-room invite for carol"
        ok(await carol.join(dm_room), nio.JoinResponse)
        carol_log = EventLog(carol)
        file_event = await carol_log.wait_for(
            lambda e: e["room_id"] == dm_room and e.get("content", {}).get("msgtype") == "m.file",
            timeout=20,
        )
        content = file_event["content"]
        assert content["body"] == content["filename"] == "event-1.ics"
        assert content["info"]["mimetype"] == "text/calendar"
        data = await download(synapse, carol, content["url"])
        assert content["info"]["size"] == len(data)
        assert b"BEGIN:VCALENDAR" in data and b"SUMMARY:Standup" in data
        # The text names the file; the calendar itself never went out as text.
        texts = [str(e.get("content", {}).get("body")) for e in carol_log.events]
        assert any("event-1.ics" in t for t in texts if t != "event-1.ics")
        assert not any("BEGIN:VCALENDAR" in t for t in texts)

        # A retry of the same upload key: the same event, and no second upload.
        target = Target(dm_room, file_event["event_id"])
        again = Attachment("event-1.ics", "text/calendar", data)
        key = "test:retry:f0"
        await bot.adapter.upload(target, again, key)
        await bot.adapter.upload(target, again, key)
        await carol_log.sync_once(500)
        await asyncio.sleep(0.5)
        await carol_log.sync_once(500)
        retried = [
            e
            for e in carol_log.events
            if e["room_id"] == dm_room and e.get("content", {}).get("msgtype") == "m.file"
        ]
        assert len(retried) == 2  # the command's file and the retried one, once
    finally:
        await bot.stop()
