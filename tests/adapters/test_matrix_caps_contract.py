"""Matrix contract for the capabilities: a 🎫 / 📝 reaction quotes the fetched message (shapes as
Synapse answers GET /rooms/{room}/event/{id}), m.room.member joins become MemberJoined, and
GrantRole becomes power levels ([matrix.role_levels]). The adapter's HTTP is a recorder; the
core, the inbox and the commands are the real ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

import commands
from adapters.matrix import events as me
from adapters.matrix import grants, joins, quote
from adapters.matrix.adapter import MatrixAdapter, MatrixError
from adapters.matrix.settings import MatrixSettings
from bot.app import App
from bot.clock import FakeClock
from bot.config import ConfigError
from bot.model import Address, MemberJoined, Quoted, ReactionChanged
from bot.registry import Registry
from storage.db import Database
from storage.feedback_tables import FeedbackItem
from storage.ticket_tables import Ticket

BOT = "@moot:example.org"
ROOM = "!dKcbdDATuwwphjRPQP:example.org"
OTHER = "!other:example.org"
ALICE = "@alice:example.org"
BOB = "@bob:example.org"
DAVE = "@dave:example.org"
TARGET = "$target1:example.org"
T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)


def view(**kw: Any) -> me.RoomView:
    base: dict[str, Any] = {
        "room_id": ROOM,
        "workspace": "example.org",
        "bot_user_id": BOT,
        "power_users": {ALICE: 100, BOB: 50},
        "displaynames": {ALICE: "Alice", BOB: "Bob", BOT: "Moot"},
    }
    base.update(kw)
    return me.RoomView(**base)


def fetched(body: str | None = "The search ignores accents", **extra: Any) -> dict[str, Any]:
    """GET /rooms/{room}/event/{id} as Synapse answers it."""
    content: dict[str, Any] = {} if body is None else {"msgtype": "m.text", "body": body}
    content.update(extra.pop("content", {}))
    ev = {
        "content": content,
        "event_id": TARGET,
        "origin_server_ts": 1772445600000,
        "room_id": ROOM,
        "sender": extra.pop("sender", ALICE),
        "type": "m.room.message",
        "unsigned": {"age": 5012},
    }
    ev.update(extra)
    return ev


def reaction(key: str, sender: str = BOB, event_id: str = "$react1:example.org") -> Any:
    raw = {
        "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": TARGET, "key": key}},
        "event_id": event_id,
        "origin_server_ts": 1772445660000,
        "sender": sender,
        "type": "m.reaction",
        "unsigned": {"age": 12},
    }
    return me.to_event(view(), raw)


def base() -> Quoted:
    return Quoted(
        Address("matrix", "example.org", ROOM, None, TARGET), link=quote.link(ROOM, TARGET)
    )


# ------------------------------------------------------------------ the quote (pure)


def test_a_fetched_message_fills_text_author_and_keeps_the_link() -> None:
    q = quote.from_event(base(), fetched(), BOT)
    assert (q.text, q.author, q.missing) == ("The search ignores accents", ALICE, "")
    assert q.link == f"https://matrix.to/#/{ROOM}/{TARGET}"
    assert q.address.thread is None and q.address.message == TARGET


def test_a_message_in_a_thread_is_quoted_with_its_thread() -> None:
    raw = fetched(
        content={
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": "$root:example.org",
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": "$root:example.org"},
            }
        }
    )
    q = quote.from_event(base(), raw, BOT)
    assert q.address.thread == "$root:example.org" and q.text == "The search ignores accents"


def test_a_rich_reply_loses_its_fallback_quote() -> None:
    raw = fetched(
        "> <@bob:example.org> what fails?\n\nThe search ignores accents",
        content={"m.relates_to": {"m.in_reply_to": {"event_id": "$q:example.org"}}},
    )
    assert quote.from_event(base(), raw, BOT).text == "The search ignores accents"


def test_an_edit_by_the_author_is_what_is_quoted_and_nobody_elses() -> None:
    edit = {
        "content": {
            "body": "* The search ignores accents and case",
            "m.new_content": {"body": "The search ignores accents and case", "msgtype": "m.text"},
            "m.relates_to": {"event_id": TARGET, "rel_type": "m.replace"},
            "msgtype": "m.text",
        },
        "event_id": "$edit:example.org",
        "sender": ALICE,
        "type": "m.room.message",
    }
    raw = fetched(unsigned={"m.relations": {"m.replace": edit}})
    assert quote.from_event(base(), raw, BOT).text == "The search ignores accents and case"
    forged = fetched(unsigned={"m.relations": {"m.replace": {**edit, "sender": BOB}}})
    assert quote.from_event(base(), forged, BOT).text == "The search ignores accents"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        # Synapse keeps a redacted event's shell: empty content, the redaction in unsigned.
        (
            fetched(None, unsigned={"redacted_because": {"type": "m.room.redaction"}}),
            quote.DELETED,
        ),
        (fetched(None), quote.DELETED),
        (
            {**fetched(None), "type": "m.room.encrypted", "content": {"ciphertext": "x"}},
            quote.ENCRYPTED,
        ),
        (fetched("cat.png", content={"msgtype": "m.image", "url": "mxc://x/y"}), quote.NO_TEXT),
        (fetched("   "), quote.NO_TEXT),
        ({**fetched(None), "type": "m.sticker", "content": {"body": "hi"}}, quote.NO_TEXT),
    ],
)
def test_what_cannot_be_quoted_says_why(raw: dict[str, Any], why: str) -> None:
    q = quote.from_event(base(), raw, BOT)
    assert q.missing == why and q.text == ""


def test_moots_own_message_is_credited_to_nobody() -> None:
    assert quote.from_event(base(), fetched(sender=BOT), BOT).author == ""


# ------------------------------------------------------------------ the adapter's fetch


class FakeHTTP:
    """The adapter's _call, recorded: answers GETs of one event, rooms and sends."""

    def __init__(self, target: dict[str, Any] | Exception) -> None:
        self.target = target
        self.calls: list[tuple[str, str, Any]] = []
        self.levels: dict[str, dict[str, Any]] = {}

    async def __call__(
        self, method: str, path: str, body: Any = None, timeout: float | None = None
    ) -> dict[str, Any]:
        self.calls.append((method, path, body))
        if method == "GET" and "/event/" in path:
            if isinstance(self.target, Exception):
                raise self.target
            return self.target
        if "createRoom" in path:
            return {"room_id": f"!dm{len(self.calls)}:example.org"}
        if "m.room.power_levels" in path:
            room = next(r for r in self.levels if _quoted_room(r) in path)
            if method == "GET":
                return self.levels[room]
            self.levels[room] = json.loads(body)
            return {"event_id": f"$pl{len(self.calls)}"}
        return {"event_id": f"$sent{len(self.calls)}:example.org"}

    def sends(self) -> list[dict[str, Any]]:
        return [json.loads(b) for m, p, b in self.calls if m == "PUT" and "/send/" in p]

    def fetches(self) -> int:
        return sum(1 for m, p, _ in self.calls if m == "GET" and "/event/" in p)


