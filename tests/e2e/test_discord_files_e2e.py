"""Files on Discord end to end: the real discord.py client against the loopback fake sends
`/event ics` as a multipart attachment in the person's DM, a retried upload is one message
(nonce), and a file never follows a DM that fell back to an ephemeral answer into the
channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.adapter import Target
from bot.model import Address, Attachment, Send
from tests.adapters import discord_payloads as p
from tests.e2e.test_discord_e2e import BotFactory, until
from tests.e2e.test_discord_e2e import fake as fake
from tests.e2e.test_discord_e2e import registry as registry
from tests.e2e.test_discord_e2e import start_bot as start_bot


def with_files(bot_fake: object, channel: str) -> list[object]:
    return [m for m in bot_fake.in_channel(channel) if m.files]  # type: ignore[attr-defined]


async def test_event_ics_is_an_attachment_in_the_dm(start_bot: BotFactory) -> None:
    bot = await start_bot()
    at = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    await bot.interact(
        p.slash(p.ALICE, p.GENERAL, "event", "create", [p.opt("title", "Sprint"), p.opt("at", at)])
    )
    await until(
        lambda: [
            m for m in bot.fake.in_channel(p.GENERAL) if "Sprint" in str(m.embeds) + m.content
        ],
        what="event",
    )
    await bot.interact(p.slash(p.BOB, p.GENERAL, "event", "ics", [p.opt("id", 1, 4)]))
    dm = await until(lambda: bot.fake.dm_channels.get(p.BOB), what="a DM")
    (m,) = await until(lambda: with_files(bot.fake, dm), what="the file")
    (f,) = m.files
    assert f["filename"] == "event-1.ics" and f["content_type"] == "text/calendar"
    (vevent,) = Calendar.from_ical(f["data"]).walk("VEVENT")
    assert "Sprint" in str(vevent["SUMMARY"])
    assert not with_files(bot.fake, p.GENERAL)  # never in the channel
    assert "BEGIN:VCALENDAR" not in str([x.content for x in bot.fake.messages.values()])


async def test_a_retried_upload_is_one_message(start_bot: BotFactory) -> None:
    bot = await start_bot()
    where = Address("discord", p.GUILD, p.VOTES)
    delivered = await bot.adapter.send(Send(where, "Here it is"), None, "ev:x:9:0")
    target = Target(delivered.channel, delivered.message_id)
    file = Attachment("../../etc/passwd", "text/plain", b"not a path")
    await bot.adapter.upload(target, file, "ev:x:9:0:f0")
    await bot.adapter.upload(target, file, "ev:x:9:0:f0")
    (m,) = with_files(bot.fake, p.VOTES)
    assert m.files[0]["filename"] == "passwd"  # the name only, never a path
    assert m.files[0]["data"] == b"not a path"


async def test_no_file_follows_an_ephemeral_fallback_into_the_channel(
    start_bot: BotFactory,
) -> None:
    bot = await start_bot()
    bot.fake.dm_closed.add(p.DAVE)
    at = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    await bot.interact(
        p.slash(p.ALICE, p.GENERAL, "event", "create", [p.opt("title", "Quiet"), p.opt("at", at)])
    )
    await bot.interact(p.slash(p.DAVE, p.GENERAL, "event", "ics", [p.opt("id", 1, 4)]))
    await until(
        lambda: [m for m in bot.fake.seen_by(p.DAVE) if "event-1.ics" in m.content], what="notice"
    )
    await bot.settled()
    assert not [m for m in bot.fake.messages.values() if m.files]
