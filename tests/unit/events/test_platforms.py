"""Events where there are no buttons (Matrix): the bot adds ✅ ❔ ❌ to the event message and
a reaction is the answer; and times written for Slack and Discord as their own tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from adapters.console import ConsoleAdapter
from adapters.console_script import ConsoleSession, fake_clock
from bot.model import Capabilities
from bot.registry import Registry
from commands.events import render
from storage.db import Database
from tests.conftest import START


class NoButtons(ConsoleAdapter):
    """The console with Matrix's abilities: reactions and edits, no buttons, no ephemerals."""

    capabilities = Capabilities(
        buttons=False, ephemeral=False, threads=True, edits=True, reactions=True
    )


async def test_reactions_are_answers_where_there_are_no_buttons(
    db: Database, registry: Registry
) -> None:
    s = ConsoleSession(db, registry, fake_clock(START), out=lambda _s: None)
    s.adapter = NoButtons(db, lambda _s: None)
    s.app = s._build()
    await s.run_script(
        "\n".join(
            [
                "roles alice=admin bob= carol=",
                '@alice /event create "Meetup" --at "2026-01-09 18:00" --capacity 1',
                "@bob react /Event #1:/ ✅",
                "@carol react /Event #1:/ ✅",
                "@carol unreact /Event #1:/ ✅",
                "@carol react /Event #1:/ ❔",
            ]
        )
    )
    assert not s.failures, s.failures
    first = s.adapter.messages[1]
    assert set(first.reactions) == {"✅", "❔", "❌"}
    assert "✅ Going" in first.text and "❌ Can't go" in first.text
    assert "going 1/1 · waitlist 0 · maybe 1" in str(first.card)
    # Private confirmations fall back to DMs.
    bob = [m.text for m in s.adapter.messages.values() if m.channel == "dm:bob"]
    assert any("you're going" in t for t in bob)


def test_times_for_each_platform() -> None:
    at = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert render.when("discord", at, berlin) == f"<t:{int(at.timestamp())}:F>"
    assert render.when("slack", at, berlin) == (
        f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|Fri 9 Jan 2026 18:00 CET>"
    )
    assert render.when("matrix", at, berlin) == "Fri 9 Jan 2026 18:00 CET"


def test_slack_names_and_buttons_round_trip_to_the_same_answers() -> None:
    from adapters.slack import blocks
    from adapters.slack.emoji import to_name, to_unicode
    from storage.event_tables import Event

    event = Event(id=3, community_id=1, channel="c", title="T", created_by="u")
    choices = render.choices(event)
    assert [c.value for c in choices] == ["3:going", "3:maybe", "3:no"]
    for choice in choices:
        name = to_name(choice.emoji or "")
        assert name is not None and to_unicode(name) == choice.emoji
        assert blocks.parse_value(blocks.button_value(choice)) == (choice.action, choice.value)
    for alias in render.REACTION_ALIASES:
        name = to_name(alias)
        assert name is not None, alias
        assert to_unicode(name).replace("\ufe0f", "") == alias
