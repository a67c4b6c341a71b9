"""Matrix contract: recorded event JSON (client-server API v1.x shapes, as Synapse sends them in
/sync) -> the neutral event, and each effect -> the exact content dict the adapter sends."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.matrix import content as mc
from adapters.matrix import events as me
from adapters.matrix.settings import MatrixSettings
from bot.config import ConfigError
from bot.model import (
    Actor,
    Address,
    Card,
    ChannelMessage,
    CommandInvoked,
    MessageReceived,
    OpenPlace,
    Quoted,
    ReactionChanged,
)
from bot.registry import Registry
from storage.db import Database
from tests.adapters.late_reaction import check_late_add

BOT = "@moot:example.org"
ROOM = "!dKcbdDATuwwphjRPQP:example.org"
ALICE = "@alice:example.org"
BOB = "@bob:example.org"
ROOT = "$143273582443PhrSn:example.org"


def view(**kw: Any) -> me.RoomView:
    base: dict[str, Any] = {
        "room_id": ROOM,
        "workspace": "example.org",
        "bot_user_id": BOT,
        "prefix": "!",
        "bot_names": ("Moot",),
        "power_users": {ALICE: 100, BOB: 50},
        "users_default": 0,
        "displaynames": {ALICE: "Alice", BOB: "Bob", BOT: "Moot"},
    }
    base.update(kw)
    return me.RoomView(**base)


def message(body: str, **extra: Any) -> dict[str, Any]:
    content: dict[str, Any] = {"msgtype": "m.text", "body": body}
    content.update(extra.pop("content", {}))
    ev = {
        "content": content,
        "event_id": "$Kx1:example.org",
        "origin_server_ts": 1432735824653,
        "sender": extra.pop("sender", ALICE),
        "type": "m.room.message",
        "unsigned": {"age": 1234},
    }
    ev.update(extra)
    return ev


def sent_at(ms: int) -> datetime:
    """origin_server_ts, exactly (milliseconds, no float rounding)."""
    return datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)


def addr(thread: str | None = None, message: str | None = None) -> Address:
    return Address("matrix", "example.org", ROOM, thread, message)


ALICE_ACTOR = Actor("matrix", ALICE, "Alice", frozenset({"admin", "moderator"}), True)
BOB_ACTOR = Actor("matrix", BOB, "Bob", frozenset({"moderator"}), False)


# ------------------------------------------------------------------ inbound


def test_prefixed_command() -> None:
    ev = me.to_event(view(), message('!vote start "Adopt v2?" --for 72h'))
    assert ev == CommandInvoked(
        event_id="$Kx1:example.org",
        actor=ALICE_ACTOR,
        address=addr(message="$Kx1:example.org"),
        cast_at=sent_at(1432735824653),
        name="vote",
        args='start "Adopt v2?" --for 72h',
        raw_text='!vote start "Adopt v2?" --for 72h',
    )


@pytest.mark.parametrize(
    "body,formatted",
    [
        ("@moot:example.org: vote start Lunch?", None),
        ("moot: vote start Lunch?", None),
        ("Moot, vote start Lunch?", None),
        ("Moot: !vote start Lunch?", None),
        (
            "Moot: vote start Lunch?",
            '<a href="https://matrix.to/#/@moot:example.org">Moot</a>: vote start Lunch?',
        ),
    ],
)
def test_command_after_mention(body: str, formatted: str | None) -> None:
    extra = (
        {"content": {"format": mc.HTML_FORMAT, "formatted_body": formatted}} if formatted else {}
    )
    ev = me.to_event(view(), message(body, **extra))
    assert isinstance(ev, CommandInvoked)
    assert (ev.name, ev.args) == ("vote", "start Lunch?")


def test_display_name_pill_with_another_name() -> None:
    formatted = '<a href="https://matrix.to/#/@moot:example.org">Decision Bot</a>: help'
    ev = me.to_event(
        view(bot_names=()),
        message(
            "Decision Bot: help", content={"format": mc.HTML_FORMAT, "formatted_body": formatted}
        ),
    )
    assert isinstance(ev, CommandInvoked) and ev.name == "help"


@pytest.mark.parametrize(
    "body",
    ["hello all", "! not a command", "!!!", "moot is great", "mootness: x", "Someone: help"],
)
def test_chatter_is_a_channel_message_not_a_command(body: str) -> None:
    # The adapter's channel gate drops it unless a capability asked for this room.
    ev = me.to_event(view(), message(body))
    assert isinstance(ev, ChannelMessage) and ev.text == body
    assert ev.address == addr(message=ev.event_id) and ev.cast_at is not None


def test_channel_messages_only_from_people_in_community_rooms() -> None:
    # In a direct room every line is a command (unknown ones are refused), never chatter.
    assert isinstance(me.to_event(view(is_direct=True), message("hello all")), CommandInvoked)
    assert me.to_event(view(in_community=False), message("hello all")) is None
    assert me.to_event(view(), message("   ")) is None
    assert me.to_event(view(), message("hello", sender=BOT)) is None  # the bot's own
    assert me.to_event(view(), message("hello", content={"msgtype": "m.notice"})) is None
    image = me.to_event(view(), message("cat.png", content={"msgtype": "m.image"}))
    assert image is None


def test_direct_room_needs_no_prefix() -> None:
    ev = me.to_event(view(is_direct=True), message("vote cast 4 no"))
    assert isinstance(ev, CommandInvoked)
    assert (ev.name, ev.args, ev.is_direct) == ("vote", "cast 4 no", True)
    ev = me.to_event(view(is_direct=True), message("!help"))
    assert isinstance(ev, CommandInvoked) and ev.name == "help"


def test_configured_prefix() -> None:
    # With another prefix, "!help" is no command: plain words in the room.
    assert isinstance(me.to_event(view(prefix="?"), message("!help")), ChannelMessage)
    ev = me.to_event(view(prefix="?"), message("?help vote"))
    assert isinstance(ev, CommandInvoked) and (ev.name, ev.args) == ("help", "vote")


THREAD_REL = {
    "m.relates_to": {
        "rel_type": "m.thread",
        "event_id": ROOT,
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": ROOT},
    }
}


def test_thread_reply_is_message_received() -> None:
    ev = me.to_event(view(), message("I think we should wait", sender=BOB, content=THREAD_REL))
    assert ev == MessageReceived(
        event_id="$Kx1:example.org",
        actor=BOB_ACTOR,
        address=addr(thread=ROOT, message="$Kx1:example.org"),
        cast_at=sent_at(1432735824653),
        text="I think we should wait",
        reply_to=addr(thread=ROOT, message=ROOT),
    )


def test_command_in_a_thread_keeps_the_thread() -> None:
    ev = me.to_event(view(), message("!vote close 3", content=THREAD_REL))
    assert isinstance(ev, CommandInvoked)
    assert ev.address == addr(thread=ROOT, message="$Kx1:example.org")


def test_rich_reply_fallback_is_stripped() -> None:
    body = "> <@bob:example.org> earlier words\n> more\n\n!help"
    content = {"m.relates_to": {"m.in_reply_to": {"event_id": ROOT}}}
    ev = me.to_event(view(), message(body, content=content))
    assert isinstance(ev, CommandInvoked) and ev.name == "help"


def test_edits_notices_and_own_messages_are_ignored() -> None:
    edit = message(
        "* !vote start x",
        content={
            "m.new_content": {"msgtype": "m.text", "body": "!vote start x"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": ROOT},
        },
    )
    assert me.to_event(view(), edit) is None
    assert me.to_event(view(), message("!help", content={"msgtype": "m.notice"})) is None
    assert me.to_event(view(), message("!help", sender=BOT)) is None


REACTION = {
    "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": ROOT, "key": "👍"}},
    "event_id": "$reaction1:example.org",
    "origin_server_ts": 1432735824700,
    "sender": BOB,
    "type": "m.reaction",
    "unsigned": {"age": 12},
}


def test_reaction_is_reaction_changed() -> None:
    ev = me.to_event(view(), REACTION)
    assert ev == ReactionChanged(
        event_id="$reaction1:example.org",
        actor=BOB_ACTOR,
        address=addr(message=ROOT),
        cast_at=sent_at(1432735824700),
        key="👍",
        added=True,
        target=addr(message=ROOT),
        quoted=Quoted(addr(message=ROOT), link=f"https://matrix.to/#/{ROOM}/{ROOT}"),
    )
    assert me.reaction_record(REACTION) == {"user": BOB, "key": "👍", "target": ROOT}


def test_own_reactions_are_ignored() -> None:
    assert me.to_event(view(), {**REACTION, "sender": BOT}) is None


@pytest.mark.parametrize("v11", [False, True])
def test_redaction_of_a_known_reaction_is_a_removal(v11: bool) -> None:
    redaction: dict[str, Any] = {
        "content": {"reason": "oops"},
        "event_id": "$redact1:example.org",
        "origin_server_ts": 1432735824800,
        "sender": BOB,
        "type": "m.room.redaction",
    }
    if v11:  # room version 11 moved `redacts` into content
        redaction["content"]["redacts"] = "$reaction1:example.org"
    else:
        redaction["redacts"] = "$reaction1:example.org"
    known = {"$reaction1:example.org": {"user": BOB, "key": "👍", "target": ROOT, "room": ROOM}}
    ev = me.to_event(view(), redaction, known)
    assert ev == ReactionChanged(
        event_id="$redact1:example.org",
        actor=BOB_ACTOR,
        address=addr(message=ROOT),
        cast_at=sent_at(1432735824800),
        key="👍",
        added=False,
        target=addr(message=ROOT),
    )
    assert me.redacted_id(redaction) == "$reaction1:example.org"
    # a redaction of something else (a message) means nothing to the core
    assert me.to_event(view(), redaction, {}) is None


def test_roles_from_power_levels_and_config() -> None:
    rules = me.RoleRules(admin_level=100, moderator_level=40, moderators=frozenset({"@carol:x"}))
    v = view(power_users={ALICE: 100, BOB: 40, "@dave:x": 10}, rules=rules)
    assert me.roles_for(v, ALICE) == (frozenset({"admin", "moderator"}), True)
    assert me.roles_for(v, BOB) == (frozenset({"moderator"}), False)
    assert me.roles_for(v, "@carol:x") == (frozenset({"moderator"}), False)
    assert me.roles_for(v, "@dave:x") == (frozenset(), False)
    v.apply_power_levels({"users": {"@dave:x": 100}, "users_default": 50})
    assert me.roles_for(v, "@dave:x")[1] is True
    assert me.roles_for(v, ALICE) == (frozenset({"moderator"}), False)  # now at default 50


INVITE_STATE = [
    {
        "content": {"join_rule": "invite"},
        "sender": ALICE,
        "state_key": "",
        "type": "m.room.join_rules",
    },
    {
        "content": {"displayname": "Moot", "is_direct": True, "membership": "invite"},
        "sender": ALICE,
        "state_key": BOT,
        "type": "m.room.member",
    },
]


def test_invite_member_event() -> None:
    invite = me.invite_of(ROOM, BOT, INVITE_STATE)
    assert invite == me.Invite(ROOM, ALICE, True)
    assert me.invite_allowed(invite.inviter, frozenset(), frozenset({"example.org"}))
    assert me.invite_allowed(invite.inviter, frozenset({ALICE}), frozenset())
    assert not me.invite_allowed("@mallory:evil.example", frozenset({ALICE}), frozenset({"x"}))
    assert not me.invite_allowed(None, frozenset(), frozenset({"example.org"}))
    assert me.to_event(view(), INVITE_STATE[1]) is None  # state, not a neutral event


def test_member_event_feeds_the_directory() -> None:
    ev = {
        "content": {"displayname": "Carol", "membership": "join"},
        "event_id": "$m1:example.org",
        "sender": "@carol:example.org",
        "state_key": "@carol:example.org",
        "type": "m.room.member",
    }
    assert me.member_change(ev) == me.MemberChange("@carol:example.org", "join", "Carol")


def test_encrypted_event() -> None:
    ev = {
        "content": {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg...",
            "device_id": "RJYKSTBOIE",
            "sender_key": "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA",
            "session_id": "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ",
        },
        "event_id": "$enc:example.org",
        "origin_server_ts": 1432735824653,
        "sender": ALICE,
        "type": "m.room.encrypted",
    }
    assert me.is_encrypted(ev)
    assert me.to_event(view(), ev) is None
    assert me.is_encrypted({"type": "m.room.encryption", "state_key": "", "content": {}})
    assert mc.notice_content(mc.E2EE_NOTICE) == {
        "msgtype": "m.notice",
        "body": mc.E2EE_NOTICE,
        "m.mentions": {},
    }


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"type": "m.room.message", "event_id": "$x", "sender": ALICE},
        {"type": "m.room.message", "event_id": "$x", "sender": ALICE, "content": {"body": 5}},
        {"type": "m.reaction", "event_id": "$x", "sender": ALICE, "content": {"m.relates_to": 3}},
        {"type": "m.room.redaction", "event_id": "$x", "sender": ALICE, "content": {}},
    ],
)
def test_malformed_events_never_crash(raw: dict[str, Any]) -> None:
    assert me.to_event(view(), raw, {}) is None


# ------------------------------------------------------------------ outbound


def test_message_content() -> None:
    card = Card("Adopt v2?", (("Closes", "Mon 12 Jan 09:00 CET"),), footer="secret <ballot>")
    assert mc.message_content("**Vote** #3 & more\nsecond line", card) == {
        "msgtype": "m.text",
        "body": "**Vote** #3 & more\nsecond line\nAdopt v2?\nCloses: Mon 12 Jan 09:00 CET\n"
        "secret <ballot>",
        "format": "org.matrix.custom.html",
        "formatted_body": "<strong>Vote</strong> #3 &amp; more<br>second line<br>"
        "<strong>Adopt v2?</strong><ul><li><strong>Closes</strong>: Mon 12 Jan 09:00 CET</li></ul>"
        "<em>secret &lt;ballot&gt;</em>",
        "m.mentions": {},
    }


def test_threaded_reply_content() -> None:
    assert mc.message_content("Closed: yes wins", thread_root=ROOT, in_reply_to="$q:x") == {
        "msgtype": "m.text",
        "body": "Closed: yes wins",
        "format": "org.matrix.custom.html",
        "formatted_body": "Closed: yes wins",
        "m.mentions": {},
        "m.relates_to": {
            "rel_type": "m.thread",
            "event_id": ROOT,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": "$q:x"},
        },
    }
    in_thread = mc.message_content("x", thread_root=ROOT)
    assert in_thread["m.relates_to"]["m.in_reply_to"] == {"event_id": ROOT}


def test_edit_content() -> None:
    assert mc.edit_content(ROOT, "Yes: 2\nNo: 1") == {
        "msgtype": "m.text",
        "body": "* Yes: 2\nNo: 1",
        "format": "org.matrix.custom.html",
        "formatted_body": "* Yes: 2<br>No: 1",
        "m.new_content": {
            "msgtype": "m.text",
            "body": "Yes: 2\nNo: 1",
            "format": "org.matrix.custom.html",
            "formatted_body": "Yes: 2<br>No: 1",
            "m.mentions": {},
        },
        "m.mentions": {},
        "m.relates_to": {"rel_type": "m.replace", "event_id": ROOT},
    }


def test_reaction_content() -> None:
    assert mc.reaction_content(ROOT, "1️⃣") == {
        "m.relates_to": {"rel_type": "m.annotation", "event_id": ROOT, "key": "1️⃣"}
    }


def test_txn_id_is_stable_per_key() -> None:
    assert mc.txn_id("ev:matrix:$a:0") == mc.txn_id("ev:matrix:$a:0")
    assert mc.txn_id("ev:matrix:$a:0") != mc.txn_id("ev:matrix:$a:1")
    assert len(mc.txn_id("k")) == 32 and mc.txn_id("k").isalnum()


# ------------------------------------------------------------------ config


def test_settings_from_config() -> None:
    s = MatrixSettings.from_config(
        {
            "homeserver": "https://matrix.example.org/",
            "user_id": BOT,
            "access_token": "syt_secret",
            "allowed_inviters": [ALICE],
            "moderator_level": 40,
            "admins": ["@root:example.org"],
        }
    )
    assert s.homeserver == "https://matrix.example.org"
    assert s.workspace == "example.org" and s.prefix == "!"
    assert s.allowed_inviters == {ALICE} and s.allowed_servers == frozenset()
    assert s.rules.moderator_level == 40 and s.rules.admins == {"@root:example.org"}
    default = MatrixSettings.from_config(
        {"homeserver": "http://h", "user_id": BOT, "password": "p"}
    )
    assert default.allowed_servers == {"example.org"}


@pytest.mark.parametrize(
    "section,problem",
    [
        ({"user_id": BOT, "access_token": "t"}, "homeserver"),
        ({"homeserver": "http://h", "user_id": "moot", "access_token": "t"}, "user_id"),
        ({"homeserver": "http://h", "user_id": BOT}, "access_token"),
        ({"homeserver": "http://h", "user_id": BOT, "password": "p", "prefix": "a"}, "prefix"),
        ({"homeserver": "http://h", "user_id": BOT, "password": "p", "admin_level": "x"}, "admin"),
    ],
)
def test_bad_settings(section: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        MatrixSettings.from_config(section)


def test_room_v12_creators_outrank_power_levels() -> None:
    v = view(power_users={BOB: 50})
    v.apply_create(ALICE, {"room_version": "12", "additional_creators": ["@carol:example.org"]})
    assert me.roles_for(v, ALICE) == (frozenset({"admin", "moderator"}), True)
    assert me.roles_for(v, "@carol:example.org")[1] is True
    old = view(power_users={BOB: 50})
    old.apply_create(ALICE, {"room_version": "10"})
    assert me.roles_for(old, ALICE) == (frozenset(), False)


# ------------------------------------------------------------------ HTTP errors


class _Resp:
    def __init__(self, status: int, text: str) -> None:
        self.status, self._text = status, text

    async def text(self) -> str:
        return self._text

    def release(self) -> None:
        return None


class _Client:
    access_token = "t"

    def __init__(self, resp: _Resp) -> None:
        self.resp = resp
        self.calls: list[tuple[str, str]] = []

    async def send(self, method: str, path: str, data: Any = None, **kw: Any) -> _Resp:
        self.calls.append((method, path))
        return self.resp


def _adapter(resp: _Resp) -> Any:
    from adapters.matrix.adapter import MatrixAdapter

    settings = MatrixSettings.from_config(
        {"homeserver": "http://h", "user_id": BOT, "password": "p"}
    )
    adapter = MatrixAdapter(settings, db=None)  # type: ignore[arg-type]
    adapter.client = _Client(resp)
    return adapter


async def test_429_becomes_retry_after() -> None:
    from bot.adapter import RetryAfter

    body = '{"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests", "retry_after_ms": 2500}'
    adapter = _adapter(_Resp(429, body))
    with pytest.raises(RetryAfter) as info:
        await adapter.react(me_target(), "👍", "k")
    assert info.value.seconds == 2.5
    method, path = adapter.client.calls[0]
    assert method == "PUT" and f"/send/m.reaction/{mc.txn_id('k')}" in path


async def test_forbidden_is_permanent() -> None:
    from bot.adapter import PermanentFailure

    adapter = _adapter(_Resp(403, '{"errcode": "M_FORBIDDEN", "error": "not in room"}'))
    with pytest.raises(PermanentFailure):
        await adapter.react(me_target(), "👍", "k")


def me_target() -> Any:
    from bot.adapter import Target

    return Target(ROOM, ROOT)


# ------------------------------------------------------------------ private places (tickets)


def test_place_room_request_invites_members_not_the_bot() -> None:
    body = mc.place_room_request("Ticket #3: Cannot log in", (ALICE, BOT, BOB, ALICE), BOT)
    assert body == {
        "name": "Ticket #3: Cannot log in",
        "preset": "private_chat",
        "visibility": "private",
        "invite": [ALICE, BOB],
        "initial_state": [
            {
                "type": "m.room.history_visibility",
                "state_key": "",
                "content": {"history_visibility": "invited"},
            }
        ],
    }
    # Ids from another platform's directory never reach an invite.
    assert mc.place_room_request("t", ("alice", ALICE), BOT)["invite"] == [ALICE]


def test_a_message_in_a_place_room_is_a_reply_in_the_place() -> None:
    ev = me.to_event(view(), message("It still fails", sender=BOB), place_root=ROOT)
    assert ev is not None and ev.cast_at is not None  # origin_server_ts
    assert replace(ev, cast_at=None) == MessageReceived(
        event_id="$Kx1:example.org",
        actor=BOB_ACTOR,
        address=addr(thread=ROOT, message="$Kx1:example.org"),
        text="It still fails",
        reply_to=addr(thread=ROOT, message=ROOT),
    )
    # Elsewhere the same words are plain channel chatter, for the gate to judge.
    assert isinstance(me.to_event(view(), message("It still fails", sender=BOB)), ChannelMessage)
    # A command in the room stays a command.
    assert isinstance(
        me.to_event(view(), message("!ticket claim", sender=BOB), place_root=ROOT),
        CommandInvoked,
    )


async def test_open_place_creates_one_room_per_key(db: Database) -> None:
    from adapters.matrix.adapter import MatrixAdapter

    settings = MatrixSettings.from_config(
        {"homeserver": "http://h", "user_id": BOT, "password": "p"}
    )
    adapter = MatrixAdapter(settings, db)
    adapter.client = type("C", (), {"access_token": "t"})()
    calls: list[tuple[str, str, Any]] = []

    async def fake_call(method: str, path: str, data: Any = None) -> dict[str, Any]:
        calls.append((method, path, data))
        if "createRoom" in path:
            return {"room_id": "!ticket:example.org"}
        if method == "GET":
            return {"users": {BOT: 100}, "users_default": 0}
        return {"event_id": f"$e{len(calls)}"}

    adapter._call = fake_call  # type: ignore[method-assign]
    place = OpenPlace("ticket:1", addr(), "Ticket #1: x", (ALICE, BOB), "first", hosts=(BOB,))
    first = await adapter.open_place(place, "ev:matrix:1:0")
    again = await adapter.open_place(place, "ev:matrix:1:0")
    assert first.channel == again.channel == "!ticket:example.org"
    creates = [c for c in calls if "createRoom" in c[1]]
    assert len(creates) == 1
    sent = json.loads(creates[0][2])
    assert sent["invite"] == [ALICE, BOB] and sent["preset"] == "private_chat"
    assert adapter.store.place_root("!ticket:example.org") == again.message_id
    # The staff are raised to moderator in the new room, once, with the bot left as it was.
    puts = [c for c in calls if c[0] == "PUT" and "m.room.power_levels" in c[1]]
    assert len(puts) == 1
    assert json.loads(puts[0][2])["users"] == {BOT: 100, BOB: 50}


def test_an_edit_in_a_place_room_is_noted_as_an_edit() -> None:
    edit = message(
        "* It still fails on Firefox",
        sender=BOB,
        content={
            "m.new_content": {"msgtype": "m.text", "body": "It still fails on Firefox"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": "$orig:example.org"},
        },
    )
    ev = me.to_event(view(), edit, place_root=ROOT)
    assert isinstance(ev, MessageReceived)
    assert (ev.text, ev.edit_of) == ("It still fails on Firefox", "$orig:example.org")
    assert ev.reply_to == addr(thread=ROOT, message=ROOT)
    # Outside a place an edit still means nothing (commands are never re-run).
    assert me.to_event(view(), edit) is None


def test_place_hosts_get_moderator_level_and_nothing_else_changes() -> None:
    current = {"users": {BOT: 100, BOB: 0}, "users_default": 0, "ban": 50}
    assert mc.with_hosts(current, (ALICE, BOB, "sam"), 50) == {
        "users": {BOT: 100, BOB: 50, ALICE: 50},
        "users_default": 0,
        "ban": 50,
    }
    # Never lowers anyone; room v12 (creators unlisted) keeps the creator out.
    assert mc.with_hosts({"users": {ALICE: 100}}, (ALICE,), 50) == {"users": {ALICE: 100}}
    assert mc.with_hosts({}, (BOB,), 50) == {"users": {BOB: 50}}


# ------------------------------------------------------------------ the community's rooms

GOVERNANCE = "!governance:example.org"
BOBS_ROOM = "!bobsown:example.org"


def test_roles_come_from_the_configured_rooms_never_the_room_typed_in() -> None:
    """Bob (power 0 in the governance room) creates his own room, where he is power 100 and,
    in room version 12, its creator. Typed there, his command carries no role, and the adapter
    reports the room as outside the community."""
    governance = view(room_id=GOVERNANCE, power_users={ALICE: 100, BOB: 0}, loaded=True)
    bobs = view(
        room_id=BOBS_ROOM,
        power_users={BOB: 100},
        creators=frozenset({BOB}),
        authority=(governance,),
        in_community=False,
    )
    ev = me.to_event(bobs, message("!config timezone Asia/Tokyo", sender=BOB))
    assert isinstance(ev, CommandInvoked)
    assert ev.actor.roles == frozenset() and not ev.actor.is_admin
    assert ev.in_community is False
    # alice keeps her governance-room power wherever she types
    ev = me.to_event(bobs, message("!help", sender=ALICE))
    assert ev is not None and ev.actor.is_admin
    # with no configured room at all, power levels give nobody anything
    assert me.roles_for(view(authority=()), ALICE) == (frozenset(), False)
    # ...but the configured admins / moderators lists still do
    rules = me.RoleRules(admins=frozenset({ALICE}))
    assert me.roles_for(view(authority=(), rules=rules), ALICE)[1] is True


def test_a_space_lists_its_children_while_they_name_servers() -> None:
    space = view(room_id="!space:example.org")
    space.apply_space_child(BOBS_ROOM, {"via": ["example.org"]})
    space.apply_space_child(GOVERNANCE, {"via": ["example.org"]})
    assert space.children == {BOBS_ROOM, GOVERNANCE}
    space.apply_space_child(BOBS_ROOM, {})  # removed from the space
    assert space.children == {GOVERNANCE}


def test_configured_rooms_and_spaces_are_checked() -> None:
    base = {"homeserver": "https://hs", "user_id": BOT, "access_token": "t"}
    s = MatrixSettings.from_config({**base, "rooms": [GOVERNANCE, "#votes:example.org"]})
    assert s.rooms == {GOVERNANCE, "#votes:example.org"} and s.spaces == frozenset()
    with pytest.raises(ConfigError, match="not a room id"):
        MatrixSettings.from_config({**base, "spaces": ["governance"]})


async def test_a_reaction_redacted_before_its_add_arrives_leaves_no_ballot(
    db: Database, registry: Registry
) -> None:
    """Issue 20 item 10 on Matrix: the redaction (later origin_server_ts) arrives first."""
    add = {**REACTION, "origin_server_ts": 1432735900000}
    redaction = {
        "content": {},
        "redacts": add["event_id"],
        "event_id": "$redact9:example.org",
        "origin_server_ts": 1432735900500,
        "sender": BOB,
        "type": "m.room.redaction",
    }
    known = {str(add["event_id"]): {"user": BOB, "key": "👍", "target": ROOT, "room": ROOM}}
    added, removed = me.to_event(view(), add), me.to_event(view(), redaction, known)
    assert isinstance(added, ReactionChanged) and isinstance(removed, ReactionChanged)
    await check_late_add(db, registry, addr(), ALICE_ACTOR, added, removed)


def test_power_level_roles_become_the_role_directory(db: Database) -> None:
    """Matrix roles are the names power levels give (admin, moderator); the directory lists
    them once the adapter reports a room's members, so `--eligible @moderator` passes and a
    made-up role is refused."""
    from adapters.matrix.store import MatrixStore
    from storage import repos, role_tables

    v = view(power_users={"@mod:moot.test": 50, "@ann:moot.test": 0})
    people = {
        u: (u, sorted(me.roles_for(v, u)[0]), me.roles_for(v, u)[1]) for u in v.power_users
    }
    store = MatrixStore(db, "@moot:moot.test")
    when = datetime(2026, 1, 5, tzinfo=UTC)
    for _ in range(2):  # reported again and again: listed once
        store.report_members("matrix", "moot.test", "UTC", "!room:moot.test", people, [], when)
    with db.transaction() as s:
        community = repos.get_or_create_community(s, "matrix", "moot.test", when)
        assert role_tables.known(s, community.id or 0) == me.DIRECTORY_ROLES
        held = {r for m in repos.members(s, community.id or 0) for r in m.roles}
    assert held <= set(me.DIRECTORY_ROLES) and "moderator" in held
