"""Support tickets on Discord end to end (the real discord.py client against the loopback
fake): "Open a ticket" on someone's message opens a private thread with the requester and
the staff added, quoting the message; replies there are the transcript; a staff close asks
the requester to confirm, then for a rating."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.ticket_tables import Ticket, TicketMessage
from tests.adapters import discord_payloads as p
from tests.e2e.discord_fake import FakeDiscord, Message
from tests.e2e.test_discord_e2e import Bot, BotFactory, until
from tests.e2e.test_discord_e2e import fake as fake
from tests.e2e.test_discord_e2e import registry as registry
from tests.e2e.test_discord_e2e import start_bot as start_bot


def ticket(bot: Bot) -> Ticket | None:
    with bot.db.transaction() as s:
        return s.execute(select(Ticket)).scalars().first()


def transcript(bot: Bot) -> list[str]:
    with bot.db.transaction() as s:
        rows = s.execute(select(TicketMessage).order_by(TicketMessage.id)).scalars()
        return [m.text for m in rows]


def button(message: Message, label: str) -> str:
    for row in message.components:
        for c in row["components"]:
            if c.get("label") == label:
                return str(c["custom_id"])
    raise AssertionError(f"no button {label!r} in {message.components}")


def private_thread(fake: FakeDiscord) -> str | None:
    return next((t for t, info in fake.threads.items() if info["type"] == 12), None)


def with_button(fake: FakeDiscord, channel: str, label: str) -> Message | None:
    for m in reversed(fake.in_channel(channel)):
        if any(c.get("label") == label for row in m.components for c in row["components"]):
            return m
    return None


async def open_from_menu(bot: Bot, text: str, mentions: tuple[str, ...] = ()) -> tuple[str, Any]:
    said = bot.fake.say(p.CAROL, p.GENERAL, text, mentions)
    await bot.fake.dispatch("MESSAGE_CREATE", said)
    cb = await bot.interact(p.message_menu(p.DAVE, p.GENERAL, "Open a ticket", said))
    assert cb.type == 5 and cb.data["flags"] == 64  # deferred, privately
    thread = await until(lambda: private_thread(bot.fake), what="the private thread")
    return thread, said


async def test_a_ticket_from_the_menu_lives_in_a_private_thread(start_bot: BotFactory) -> None:
    bot = await start_bot()
    fake = bot.fake
    thread, said = await open_from_menu(
        bot, f"The installer crashes on step 3, <@{p.BOB}> saw it too @everyone", (p.BOB,)
    )
    assert fake.threads[thread]["parent_id"] == p.GENERAL
    # Private (type 12), not invitable, and the requester and staff (admins) are in it.
    private = [c.body for c in fake.calls_to("POST", f"/channels/{p.GENERAL}/threads")]
    assert private[0]["type"] == 12 and private[0]["invitable"] is False
    first = await until(lambda: fake.in_channel(thread), what="the ticket's first message")
    assert fake.thread_members[thread] == {p.DAVE, p.ALICE, p.OWNER}
    shown = first[0].content + str(first[0].embeds)
    assert "Ticket #1" in shown
    # The quote names its author and whom it mentioned, pinging neither, and links back.
    assert "Carol" in shown and "@Bob saw it too" in shown
    assert f"<@{p.BOB}>" not in shown and "@everyone" not in shown
    assert f"https://discord.com/channels/{p.GUILD}/{p.GENERAL}/{said['id']}" in shown
    assert first[0].allowed_mentions["parse"] == []
    # Nothing about it in the channel itself.
    assert not [m for m in fake.in_channel(p.GENERAL) if "Ticket #1" in m.content]
    t = await until(lambda: ticket(bot), what="the ticket row")
    assert t.requester == p.DAVE and "installer crashes" in (t.source_text or "")

    # Staff and requester talk in the thread: both sides land in the transcript.
    await fake.dispatch("MESSAGE_CREATE", p.message_create(p.ALICE, thread, "Which version?"))
    await fake.dispatch("MESSAGE_CREATE", p.message_create(p.DAVE, thread, "2.4.1 on Linux"))
    await until(lambda: "2.4.1 on Linux" in transcript(bot), what="the requester's reply")
    assert "Which version?" in transcript(bot)
    await until(lambda: (ticket(bot) or t).first_response_at, what="the first response")
    # After a restart the thread still belongs to the ticket.
    await bot.settled()
    bot.app.sender.stop()
    await bot.adapter.stop()
    bot = await start_bot()
    await fake.dispatch("MESSAGE_CREATE", p.message_create(p.DAVE, thread, "Still broken"))
    await until(lambda: "Still broken" in transcript(bot), what="a reply after the restart")

    # A staff close asks the requester to confirm, in the thread.
    await bot.settled()
    close = button(first[0], "Close")
    await bot.interact(p.button(p.ALICE, thread, first[0].id, close))
    ask = await until(lambda: with_button(fake, thread, "Yes, close it"), what="the question")
    assert (ticket(bot) or t).status == "closing"
    # Only the requester may answer it; a staff press changes nothing.
    yes = button(ask, "Yes, close it")
    await bot.interact(p.button(p.ALICE, thread, ask.id, yes))
    await bot.settled()
    assert (ticket(bot) or t).status == "closing"
    await bot.interact(p.button(p.DAVE, thread, ask.id, yes))
    await until(lambda: (ticket(bot) or t).status == "closed", what="closed")
    rate = await until(lambda: with_button(fake, thread, "5"), what="the rating question")
    await bot.interact(p.button(p.DAVE, thread, rate.id, button(rate, "4")))
    await until(lambda: (ticket(bot) or t).rating == 4, what="the rating")
    # Moot's own messages are part of the transcript too.
    assert any("rated 4/5" in line for line in transcript(bot))


async def test_a_menu_on_the_same_message_twice_and_a_reaction(start_bot: BotFactory) -> None:
    """The same interaction delivered twice opens one ticket; a 🎫 reaction quotes the
    message it is on, fetched, as the menu does."""
    bot = await start_bot()
    fake = bot.fake
    said = fake.say(p.CAROL, p.GENERAL, "Where are the release notes?")
    menu = p.message_menu(p.DAVE, p.GENERAL, "Open a ticket", said)
    await bot.interact(menu)
    await until(lambda: ticket(bot), what="the ticket")
    again = {**menu, "token": menu["token"] + "x"}  # a gateway replay: same interaction id
    await fake.dispatch("INTERACTION_CREATE", again)
    await bot.settled()
    with bot.db.transaction() as s:
        assert len(list(s.execute(select(Ticket)).scalars())) == 1

    other = fake.say(p.CAROL, p.VOTES, "The docs search is broken")
    await fake.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(p.BOB, p.VOTES, other["id"], "🎫"))

    def second() -> Ticket | None:
        with bot.db.transaction() as s:
            return s.execute(select(Ticket).where(Ticket.number == 2)).scalar_one_or_none()

    t = await until(second, what="the ticket from the reaction")
    assert t.requester == p.BOB and "docs search is broken" in (t.source_text or "")
    assert t.source_link == f"https://discord.com/channels/{p.GUILD}/{p.VOTES}/{other['id']}"
    assert fake.calls_to("GET", f"/channels/{p.VOTES}/messages/{other['id']}")
