"""Issue 20 item 10 on Discord: when a change was cast, from the payload's own snowflake
(interactions, messages) or the adapter's receipt stamp (reactions, which carry no time), so
two changes by one person that arrive out of order resolve to the one cast last."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adapters.discord import events, order
from adapters.discord.events import GuildInfo
from bot.app import App
from bot.clock import FakeClock
from bot.model import Actor, Address, CommandInvoked
from bot.registry import Registry
from storage.db import Database
from storage.vote_tables import VoteBallot
from tests.adapters import discord_payloads as p
from tests.adapters.late_reaction import PostsAs, check_late_add

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ALICE = Actor("discord", p.ALICE, "Alice", frozenset({"admin"}), True)
WHERE = Address("discord", p.GUILD, p.VOTES)


def guild() -> GuildInfo:
    roles = {r["id"]: (r["name"], int(r["permissions"])) for r in p.ROLES}
    return GuildInfo(p.GUILD, p.OWNER, roles, {})


def test_the_documented_snowflake_decodes_to_its_millisecond() -> None:
    # The example of Discord's reference (Snowflakes): 175928847299117063 is
    # 2016-04-30 11:18:25.796 UTC.
    assert order.snowflake_ms("175928847299117063") == 1462015105796
    assert order.snowflake_time(175928847299117063) == datetime(
        2016, 4, 30, 11, 18, 25, 796000, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "bad", [None, "", "abc", "12a", "-5", "１２３", 0, -1, True, 1.5, 1 << 64, str(1 << 64), []]
)
def test_what_is_not_a_snowflake_has_no_time(bad: object) -> None:
    assert order.snowflake_ms(bad) is None and order.snowflake_time(bad) is None


def test_snowflake_at_round_trips_and_orders_within_one_millisecond() -> None:
    at = datetime(2026, 1, 5, 9, 0, 0, 123000, tzinfo=UTC)
    first, second = order.snowflake_at(at), order.snowflake_at(at, 7)
    assert order.snowflake_time(first) == order.snowflake_time(second) == at
    assert int(first) < int(second)
    with pytest.raises(ValueError):
        order.snowflake_at(datetime(2014, 1, 1, tzinfo=UTC))


def test_interactions_and_messages_carry_their_snowflake_time() -> None:
    at = T0 + timedelta(seconds=3)
    press = p.button(p.BOB, p.VOTES, p.snowflake(), "moot:vote.cast:1:yes")
    press["id"] = order.snowflake_at(at)
    pressed = events.component(press, guild(), p.GUILD)
    assert pressed is not None and pressed.cast_at == at

    slash = p.slash(p.BOB, p.VOTES, "vote", "cast", [p.opt("id", 1, 4), p.opt("option", "no")])
    slash["id"] = order.snowflake_at(at + timedelta(milliseconds=1))
    typed = events.command(slash, guild(), p.GUILD, "vote", "cast 1 no")
    assert typed.cast_at == at + timedelta(milliseconds=1)

    text = p.message_create(
        p.BOB, p.VOTES, "!vote cast 1 no", message_id=order.snowflake_at(at, 2)
    )
    msg = events.message(text, guild(), p.GUILD, "!")
    assert isinstance(msg, CommandInvoked) and msg.cast_at == at


def test_a_reaction_has_no_time_until_the_adapter_stamps_it_at_receipt() -> None:
    raw = p.reaction_add(p.BOB, p.VOTES, p.snowflake(), "👍")
    ev = events.reaction(raw, True, guild(), p.GUILD, "r:s:1")
    assert ev is not None and ev.cast_at is None
    stamped = order.stamp_received(ev, T0)
    assert stamped.cast_at == T0
    # A time the event already has is kept: a stamp never overrides the platform's own.
    assert order.stamp_received(stamped, T0 + timedelta(hours=1)).cast_at == T0


async def test_a_reaction_removed_before_its_add_arrives_leaves_no_ballot(
    db: Database, registry: Registry
) -> None:
    """The add was read off the socket first, the removal second; the removal is handled
    first (an inbox replay after a restart, say)."""
    card = p.snowflake()
    add = events.reaction(
        p.reaction_add(p.BOB, p.VOTES, card, "👍"), True, guild(), p.GUILD, "r:s:7"
    )
    rm = events.reaction(
        p.reaction_remove(p.BOB, p.VOTES, card, "👍"), False, guild(), p.GUILD, "r:s:8"
    )
    assert add is not None and rm is not None
    added = order.stamp_received(add, T0 + timedelta(seconds=1))
    removed = order.stamp_received(rm, T0 + timedelta(seconds=2))
    await check_late_add(db, registry, WHERE, ALICE, added, removed)


async def _vote(db: Database, registry: Registry, card: str) -> App:
    app = App(db, registry, FakeClock(T0), {"discord": PostsAs("discord", card)})
    start = CommandInvoked(
        event_id="start-1",
        actor=ALICE,
        address=WHERE,
        name="vote",
        args='start "Ship it?" --for 1h',
        raw_text='/vote start "Ship it?" --for 1h',
    )
    assert await app.dispatcher.handle(start) == "ok"
    await app.settle()
    return app


def _ballots(db: Database) -> dict[str, list[str]]:
    with db.transaction() as s:
        return {v: list(c) for v, c in s.execute(select(VoteBallot.voter, VoteBallot.choices))}


async def test_two_presses_delivered_out_of_order_resolve_to_the_one_pressed_last(
    db: Database, registry: Registry
) -> None:
    card = p.snowflake()
    app = await _vote(db, registry, card)

    minted = iter(range(1, 100))

    def press(who: str, choice: str, at: datetime) -> dict[str, object]:
        raw = p.button(who, p.VOTES, card, f"moot:vote.cast:1:{choice}")
        raw["id"] = order.snowflake_at(at, next(minted))  # Discord's per-ms increment
        return raw

    # Bob pressed yes, then no a second later; Carol pressed no, then yes. Each later press
    # reaches the bot first.
    late = [
        press(p.BOB, "no", T0 + timedelta(seconds=2)),
        press(p.BOB, "yes", T0 + timedelta(seconds=1)),
        press(p.CAROL, "yes", T0 + timedelta(seconds=4)),
        press(p.CAROL, "no", T0 + timedelta(seconds=3)),
    ]
    for raw in late:
        ev = events.component(raw, guild(), p.GUILD)
        assert ev is not None
        assert await app.dispatcher.handle(ev) == "ok"
    assert _ballots(db) == {p.BOB: ["no"], p.CAROL: ["yes"]}

    # The control: without its snowflake time the older press counts as cast when handled,
    # and wins (so the assertions above can fail).
    ev = events.component(press(p.DAVE, "yes", T0 + timedelta(seconds=5)), guild(), p.GUILD)
    assert ev is not None
    assert await app.dispatcher.handle(ev) == "ok"
    older = events.component(press(p.DAVE, "no", T0 + timedelta(seconds=4)), guild(), p.GUILD)
    assert older is not None
    app.clock.set(T0 + timedelta(seconds=10))  # type: ignore[attr-defined]
    assert await app.dispatcher.handle(replace(older, cast_at=None)) == "ok"
    assert _ballots(db)[p.DAVE] == ["no"]
