"""The capabilities on Discord end to end (the real discord.py client against the loopback
fake): "Capture as feedback", a newcomer's welcome, a kudos milestone's role, and so on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.discord import scheduled_events
from bot import codec
from bot.model import MirrorEvent
from storage import repos
from storage.feedback_tables import FeedbackItem
from storage.tables import Outbox
from tests.adapters import discord_payloads as p
from tests.e2e.cert_exam import bank, right_number
from tests.e2e.discord_fake import FakeDiscord
from tests.e2e.test_discord_e2e import Bot, BotFactory, until
from tests.e2e.test_discord_e2e import fake as fake
from tests.e2e.test_discord_e2e import registry as registry
from tests.e2e.test_discord_e2e import start_bot as start_bot

ERIN = "1180000000000000105"


async def say(bot: Bot, uid: str, text: str, channel: str = p.GENERAL) -> None:
    """A typed command, answered before going on."""
    before = len(bot.fake.in_channel(channel))
    await bot.fake.dispatch("MESSAGE_CREATE", p.message_create(uid, channel, text))
    await until(lambda: len(bot.fake.in_channel(channel)) > before, what=f"an answer to {text}")
    await bot.settled()


def dm_of(fake: FakeDiscord, uid: str) -> list[str]:
    channel = fake.dm_channels.get(uid)
    return [m.content for m in fake.in_channel(channel)] if channel else []


def failed(bot: Bot) -> int:
    with bot.db.transaction() as s:
        return int(
            s.execute(
                select(func.count()).select_from(Outbox).where(Outbox.status == "failed")
            ).scalar_one()
        )


async def test_capture_as_feedback_from_the_menu(start_bot: BotFactory) -> None:
    bot = await start_bot()
    fake = bot.fake
    said = fake.say(p.CAROL, p.GENERAL, f"Dark mode please, <@{p.BOB}> agrees", (p.BOB,))
    cb = await bot.interact(p.message_menu(p.DAVE, p.GENERAL, "Capture as feedback", said))
    assert cb.type == 5 and cb.data["flags"] == 64

    def item() -> FeedbackItem | None:
        with bot.db.transaction() as s:
            return s.execute(select(FeedbackItem)).scalars().first()

    row = await until(item, what="the feedback item")
    # Credited to the message's author, quoted without its ping, linked back.
    assert row.submitter == p.CAROL and row.text == "Dark mode please, @Bob agrees"
    assert row.source_link == f"https://discord.com/channels/{p.GUILD}/{p.GENERAL}/{said['id']}"
    # The answer goes in a thread on the original message.
    await until(lambda: said["id"] in fake.threads, what="the thread on the message")
    answer = await until(lambda: fake.in_channel(said["id"]), what="the answer in the thread")
    assert "feedback #1" in answer[0].content.lower()
    await bot.settled()
    # The deferred reply was filled: no "thinking…" left behind.
    assert fake.interactions[cb_token(fake, said)].original.content


def cb_token(fake: FakeDiscord, said: dict[str, Any]) -> str:
    return next(
        t
        for t, i in fake.interactions.items()
        if (i.payload.get("data") or {}).get("target_id") == said["id"]
    )


async def test_a_menu_on_a_message_without_text_is_refused(start_bot: BotFactory) -> None:
    bot = await start_bot()
    said = bot.fake.say(p.CAROL, p.GENERAL, "")
    cb = await bot.interact(p.message_menu(p.DAVE, p.GENERAL, "Capture as feedback", said))
    assert cb.type == 5
    inter = bot.fake.interactions[cb_token(bot.fake, said)]
    await until(lambda: inter.original and inter.original.content, what="the refusal")
    assert "no text" in inter.original.content
    with bot.db.transaction() as s:
        assert s.execute(select(func.count()).select_from(FeedbackItem)).scalar_one() == 0


async def test_a_newcomer_is_welcomed_once(start_bot: BotFactory) -> None:
    bot = await start_bot()
    fake = bot.fake
    await say(bot, p.ALICE, '!config onboarding text "Welcome to the project!"')
    join = p.member_add(ERIN, "erin")
    await fake.dispatch("GUILD_MEMBER_ADD", join)
    await fake.dispatch("GUILD_MEMBER_ADD", join)  # delivered twice
    await fake.dispatch("GUILD_MEMBER_UPDATE", p.member_update(ERIN, [p.ROLE_TC]))
    await until(lambda: dm_of(fake, ERIN), what="the welcome DM")
    await bot.settled()
    assert len(dm_of(fake, ERIN)) == 1 and "Welcome to the project!" in dm_of(fake, ERIN)[0]
    # A bot joining is not welcomed.
    robot = p.member_add("1180000000000000199", "robot")
    robot["user"]["bot"] = True
    await fake.dispatch("GUILD_MEMBER_ADD", robot)
    # After a restart the same join (a replay) and a re-join welcome nobody again.
    bot.app.sender.stop()
    await bot.adapter.stop()
    again = await start_bot()
    await fake.dispatch("GUILD_MEMBER_ADD", join)
    await fake.dispatch("GUILD_MEMBER_ADD", {**join, "joined_at": "2026-02-01T00:00:00+00:00"})
    # Events are handled in order: once this is answered, the joins were handled.
    await say(again, p.ALICE, "!config onboarding link docs https://example.org/docs")
    assert len(dm_of(fake, ERIN)) == 1
    assert "1180000000000000199" not in fake.dm_channels


async def test_a_kudos_milestone_grants_its_role_or_says_why_not(start_bot: BotFactory) -> None:
    bot = await start_bot()
    fake = bot.fake
    await say(bot, p.ALICE, "!config kudos --milestones 1,2 --milestone-role docs:1=TC")
    await say(bot, p.ALICE, f"!config kudos --milestone-role docs:2=<@&{p.ROLE_MODS}>")
    await say(bot, p.BOB, f'!kudos <@{p.DAVE}> docs "the install guide"')
    await until(lambda: fake.granted, what="the role granted")
    assert fake.granted == [(p.GUILD, p.DAVE, p.ROLE_TC)]
    # Moot may not give Mods (above its own role): the owner is told why, nothing retried.
    fake.roles_forbidden.add(p.ROLE_MODS)
    await say(bot, p.CAROL, f'!kudos <@{p.DAVE}> docs "the FAQ"')
    notice = await until(lambda: dm_of(fake, p.OWNER), what="the owner's notice")
    assert "Manage Roles" in notice[0] and "@Dave the role Mods" in notice[0]
    await bot.settled()
    path = f"/guilds/{p.GUILD}/members/{p.DAVE}/roles/{p.ROLE_MODS}"
    assert len(fake.calls_to("PUT", path)) == 1
    assert fake.granted == [(p.GUILD, p.DAVE, p.ROLE_TC)] and failed(bot) == 0


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%d 17:00")


async def create_event(bot: Bot, title: str, days: int, *more: dict[str, Any]) -> None:
    options = [p.opt("title", title), p.opt("at", _later(days)), *more]
    cb = await bot.interact(p.slash(p.ALICE, p.GENERAL, "event", "create", options))
    assert cb.type == 5


async def test_an_event_is_mirrored_as_one_guild_scheduled_event(start_bot: BotFactory) -> None:
    bot = await start_bot()
    fake = bot.fake
    await create_event(bot, "Community call", 30, p.opt("for", "90m"))
    await until(lambda: fake.scheduled_events, what="the scheduled event")
    await bot.settled()
    (made,) = fake.scheduled_events.values()
    assert made["name"] == "Community call" and made["entity_type"] == 3
    assert made["privacy_level"] == 2 and made["description"].endswith("Moot event #1")
    start = datetime.fromisoformat(made["scheduled_start_time"])
    end = datetime.fromisoformat(made["scheduled_end_time"])
    assert end - start == timedelta(minutes=90) and start > datetime.now(UTC)
    card = next(m for m in fake.in_channel(p.GENERAL) if "Community call" in str(m.embeds))
    assert made["entity_metadata"]["location"].endswith(f"/{p.GENERAL}/{card.id}")

    # An edit after a restart changes the same one.
    bot.app.sender.stop()
    await bot.adapter.stop()
    bot = await start_bot()
    await bot.interact(
        p.slash(p.ALICE, p.GENERAL, "event", "edit", [p.opt("id", 1, 4), p.opt("where", "Room 2")])
    )
    await until(
        lambda: made["entity_metadata"]["location"] == "Room 2", what="the scheduled event edited"
    )
    assert len(fake.scheduled_events) == 1
    assert len(fake.calls_to("POST", f"/guilds/{p.GUILD}/scheduled-events")) == 1

    # Delivered again as if Discord made it but Moot died before keeping its id: found by
    # its marker, not made twice.
    with bot.db.transaction() as s:
        repos.kv_put(s, scheduled_events.NS, f"{p.GUILD}:event:1", {})
    with bot.db.transaction() as s:
        row = s.execute(select(Outbox).where(Outbox.kind == "mirror_event")).scalars().first()
        assert row is not None
        effect = codec.decode(row.kind, row.payload)
    await bot.adapter.mirror_event(effect, "again")
    assert len(fake.scheduled_events) == 1
    assert len(fake.calls_to("POST", f"/guilds/{p.GUILD}/scheduled-events")) == 1

    # Cancelled with it.
    await bot.interact(p.slash(p.ALICE, p.GENERAL, "event", "cancel", [p.opt("id", 1, 4)]))
    await until(lambda: not fake.scheduled_events, what="the scheduled event removed")
    await bot.settled()
    assert len(fake.calls_to("DELETE", f"/guilds/{p.GUILD}/scheduled-events/")) == 1
    assert failed(bot) == 0


async def test_no_permission_for_scheduled_events_leaves_the_event_alone(
    start_bot: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    fake = bot.fake
    fake.forbidden.add(("POST", f"/guilds/{p.GUILD}/scheduled-events"))
    await create_event(bot, "Meetup", 3, p.opt("where", "The pub"))
    await until(lambda: fake.calls_to("POST", f"/guilds/{p.GUILD}/scheduled-events"), what="try")
    await until(lambda: any("Meetup" in str(m.embeds) for m in fake.in_channel(p.GENERAL)))
    await bot.settled()
    assert not fake.scheduled_events and failed(bot) == 0
    # One try only: a refusal is not retried, and the log says what is missing.
    assert len(fake.calls_to("POST", f"/guilds/{p.GUILD}/scheduled-events")) == 1
    assert "Manage Events" in caplog.text
    # An event whose start is past gets no copy (Discord would refuse it).
    fake.forbidden.clear()
    past = MirrorEvent(
        "discord", p.GUILD, "event:99", "Old", "2020-01-01T10:00:00+00:00",
        "2020-01-01T11:00:00+00:00", channel=p.GENERAL,
    )  # fmt: skip
    await bot.adapter.mirror_event(past, "past")
    assert len(fake.calls_to("POST", f"/guilds/{p.GUILD}/scheduled-events")) == 1


def custom_id(message: Any, label: str) -> str:
    for row in message.components:
        for c in row["components"]:
            if c.get("label") == label:
                return str(c["custom_id"])
    raise AssertionError(f"no button {label!r} in {message.components}")


def private_to(fake: FakeDiscord, uid: str, text: str) -> list[str]:
    return [
        m.content + str(m.embeds) for m in fake.seen_by(uid) if text in m.content + str(m.embeds)
    ]


async def test_rsvp_by_buttons_on_discord(start_bot: BotFactory) -> None:
    bot = await start_bot()
    fake = bot.fake
    await create_event(bot, "Release party", 10, p.opt("capacity", 1, 4))
    card = await until(
        lambda: next(
            (m for m in fake.in_channel(p.GENERAL) if "Release party" in str(m.embeds)), None
        ),
        what="the event card",
    )
    going = custom_id(card, "Going")
    await bot.interact(p.button(p.BOB, p.GENERAL, card.id, going))
    confirmed = await until(lambda: private_to(fake, p.BOB, "going"), what="bob's confirmation")
    assert "<t:" in confirmed[0]  # the time in each reader's own zone
    await bot.interact(p.button(p.CAROL, p.GENERAL, card.id, going))
    await until(lambda: private_to(fake, p.CAROL, "waitlist"), what="carol waitlisted")
    await until(lambda: "waitlist 1" in str(card.embeds), what="the card's counts")
    # Bob's seat freed: Carol is promoted and told by DM.
    await bot.interact(p.button(p.BOB, p.GENERAL, card.id, custom_id(card, "Can't go")))
    await until(lambda: any("moved from the waitlist" in t for t in dm_of(fake, p.CAROL)))
    await until(lambda: "going 1/1 · waitlist 0" in str(card.embeds), what="counts after")


async def test_feedback_upvotes_by_button_count_each_person_once(start_bot: BotFactory) -> None:
    bot = await start_bot()
    fake = bot.fake
    await bot.interact(p.slash(p.DAVE, p.GENERAL, "feedback", None, [p.opt("text", "Add a CLI")]))
    card = await until(
        lambda: next((m for m in fake.in_channel(p.GENERAL) if m.components), None),
        what="the feedback card",
    )
    up = custom_id(card, "👍 Upvote")
    for who in (p.BOB, p.BOB, p.CAROL):
        await bot.interact(p.button(who, p.GENERAL, card.id, up))
    await until(lambda: private_to(fake, p.CAROL, "backers"), what="carol backing")
    await bot.settled()
    with bot.db.transaction() as s:
        item = s.execute(select(FeedbackItem)).scalar_one()
    assert item.backers == 3  # dave (who asked), bob once, carol
    await fake.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(p.BOB, p.GENERAL, card.id, "👍"))
    await bot.settled()
    with bot.db.transaction() as s:
        assert s.execute(select(FeedbackItem)).scalar_one().backers == 3


async def test_knowledge_base_answers_on_discord(start_bot: BotFactory) -> None:
    bot = await start_bot()
    fake = bot.fake
    await bot.interact(
        p.slash(
            p.ALICE,
            p.GENERAL,
            "kb",
            "add",
            [p.opt("question", "How do I get commit rights?"), p.opt("answer", "Ask the TC.")],
        )
    )
    await bot.settled()
    cb = await bot.interact(
        p.slash(p.BOB, p.GENERAL, "kb", "search", [p.opt("query", 'commit "rights* NEAR')])
    )
    assert cb.type == 5
    await bot.settled()
    hits = await until(lambda: private_to(fake, p.BOB, "commit rights"), what="the answer")
    assert "How do I get commit rights?" in hits[0]
    await bot.interact(p.slash(p.BOB, p.GENERAL, "kb", "search", [p.opt("query", "zebra")]))
    await until(lambda: private_to(fake, p.BOB, "Nothing in the knowledge base"), what="none")


async def test_an_rfc_assessment_on_discord(start_bot: BotFactory) -> None:
    bot = await start_bot()
    fake = bot.fake
    await bot.interact(p.slash(p.BOB, p.GENERAL, "rfc", "propose", [p.opt("title", "Use Rust")]))
    rfc = await until(lambda: next(iter(fake.in_channel(p.GENERAL)), None), what="rfc card")
    await until(lambda: rfc.id in fake.threads, what="the rfc thread")
    await bot.interact(
        p.slash(
            p.BOB,
            p.GENERAL,
            "rfc",
            "meta",
            [p.opt("rfc", "RFC-1"), p.opt("breaking", "yes"), p.opt("areas", 4, 4)],
        )
    )
    await bot.interact(p.slash(p.BOB, p.GENERAL, "rfc", "temperature", [p.opt("rfc", "RFC-1")]))
    check = await until(
        lambda: next((m for m in fake.in_channel(rfc.id) if m.components), None),
        what="the temperature check in the thread",
    )
    for who in (p.CAROL, p.DAVE):
        await bot.interact(
            p.button(who, rfc.id, check.id, check.components[0]["components"][0]["custom_id"])
        )
    await bot.settled()
    await bot.interact(p.slash(p.CAROL, p.GENERAL, "rfc", "assess", [p.opt("rfc", "RFC-1")]))

    def assessment() -> str:
        for m in fake.in_channel(p.GENERAL) + fake.in_channel(rfc.id):
            shown = m.content + str(m.embeds)
            if "onsensus" in shown and "isk" in shown:
                return shown
        return ""

    shown = await until(assessment, what="the assessment")
    assert "temperature 👍2" in shown and "breaking" in shown



async def test_a_certification_exam_in_dm_by_buttons(
    start_bot: BotFactory, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exam comes by DM one question at a time (options shuffled, numbered buttons);
    the right answers pass and the credential code is sent."""
    (tmp_path / "steward.toml").write_text(bank())
    monkeypatch.setenv("MOOT_CERTS_DIR", str(tmp_path))
    bot = await start_bot()
    fake = bot.fake
    await say(bot, p.ALICE, "!cert import steward.toml")
    await bot.fake.dispatch(
        "MESSAGE_CREATE", p.message_create(p.DAVE, p.GENERAL, "!cert apply steward")
    )
    for n in range(2):
        marker = f"question {n + 1} of 2"

        def asked(marker: str = marker) -> Any:
            channel = fake.dm_channels.get(p.DAVE)
            found = [m for m in fake.in_channel(channel) if marker in m.content] if channel else []
            return found[-1] if found else None

        q = await until(asked, what=marker)
        # Options are shuffled per candidate; the buttons carry their numbers.
        number = str(right_number(q.content))
        # A press in the DM: Discord sends it with the DM channel and no guild.
        data = {"custom_id": custom_id(q, number), "component_type": 2, "_dm_channel": q.channel_id}
        press = p._interaction(3, p.DAVE, None, data)
        press["message"] = p.bot_message(q.channel_id, q.id, q.components)
        await bot.interact(press)
    passed = await until(
        lambda: [c for c in dm_of(fake, p.DAVE) if "MOOT-" in c], what="the credential"
    )
    assert "Certified Steward" in passed[-1]
    assert failed(bot) == 0
