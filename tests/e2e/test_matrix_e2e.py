"""The Matrix adapter end to end against a real Synapse (tests/e2e/synapse_harness.py): the bot
and three users (matrix-nio clients) in a room, using a test-only poll capability
(tests/e2e/matrix_testcap.py) that exercises what votes need: command -> reply, the bot's own
reactions first, reaction -> counted, redaction -> removed, edits, thread replies, a command
after a mention, DMs, power-level roles, declined invites, a `limited` sync gap; then a real
`moot run` process SIGKILLed in the middle and started again on the same database."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

nio = pytest.importorskip("nio")

import commands  # noqa: E402
from adapters.matrix.adapter import MatrixAdapter  # noqa: E402
from adapters.matrix.settings import MatrixSettings  # noqa: E402
from bot.app import App  # noqa: E402
from bot.clock import FakeClock, SystemClock  # noqa: E402
from bot.model import Address, Send  # noqa: E402
from bot.registry import Registry  # noqa: E402
from storage import repos  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.e2e import matrix_testcap  # noqa: E402
from tests.e2e.synapse_harness import EventLog, RegisteredUser, SynapseServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


def ok(resp: Any, kind: type) -> Any:
    assert isinstance(resp, kind), f"expected {kind.__name__}, got {resp!r}"
    return resp


def body(ev: dict[str, Any]) -> str:
    return str(ev.get("content", {}).get("body", ""))


def new_body(ev: dict[str, Any]) -> str:
    return str(ev.get("content", {}).get("m.new_content", {}).get("body", ""))


def rel(ev: dict[str, Any]) -> dict[str, Any]:
    return dict(ev.get("content", {}).get("m.relates_to") or {})


def settings_for(hs: SynapseServer, bot: RegisteredUser, **kw: Any) -> MatrixSettings:
    section = {
        "homeserver": hs.base_url,
        "user_id": bot.user_id,
        "access_token": bot.access_token,
        "device_id": bot.device_id,
        "sync_timeout_ms": 1000,
        **kw,
    }
    return MatrixSettings.from_config(section)


class Bot:
    """An in-process bot: App + MatrixAdapter + outbox sender loop."""

    def __init__(
        self, db: Database, reg: Registry, settings: MatrixSettings, clock: Any = None
    ) -> None:
        self.adapter = MatrixAdapter(settings, db, registry=reg)
        self.app = App(
            db,
            reg,
            clock or SystemClock(),
            {"matrix": self.adapter},
            prefixes={"matrix": settings.prefix},
        )
        self.sender: asyncio.Task[None] | None = None

    async def start(self) -> Bot:
        self.sender = asyncio.create_task(self.app.sender.run(idle=0.2))
        await self.adapter.start(self.app.dispatcher.handle)
        return self

    async def stop(self) -> None:
        await self.adapter.stop()
        self.app.sender.stop()
        if self.sender is not None:
            await self.sender


async def join_when_invited(client: Any, room_id: str, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while room_id not in ok(await client.sync(timeout=500), nio.SyncResponse).rooms.invite:
        assert loop.time() < deadline, f"{client.user_id} was never invited to {room_id}"
    ok(await client.join(room_id), nio.JoinResponse)


async def react(client: Any, room_id: str, target: str, key: str) -> str:
    content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": key}}
    resp = ok(await client.room_send(room_id, "m.reaction", content), nio.RoomSendResponse)
    return str(resp.event_id)


async def say(client: Any, room_id: str, text: str, **content: Any) -> str:
    payload = {"msgtype": "m.text", "body": text, **content}
    resp = ok(await client.room_send(room_id, "m.room.message", payload), nio.RoomSendResponse)
    return str(resp.event_id)


def in_thread(root: str) -> dict[str, Any]:
    return {
        "m.relates_to": {
            "rel_type": "m.thread",
            "event_id": root,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": root},
        }
    }


@pytest.fixture
def bot_account(synapse: SynapseServer) -> RegisteredUser:
    return synapse.register_user(synapse.unique_localpart("moot"), PASSWORD, displayname="Moot")


@pytest.fixture
async def users(matrix_client: Callable[..., Any]) -> AsyncIterator[tuple[Any, Any, Any, Any]]:
    yield (
        await matrix_client("alice"),
        await matrix_client("bob"),
        await matrix_client("carol"),
        await matrix_client("dave"),
    )


async def test_matrix_end_to_end(
    synapse: SynapseServer, bot_account: RegisteredUser, users: tuple[Any, ...], db: Database
) -> None:
    alice, bob, carol, dave = users
    log: list[tuple[Any, ...]] = []
    reg = matrix_testcap.register(commands.register_all(Registry()), log)
    me = bot_account.user_id
    room = ok(
        await alice.room_create(name="governance", invite=[me, bob.user_id, carol.user_id]),
        nio.RoomCreateResponse,
    ).room_id
    settings = settings_for(
        synapse,
        bot_account,
        allowed_inviters=[alice.user_id, bob.user_id, carol.user_id],
        rooms=[room],
    )
    bot = await Bot(db, reg, settings).start()
    try:
        await join_when_invited(bob, room)
        await join_when_invited(carol, room)
        seen = EventLog(alice)
        await seen.wait_for(
            lambda e: (
                e.get("type") == "m.room.member"
                and e.get("state_key") == me
                and e["content"].get("membership") == "join"
            )
        )

        # command -> reply: numbered lines, then the bot's own reactions on it
        await say(bob, room, "!poll Which fruit?")
        poll = await seen.wait_for(
            lambda e: e["sender"] == me and body(e).startswith("Poll 1: Which fruit?")
        )
        assert "1️⃣ Apples" in body(poll) and "2️⃣ Bananas" in body(poll)
        assert poll["content"]["format"] == "org.matrix.custom.html"
        poll_id = poll["event_id"]
        for key in ("1️⃣", "2️⃣"):
            await seen.wait_for(
                lambda e, k=key: (
                    e["sender"] == me
                    and e["type"] == "m.reaction"
                    and rel(e) == {"rel_type": "m.annotation", "event_id": poll_id, "key": k}
                )
            )
        own = [e for e in seen.events if e["type"] == "m.reaction" and e["sender"] == me]
        assert [rel(e)["key"] for e in own] == ["1️⃣", "2️⃣"]  # in choice order, once each

        # reaction -> counted, shown by an m.replace edit
        bob_apple = await react(bob, room, poll_id, "1️⃣")
        await seen.wait_for(
            lambda e: (
                rel(e).get("rel_type") == "m.replace"
                and rel(e).get("event_id") == poll_id
                and "Apples: 1, Bananas: 0" in new_body(e)
            )
        )
        # change of vote: redact the reaction (a removal), react with the other one
        ok(await bob.room_redact(room, bob_apple), nio.RoomRedactResponse)
        await react(bob, room, poll_id, "2️⃣")
        await seen.wait_for(
            lambda e: rel(e).get("event_id") == poll_id and "Apples: 0, Bananas: 1" in new_body(e)
        )
        picks = [x for x in log if x[0] == "pick"]
        assert [(x[2], x[3], x[4]) for x in picks] == [
            (bob.user_id, "a", True),
            (bob.user_id, "a", False),
            (bob.user_id, "b", True),
        ]
        assert picks[0][5] == []  # bob has power level 0: no roles

        # a reply in the poll's thread -> MessageReceived -> answered in the thread
        await say(carol, room, "I prefer pears", **in_thread(poll_id))
        noted = await seen.wait_for(lambda e: e["sender"] == me and body(e).startswith("Noted"))
        assert rel(noted)["rel_type"] == "m.thread" and rel(noted)["event_id"] == poll_id
        assert ("reply", "poll:1", carol.user_id, "I prefer pears") in log

        # a command after a mention; the private answer goes to a new direct room
        carol_log = EventLog(carol)
        await say(carol, room, "Moot: whisper hello")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        dm_room = None
        while dm_room is None:
            resp = ok(await carol.sync(timeout=500), nio.SyncResponse)
            dm_room = next(iter(resp.rooms.invite), None)
            assert loop.time() < deadline, "no direct-room invite for carol"
        ok(await carol.join(dm_room), nio.JoinResponse)
        psst = await carol_log.wait_for(
            lambda e: e["room_id"] == dm_room and body(e) == "psst: hello"
        )
        assert psst["sender"] == me
        # in the direct room a command needs no prefix, and the answer stays there
        await say(carol, dm_room, "whisper again")
        await carol_log.wait_for(lambda e: e["room_id"] == dm_room and body(e) == "psst: again")
        assert ("whisper", carol.user_id, "again", True) in log
        with db.transaction() as s:
            assert repos.kv_get(s, "matrix.dm", carol.user_id) == {"room": dm_room}

        # power levels: bob (0) may not close, alice (100, the creator) may; in the thread
        await say(bob, room, "!pollclose 1", **in_thread(poll_id))
        await say(alice, room, "!pollclose 1", **in_thread(poll_id))
        result = await seen.wait_for(lambda e: e["sender"] == me and "Result of poll 1" in body(e))
        assert "Apples: 0, Bananas: 1" in body(result)
        assert rel(result)["rel_type"] == "m.thread" and rel(result)["event_id"] == poll_id
        assert [x for x in log if x[0] == "close"] == [("close", 1)]

        # the directory the core's rosters read: everyone in the room, roles from power levels
        with db.transaction() as s:
            community = repos.get_or_create_community(s, "matrix", "moot.test", SystemClock().now())
            people = {m.user_id: m for m in repos.members(s, community.id or 0, room)}
        assert {alice.user_id, bob.user_id, carol.user_id} <= set(people)
        assert people[alice.user_id].is_admin and "moderator" in people[alice.user_id].roles
        assert not people[bob.user_id].is_admin and people[bob.user_id].roles == []

        # the outbox key is the transaction id: sending the same row twice posts once
        msg = Send(Address("matrix", "moot.test", room), "only once")
        first = await bot.adapter.send(msg, None, "test:same-key")
        again = await bot.adapter.send(msg, None, "test:same-key")
        assert first.message_id == again.message_id

        # an invite from someone not allowed is declined
        other = ok(await dave.room_create(invite=[me]), nio.RoomCreateResponse).room_id
        dave_log = EventLog(dave)
        await dave_log.wait_for(
            lambda e: (
                e["room_id"] == other
                and e.get("state_key") == me
                and e["content"].get("membership") == "leave"
            )
        )
    finally:
        await bot.stop()

    # A gap: the bot is away while more than a timeline's worth happens; on return the sync
    # is `limited` and the adapter pages back for what it missed.
    small = settings_for(
        synapse, bot_account, timeline_limit=3, allowed_servers=["moot.test"], rooms=[room]
    )
    for i in range(6):
        await say(alice, room, f"chatter {i}")
    await say(bob, room, "!poll Gap?")
    for i in range(6):
        await say(alice, room, f"more chatter {i}")
    bot = await Bot(db, reg, small).start()
    try:
        await seen.wait_for(lambda e: e["sender"] == me and body(e).startswith("Poll 2: Gap?"))
    finally:
        await bot.stop()
    assert [x[1] for x in log if x[0] == "start"] == [1, 2]


# ---------------------------------------------------------------- a real process, SIGKILLed


def write_config(
    path: Path, hs: SynapseServer, bot: RegisteredUser, db_file: Path, room: str
) -> Path:
    path.write_text(
        f"""
