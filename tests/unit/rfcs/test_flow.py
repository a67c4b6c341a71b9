"""RFCs end to end through console scripts (SQLite, and PostgreSQL when configured): every
path from proposal to decision, the timers on the fake clock, restarts, refusals, export."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from adapters.console_script import ConsoleSession
from commands.rfcs import export as rfc_export
from storage.db import Database
from storage.rfc_tables import Rfc, RfcComment, RfcEvent
from storage.tables import AuditLog, DueWork
from storage.vote_tables import DecisionRecord
from tests.conftest import Script

PEOPLE = "roles alice= bob= carol= dan= mo=moderator"
PROPOSE = '@alice /rfc propose "Adopt Python 3.13" --summary "Move CI and docs" --type technical'


def rfc_row(db: Database, number: int = 1) -> Rfc:
    with db.transaction() as s:
        rfc = s.execute(select(Rfc).where(Rfc.number == number)).scalar_one()
        s.expunge(rfc)
        return rfc


def due(db: Database, kind: str) -> list[DueWork]:
    with db.transaction() as s:
        rows = list(s.execute(select(DueWork).where(DueWork.kind == kind)).scalars())
        for r in rows:
            s.expunge(r)
        return rows


async def run(script: Script, *lines: str, session: ConsoleSession | None = None) -> ConsoleSession:
    """Like `script`, but each of several `expect` lines in a row looks at everything printed
    since the action before them (a plain script's first expect consumes the window)."""
    chunks: list[tuple[bool, list[str]]] = []
    for line in lines:
        is_expect = line.startswith("expect ")
        if chunks and chunks[-1][0] == is_expect:
            chunks[-1][1].append(line)
        else:
            chunks.append((is_expect, [line]))
    s = session
    for is_expect, chunk in chunks:
        if s is None:
            s = await script(*chunk)
            continue
        if not is_expect:
            s = await script(*chunk, session=s)
            continue
        mark = s._mark
        for line in chunk:
            s._mark = mark
            await script(line, session=s)
    assert s is not None
    return s


def count(session: ConsoleSession, text: str) -> int:
    return sum(text in b for b in session.adapter.blocks)


# ------------------------------------------------------------------ proposing and showing


async def test_propose_numbers_posts_card_and_opens_thread(script: Script, db: Database) -> None:
    s = await run(
        script,
        PEOPLE,
        "@mo /config channel rfc #rfcs",
        PROPOSE,
        r"expect /#\d+ \[#rfcs\]\n  📜 RFC-1: Adopt Python 3.13/",
        r"expect /\[#rfcs › #\d+\]\n  💬 Discussion of RFC-1 .*proposed by @alice/",
        "expect /RFC-1 is posted in #rfcs/",
        '@bob /rfc propose "Second idea"',
        "expect /RFC-2: Second idea/",
        "@carol /rfc show rfc-1",
        "expect /Stage: 💬 discussion/",
        "@carol /rfc show 2",
        "expect /Author: @bob/",
        "@carol /rfc show RFC-9",
        "expect /there is no RFC-9/",
        "@carol /rfc show banana",
        "expect /'banana' is not an RFC/",
        "@bob /rfc list --mine",
        "expect-not /RFC-1/",
        "expect /RFC-2 Second idea/",
        "@bob /rfc list --stage accepted",
        "expect /No RFCs match/",
        '@bob /rfc propose ""',
        "expect /the title is empty. Usage: \\/rfc propose/",
        '@bob /rfc propose "x" --link notaurl',
        "expect /not a link/",
    )
    card = next(b for b in s.adapter.blocks if "📜 RFC-1" in b)
    for field in ("Stage:", "Author: @alice", "Type: technical", "Opened:", "Last activity:"):
        assert field in card
    for field in ("Discussion: no comments yet", "Reviews: none yet", "Open concerns: none"):
        assert field in card


async def test_discussion_is_captured_and_counted(script: Script, db: Database) -> None:
    s = await run(
        script,
        PEOPLE,
        PROPOSE,
        "@bob reply /📜 RFC-1/ What about the Windows runners?",
        "advance 2h",
        "@carol reply /Discussion of RFC-1/ +1, and drop 3.9",
        "@bob reply /Discussion of RFC-1/ Fine by me",
        "expect /Discussion: 3 comments from 2 people/",
    )
    with db.transaction() as sess:
        rows = list(sess.execute(select(RfcComment).order_by(RfcComment.id)).scalars())
        assert [(c.author, c.text) for c in rows] == [
            ("bob", "What about the Windows runners?"),
            ("carol", "+1, and drop 3.9"),
            ("bob", "Fine by me"),
        ]
        assert rows[1].at - rows[0].at == timedelta(hours=2)
    assert rfc_row(db).last_activity_at == rows[2].at
    assert s.adapter.blocks


# ------------------------------------------------------------------ final comment period


async def test_fcp_accepts_untouched(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@bob /rfc fcp RFC-1 accept",
        "expect /only RFC-1's author \\(@alice\\) or a moderator/",
        "@alice /rfc fcp RFC-1 accept --for 7d",
        "expect /Final comment period on RFC-1: proposed disposition \\*\\*accept\\*\\*/",
        "expect-not /now accepted/",
        "advance 6d 23h 59m",
        "expect-not /now accepted/",
        "advance 1m",
        "expect /ended with no open concern: RFC-1 is now accepted/",
        "expect /Stage: ✅ accepted/",
        "@alice /rfc log RFC-1",
        "expect /final comment period ended without open concerns: accept/",
    )
    assert rfc_row(db).stage == "accepted"


async def test_fcp_reject_and_postpone_dispositions(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        '@bob /rfc propose "Other"',
        "@mo /rfc fcp RFC-1 reject --for 1d",
        "@bob /rfc fcp RFC-2 postpone --for 2d",
        "advance 2d",
        "expect /RFC-1 is now rejected/",
        "expect /RFC-2 is now postponed/",
        "@alice /rfc fcp RFC-1 accept --for 100d",
        "expect /between 1 minute and 90 days/",
    )


async def test_fcp_paused_by_concern_keeps_remaining_time(script: Script, db: Database) -> None:
    s = await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc fcp RFC-1 accept --for 7d",
        "advance 2d",
        '@bob /rfc concern RFC-1 "No plan for the Windows runners"',
        "expect /Concern #1 on RFC-1 by @bob: No plan for the Windows runners/",
        "expect /paused with 5d left/",
        "expect /Open concerns: #1 No plan for the Windows runners \\(@bob\\)/",
        '@carol /rfc concern RFC-1 "Docs too"',
        "advance 10d",
        "expect-not /now accepted/",
    )
    rfc = rfc_row(db)
    assert rfc.stage == "fcp" and rfc.fcp_ends_at is None
    assert rfc.fcp_remaining_s == int(timedelta(days=5).total_seconds())
    assert all(w.status != "pending" for w in due(db, "rfc.fcp_end"))
    await run(
        script,
        '@carol /rfc resolve RFC-1 1 "fine"',
        "expect /only @bob, who raised concern #1, or a moderator can resolve it/",
        '@bob /rfc resolve RFC-1 1 "runners are covered"',
        "expect /Concern #1 on RFC-1 resolved by @bob: runners are covered/",
        "expect-not /resumes/",
        "@carol /rfc resolve RFC-1 2",
        "expect /resumes with 5d left/",
        "@carol /rfc resolve RFC-1 2",
        "expect /already resolved/",
        "advance 4d 23h 59m",
        "expect-not /now accepted/",
        "advance 1m",
        "expect /RFC-1 is now accepted/",
        session=s,
    )
    with db.transaction() as sess:
        whats = [e.what for e in sess.execute(select(RfcEvent).order_by(RfcEvent.id)).scalars()]
    assert whats.count("fcp_paused") == 1 and whats.count("fcp_resumed") == 1


