"""Feedback end to end as console scripts: capture by command, by 📝 reaction; upvotes by
button, reaction and command counted once per person; triage with notifications (not to
those who opted out); merge; the RFC threshold exactly once across a restart; anonymous
items never name the submitter to non-moderators; bad input refused with nothing written."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from adapters.console_script import ConsoleSession
from commands.feedback import export
from storage.db import Database
from storage.feedback_tables import FeedbackBacker, FeedbackItem
from storage.rfc_tables import Rfc
from tests.conftest import Script

PEOPLE = "roles alice=admin bob= carol= dan= erin= tri=triagers"


def item(db: Database, number: int = 1) -> FeedbackItem:
    with db.transaction() as s:
        row = s.execute(select(FeedbackItem).where(FeedbackItem.number == number)).scalar_one()
        s.expunge(row)
        return row


def count(db: Database, model: type) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def printed(s: ConsoleSession, text: str) -> int:
    return sum(text in b for b in s.adapter.blocks)


async def test_capture_and_one_vote_per_person(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        "@alice /config channel feedback #feedback",
        '@bob /feedback "Dark mode for the docs" --category idea',
        "expect /(?s)#feedback.*📝 Feedback #1 \\[idea\\] — new.*From @bob · 👍 1/",
        "@carol click /Feedback #1/ 👍 Upvote",
        "@carol react /Feedback #1/ 👍",
        "@carol /feedback up 1",
        "expect /you already back feedback #1/",
        "@dan react /Feedback #1/ 👍",
        "@dan unreact /Feedback #1/ 👍",
        "@dan /feedback up 1",
        "@bob /feedback unup 1",
        "@bob /feedback unup 1",
        "expect /you do not back feedback #1/",
    )
    assert item(db).backers == 2
    assert count(db, FeedbackBacker) == 2


async def test_capture_by_reaction_credits_the_author(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        "channel #general",
        "@carol say The search box ignores accents",
        "@dan react /search box ignores/ 📝",
        "expect /Thanks! Captured as feedback #1 in #general/",
        "@dan /feedback show 1",
        "expect /From: @carol/",
    )
    row = item(db)
    assert (row.submitter, row.backers, row.source_channel) == ("carol", 2, "general")


async def test_triage_notifies_submitter_and_backers_not_opted_out(
    script: Script, db: Database
) -> None:
    s = await script(
        PEOPLE,
        "@alice /config role triage @triagers",
        '@bob /feedback "Faster CI" --category idea',
        "@carol /feedback up 1",
        "@dan /feedback up 1",
        "@dan /me notifications feedback off",
        "@erin /feedback status 1 planned",
        "expect /for triagers, moderators and admins only/",
        "@tri /feedback status 1 planned",
        "expect /it is new; from there it can move to under-review, declined, duplicate/",
        '@tri /feedback status 1 under-review --comment "Looking at runners"',
        "expect /Feedback #1 is now under review: Looking at runners/",
    )
    dms = [b for b in s.adapter.blocks if "new → under review" in b]
    assert any("DM @bob" in b for b in dms) and any("DM @carol" in b for b in dms)
    assert not any("DM @dan" in b for b in dms)
    await script(
        "@tri /feedback status 1 planned",
        "@tri /feedback status 1 in-progress",
        '@tri /feedback status 1 done --comment "Shipped in 2.1"',
        "@tri /feedback status 1 declined",
        "expect /it is done: no move is possible/",
        "@tri /feedback stats",
        "expect /By status: done 1/",
        session=s,
    )


async def test_merge(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@bob /feedback "Dark mode"',
        '@carol /feedback "A dark theme please"',
        "@dan /feedback up 2",
        "@bob /feedback up 2",
        "@alice /feedback merge 2 2",
        "expect /cannot merge #2 into itself/",
        "@alice /feedback merge 2 1",
        "expect /Feedback #2 is merged into #1: 2 backer\\(s\\) carried over, 3 in all/",
        "@alice /feedback merge 1 2",
        "expect /feedback #2 is duplicate; only open items merge/",
    )
    assert item(db, 1).backers == 3  # bob, carol (the duplicate's submitter), dan
    assert item(db, 2).status == "duplicate"


async def test_threshold_makes_one_rfc_across_restart(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        "@alice /config channel rfc #rfcs",
        "@alice /config feedback --rfc-threshold 3",
        '@bob /feedback "Adopt semantic versioning"',
        "@carol /feedback up 1",
        "@dan /feedback up 1",
        "expect /(?s)#rfcs.*RFC-1/",
        "@dan /feedback unup 1",
        "restart",
        "@dan /feedback up 1",
        "@erin /feedback up 1",
        "@alice /feedback show 1",
        "expect /under review.*RFC-1|RFC-1/",
    )
    assert count(db, Rfc) == 1
    assert item(db).rfc == "RFC-1" and item(db).status == "under-review"
    with db.transaction() as tx:
        rfc = tx.execute(select(Rfc)).scalar_one()
    assert rfc.author == "bob"
    assert printed(s, "is now proposed as RFC-1") >= 1


async def test_anonymous_never_named_to_non_moderators(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        '@bob /feedback "Moderation is slow" --category other --anonymous',
        "@carol /feedback show 1",
        "expect /From: anonymous/",
        "@alice /feedback show 1",
        "expect /From: @bob \\(anonymous to others\\)/",
    )
    public = [b for b in s.adapter.blocks if "only @alice" not in b and "DM @bob" not in b]
    assert not any("@bob" in b for b in public if "Moderation is slow" in b)
    data = json.loads(export(db, "json"))["feedback"]
    assert data[0]["submitter"] is None


async def test_bad_input_writes_nothing(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@bob /feedback ""',
        "expect /the feedback is empty. Usage/",
        "@bob /feedback " + "x" * 10000,
        "expect /the feedback is 10000 characters; at most 2000/",
        '@bob /feedback "x" --category wishes',
        "expect /'wishes' is not a feedback category/",
        "@bob /feedback up 9",
        "expect /there is no feedback item #9/",
        "@bob /feedback status 1 done",
        "expect /for triagers/",
        "@alice /config feedback --rfc-threshold -1",
        "expect /--rfc-threshold must be from 0/",
    )
    assert count(db, FeedbackItem) == 0
