"""Smoke tests for the real-Synapse harness: users, rooms, messages, reactions, threads,
transaction-id idempotency, and no rate limiting in the way."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

nio = pytest.importorskip("nio")

from tests.e2e.synapse_harness import (  # noqa: E402
    EventLog,
    SynapseError,
    SynapseServer,
    login_client,
)

PASSWORD = "hunter2-but-longer"


def ok(resp: Any, kind: type) -> Any:
    """Assert a nio response is the success type; a 429 shows up here as M_LIMIT_EXCEEDED."""
    assert isinstance(resp, kind), f"expected {kind.__name__}, got {resp!r}"
    return resp


async def _pair(synapse: SynapseServer) -> tuple[Any, Any]:
    alice_id = synapse.register(synapse.unique_localpart("alice"), PASSWORD)
    bob_id = synapse.register(synapse.unique_localpart("bob"), PASSWORD)
    alice = await login_client(synapse, alice_id, PASSWORD)
    bob = await login_client(synapse, bob_id, PASSWORD)
    return alice, bob


async def _shared_room(alice: Any, bob: Any) -> str:
    room_id = ok(await alice.room_create(name="moot e2e"), nio.RoomCreateResponse).room_id
    ok(await alice.room_invite(room_id, bob.user_id), nio.RoomInviteResponse)
    # bob learns of the invite through sync, as a bot would
    deadline = time.monotonic() + 15
    while True:
        resp = ok(await bob.sync(timeout=1000), nio.SyncResponse)
        if room_id in resp.rooms.invite:
            break
        assert time.monotonic() < deadline, "invite never reached bob's sync"
    ok(await bob.join(room_id), nio.JoinResponse)
    return room_id


def text(body: str) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": body}


def test_register_and_properties(synapse: SynapseServer) -> None:
    assert synapse.server_name == "moot.test"
    assert synapse.base_url.startswith("http://127.0.0.1:")
    assert synapse.startup_seconds is not None and synapse.startup_seconds < 60
    localpart = synapse.unique_localpart("carol")
    assert synapse.register(localpart, PASSWORD, admin=True) == f"@{localpart}:moot.test"
    with pytest.raises(SynapseError, match="400"):  # taken
        synapse.register(localpart, PASSWORD)


@pytest.mark.asyncio
async def test_smoke_room_message_reaction_thread(synapse: SynapseServer) -> None:
    started = time.monotonic()
    alice, bob = await _pair(synapse)
    try:
        room_id = await _shared_room(alice, bob)
        bob_log = EventLog(bob)

        # a plain message
        sent = ok(
            await alice.room_send(room_id, "m.room.message", text("hello bob")),
            nio.RoomSendResponse,
        )
        ev = await bob_log.wait_for(lambda e: e["event_id"] == sent.event_id)
        assert ev["room_id"] == room_id
        assert ev["sender"] == alice.user_id
        assert ev["content"]["body"] == "hello bob"

        # a reaction (annotation) to it
        reaction = {
            "m.relates_to": {"rel_type": "m.annotation", "event_id": sent.event_id, "key": "👍"}
        }
        r = ok(await alice.room_send(room_id, "m.reaction", reaction), nio.RoomSendResponse)
        ev = await bob_log.wait_for(lambda e: e["event_id"] == r.event_id)
        assert ev["type"] == "m.reaction"
        assert ev["content"]["m.relates_to"] == reaction["m.relates_to"]

        # a reply in a thread rooted at the message
        threaded = {
            **text("in a thread"),
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": sent.event_id,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": sent.event_id},
            },
        }
        t = ok(await alice.room_send(room_id, "m.room.message", threaded), nio.RoomSendResponse)
        ev = await bob_log.wait_for(lambda e: e["event_id"] == t.event_id)
        assert ev["content"]["m.relates_to"]["rel_type"] == "m.thread"
        assert ev["content"]["m.relates_to"]["event_id"] == sent.event_id
        # the server understood it as a thread: the root carries the bundled aggregation
        root = ok(await bob.room_get_event(room_id, sent.event_id), nio.RoomGetEventResponse)
        thread = root.event.source["unsigned"]["m.relations"]["m.thread"]
        assert thread["count"] == 1
        assert thread["latest_event"]["event_id"] == t.event_id

        # a burst far beyond Synapse's default rc_message (10 then 0.2/s): no 429
        # (login_client makes nio return M_LIMIT_EXCEEDED instead of sleeping on it)
        burst = [
            ok(
                await alice.room_send(room_id, "m.room.message", text(f"burst {i}")),
                nio.RoomSendResponse,
            ).event_id
            for i in range(40)
        ]
        await bob_log.wait_for(lambda e: e["event_id"] == burst[-1])
        assert {e["event_id"] for e in bob_log.events} >= set(burst)
    finally:
        await alice.close()
        await bob.close()
    elapsed = time.monotonic() - started
    print(f"\nsynapse start-up {synapse.startup_seconds:.2f}s; smoke test body {elapsed:.2f}s")


@pytest.mark.asyncio
async def test_same_txn_id_gives_one_event(synapse: SynapseServer) -> None:
    alice, bob = await _pair(synapse)
    alice_again = None
    try:
        room_id = await _shared_room(alice, bob)
        bob_log = EventLog(bob)
        txn = f"moot-{uuid.uuid4().hex}"
        first = ok(
            await alice.room_send(room_id, "m.room.message", text("once"), tx_id=txn),
            nio.RoomSendResponse,
        )
        second = ok(
            await alice.room_send(room_id, "m.room.message", text("once"), tx_id=txn),
            nio.RoomSendResponse,
        )
        assert second.event_id == first.event_id
        # and concurrently, as a retry racing the original would
        racing = await asyncio.gather(
            *(
                alice.room_send(room_id, "m.room.message", text("race"), tx_id=txn + "-r")
                for _ in range(5)
            )
        )
        assert len({ok(r, nio.RoomSendResponse).event_id for r in racing}) == 1

        # Idempotency is per device: a new login (new device) with the same txn id is a new
        # event. A bot must keep its access token/device to rely on it.
        alice_again = await login_client(synapse, alice.user_id, PASSWORD)
        other = ok(
            await alice_again.room_send(room_id, "m.room.message", text("once"), tx_id=txn),
            nio.RoomSendResponse,
        )
        assert other.event_id != first.event_id

        end = ok(
            await alice.room_send(room_id, "m.room.message", text("sentinel")), nio.RoomSendResponse
        )
        await bob_log.wait_for(lambda e: e["event_id"] == end.event_id)
        bodies = [e["content"].get("body") for e in bob_log.events if e["room_id"] == room_id]
        assert bodies.count("once") == 2  # one from each device
        assert bodies.count("race") == 1
    finally:
        await alice.close()
        await bob.close()
        if alice_again is not None:
            await alice_again.close()


@pytest.mark.asyncio
async def test_own_server_restart_keeps_txn_ids(tmp_path: Any) -> None:
    """A second, private homeserver next to the session one (own dir, own port): the txn-id
    dedup survives a Synapse restart (it is stored per device for a day), and stop() is safe
    to repeat."""
    server = SynapseServer(tmp_path / "hs")
    alice = None
    try:
        server.start()
        user_id = server.register("alice", PASSWORD)
        alice = await login_client(server, user_id, PASSWORD)
        room_id = ok(await alice.room_create(), nio.RoomCreateResponse).room_id
        first = ok(
            await alice.room_send(room_id, "m.room.message", text("x"), tx_id="t1"),
            nio.RoomSendResponse,
        )
        port = server.port
        server.restart()
        assert server.port == port  # same port, so the client keeps working
        again = ok(
            await alice.room_send(room_id, "m.room.message", text("x"), tx_id="t1"),
            nio.RoomSendResponse,
        )
        assert again.event_id == first.event_id
    finally:
        if alice is not None:
            await alice.close()
        server.stop()
        server.stop()
    assert not server.running


def test_start_failure_reports_log_tail(tmp_path: Any) -> None:
    server = SynapseServer(tmp_path / "bad", extra_config={"database": {"name": "nosuchdb"}})
    with pytest.raises(SynapseError, match=r"(?s)exited with code 1.*Unsupported database type"):
        server.start()
    server.stop()
    assert not server.running


@pytest.mark.asyncio
async def test_matrix_client_fixture(matrix_client: Any) -> None:
    carol = await matrix_client("carol")
    dave = await matrix_client("dave", admin=True)
    assert ok(await carol.whoami(), nio.WhoamiResponse).user_id == carol.user_id
    assert carol.user_id != dave.user_id
    assert dave.user_id.endswith(":moot.test")