async def test_restart_during_fcp_keeps_remaining_time(script: Script, db: Database) -> None:
    s = await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc fcp RFC-1 accept --for 7d",
        "advance 3d",
        "restart",
        '@bob /rfc concern RFC-1 "wait"',
        "expect /paused with 4d left/",
        "advance 1d",
        "restart",
        "@bob /rfc resolve RFC-1 1",
        "expect /resumes with 4d left/",
        "restart",
        "advance 3d 23h",
        "restart",
        "expect-not /now accepted/",
        "advance 1h",
        "expect /RFC-1 is now accepted/",
    )
    assert count(s, "is now accepted") == 1
    # A restart after the period ended, with the work already done, posts nothing new.
    await run(script, "restart", "advance 1d", "expect-not /now accepted/", session=s)


async def test_fcp_started_with_open_concern_starts_paused(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        '@bob /rfc concern RFC-1 "not yet"',
        "@alice /rfc fcp RFC-1 accept --for 2d",
        "expect /paused at once with 2d to run/",
        "advance 5d",
        "expect-not /now accepted/",
        "@bob /rfc resolve RFC-1 1",
        "expect /resumes with 2d left/",
        "advance 2d",
        "expect /now accepted/",
    )


# ------------------------------------------------------------------ votes


async def test_vote_passed_accepts_and_record_names_rfc(script: Script, db: Database) -> None:
    s = await run(
        script,
        PEOPLE,
        PROPOSE,
        "@bob /rfc vote RFC-1 --for 24h",
        "expect /only RFC-1's author/",
        "@alice /rfc vote RFC-1 --for 24h",
        "expect /Vote #1: Accept RFC-1: Adopt Python 3.13\\?/",
        "expect /Stage: 🗳️ voting/",
        "@bob click /Vote #1:/ yes",
        "@carol click /Vote #1:/ yes",
        "@dan click /Vote #1:/ no",
        "@alice /rfc fcp RFC-1 accept",
        "expect /'fcp' is not possible in stage voting; nothing to do by command/",
        "advance 24h",
        "expect /Vote #1 closed \\(passed\\): RFC-1 is now accepted/",
        "expect /Vote: #1 closed: passed/",
        "@alice /rfc log RFC-1",
        "expect /vote #1 closed: passed; decision record #\\d+: passed \\(yes 2, no 1/",
        "@alice /rfc implemented RFC-1 https://example.org/pr/1",
        "expect /RFC-1 is implemented: https:\\/\\/example.org\\/pr\\/1/",
    )
    # The vote, its result and the RFC's move all land in the RFC's thread (on message #1).
    for text in ("🗳️ Vote #1: Accept", "Vote #1 closed: **passed**", "RFC-1 is now accepted"):
        block = next(b for b in s.adapter.blocks if text in b)
        assert block.startswith("#") and "› #1]" in block.splitlines()[0], block
    rfc = rfc_row(db)
    with db.transaction() as sess:
        rec = sess.execute(select(DecisionRecord)).scalar_one()
    assert rec.rfc_id == rfc.id and rec.outcome == "passed"
    assert rfc_row(db).stage == "implemented"