def _quoted_room(room: str) -> str:
    return room.replace("!", "%21").replace(":", "%3A")


def make_adapter(
    db: Database | None, http: FakeHTTP, quote_keys: Any = ("🎫", "📝"), **section: Any
) -> MatrixAdapter:
    settings = MatrixSettings.from_config(
        {"homeserver": "http://h", "user_id": BOT, "password": "p", "rooms": [ROOM], **section}
    )
    adapter = MatrixAdapter(settings, db, quote_keys=quote_keys)  # type: ignore[arg-type]
    adapter.client = type("C", (), {"access_token": "t"})()
    adapter._call = http  # type: ignore[method-assign]
    return adapter


async def test_a_ticket_reaction_fetches_its_message_and_a_vote_reaction_does_not() -> None:
    http = FakeHTTP(fetched())
    adapter = make_adapter(None, http)
    ev = await adapter.prepare(reaction("🎫"))
    assert isinstance(ev, ReactionChanged) and ev.quoted is not None
    assert (ev.quoted.text, ev.quoted.author) == ("The search ignores accents", ALICE)
    method, path, _ = http.calls[0]
    assert method == "GET" and path.startswith(f"/_matrix/client/v3/rooms/{_quoted_room(ROOM)}")
    assert "/event/%24target1%3Aexample.org" in path
    # With the variation selector some clients add, the same key.
    await adapter.prepare(reaction("📝\ufe0f"))
    assert http.fetches() == 2
    # A vote or RSVP reaction costs no request.
    for key in ("👍", "✅", "1️⃣"):
        assert await adapter.prepare(reaction(key)) == reaction(key)
    assert http.fetches() == 2
    # No list of keys (no registry): every added reaction quotes.
    every = make_adapter(None, FakeHTTP(fetched()), quote_keys=None)
    assert (await every.prepare(reaction("👍"))).quoted.text  # type: ignore[union-attr]


