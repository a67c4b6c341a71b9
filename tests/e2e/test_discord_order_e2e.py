"""Issue 20 item 10 on Discord, end to end: the real discord.py client on the loopback fake
gateway. Two changes of one person's vote reach the bot in the opposite order to the one they
were made in (their snowflakes say when); the one made last stands, on the ballot and in the
decision record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from adapters.discord import order
from commands.decisions import record_dict
from storage.inbox_tables import PersonChange
from storage.vote_tables import DecisionRecord
from storage.vote_tables import VoteBallot as Ballot
from tests.adapters import discord_payloads as p
from tests.e2e.test_discord_e2e import (  # noqa: F401 (fixtures)
    BotFactory,
    _custom_id,
    fake,
    registry,
    start_vote,
    until,
)
from tests.e2e.test_discord_e2e import start_bot as start_bot


def _ballots(bot: Any) -> dict[str, list[str]]:
    with bot.db.transaction() as s:
        return {v: list(c) for v, c in s.execute(select(Ballot.voter, Ballot.choices))}


async def test_changes_delivered_out_of_order_resolve_to_the_one_cast_last(
    start_bot: BotFactory,
) -> None:
    bot = await start_bot()
    card = await start_vote(bot, "Out of order?")
    t = datetime.now(UTC)
    minted = iter(range(1, 100))

    def at(seconds: float) -> str:
        return order.snowflake_at(t + timedelta(seconds=seconds), next(minted))

    def press(who: str, choice: str, when: float) -> dict[str, Any]:
        raw = p.button(who, p.VOTES, card.id, _custom_id(card, choice))
        raw["id"] = at(when)
        return raw

    # Bob pressed yes, then no: the no arrives first.
    await bot.interact(press(p.BOB, "no", 2))
    await bot.interact(press(p.BOB, "yes", 1))
    # Carol typed two text commands: the second one typed arrives first.
    for text, when in (("!vote cast 1 yes", 4), ("!vote cast 1 no", 3)):
        await bot.fake.dispatch(
            "MESSAGE_CREATE", p.message_create(p.CAROL, p.VOTES, text, message_id=at(when))
        )
    # Dave pressed no and then reacted 👍 (stamped as it arrived, after his press).
    await bot.interact(press(p.DAVE, "no", -1))
    await bot.settled()
    await bot.fake.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(p.DAVE, p.VOTES, card.id, "👍"))
    await until(
        lambda: _ballots(bot) == {p.BOB: ["no"], p.CAROL: ["yes"], p.DAVE: ["yes"]},
        what=f"the changes cast last to stand ({_ballots(bot)})",
    )
    # Arrival order would have left bob on yes and carol on no; nothing flips back later.
    await bot.settled()
    assert _ballots(bot) == {p.BOB: ["no"], p.CAROL: ["yes"], p.DAVE: ["yes"]}

    await bot.interact(p.slash(p.ALICE, p.VOTES, "vote", "close", [p.opt("id", 1, 4)]))
    await until(lambda: bot.count(DecisionRecord) == 1, what="the decision")
    with bot.db.transaction() as s:
        record = record_dict(s.execute(select(DecisionRecord)).scalar_one())
    counts = {t["option"]: t["count"] for t in record["tallies"]}
    assert counts == {"yes": 2, "no": 1, "abstain": 0}


async def test_a_replayed_old_press_does_not_undo_a_newer_one(start_bot: BotFactory) -> None:
    """A RESUME (or Discord retrying) can bring an old dispatch again: an interaction that
    was never handled arrives after a newer change and is still the older one."""
    bot = await start_bot()
    card = await start_vote(bot, "Replay?")
    t = datetime.now(UTC)
    older = p.button(p.BOB, p.VOTES, card.id, _custom_id(card, "yes"))
    older["id"] = order.snowflake_at(t, 1)
    newer = p.button(p.BOB, p.VOTES, card.id, _custom_id(card, "no"))
    newer["id"] = order.snowflake_at(t + timedelta(milliseconds=5), 2)
    await bot.interact(newer)
    await until(lambda: _ballots(bot) == {p.BOB: ["no"]}, what="the newer press")
    await bot.interact(older)
    await until(lambda: bot.count(PersonChange) == 2, what="the older press handled")
    await bot.settled()
    assert _ballots(bot) == {p.BOB: ["no"]}