async def test_vote_failed_rejects(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        '@mo /rfc vote RFC-1 --for 48h --question "Ship it?"',
        "expect /Vote #1: Ship it\\?/",
        "@bob click /Vote #1:/ no",
        "@carol click /Vote #1:/ no",
        "advance 48h",
        "expect /Vote #1 closed \\(failed\\): RFC-1 is now rejected/",
        "@alice /rfc implemented RFC-1",
        "expect /'implemented' is not possible in stage rejected; it is decided/",
    )
    assert rfc_row(db).stage == "rejected"


async def test_blocked_vote_and_moderator_override(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        '@bob /rfc concern RFC-1 "Breaks the plugin API"',
        "@alice /rfc vote RFC-1",
        "expect /RFC-1 has open concerns \\(#1\\); resolve them first/",
        '@alice /rfc vote RFC-1 --override "deadline"',
        "expect /only a moderator can --override/",
        '@mo /rfc vote RFC-1 --for 24h --override "release deadline; API shim planned"',
        "expect /Vote #1: Accept RFC-1/",
        "expect /moderator called vote #1 on RFC-1 despite 1 open concern\\(s\\)/",
        "@mo /rfc log RFC-1",
        "expect /moderator override of open concerns: release deadline; API shim planned/",
    )
    with db.transaction() as s:
        audit = [a.action for a in s.execute(select(AuditLog)).scalars()]
    assert "rfc.vote.override" in audit
    assert rfc_row(db).stage == "voting"


async def test_cancelled_vote_rejects(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc vote RFC-1 --for 24h",
        '@mo /vote cancel 1 --reason "wrong question"',
        "expect /RFC-1 is now rejected/",
    )