async def test_an_unfetchable_message_is_marked_and_a_hiccup_is_retried() -> None:
    gone = FakeHTTP(MatrixError(404, "M_NOT_FOUND", "Could not find event"))
    ev = await make_adapter(None, gone).prepare(reaction("🎫"))
    assert isinstance(ev, ReactionChanged) and ev.quoted is not None
    assert ev.quoted.missing == quote.UNREADABLE and ev.quoted.text == ""
    hidden = FakeHTTP(MatrixError(403, "M_FORBIDDEN", "not allowed to see it"))
    ev = await make_adapter(None, hidden).prepare(reaction("📝"))
    assert ev.quoted.missing == quote.UNREADABLE  # type: ignore[union-attr]
    # A server error is not an answer: the inbox tries again later.
    down = FakeHTTP(MatrixError(502, "", "Bad Gateway"))
    with pytest.raises(MatrixError):
        await make_adapter(None, down).prepare(reaction("🎫"))


# ------------------------------------------------------------------ through the core


def matrix_app(db: Database, adapter: MatrixAdapter) -> App:
    return App(db, commands.register_all(Registry()), FakeClock(T0), {"matrix": adapter})


async def handle(app: App, adapter: MatrixAdapter, *events: Any) -> None:
    for ev in events:
        await app.inbox.accept(ev)
    await app.settle()


def texts(http: FakeHTTP) -> list[str]:
    return [c.get("body", "") for c in http.sends()]


async def test_feedback_by_reaction_quotes_the_matrix_message(db: Database) -> None:
    http = FakeHTTP(fetched("The search ignores accents @room"))
    adapter = make_adapter(db, http)
    app = matrix_app(db, adapter)
    await handle(app, adapter, reaction("📝"))
    with db.transaction() as s:
        item = s.execute(select(FeedbackItem)).scalar_one()
        assert item.text == "The search ignores accents @room"
        assert item.submitter == ALICE  # credited to the message's author
        assert item.source_link == f"https://matrix.to/#/{ROOM}/{TARGET}"
    sent = [c for c in http.sends() if "body" in c]
    assert any("Captured as feedback #1" in c["body"] for c in sent)
    # The quoted text never pings: "@room" is broken up, and every event names nobody.
    card = next(c["body"] for c in sent if "accents" in c["body"])
    assert "@\u2060room" in card and "@room" not in card
    assert all(c["m.mentions"] == {} for c in sent)


async def test_a_reaction_on_a_deleted_message_is_refused_with_nothing_written(
    db: Database,
) -> None:
    http = FakeHTTP(fetched(None, unsigned={"redacted_because": {"type": "m.room.redaction"}}))
    adapter = make_adapter(db, http)
    app = matrix_app(db, adapter)
    await handle(app, adapter, reaction("📝"), reaction("🎫", event_id="$react2:example.org"))
    with db.transaction() as s:
        assert s.execute(select(FeedbackItem)).first() is None
        assert s.execute(select(Ticket)).first() is None
    said = [t for t in texts(http) if "deleted" in t]
    assert len(said) == 2 and all("\n" not in t.strip() for t in said), texts(http)
    assert any('feedback "TEXT"' in t for t in said) and any(
        'ticket open "SUBJECT"' in t for t in said
    )


async def test_a_ticket_by_reaction_quotes_the_message(db: Database) -> None:
    http = FakeHTTP(fetched("I cannot log in since Tuesday"))
    adapter = make_adapter(db, http)
    app = matrix_app(db, adapter)
    await handle(app, adapter, reaction("🎫", sender=DAVE))
    with db.transaction() as s:
        t = s.execute(select(Ticket)).scalar_one()
        assert t.subject == "I cannot log in since Tuesday"
        assert t.source_text == "@alice:example.org: I cannot log in since Tuesday"
        assert t.source_link == f"https://matrix.to/#/{ROOM}/{TARGET}"


# ------------------------------------------------------------------ joins


