"""Pieces people expect: the audit log, reminder offsets, a hint for reactions on a secret
vote, reopening a postponed RFC, reminders that say how long is left."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.db import Database
from storage.tables import AuditLog, DueWork
from tests.conftest import Script

PEOPLE = "roles alice=admin bob= carol=mod"


def count(db: Database, model: type, *where: object) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


async def test_audit_list_for_moderators_with_since_and_pages(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        "@alice /config timezone Europe/Berlin",
        "advance 2d",
        "@alice /config role moderator @mod",
        "@alice /audit list",
        "expect /Wed 7 Jan 2026 10:00 CET · @alice · config role: kind moderator role mod\\n"
        "  Mon 5 Jan 2026 10:00 CET · @alice · config timezone: zone Europe/Berlin \\(was UTC\\)/",
        '@carol /audit list --since "2026-01-06 00:00"',
        "expect /config role/",
        "expect-not /config timezone/",
        "@bob /audit list",
        "expect /\\/audit list is for moderators and admins only/",
        '@alice /audit list --since "2027-01-01 00:00"',
        "expect /is in the future/",
    )
    lines = [f"@alice /config timezone Europe/{z}" for z in ("Paris", "Rome") * 16]
    await script(
        *lines,
        "@alice /audit list",
        "expect /showing 1-30 of 34; next: \\/audit list --page 2/",
        "@alice /audit list --page 2",
        "expect /showing 31-34 of 34/",
        session=s,
    )
    assert count(db, AuditLog) == 34


async def test_reminder_offsets_can_be_set(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        "@alice /config vote-reminders 48h,2h",
        "expect /remind non-voters 2d, 2h before they close/",
        "@alice /config vote-reminders 40d",
        "expect /1 minute to 30 days/",
        "@alice /config vote-reminders 1h,2h,3h,4h,5h,6h",
        "expect /give 1 to 5 reminder times/",
        "@bob /config vote-reminders 1h",
        "expect /for moderators and admins only/",
        '@alice /vote start "Q?" --for 72h',
        "advance 24h",
        "expect /closes in 48 hours/",
        "advance 46h",
        "expect /closes in 2 hours/",
    )
    assert count(db, DueWork, DueWork.kind == "vote.remind") == 2


async def test_a_reaction_on_a_secret_vote_says_where_to_vote(script: Script) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "S?" --options A,B --secret',
        "@bob react /Vote #1/ 👍",
        "expect /only @bob.*\\n.*Vote #1 is secret, so reactions do not count.*\\/vote cast 1/",
        "@bob unreact /Vote #1/ 👍",
        "expect-not /secret/",
        '@alice /vote start "P?"',
        "@bob react /Vote #2/ 🎉",
        "expect-not /secret/",
    )


async def test_a_postponed_rfc_can_be_reopened(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@alice /rfc propose "Idea"',
        '@alice /rfc postpone RFC-1 --until "2026-02-01 09:00"',
        "expect /possible now|postponed/",
        "@bob /rfc reopen RFC-1",
        "expect /only RFC-1's author \\(@alice\\) or a moderator can reopen it/",
        "@alice /rfc reopen RFC-1",
        "expect /RFC-1 is back in discussion \\(reopened by @alice\\)/",
        "@alice /rfc reopen RFC-1",
        "expect /'reopen' is not possible in stage discussion/",
        "@alice /rfc log RFC-1",
        "expect /alice reopened it; back to discussion/",
    )
    # The timed reopening was cancelled with the move.
    assert count(db, DueWork, DueWork.kind == "rfc.reopen", DueWork.status == "pending") == 0