# ------------------------------------------------------------------ other ends


async def test_withdraw(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc fcp RFC-1 accept --for 7d",
        "@bob /rfc withdraw RFC-1",
        "expect /only RFC-1's author/",
        "@alice /rfc withdraw RFC-1",
        "expect /RFC-1 was withdrawn by @alice/",
        "expect /Stage: ↩️ withdrawn/",
        "advance 8d",
        "expect-not /now accepted/",
        "@alice /rfc fcp RFC-1 accept",
        "expect /'fcp' is not possible in stage withdrawn; it is decided/",
        '@bob /rfc concern RFC-1 "late"',
        "expect /RFC-1 is withdrawn; concerns are raised only while/",
    )


async def test_postpone_until_reopens_and_plain_postpone(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc postpone RFC-1 --until 2026-01-01",
        "expect /--until is in the past/",
        '@alice /rfc postpone RFC-1 --until "2026-02-01 10:00"',
        "expect /postponed by @alice until Sun 1 Feb 2026 10:00 UTC/",
        "expect /Stage: 💤 postponed until/",
        "@alice /rfc vote RFC-1",
        "expect /'vote' is not possible in stage postponed; possible now: withdraw/",
        "advance 27d 1h",
        "expect /back in discussion/",
        "@mo /rfc postpone RFC-1",
        "expect /RFC-1 was postponed by @mo\\./",
        "advance 90d",
        "expect-not /back in discussion/",
    )
    assert rfc_row(db).stage == "postponed"


async def test_implemented_only_after_accepted(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc implemented RFC-1",
        "expect /'implemented' is not possible in stage discussion; "
        "possible now: fcp, vote, withdraw, postpone/",
        "@alice /rfc fcp RFC-1 accept --for 1d",
        "advance 1d",
        "@bob /rfc implemented RFC-1",
        "expect /only RFC-1's author/",
        "@alice /rfc implemented RFC-1",
        "expect /RFC-1 is implemented\\./",
    )


# ------------------------------------------------------------------ timers


async def test_stale_nudge_once_per_quiet_period(script: Script, db: Database) -> None:
    s = await run(
        script,
        PEOPLE,
        PROPOSE,
        "advance 13d",
        "@bob reply /📜 RFC-1/ still thinking",
        "advance 13d 23h",
        "expect-not /has been quiet/",
        "advance 1h",
        "expect /RFC-1 has been quiet for 2w\\. @alice, is it ready for a decision/",
        "advance 60d",
        "expect-not /has been quiet/",
    )
    assert count(s, "has been quiet") == 1
    # A new reply starts a new quiet period, and the window is a setting.
    s = await run(
        script,
        "@mo /config rfc --stale-window 3d",
        "expect /RFC stale window 3d/",
        "@carol reply /📜 RFC-1/ back to it",
        "advance 2d 23h",
        "expect-not /has been quiet/",
        "advance 1h",
        "expect /has been quiet for 3d/",
        session=s,
    )
    assert count(s, "has been quiet") == 2


async def test_review_reminder_once_to_those_who_have_not_reviewed(
    script: Script, db: Database
) -> None:
    s = await run(
        script,
        PEOPLE,
        PROPOSE,
        "@bob /rfc reviewers RFC-1 @carol",
        "expect /only RFC-1's author/",
        "@alice /rfc reviewers RFC-1 @alice",
        "expect /wrote RFC-1; ask others/",
        "@alice /rfc reviewers RFC-1 @carol @dan",
        "expect /Review of RFC-1 requested from @carol, @dan/",
        "expect /Reviews: @carol requested, @dan requested/",
        "advance 2d",
        "@dan /rfc review RFC-1 changes please add a migration guide",
        "expect /@dan requests changes on RFC-1: please add a migration guide/",
        "@dan /rfc review RFC-1 approve",
        "expect /Reviews: @carol requested, @dan approves/",
        "@alice /rfc review RFC-1 approve",
        "expect /you wrote RFC-1/",
        "advance 4d 23h",
        "expect-not /Reminder: you were asked to review/",
        "advance 1h",
        "expect /DM @carol\\][^#]*Reminder: you were asked to review RFC-1/",
        "expect-not /DM @dan/",
        "advance 30d",
        "expect-not /Reminder/",
    )
    assert count(s, "Reminder: you were asked to review") == 1