[database]
url = "sqlite:///{db_file}"

[scheduler]
sweep_seconds = 1

[http]
port = 0

[logging]
level = "INFO"

[matrix]
homeserver = "{hs.base_url}"
user_id = "{bot.user_id}"
access_token = "{bot.access_token}"
device_id = "{bot.device_id}"
sync_timeout_ms = 1000
rooms = ["{room}"]
""",
        encoding="utf-8",
    )
    return path


def spawn(config: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATRIX_")}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.matrix_bot_proc", "--config", str(config), "run"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=out.open("ab"),
        stderr=subprocess.STDOUT,
    )


def ballots(db_file: Path, n: int) -> dict[str, list[str]]:
    db = Database(f"sqlite:///{db_file}")
    try:
        with db.transaction() as s:
            return dict((repos.kv_get(s, "testpoll", str(n)) or {"ballots": {}})["ballots"])
    finally:
        db.dispose()


def process_files(
    tmp_path: Path, hs: SynapseServer, bot: RegisteredUser, room: str
) -> tuple[Path, Path, Path]:
    """A migrated SQLite file, a config for `moot run` with `room` as the community's room,
    and where its output goes."""
    db_file = tmp_path / "moot.db"
    upgrade(Database(f"sqlite:///{db_file}"))
    config = write_config(tmp_path / "moot.toml", hs, bot, db_file, room)
    return db_file, config, tmp_path / "bot.log"


async def new_room(me: str, alice: Any, bob: Any, carol: Any, name: str | None = None) -> str:
    """alice's room, with bob, carol and the bot invited: the community's room once the
    bot's config names it."""
    room = ok(
        await alice.room_create(name=name, invite=[me, bob.user_id, carol.user_id]),
        nio.RoomCreateResponse,
    ).room_id
    return str(room)


