"""Private places (OpenPlace), decided once in the core: an adapter that opens them itself,
and the two fallbacks, a thread in the channel and a thread relayed to members' DMs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.context import Ctx
from bot.model import (
    Address,
    Capabilities,
    Choice,
    Delivered,
    MessageReceived,
    OpenPlace,
    Send,
)
from bot.registry import Registry
from storage.db import Database
from storage.tables import Outbox
from tests.unit.test_outbox import ACTOR, Recorder, cmd

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


class PlaceMaker(Recorder):
    async def open_place(self, place: OpenPlace, key: str) -> Delivered:
        self.n += 1
        self.calls.append(("open_place", place, key))
        return Delivered(f"m{self.n}", f"room-{place.ref}", None)


def registry(heard: list[tuple[str, str]]) -> Registry:
    reg = Registry()

    @reg.command("open", help="open a place")
    def open_(ctx: Ctx) -> None:
        ctx.emit(
            OpenPlace(
                "tk:1",
                Address("fake", "w", "staff"),
                "Ticket 1",
                ("alice", "sam"),
                "first",
                choices=(Choice("tk.ok", "1", "OK"),),
            )
        )
        where = Address("fake", "w", "")
        ctx.emit(Send(where, "to everyone", place_ref="tk:1"))
        ctx.emit(Send(where, "staff only", place_ref="tk:1", relay=False))

    @reg.thread_reply("tk")
    def reply(ctx: Ctx, ref: str, text: str) -> None:
        heard.append((ref, text))

    return reg


def app_with(db: Database, adapter: Recorder, heard: list[tuple[str, str]]) -> App:
    return App(db, registry(heard), FakeClock(T0), {"fake": adapter})


def sends(adapter: Recorder) -> list[tuple[str, str, str | None, str | None]]:
    """(text, channel or dm recipient, thread root, visibility) of each send."""
    out = []
    for kind, payload, _key in adapter.calls:
        if kind == "send":
            msg, root = payload  # type: ignore[misc]
            where = msg.recipient if msg.visibility == "dm" else msg.address.channel
            out.append((msg.text, where, root, msg.visibility))
    return out


async def test_thread_fallback_keeps_the_place_as_a_thread(db: Database) -> None:
    heard: list[tuple[str, str]] = []
    adapter = Recorder(Capabilities(places="thread"))
    app = app_with(db, adapter, heard)
    await app.dispatcher.handle(cmd("e1", "open"))
    await app.settle()
    assert sends(adapter) == [
        ("first", "staff", None, "public"),
        ("to everyone", "staff", "m1", "public"),
        ("staff only", "staff", "m1", "public"),
    ]
    reply = MessageReceived(
        event_id="r1",
        actor=ACTOR,
        address=Address("fake", "w", "staff", "m1", "x"),
        text="hello",
        reply_to=Address("fake", "w", "staff", None, "m1"),
    )
    await app.dispatcher.handle(reply)
    assert heard == [("tk:1", "hello")]


async def test_relayed_fallback_copies_to_members_dms_and_back(db: Database) -> None:
    heard: list[tuple[str, str]] = []
    adapter = Recorder(Capabilities(places="relayed", buttons=True))
    app = app_with(db, adapter, heard)
    await app.dispatcher.handle(cmd("e1", "open"))
    await app.settle()
    got = sends(adapter)
    assert got[0] == ("first", "staff", None, "public")
    assert ("first", "alice", None, "dm") in got and ("first", "sam", None, "dm") in got
    assert ("to everyone", "staff", "m1", "public") in got
    assert ("to everyone", "alice", None, "dm") in got
    assert ("staff only", "staff", "m1", "public") in got
    assert not [s for s in got if s[0] == "staff only" and s[3] == "dm"]
    # alice answers her DM copy: it reaches the place's handler, marked as from a DM.
    copy = next(n for n, s in enumerate(got, 1) if s[:2] == ("to everyone", "alice"))
    reply = MessageReceived(
        event_id="r1",
        actor=ACTOR,
        address=Address("fake", "w", "dm-alice", f"m{copy}"),
        is_direct=True,
        text="thanks",
        reply_to=Address("fake", "w", "dm-alice", None, f"m{copy}"),
    )
    await app.dispatcher.handle(reply)
    assert heard == [("tk:1:dm", "thanks")]


async def test_private_places_are_opened_by_the_adapter(db: Database) -> None:
    heard: list[tuple[str, str]] = []
    adapter = PlaceMaker(Capabilities(places="private", buttons=False, reactions=True))
    app = app_with(db, adapter, heard)
    await app.dispatcher.handle(cmd("e1", "open"))
    await app.settle()
    kind, place, _ = adapter.calls[0]
    assert kind == "open_place"
    assert isinstance(place, OpenPlace) and place.members == ("alice", "sam")
    # Without buttons the choices are numbered lines, and the bot adds their reactions.
    assert "1️⃣ OK" in place.text
    assert adapter.calls[1][0] == "react"
    assert sends(adapter) == [
        ("to everyone", "room-tk:1", None, "public"),
        ("staff only", "room-tk:1", None, "public"),
    ]


async def test_a_places_messages_wait_for_it_in_its_lane(db: Database) -> None:
    adapter = Recorder(Capabilities(places="thread"))
    adapter.fail["send"] = [ConnectionError("down")]
    app = app_with(db, adapter, [])
    await app.dispatcher.handle(cmd("e1", "open"))
    await app.settle()
    assert adapter.calls == []  # the place failed: nothing went ahead of it
    with db.transaction() as s:
        rows = list(s.execute(select(Outbox).order_by(Outbox.id)).scalars())
    assert len({r.channel_key for r in rows}) == 1
    assert [r.attempts for r in rows] == [1, 0, 0]


def test_place_effects_survive_the_outbox_encoding() -> None:
    from bot import codec
    from bot.model import Card

    place = OpenPlace(
        "tk:1",
        Address("fake", "w", "staff"),
        "T",
        ("a", "b"),
        "first",
        Card("c", (("k", "v"),)),
        (Choice("x", "1", "X", emoji="1️⃣"),),
        relay_to=("a",),
    )
    send = Send(Address("fake", "w", ""), "hi", place_ref="tk:1", relay=False)
    for effect in (place, send, OpenPlace("r", Address("f", "w", "c"), "t", (), "x")):
        assert codec.decode(codec.kind_of(effect), codec.encode(effect)) == effect