async def test_config_rfc_is_for_moderators_and_shown(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        "@bob /config rfc --review-window 3d",
        "expect /for moderators and admins only/",
        "@mo /config rfc",
        "expect /give --review-window or --stale-window/",
        "@mo /config rfc --review-window 100d",
        "expect /between 1 minute and 90 days/",
        "@mo /config rfc --review-window 3d --stale-window 10d",
        "expect /RFC review window 3d and stale window 10d/",
        "@mo /config show",
        "expect /rfc review window: 3d/",
        "expect-not /nothing/",
    )
    with db.transaction() as s:
        assert [a.action for a in s.execute(select(AuditLog)).scalars()].count("config.rfc") == 2


# ------------------------------------------------------------------ decision log


async def test_export_md_and_json(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc reviewers RFC-1 @carol",
        "@carol /rfc review RFC-1 approve lgtm",
        '@bob /rfc concern RFC-1 "Windows?"',
        "@bob /rfc resolve RFC-1 1 covered",
        "@bob reply /📜 RFC-1/ thanks",
        "@alice /rfc vote RFC-1 --for 24h",
        "@bob click /Vote #1:/ yes",
        "advance 24h",
        "@alice /rfc implemented RFC-1 https://example.org/pr/7",
        '@bob /rfc propose "Withdrawn idea"',
        "@bob /rfc withdraw RFC-2",
    )
    md = rfc_export.export(db, "md")
    assert md.startswith("# RFC decision log")
    sec = md.split("## RFC-2")[0]
    for text in (
        "## RFC-1: Adopt Python 3.13",
        "Stage: **implemented**",
        "proposed by @alice",
        "@carol approves: lgtm",
        "@bob raised concern #1: Windows?",
        "@bob resolved concern #1: covered",
        "called vote #1",
        "vote #1 closed: passed; decision record #",
        "moved from voting to accepted",
        "marked it implemented: https://example.org/pr/7",
        "Implementation: https://example.org/pr/7",
    ):
        assert text in sec, text
    assert "## RFC-2: Withdrawn idea" in md and "@bob withdrew it" in md
    data = json.loads(rfc_export.export(db, "json"))["rfcs"]
    first = data[0]
    assert first["rfc"] == "RFC-1" and first["stage"] == "implemented"
    assert first["reviews"][0]["verdict"] == "approve"
    assert first["concerns"][0]["resolved_by"] == "bob"
    assert first["decision_records"][0]["outcome"] == "passed"
    assert first["discussion"] == [
        {"author": "bob", "at": first["discussion"][0]["at"], "text": "thanks"}
    ]
    assert first["timeline"][0]["what"] == "proposed"
    assert data[1]["stage"] == "withdrawn"


async def test_export_is_registered(registry: object) -> None:
    assert "rfcs" in registry.exporters  # type: ignore[attr-defined]


async def test_home_lists_reviews_waiting_and_own_rfcs(
    script: Script, db: Database, registry: object
) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc reviewers RFC-1 @carol @dan",
        "@dan /rfc review RFC-1 approve",
    )
    home = registry.home  # type: ignore[attr-defined]
    cid = rfc_row(db).community_id
    with db.transaction() as s:
        sections = {
            who: [sec for fn in home for sec in fn(s, cid, who)]
            for who in ("alice", "carol", "dan")
        }
    assert ("RFCs to review", ["RFC-1 Adopt Python 3.13 (discussion)"]) in sections["carol"]
    assert not any(title == "RFCs to review" for title, _ in sections["dan"])
    assert ("Your RFCs", ["RFC-1 Adopt Python 3.13 (discussion)"]) in sections["alice"]


async def test_odd_numbers_are_refused_not_crashes(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@bob /rfc resolve RFC-1 99999999999999999999",
        "expect /N '99999999999999999999' is too large/",
        "@bob /rfc resolve RFC-1 -1",
        "expect /has no concern #-1/",
        "@bob /rfc show RFC-99999999999999999999",
        "expect /is not an RFC/",
        "expect-not /something went wrong/",
    )
