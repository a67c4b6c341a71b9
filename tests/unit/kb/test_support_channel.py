"""Questions typed in the support channel (not tickets) get up to three private knowledge-
base suggestions, rate-limited per person (`/kb suggestions`), with whether one helped
recorded; chatter elsewhere never reaches the core; staff get none."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.db import Database
from storage.kb_tables import KbSuggestion
from tests.conftest import Script
from tests.unit.kb.test_kb import ENTRIES

PEOPLE = "roles alice=admin bob= carol= sam=support mo=moderator"
SETUP = [PEOPLE, *ENTRIES, "@alice /config channel support #help"]


def count(db: Database, table: type, *where: object) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


async def test_a_question_in_the_support_channel_gets_private_suggestions(
    script: Script, db: Database
) -> None:
    s = await script(
        *SETUP,
        "channel #help",
        "@carol say how can I get commit rights?",
        "expect /(?s)\\[only @carol\\].*Does one of these answer it\\?.*KB-1 · How do I get "
        "commit rights/",
        "@carol click /Does one of these/ KB-1 answers it",
        "expect /noted that KB-1 answered it/",
        # Within the window: no second set, however many questions.
        "@carol say and where is the release calendar?",
        "expect-not /Does one of these/",
        "advance 11m",
        "@carol say where is the release calendar?",
        "expect /(?s)Does one of these.*release calendar/",
        # Unrelated questions get nothing; staff answering there get nothing.
        "@bob say what colour is the logo",
        "expect-not /Does one of these/",
        "@sam say commit rights: ask in #maintainers",
        "expect-not /Does one of these/",
    )
    with db.transaction() as ses:
        rows = list(ses.execute(select(KbSuggestion).order_by(KbSuggestion.id)).scalars())
        assert [(r.user_id, r.outcome, r.context) for r in rows] == [
            ("carol", "helpful", "support:help"),
            ("carol", None, "support:help"),
        ]
    # The suggestion was private: nobody else's screen shows it.
    assert not any("Does one of these" in b and "[only @carol]" not in b for b in s.adapter.blocks)


async def test_other_channels_are_not_heard_and_settings_apply(
    script: Script, db: Database
) -> None:
    await script(
        *SETUP,
        "channel #general",
        "@carol say hello everyone",  # her first message anywhere: onboarding hears it
        "@carol say how can I get commit rights?",
        "expect-not /Does one of these/",
        "@bob /kb suggestions 1h",
        "expect /for moderators/",
        "@mo /kb suggestions soon",
        "expect /Usage: \\/kb suggestions DURATION\\|off/",
        "@mo /kb suggestions 45d",
        "expect /give 1m to 30d, or off/",
        "@mo /kb suggestions off",
        "expect /get no suggestions now/",
        "channel #help",
        "@bob say how can I get commit rights?",
        "expect-not /Does one of these/",
        "@mo /kb suggestions 1h",
        "expect /at most once per 1h per person/",
        "@bob say how can I get commit rights?",
        "expect /Does one of these/",
        "advance 30m",
        "@bob say how can I get commit rights?",
        "expect-not /Does one of these/",
    )
    assert count(db, KbSuggestion) == 1


async def test_restart_and_duplicate_keep_one_suggestion(script: Script, db: Database) -> None:
    s = await script(
        *SETUP,
        "channel #help",
        "@carol say how can I get commit rights?",
        "expect /Does one of these/",
    )
    await script(
        "restart", "@carol say how can I get commit rights?", "expect-not /Does one of these/",
        session=s,
    )
    assert count(db, KbSuggestion) == 1
