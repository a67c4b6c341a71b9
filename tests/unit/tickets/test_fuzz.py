"""No input to /ticket or /config ticket crashes the bot, with tickets in every state to
reach the deep paths: each command ends ok or refused, never in the apology."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.clock import FakeClock
from bot.model import Actor, Address, CommandInvoked
from bot.registry import Registry
from storage.db import Database

COUNTER = itertools.count()
WORDS = st.sampled_from(
    ["1", "#1", "2", "#2", "3", "0", "-1", "²", "١", "99999999999", "--ticket", "--reason",
     "--priority", "urgent", "low", "waiting", "open", "close", "--mine", "--unassigned",
     "--breaching", "--closed", "--since", "2026-01-01", "yesterday", "@sam", "@bob", "<@U1>",
     "@everyone", "restart", "canned", "level", "level-role", "hours", "holiday", "limits",
     "inactivity", "show", "premium", "gold", "--first-response", "--resolution", "2h", "0m",
     "400d", "Mon-Fri", "09:00-17:00", "Mon 25:00-26:00", "24/7", "--zone", "Europe/Berlin",
     "Mars/Base", "--limit", "--cooldown", "--warn-after", "--close-after", "--remove", '"',
     "x" * 300, "é🙂", "\u0000", "2026-12-25", "5", "6"]
)  # fmt: skip
ARGS = st.lists(st.one_of(WORDS, st.text(max_size=10)), max_size=7).map(" ".join)
WHERE = Address("console", "local", "general")


def command(actor: Actor, text: str) -> CommandInvoked:
    name, _, args = text.partition(" ")
    return CommandInvoked(
        event_id=f"tf{next(COUNTER)}", actor=actor, address=WHERE, name=name, args=args
    )


@pytest.fixture
def app(db: Database, registry: Registry) -> App:
    clock = FakeClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
    app = App(db, registry, clock)
    mo = Actor("console", "mo", "mo", is_admin=True)
    sam = Actor("console", "sam", "sam", frozenset({"support"}))
    alice = Actor("console", "alice", "alice")
    for who, text in (
        (mo, "config channel support-staff #staff"),
        (mo, "config ticket limits --limit 0 --cooldown 1s"),
        (alice, 'ticket open "one"'),
        (sam, "ticket claim 1"),
    ):
        assert app.dispatcher.handle_now(command(who, text)) == "ok"
    for who, text in ((alice, 'ticket open "two"'), (sam, "ticket status waiting 2")):
        clock.advance(timedelta(seconds=2))
        assert app.dispatcher.handle_now(command(who, text)) == "ok"
    return app


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_ticket_input_crashes(
    app: App, registry: Registry, data: st.DataObject, caplog: pytest.LogCaptureFixture
) -> None:
    subs = [f"ticket {s}" for s in registry.commands["ticket"]] + ["config ticket"]
    head = data.draw(st.sampled_from(subs))
    who = data.draw(
        st.sampled_from(
            [
                Actor("console", "mo", "mo", is_admin=True),
                Actor("console", "sam", "sam", frozenset({"support"})),
                Actor("console", "alice", "alice"),
                Actor("console", "bob", "bob"),
            ]
        )
    )
    text = f"{head} {data.draw(ARGS)}".strip()
    with caplog.at_level(logging.ERROR, logger="moot.dispatch"):
        outcome = app.dispatcher.handle_now(command(who, text))
    assert outcome in ("ok", "refused"), (text, caplog.text)
