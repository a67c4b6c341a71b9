"""Last answer wins by when it was cast, not by when it arrived (issue 11, issue 20 item 10),
as console scripts: `hold` casts a change now and delivers it at the next `release`."""

from __future__ import annotations

from sqlalchemy import select

from commands.votes.changes import CLEAR, fold, one_op, set_op
from storage.db import Database
from storage.inbox_tables import PersonChange
from storage.vote_tables import VoteBallot
from tests.conftest import Script

OPEN = ("roles alice=admin bob= carol=", "channel #votes", '@alice /vote start "Ship?" --for 1h')


def ballots(db: Database) -> dict[str, list[str]]:
    with db.transaction() as s:
        rows = s.execute(select(VoteBallot.voter, VoteBallot.choices)).all()
    return {voter: list(choices) for voter, choices in rows}


async def test_a_reaction_removed_before_its_add_arrives_leaves_no_ballot(
    script: Script, db: Database
) -> None:
    """Issue 20 item 10 on the console: bob reacts 👍 then takes it off, and the removal
    reaches the bot first. In arrival order he would end with a ballot he withdrew."""
    await script(
        *OPEN,
        "hold @bob react /Ship/ 👍",
        "@bob unreact /Ship/ 👍",
        "release",
        "expect-not /Your vote on #1 is \\*\\*yes/",
    )
    assert ballots(db) == {}


async def test_an_older_changed_vote_arriving_last_does_not_win(
    script: Script, db: Database
) -> None:
    session = await script(
        *OPEN,
        "hold @bob click /Ship/ yes",
        "@bob click /Ship/ no",
        "hold @carol /vote cast 1 no",
        "@carol /vote cast 1 yes",
        "release",
    )
    assert ballots(db) == {"bob": ["no"], "carol": ["yes"]}
    await script(
        "advance 1h", "expect /(?s)Vote #1 closed.*no +█████░░░░░ 1 · 50%/", session=session
    )


async def test_a_late_change_between_two_others_is_folded_in_its_place(
    script: Script, db: Database
) -> None:
    """yes, then 👎 (now no), then 👎 taken off (withdrawn): the 👎 arrives last. In cast
    order bob ends with no ballot; had the 👎 been applied on arrival he would vote no."""
    await script(
        *OPEN,
        "@bob react /Ship/ 👍",
        "hold @bob react /Ship/ 👎",
        "@bob unreact /Ship/ 👎",
        "expect /Your vote on #1 is \\*\\*yes/",
        "release",
    )
    assert ballots(db) == {}


async def test_multi_vote_press_then_cast_in_cast_order(script: Script, db: Database) -> None:
    await script(
        "roles alice=admin bob=",
        '@alice /vote start "Lunch?" --kind multi --options pizza,sushi,tacos --for 1h',
        "hold @bob click /Lunch/ pizza",
        "@bob /vote cast 1 sushi,tacos",
        "@bob click /Lunch/ tacos",
        "release",
    )
    # In cast order: +pizza, then exactly sushi and tacos, then tacos pressed off.
    assert ballots(db) == {"bob": ["sushi"]}


async def test_the_change_log_is_gone_after_the_close(script: Script, db: Database) -> None:
    session = await script(*OPEN, "@bob /vote cast 1 yes", "@carol /vote cast 1 no")
    with db.transaction() as s:
        assert len(s.execute(select(PersonChange.id)).all()) == 2
    await script("advance 1h", "expect /Vote #1 closed/", session=session)
    with db.transaction() as s:
        assert s.execute(select(PersonChange.id)).all() == []


def test_fold_is_arrival_free() -> None:
    ops = [set_op(["yes"]), one_op("unset", "no"), set_op(["no"]), one_op("unset", "no")]
    assert fold(ops).choices == ()
    assert fold([*ops, set_op(["block"], "too soon")]).reason == "too soon"
    assert fold([set_op(["yes"]), CLEAR]).choices == ()
    assert fold([one_op("add", "a"), one_op("add", "b"), one_op("remove", "a")]).choices == ("b",)
    assert fold([one_op("toggle", "a"), one_op("toggle", "a")]).choices == ()
