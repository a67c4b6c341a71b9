"""Held DMs on Discord, end to end (real discord.py on the loopback fake): a DM Discord refuses
with 50007 and no interaction of the person's to answer through is held in the database and
announced at once by a public notice whose static button shows it to that person only,
before or after a restart."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from adapters.discord import held
from bot.model import Address, Send
from storage.tables import KeyValue, Outbox
from tests.adapters import discord_payloads as p
from tests.e2e.discord_fake import FakeDiscord, Message
from tests.e2e.test_discord_e2e import (  # noqa: F401 (fixtures)
    Bot,
    BotFactory,
    fake,
    registry,
    start_vote,
    until,
)
from tests.e2e.test_discord_e2e import start_bot as start_bot


def notices(discord: FakeDiscord, user: str) -> list[Message]:
    cid = held.custom_id(user)
    return [
        m
        for m in discord.messages.values()
        if not m.only and (cid in str(m.components) or f"<@{user}> has read" in m.content)
    ]


def press_notice(notice: Message, who: str) -> dict[str, Any]:
    return p.button(who, notice.channel_id, notice.id, held.custom_id(p.CAROL), notice.components)


def failed(bot: Bot) -> int:
    with bot.db.transaction() as s:
        return int(
            s.execute(
                select(func.count()).select_from(Outbox).where(Outbox.status == "failed")
            ).scalar_one()
        )


async def remind_with_carols_dms_closed(bot: Bot) -> Message:
    bot.fake.dm_closed.add(p.CAROL)
    await start_vote(bot, "Held?")
    await bot.interact(p.slash(p.ALICE, p.VOTES, "vote", "remind", [p.opt("id", 1, 4)]))
    return await until(lambda: next(iter(notices(bot.fake, p.CAROL)), None), what="the notice")


async def test_a_notice_at_once_that_only_the_person_can_open(start_bot: BotFactory) -> None:
    bot = await start_bot()
    discord = bot.fake
    notice = await remind_with_carols_dms_closed(bot)
    # Public, in the channel the reminder was asked for, naming Carol by id and pinging
    # only her; nothing of the held text in it.
    assert notice.channel_id == p.VOTES and notice.only is None
    assert f"<@{p.CAROL}>" in notice.content and "Held?" not in notice.content + str(notice.embeds)
    assert notice.allowed_mentions == {
        "parse": [],
        "users": [p.CAROL],
        "roles": [],
        "replied_user": False,
    }
    # A second held DM (a reminder of the scheduler's: no event behind it) adds to the one
    # notice instead of posting another.
    where = Address("discord", p.GUILD, "")
    second = Send(where, "Second held thing", visibility="dm", recipient=p.CAROL)
    await bot.adapter.send(second, None, "due:test:2")
    bot.adapter._sent.clear()  # an outbox retry of that row after a crash
    await bot.adapter.send(second, None, "due:test:2")
    await bot.settled()
    assert len(notices(discord, p.CAROL)) == 1
    assert not discord.seen_by(p.CAROL) and failed(bot) == 0

    # Bob presses Carol's button: refused, privately, and he learns nothing.
    refused = await bot.interact(press_notice(notice, p.BOB))
    assert refused.type == 4 and refused.data["flags"] == 64
    assert "only they can read it" in refused.data["content"]
    assert "Held?" not in refused.data["content"] and "Second" not in refused.data["content"]
    assert [m.content for m in discord.seen_by(p.BOB)] == [held.NOT_YOURS]

    # Carol presses it: both held messages, only to her, each once.
    opened = await bot.interact(press_notice(notice, p.CAROL))
    assert opened.type == 5 and opened.data["flags"] == 64

    def shown() -> list[str]:
        return [m.content for m in discord.seen_by(p.CAROL)]

    await until(lambda: len(shown()) == 2, what="both held messages")
    assert "Held?" in shown()[0] or "#1" in shown()[0], shown()
    assert "Second held thing" in shown()[1] and all("DMs" in t for t in shown())
    # The notice is marked read, its button gone; a second press finds nothing.
    await until(lambda: not notice.components, what="the notice marked read")
    assert "has read" in notice.content
    again = await bot.interact(press_notice(notice, p.CAROL))
    assert again.type == 5
    await until(lambda: any(held.NOTHING in t for t in shown()), what="nothing held")
    assert len([t for t in shown() if "Second held thing" in t]) == 1


async def test_the_button_shows_the_held_message_after_a_restart(start_bot: BotFactory) -> None:
    first = await start_bot()
    notice = await remind_with_carols_dms_closed(first)
    await first.settled()
    first.app.sender.stop()
    await first.adapter.stop()
    with first.db.transaction() as s:
        stored = s.execute(select(KeyValue).where(KeyValue.namespace == held.NS_HELD)).scalars()
        assert [k.key for k in stored] == [p.CAROL]  # in the database, not in memory

    second = await start_bot()  # nothing of the first survives but the database
    opened = await second.interact(press_notice(notice, p.CAROL))
    assert opened.type == 5
    await until(
        lambda: any("DMs" in m.content for m in second.fake.seen_by(p.CAROL)),
        what="the held reminder after the restart",
    )
    await until(lambda: not notice.components, what="the notice marked read")
    # Held messages reach no one else, and no DM was ever posted to Carol.
    others = second.fake.seen_by(p.BOB) + second.fake.seen_by(p.ALICE)
    assert not any("DMs" in m.content or "Held?" in m.content for m in others)
    carol_dm = second.fake.dm_channels.get(p.CAROL)
    assert carol_dm and not second.fake.in_channel(carol_dm)


async def test_with_no_channel_known_it_is_held_for_the_next_interaction(
    start_bot: BotFactory,
) -> None:
    """A fresh process, no event behind the DM, no votes channel, no system channel: no
    notice can be placed, so the message waits for the person's next interaction."""
    bot = await start_bot()
    bot.fake.dm_closed.add(p.DAVE)
    where = Address("discord", p.GUILD, "")
    await bot.adapter.send(
        Send(where, "Nowhere to say", visibility="dm", recipient=p.DAVE), None, "due:x"
    )
    assert not notices(bot.fake, p.DAVE) and failed(bot) == 0
    # Once the community names its votes channel, the next held DM is announced there.
    await bot.interact(
        p.slash(
            p.ALICE,
            p.GENERAL,
            "config",
            "channel",
            [p.opt("purpose", "votes"), p.opt("channel", p.VOTES, 7)],
        )
    )
    await bot.settled()
    bot.adapter._seen.clear()
    await bot.adapter.send(
        Send(where, "Now announced", visibility="dm", recipient=p.DAVE), None, "due:y"
    )
    notice = await until(lambda: next(iter(notices(bot.fake, p.DAVE)), None), what="the notice")
    assert notice.channel_id == p.VOTES
    cb = await bot.interact(p.button(p.DAVE, p.VOTES, notice.id, held.custom_id(p.DAVE)))
    assert cb.type == 5
    await until(lambda: len(bot.fake.seen_by(p.DAVE)) == 2, what="both held messages")
    assert [m.content.split("\n")[-1] for m in bot.fake.seen_by(p.DAVE)] == [
        "Nowhere to say",
        "Now announced",
    ]
