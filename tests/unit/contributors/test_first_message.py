"""A person's first message in a community channel counts as their arrival: one welcome DM,
exactly once (the same unique row a join uses), across restarts, and not again after a
join."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.contrib_tables import OnboardingSent
from storage.db import Database
from tests.conftest import Script

SETUP = [
    "roles alice=admin bob= carol=",
    '@alice /config onboarding text "Welcome! Read the guide first."',
]


def welcomes(s: object, who: str) -> int:
    return sum(
        1
        for b in s.adapter.blocks  # type: ignore[attr-defined]
        if f"[DM @{who}]" in b and "Welcome! Read the guide first." in b
    )


def sent(db: Database) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(OnboardingSent)).scalar_one()


async def test_first_message_welcomes_once_across_restarts(script: Script, db: Database) -> None:
    s = await script(
        *SETUP,
        "@bob say hi all, I am new here",
        "expect /(?s)\\[DM @bob\\].*Welcome! Read the guide first/",
        "@bob say second message",
        "channel #other",
        "@bob say and in another channel",
        "restart",
        "@bob say after a restart",
        "@bob join",
        "expect-not /Welcome!/",
    )
    assert welcomes(s, "bob") == 1 and sent(db) == 1


async def test_a_join_then_a_first_message_is_one_welcome(script: Script, db: Database) -> None:
    s = await script(*SETUP, "@carol join", "restart", "@carol say hello")
    assert welcomes(s, "carol") == 1 and sent(db) == 1


async def test_no_text_or_off_sends_nothing(script: Script, db: Database) -> None:
    s = await script(
        "roles alice=admin bob= carol=",
        "@bob say hello",  # no welcome configured yet: nothing, and nothing claimed
        '@alice /config onboarding text "Welcome! Read the guide first."',
        "@alice /onboarding off",
        "restart",
        "@carol say hello",
        "@alice /onboarding on",
        "restart",
        "@bob say hello again",
    )
    # Bob's first message came before any text; after a restart his next one welcomes him.
    assert welcomes(s, "bob") == 1 and welcomes(s, "carol") == 0 and sent(db) == 1