def member(
    user: str,
    membership: str = "join",
    prev: str | None = "invite",
    event_id: str = "$join1:example.org",
    display: str | None = "Dave",
) -> dict[str, Any]:
    """An m.room.member event in a /sync timeline, as Synapse sends it."""
    content: dict[str, Any] = {"membership": membership}
    if display:
        content["displayname"] = display
    unsigned: dict[str, Any] = {"age": 40}
    if prev is not None:
        unsigned["prev_content"] = {"membership": prev}
        unsigned["replaces_state"] = "$older:example.org"
    return {
        "content": content,
        "event_id": event_id,
        "origin_server_ts": 1772445700000,
        "sender": user,
        "state_key": user,
        "type": "m.room.member",
        "unsigned": unsigned,
    }


def test_a_join_in_a_community_room_is_member_joined() -> None:
    found = joins.arrivals(view(), [member(DAVE)], community=True)
    assert len(found) == 1 and isinstance(found[0], MemberJoined)
    joined = found[0]
    assert joined.event_id == "$join1:example.org"
    assert (joined.actor.user_id, joined.actor.display) == (DAVE, "Dave")
    assert joined.address == Address("matrix", "example.org", ROOM)
    assert joined.cast_at is not None and joined.in_community
    # A first join (no previous membership) and a rejoin after leaving are arrivals too.
    assert joins.arrivals(view(), [member(DAVE, prev=None)], community=True)
    assert joins.arrivals(view(), [member(DAVE, prev="leave")], community=True)


@pytest.mark.parametrize(
    "case",
    [
        lambda: joins.arrivals(view(), [member(DAVE, prev="join", display="Dave 2")], True),
        lambda: joins.arrivals(view(), [member(BOT, display="Moot")], True),
        lambda: joins.arrivals(view(), [member(DAVE, membership="leave", prev="join")], True),
        lambda: joins.arrivals(view(), [member(DAVE, membership="invite", prev=None)], True),
        lambda: joins.arrivals(view(), [member(DAVE)], False),  # not the community's room
        lambda: joins.arrivals(view(is_direct=True), [member(DAVE)], True),
        # Older members, seen in the batch where the bot itself joined: history.
        lambda: joins.arrivals(
            view(), [member(DAVE), member(BOT, event_id="$botjoin:example.org")], True
        ),
    ],
)
def test_what_is_not_an_arrival(case: Callable[[], list[MemberJoined]]) -> None:
    assert case() == []


def test_after_the_bots_own_join_newcomers_count() -> None:
    batch = [
        member(ALICE, event_id="$a:example.org", display="Alice"),
        member(BOT, event_id="$botjoin:example.org", display="Moot"),
        member(DAVE),
    ]
    assert [j.actor.user_id for j in joins.arrivals(view(), batch, True)] == [DAVE]


async def test_onboarding_once_on_redelivery_rejoin_and_profile_change(db: Database) -> None:
    http = FakeHTTP(fetched())
    adapter = make_adapter(db, http)
    app = matrix_app(db, adapter)
    from bot.model import Actor, CommandInvoked

    alice = Actor("matrix", ALICE, "Alice", frozenset({"admin", "moderator"}), True)
    setup = CommandInvoked(
        event_id="$cfg:example.org",
        actor=alice,
        address=Address("matrix", "example.org", ROOM, None, "$cfg:example.org"),
        name="config",
        args='onboarding text "Welcome to the project!"',
    )
    first = joins.arrivals(view(), [member(DAVE)], True)
    rejoin = joins.arrivals(view(), [member(DAVE, prev="leave", event_id="$j2:example.org")], True)
    rename = joins.arrivals(view(), [member(DAVE, prev="join", event_id="$j3:example.org")], True)
    assert rename == []
    await handle(app, adapter, setup, *first, *first, *rejoin)
    welcomes = [t for t in texts(http) if "Welcome to the project!" in t and "👋" in t]
    assert len(welcomes) == 1, texts(http)
    # ...in a direct room made for Dave.
    creates = [json.loads(b) for m, p, b in http.calls if "createRoom" in p]
    assert [c["invite"] for c in creates] == [[DAVE]]


# ------------------------------------------------------------------ GrantRole -> power levels


