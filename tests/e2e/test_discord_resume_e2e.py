"""A dropped gateway connection, resumed (real discord.py on the loopback fake): what happened
while the bot was away is replayed by the RESUME and counted once; what it had already seen,
replayed again, is not counted twice."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from adapters.discord import order
from storage.vote_tables import VoteBallot as Ballot
from tests.adapters import discord_payloads as p
from tests.e2e.test_discord_e2e import (  # noqa: F401 (fixtures)
    Bot,
    BotFactory,
    _custom_id,
    fake,
    registry,
    start_vote,
    until,
)
from tests.e2e.test_discord_e2e import start_bot as start_bot


def ballots(bot: Bot) -> dict[str, list[str]]:
    with bot.db.transaction() as s:
        return {v: list(c) for v, c in s.execute(select(Ballot.voter, Ballot.choices))}


async def test_a_resumed_session_replays_what_was_missed_once(start_bot: BotFactory) -> None:
    bot = await start_bot()
    discord = bot.fake
    card = await start_vote(bot, "Resume?")
    await bot.settled()
    # Before the connection drops, Bob reacts 👍, then presses no.
    await discord.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(p.BOB, p.VOTES, card.id, "👍"))
    await until(lambda: ballots(bot) == {p.BOB: ["yes"]}, what="bob's 👍")
    press = p.button(p.BOB, p.VOTES, card.id, _custom_id(card, "no"))
    press["id"] = order.snowflake_at(datetime.now(UTC))  # the helper's ids date from 2024
    await bot.interact(press)
    await until(lambda: ballots(bot) == {p.BOB: ["no"]}, what="bob's press")
    await bot.settled()

    await discord.drop_gateway()
    await discord.wait_disconnected()
    # While the bot is away: Carol reacts 👎 and Dave types a cast. Discord keeps them.
    await discord.dispatch(
        "MESSAGE_REACTION_ADD", p.reaction_add(p.CAROL, p.VOTES, card.id, "👎")
    )
    await discord.dispatch(
        "MESSAGE_CREATE", p.message_create(p.DAVE, p.VOTES, "!vote cast 1 yes")
    )
    # The RESUME also replays the two dispatches before the drop (Bob's 👍 and his press):
    # handled already, they must change nothing. Counted again, the 👍 (stamped on arrival)
    # would be his newest change, and he would vote yes.
    discord.replay_overlap = 2
    await discord.wait_connected(timeout=30)
    assert discord.resumes == 1 and discord.identifies == 1  # resumed, not a new session
    await until(
        lambda: ballots(bot) == {p.BOB: ["no"], p.CAROL: ["no"], p.DAVE: ["yes"]},
        what=f"the missed events counted ({ballots(bot)})",
    )
    await bot.settled()
    assert ballots(bot) == {p.BOB: ["no"], p.CAROL: ["no"], p.DAVE: ["yes"]}

    # The resumed session works as before.
    cb = await bot.interact(p.button(p.OWNER, p.VOTES, card.id, _custom_id(card, "abstain")))
    assert cb.type == 6
    await until(lambda: ballots(bot).get(p.OWNER) == ["abstain"], what="a press after it")

async def test_an_unknown_session_is_refused_and_the_bot_identifies_afresh(
    start_bot: BotFactory,
) -> None:
    bot = await start_bot()
    discord = bot.fake
    card = await start_vote(bot, "Fresh?")
    discord.session_id = "forgotten"  # Discord no longer knows the bot's session
    await discord.drop_gateway()
    await discord.wait_disconnected()
    await until(lambda: discord.identifies == 2, timeout=30, what="a new IDENTIFY")
    await discord.wait_connected(timeout=30)
    assert discord.resumes == 0
    cb = await bot.interact(p.button(p.CAROL, p.VOTES, card.id, _custom_id(card, "yes")))
    assert cb.type == 6
    await until(lambda: ballots(bot) == {p.CAROL: ["yes"]}, what="a press in the new session")