async def room_with_bot(
    me: str, alice: Any, bob: Any, carol: Any, room: str
) -> tuple[str, EventLog]:
    """bob and carol join alice's room; returns alice's view of its events once the bot is in."""
    await join_when_invited(bob, room)
    await join_when_invited(carol, room)
    seen = EventLog(alice)
    await seen.wait_for(
        lambda e: e.get("state_key") == me and e["content"].get("membership") == "join",
        timeout=30,
    )
    return room, seen


def stop(proc: subprocess.Popen[bytes], out: Path) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print(out.read_text(errors="replace")[-3000:])


async def test_bot_process_killed_and_restarted(
    synapse: SynapseServer,
    bot_account: RegisteredUser,
    users: tuple[Any, ...],
    tmp_path: Path,
) -> None:
    alice, bob, carol, _ = users
    me = bot_account.user_id
    room = await new_room(me, alice, bob, carol)
    db_file, config, out = process_files(tmp_path, synapse, bot_account, room)
    proc = spawn(config, out)
    try:
        room, seen = await room_with_bot(me, alice, bob, carol, room)
        await say(alice, room, "!poll Keep or drop?")
        poll = await seen.wait_for(lambda e: e["sender"] == me and body(e).startswith("Poll 1"))
        poll_id = poll["event_id"]
        await seen.wait_for(lambda e: e["sender"] == me and rel(e).get("key") == "2️⃣")

        await react(bob, room, poll_id, "1️⃣")
        await seen.wait_for(lambda e: "Apples: 1, Bananas: 0" in new_body(e))
        # In the middle: carol's ballot is on its way when the process dies without warning.
        await react(carol, room, poll_id, "2️⃣")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # ...and alice votes while the bot is down.
        await react(alice, room, poll_id, "1️⃣")

        proc = spawn(config, out)
        await seen.wait_for(lambda e: "Apples: 2, Bananas: 1" in new_body(e), timeout=30)
        assert ballots(db_file, 1) == {
            alice.user_id: ["a"],
            bob.user_id: ["a"],
            carol.user_id: ["b"],
        }
        await say(alice, room, "!pollclose 1")
        await seen.wait_for(lambda e: "Result of poll 1" in body(e))
        # a sentinel after everything: any duplicate would have arrived before its answer
        await say(alice, room, "!poll sentinel")
        await seen.wait_for(lambda e: e["sender"] == me and body(e).startswith("Poll 2"))
        from_bot = [e for e in seen.events if e["sender"] == me and e["room_id"] == room]
        assert len([e for e in from_bot if "Result of poll 1" in body(e)]) == 1
        assert len([e for e in from_bot if body(e).startswith("Poll 1")]) == 1
        bot_reactions = [rel(e).get("key") for e in from_bot if rel(e).get("event_id") == poll_id]
        assert sorted(k for k in bot_reactions if k) == ["1️⃣", "2️⃣"]
        assert ballots(db_file, 1) == {
            alice.user_id: ["a"],
            bob.user_id: ["a"],
            carol.user_id: ["b"],
        }
    finally:
        stop(proc, out)