def test_plan_raises_never_lowers_and_explains_a_lack_of_power() -> None:
    levels = {"users": {BOT: 100, ALICE: 100}, "users_default": 0, "events": {}}
    p = grants.plan(levels, BOT, DAVE, "certified", 10)
    assert p.content == {**levels, "users": {BOT: 100, ALICE: 100, DAVE: 10}}
    assert grants.plan(levels, BOT, ALICE, "certified", 10).done  # 100 already: left alone
    weak = {"users": {BOT: 20}, "events": {"m.room.power_levels": 50}}
    p = grants.plan(weak, BOT, DAVE, "certified", 10)
    assert p.content is None and "needs 50 to change power levels" in p.problem
    assert "@dave:example.org" in p.problem and "'certified'" in p.problem
    p = grants.plan({"users": {BOT: 50}, "state_default": 50}, BOT, DAVE, "steward", 75)
    assert p.content is None and "below the role 'steward' (level 75)" in p.problem
    # Room v12: the creator is unlisted yet outranks every level.
    p = grants.plan({"users": {}}, BOT, DAVE, "certified", 10, creators=frozenset({BOT}))
    assert p.content == {"users": {DAVE: 10}}
    assert grants.role_level({"Certified-Developer": 10}, " certified-developer") == 10
    assert grants.role_level({"x": 1}, "y") is None


def test_role_levels_config_is_checked() -> None:
    base = {"homeserver": "https://hs", "user_id": BOT, "access_token": "t"}
    s = MatrixSettings.from_config({**base, "role_levels": {"certified-developer": 10}})
    assert s.role_levels == {"certified-developer": 10}
    assert MatrixSettings.from_config(base).role_levels == {}
    for bad in ({"x": "ten"}, {"x": True}, {"x": 2**60}, "x=10"):
        with pytest.raises(ConfigError, match="role_levels"):
            MatrixSettings.from_config({**base, "role_levels": bad})


async def test_grant_role_raises_power_in_each_room_once_and_says_where_it_cannot() -> None:
    http = FakeHTTP(fetched())
    adapter = make_adapter(None, http, rooms=[ROOM, OTHER], role_levels={"certified-developer": 10})
    http.levels = {
        ROOM: {"users": {BOT: 100, ALICE: 100}, "users_default": 0},
        OTHER: {"users": {BOT: 0, ALICE: 100}, "events": {"m.room.power_levels": 100}},
    }
    assert await adapter.grant_role("example.org", DAVE, "certified-developer", "ob:7:0")
    assert http.levels[ROOM]["users"][DAVE] == 10
    assert DAVE not in http.levels[OTHER]["users"]
    notices = http.sends()
    assert len(notices) == 1 and notices[0]["msgtype"] == "m.notice"
    assert "needs 100 to change power levels" in notices[0]["body"]
    # Done again (the outbox retried the row): nothing more is written; the notice's txn id
    # is the same, so the homeserver would not post it twice either.
    puts_before = [c for c in http.calls if c[0] == "PUT"]
    assert await adapter.grant_role("example.org", DAVE, "certified-developer", "ob:7:0")
    puts_after = [c for c in http.calls if c[0] == "PUT"]
    state_puts = [c for c in puts_after[len(puts_before) :] if "m.room.power_levels" in c[1]]
    assert state_puts == []
    sends = [c[1] for c in http.calls if c[0] == "PUT" and "/send/" in c[1]]
    assert len(set(sends)) == 1  # one txn id for that notice, however often it is tried


async def test_grant_of_an_unmapped_role_changes_nothing() -> None:
    http = FakeHTTP(fetched())
    adapter = make_adapter(None, http, role_levels={"certified-developer": 10})
    assert await adapter.grant_role("example.org", DAVE, "architect", "k") is False
    assert http.calls == []


async def test_a_fetch_that_fails_for_a_while_is_retried_by_the_inbox(db: Database) -> None:
    """The homeserver is down when the 📝 comes: nothing is captured yet (and no empty quote
    is refused); once it answers, the retried event captures the message's text."""
    http = FakeHTTP(MatrixError(502, "", "Bad Gateway"))
    adapter = make_adapter(db, http)
    clock = FakeClock(T0)
    app = App(db, commands.register_all(Registry()), clock, {"matrix": adapter})
    await app.inbox.accept(reaction("📝"))
    await app.settle()
    with db.transaction() as s:
        assert s.execute(select(FeedbackItem)).first() is None
    assert http.sends() == []
    http.target = fetched()
    clock.advance(timedelta(seconds=6))
    await app.settle()
    with db.transaction() as s:
        item = s.execute(select(FeedbackItem)).scalar_one()
        assert item.text == "The search ignores accents"
    assert http.fetches() == 2
