"""No input may crash the bot: every registered command, fed arbitrary text by arbitrary
people, ends "ok" or "refused", never "error"."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.clock import FakeClock
from bot.model import Actor, Address, CommandInvoked
from bot.registry import Registry
from storage.db import Database

WORDS = st.sampled_from(
    [
        "1",
        "0",
        "-1",
        "99999999999999999999",
        "yes",
        "no",
        "abstain",
        "block",
        "A,B,C",
        "A,,B",
        "--for",
        "72h",
        "0m",
        "91d",
        "--until",
        "yesterday",
        "2020-01-01",
        "--rule",
        "2/3",
        "0%",
        "150%",
        "--quorum",
        "5",
        "--secret",
        "--options",
        '"',
        "'",
        "@everyone",
        "<@U1>",
        "<#C1|x>",
        "#votes",
        "RFC-1",
        "rfc-999",
        "approve",
        "changes",
        "--max",
        "--eligible",
        "tc",
        "--kind",
        "ranked",
        "multi",
        "choice",
        "--type",
        "emergency",
        "accept",
        "--override",
        "x" * 300,
        "é🙂",
        "\\",
        "--",
        "-",
        "=",
        "--x=",
        "\u0000",
    ]
)
ARGS = st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=8).map(" ".join)


@pytest.fixture
def fuzz_app(db: Database, registry: Registry) -> App:
    return App(db, registry, FakeClock(datetime(2026, 1, 5, 9, tzinfo=UTC)))


def all_commands(registry: Registry) -> list[tuple[str, str | None]]:
    return [(name, sub) for name, subs in registry.commands.items() for sub in subs]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_input_crashes_a_command(
    fuzz_app: App, registry: Registry, data: st.DataObject, caplog: pytest.LogCaptureFixture
) -> None:
    name, sub = data.draw(st.sampled_from(all_commands(registry)))
    args = data.draw(ARGS)
    admin = data.draw(st.booleans())
    actor = Actor("console", "fuzzer", "fuzzer", frozenset({"tc"}), is_admin=admin)
    event = CommandInvoked(
        event_id=f"f{next(COUNTER)}",
        actor=actor,
        address=Address("console", "local", "general"),
        is_direct=data.draw(st.booleans()),
        name=name,
        args=f"{sub or ''} {args}".strip(),
        raw_text="",
    )
    with caplog.at_level(logging.ERROR, logger="moot.dispatch"):
        outcome = fuzz_app.dispatcher.handle_now(event)
    assert outcome in ("ok", "refused"), (name, sub, args, caplog.text)


COUNTER = itertools.count()