# ---------------------------------------------------------------- the real votes capability


async def test_full_vote_on_matrix(
    synapse: SynapseServer, bot_account: RegisteredUser, users: tuple[Any, ...], db: Database
) -> None:
    """/vote as people would use it on Matrix: start, react, change a vote, a thread reply, a
    secret ballot cast in a direct room, the close (driven through the scheduler at a time
    past the deadline) and the result in the vote's thread."""
    alice, bob, carol, _ = users
    me = bot_account.user_id
    # The core's clock is a FakeClock (it only moves when the test says), so the deadline can
    # pass without waiting an hour while the adapter talks to the real homeserver.
    clock = FakeClock(SystemClock().now())
    room = await new_room(me, alice, bob, carol, name="votes")
    settings = settings_for(synapse, bot_account, rooms=[room])
    bot = Bot(db, commands.register_all(Registry()), settings, clock)
    await bot.start()
    try:
        room, seen = await room_with_bot(me, alice, bob, carol, room)

        await say(alice, room, '!vote start "Adopt the v2 API?" --for 1h')
        vote = await seen.wait_for(
            lambda e: e["sender"] == me and body(e).startswith("🗳️ Vote #1: Adopt the v2 API?")
        )
        vote_id = vote["event_id"]
        await seen.wait_for(lambda e: e["sender"] == me and rel(e).get("key") == "🤷")
        own = [rel(e)["key"] for e in seen.events if e["sender"] == me and rel(e).get("key")]
        assert own == ["👍", "👎", "🤷"]  # the bot's reactions first, in choice order

        await react(bob, room, vote_id, "👍")
        carol_no = await react(carol, room, vote_id, "👎")
        # carol changes her mind: takes the 👎 back and gives 👍
        ok(await carol.room_redact(room, carol_no), nio.RoomRedactResponse)
        await react(carol, room, vote_id, "👍")
        await say(carol, room, "Happy with this.", **in_thread(vote_id))

        # a secret vote: cast by command in a direct room bob opens with the bot
        await say(alice, room, '!vote start "Rename the project?" --secret --for 1h')
        await seen.wait_for(lambda e: e["sender"] == me and "Vote #2" in body(e))
        dm = ok(await bob.room_create(is_direct=True, invite=[me]), nio.RoomCreateResponse).room_id
        bob_log = EventLog(bob)
        await bob_log.wait_for(
            lambda e: (
                e["room_id"] == dm
                and e.get("state_key") == me
                and e["content"].get("membership") == "join"
            )
        )
        await say(bob, dm, "vote cast 2 no")
        receipt = await bob_log.wait_for(
            lambda e: e["room_id"] == dm and e["sender"] == me and e["type"] == "m.room.message"
        )
        assert "#2" in body(receipt), body(receipt)

        # The attack: bob (power 0 here) makes his own room, where he is power 100, and
        # invites the bot, which joins (he is on an allowed server). Nothing he types there
        # touches the community: each command is refused, and he gained no role.
        bobs = ok(await bob.room_create(name="bob's", invite=[me]), nio.RoomCreateResponse)
        await bob_log.wait_for(
            lambda e: (
                e["room_id"] == bobs.room_id
                and e.get("state_key") == me
                and e["content"].get("membership") == "join"
            )
        )
        for line in (
            "!vote close 1",
            "!config timezone Asia/Tokyo",
            f"!config role moderator {bob.user_id}",
        ):
            await say(bob, bobs.room_id, line)
        # each refusal is told to bob privately (in his direct room with the bot)
        await until(lambda: len(refusals(db, "not one of the community's rooms")) == 3)
        await say(bob, room, "!vote close 1")  # and in the governance room he is still 0
        await until(lambda: refusals(db, "or a moderator may close it"))
        with db.transaction() as s:
            community = repos.get_or_create_community(s, "matrix", "moot.test", SystemClock().now())
            assert community.timezone == "UTC"
            assert repos.role_bindings(s, community.id or 0) == []
            member = repos.member(s, community.id or 0, bob.user_id)
            assert member is not None and not member.is_admin and not member.roles
        # the bot's tally edit settles before the close, so both ballots on #1 are in
        await seen.wait_for(lambda e: rel(e).get("event_id") == vote_id and "yes" in new_body(e))

        clock.advance(timedelta(hours=2))
        assert bot.app.scheduler.run_due_now() >= 2
        bot.app.sender.kick()
        result = await seen.wait_for(
            lambda e: e["sender"] == me and "Vote #1 closed: **passed**" in body(e)
        )
        assert rel(result)["rel_type"] == "m.thread" and rel(result)["event_id"] == vote_id
        assert "<strong>passed</strong>" in result["content"]["formatted_body"]
        secret = await seen.wait_for(lambda e: e["sender"] == me and "Vote #2 closed" in body(e))
        assert bob.user_id not in body(secret)  # nobody learns who chose what
        assert "Participation: 1" in body(secret)
    finally:
        await bot.stop()


def refusals(db: Database, words: str) -> list[str]:
    """Private answers the sender delivered, by their words."""
    from sqlalchemy import select

    from storage.tables import Outbox

    with db.transaction() as s:
        rows = s.execute(select(Outbox).where(Outbox.status == "sent")).scalars()
        return [r.payload["text"] for r in rows if words in str(r.payload.get("text", ""))]


async def until(pred: Callable[[], Any], timeout: float = 15.0) -> None:
    for _ in range(int(timeout * 10)):
        if pred():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out waiting")


def vote_ballots(db_file: Path, vote_id: int) -> dict[str, list[str]]:
    from sqlalchemy import select

    from storage.vote_tables import VoteBallot

    db = Database(f"sqlite:///{db_file}")
    try:
        with db.transaction() as s:
            rows = s.execute(select(VoteBallot).where(VoteBallot.vote_id == vote_id)).scalars()
            return {r.voter: list(r.choices) for r in rows}
    finally:
        db.dispose()


async def test_real_vote_survives_a_killed_bot(
    synapse: SynapseServer,
    bot_account: RegisteredUser,
    users: tuple[Any, ...],
    tmp_path: Path,
) -> None:
    """A real `moot run` process and a real /vote with a one-minute deadline: the process is
    SIGKILLed mid-vote, a ballot arrives while it is down, and after the restart no ballot is
    lost, none is counted twice, and the result is posted once at the deadline."""
    alice, bob, carol, _ = users
    me = bot_account.user_id
    room = await new_room(me, alice, bob, carol)
    db_file, config, out = process_files(tmp_path, synapse, bot_account, room)
    proc = spawn(config, out)
    try:
        room, seen = await room_with_bot(me, alice, bob, carol, room)
        await say(alice, room, '!vote start "Ship it?" --for 1m')
        vote = await seen.wait_for(
            lambda e: e["sender"] == me and body(e).startswith("🗳️ Vote #1: Ship it?")
        )
        vote_id = vote["event_id"]
        await seen.wait_for(lambda e: e["sender"] == me and rel(e).get("key") == "🤷")

        await react(bob, room, vote_id, "👍")
        for _ in range(100):
            if bob.user_id in vote_ballots(db_file, 1):
                break
            await asyncio.sleep(0.1)
        await react(carol, room, vote_id, "👎")
        proc.send_signal(signal.SIGKILL)  # carol's ballot may or may not have been taken
        proc.wait(timeout=10)
        await react(alice, room, vote_id, "👍")  # while the bot is down

        proc = spawn(config, out)
        for _ in range(300):
            if len(vote_ballots(db_file, 1)) == 3:
                break
            await asyncio.sleep(0.1)
        assert vote_ballots(db_file, 1) == {
            alice.user_id: ["yes"],
            bob.user_id: ["yes"],
            carol.user_id: ["no"],
        }
        await seen.wait_for(
            lambda e: (
                e["sender"] == me
                and "closed" in body(e)
                and "Vote #1" in body(e)
                and "passed" in body(e)
            ),
            timeout=120,
        )
        # A sentinel: a duplicate result would arrive before its answer.
        await say(alice, room, '!vote start "Sentinel?" --for 1h')
        await seen.wait_for(lambda e: e["sender"] == me and body(e).startswith("🗳️ Vote #2"))
        from_bot = [e for e in seen.events if e["sender"] == me and e["room_id"] == room]
        results = [
            e
            for e in from_bot
            if "Vote #1" in body(e)
            and "passed" in body(e)
            and rel(e).get("rel_type") != "m.replace"
        ]
        assert len(results) == 1, [body(e) for e in results]
        cards = [e for e in from_bot if body(e).startswith("🗳️ Vote #1: ")]
        assert len(cards) == 1, [(e["event_id"], e["content"]) for e in cards]
    finally:
        stop(proc, out)


# ---------------------------------------------------------------- operations of a real process


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def http_get(port: int, path: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    def fetch() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError:
            return 0, ""

    return await asyncio.to_thread(fetch)


async def test_moot_run_serves_health_readiness_and_metrics(
    synapse: SynapseServer,
    bot_account: RegisteredUser,
    users: tuple[Any, ...],
    tmp_path: Path,
) -> None:
    alice, bob, carol, _ = users
    me = bot_account.user_id
    room = await new_room(me, alice, bob, carol)
    _, config, out = process_files(tmp_path, synapse, bot_account, room)
    port = free_port()
    config.write_text(config.read_text().replace("[http]\nport = 0", f"[http]\nport = {port}"))
    proc = spawn(config, out)
    try:
        for _ in range(150):
            if (await http_get(port, "/healthz"))[0] == 200:
                break
            await asyncio.sleep(0.2)
        ready = (0, "")
        for _ in range(150):
            ready = await http_get(port, "/readyz")
            if ready[0] == 200:
                break
            await asyncio.sleep(0.2)
        assert ready[0] == 200 and "ok  adapter matrix: connected" in ready[1], ready
        room, seen = await room_with_bot(me, alice, bob, carol, room)
        await say(alice, room, "!poll Metrics?")
        await seen.wait_for(lambda e: e["sender"] == me and body(e).startswith("Poll 1"))
        status, text = await http_get(port, "/metrics")
        assert status == 200
        assert 'moot_events_total{outcome="ok",platform="matrix"}' in text
        assert "moot_outbox_pending" in text and "moot_due_lag_seconds" in text
    finally:
        stop(proc, out)
