"""Timed votes end to end, as console scripts (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, func, select

from bot.app import App
from bot.clock import FakeClock
from commands import decisions
from storage.db import Database
from storage.tables import DueWork, Outbox
from storage.vote_tables import DecisionRecord, Vote, VoteBallot, VoteVoter
from tests.conftest import Script

PEOPLE = "roles alice=admin bob=tc carol=tc dave= erin="


def count(db: Database, model: type, *where: object) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def results_posted(db: Database, vote_id: int = 1) -> int:
    return count(db, Outbox, Outbox.ref == f"vote-result:{vote_id}")


def record(db: Database, vote_id: int = 1) -> DecisionRecord:
    with db.transaction() as s:
        return s.execute(
            select(DecisionRecord).where(DecisionRecord.vote_id == vote_id)
        ).scalar_one()


async def test_proposal_by_click_react_change_and_retract(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        "channel #votes",
        '@alice /vote start "Adopt v2?" --for 72h',
        "expect /Vote #1: Adopt v2\\?/",
        "@bob click /Adopt v2/ yes",
        "expect /only @bob.*\\n.*yes\\*\\* \\(weight 1\\)\\. You can change it until Thu 8 Jan/",
        "@carol react /Adopt v2/ 👎",
        "expect /no .*1 · 50%/",
        "@carol click /Adopt v2/ yes",
        "expect /yes .*2 · 100%/",
        "@dave react /Adopt v2/ 👎",
        "@dave unreact /Adopt v2/ 👎",
        "expect /Your vote on #1 is withdrawn/",
        "@erin /vote cast 1 no",
        "@erin /vote retract 1",
        "expect /withdrawn/",
        "@erin /vote retract 1",
        "expect /no vote on #1 to retract/",
        "advance 72h",
        "expect /(?s)Vote #1 closed: \\*\\*passed\\*\\*.*"
        "Participation: 2 of 5 eligible voted \\(40%\\)/",
    )
    assert results_posted(db) == 1
    data = record(db).data
    assert {b["voter"]: b["choices"] for b in data["ballots"]} == {
        "bob": ["yes"],
        "carol": ["yes"],
    }


async def test_result_text_has_bars_quorum_rule_and_consensus(script: Script) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Ship?" --quorum 3 --for 1h',
        "@bob /vote cast 1 yes",
        "@carol /vote cast 1 yes",
        "@dave /vote cast 1 no",
        "advance 1h",
        "expect /(?s)yes +███████░░░ 2 · 67%.*Quorum: 3 voters, reached.*Consensus: 67%/",
        '@alice /vote start "Again?" --quorum 3 --for 1h',
        "@bob /vote cast 2 yes",
        "advance 1h",
        "expect /(?s)Vote #2 closed: \\*\\*no quorum\\*\\*.*Quorum: 3 voters, not reached/",
    )


@pytest.mark.parametrize(
    ("rule", "casts", "outcome"),
    [
        ("simple", ["yes", "no"], "tied"),
        ("absolute", ["yes", "yes", "no"], "passed"),  # 2 of 5... see roster below
        ("absolute", ["yes", "yes"], "failed"),
        ("2/3", ["yes", "yes", "no"], "passed"),
        ("75%", ["yes", "yes", "no"], "failed"),
        ("unanimous", ["yes", "yes", "abstain"], "passed"),
        ("unanimous", ["yes", "no"], "failed"),
    ],
)
async def test_each_proposal_rule(
    script: Script, rule: str, casts: list[str], outcome: str
) -> None:
    # Roster of four (alice, bob, carol, dave): an absolute majority needs more than 2.
    voters = ["bob", "carol", "dave"]
    lines = [
        "roles alice=admin bob= carol= dave=",
        f'@alice /vote start "Q?" --rule {rule} --for 1h',
    ]
    if rule == "absolute" and casts == ["yes", "yes", "no"]:
        casts = ["yes", "yes", "yes"]
        lines[-1] = f'@alice /vote start "Q?" --rule {rule} --for 1h'
    lines += [f"@{v} /vote cast 1 {c}" for v, c in zip(voters, casts, strict=False)]
    lines += ["advance 1h", f"expect /closed: \\*\\*{outcome}\\*\\*/"]
    await script(*lines)


async def test_block_needs_a_reason_and_defeats(script: Script) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Merge?" --allow-block --for 1h',
        "@bob click /Merge/ block",
        "expect /A block needs a reason: `\\/vote cast 1 block REASON`/",
        "@bob /vote cast 1 block",
        "expect /a block needs a reason/",
        "@bob /vote cast 1 block breaks the API",
        "@carol /vote cast 1 yes",
        "advance 1h",
        "expect /(?s)closed: \\*\\*blocked\\*\\*.*Blocked by bob: breaks the API/",
    )


async def test_choice_multi_and_ranked(script: Script) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Colour?" --options Red,Green,Blue --for 1h',
        "@bob click /Colour/ Red",
        "@carol click /Colour/ Green",
        "advance 1h",
        "expect /(?s)closed: \\*\\*tied\\*\\*.*Tied: Red, Green/",
        '@alice /vote start "Days?" --kind multi --options Mon,Tue,Wed --max 2 --for 1h',
        "@bob /vote cast 2 Mon,Tue",
        "@carol click /Days/ Tue",
        "@carol click /Days/ Wed",
        "@carol click /Days/ Wed",
        "@dave /vote cast 2 Mon,Tue,Wed",
        "expect /choose at most 2 options/",
        "advance 1h",
        "expect /Winner: Tue/",
        '@alice /vote start "Talks?" --kind ranked --options A,B,C --for 1h',
        "@bob /vote rank 3 A B C",
        "@carol /vote rank 3 B A C",
        "@dave /vote rank 3 A C B",
        "@erin /vote rank 3 A A",
        "expect /'A' is ranked twice/",
        "advance 1h",
        "expect /(?s)Winner: A.*Ranking: 1\\. A  2\\. B  3\\. C.*"
        "Pairwise wins: A beats B 2–1; A beats C 3–0; B beats C 2–1/",
        '@alice /vote start "IRV?" --kind ranked --method irv --options A,B,C --for 1h',
        "@bob /vote rank 4 C A",
        "@carol /vote rank 4 B A",
        "@dave /vote rank 4 A B",
        "@erin /vote rank 4 A C",
        "advance 1h",
        "expect /(?s)instant-runoff.*Winner: A/",
    )


async def test_weights(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        "@alice /config weight @tc 3",
        "expect /Holders of @tc now vote with weight 3/",
        "@bob /config weight @tc 5",
        "expect /for moderators and admins only/",
        "@alice /config show",
        "expect /weights: tc 3/",
        '@alice /vote start "Weighted?" --for 1h',
        "@bob /vote cast 1 yes",
        "expect /weight 3/",
        "@dave /vote cast 1 no",
        "@erin /vote cast 1 no",
        "advance 1h",
        "expect /(?s)closed: \\*\\*passed\\*\\*.*no +.* 2 · 40%/",
    )
    assert record(db).data["participation"]["eligible_weight"] == "9"


async def test_eligibility_refusal_counts_nothing(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "TC only?" --eligible @tc --for 1h',
        "expect /holders of @tc/",
        "@dave click /TC only/ yes",
        "expect /only @dave.*\\n.*you are not eligible to vote on #1/",
        "@bob /vote cast 1 yes",
        "advance 1h",
        "expect /Participation: 1 of 2 eligible voted/",
    )
    assert count(db, VoteBallot) == 1


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('"Q?" --until 2020-01-01', "is in the past"),
        ('"Q?" --for 0m', "is zero"),
        ('"Q?" --for -3h', "negative"),
        ('"Q?" --for 91d', "from 1 minute to 90 days"),
        ('"Q?" --for 30s', "from 1 minute to 90 days"),
        ('"Q?" --eligible @nobody', "@nobody is not a role here"),
        ('"Q?" --options A,B,a', "listed twice"),
        ('"Q?" --options A,,B', "an option is empty"),
        ('"Q?" --options ' + ",".join(f"o{i}" for i in range(21)), "at most 20 options"),
        ('"Q?" --rule 40%', "more than half"),
        ('"Q?" --quorum 9', "can never be met"),
        ('"Q?" --rule sometimes', "unknown rule"),
        ('"Q?" --type nonsense', "unknown vote type"),
        ('"Q?" --options A,B --rule 2/3', "--rule applies to proposals"),
        ('"Q?" --max 2', "--max only applies to a multi vote"),
        ('"Q?" --eligible board --rule absolute', "absolute majority needs the list"),
    ],
)
async def test_start_refusals_write_nothing(
    script: Script, db: Database, line: str, error: str
) -> None:
    s = await script(
        PEOPLE,
        # A real role that nobody holds any more: it exists, its roster is empty.
        "roles frank=board",
        "roles frank=",
        "@alice /config role voter-group board @board",
        f"@alice /vote start {line}",
    )
    last = s.adapter.blocks[-1]
    assert error in last and "Usage: /vote start" in last, last
    assert "\n  " not in last.split("\n", 1)[1]  # one line
    assert count(db, Vote) == 0 and count(db, DueWork) == 0


async def test_cast_refusals(script: Script) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Q?" --for 1h',
        "@bob /vote cast 1 maybe",
        "expect /'maybe' is not an option: use yes, no, abstain. Usage: \\/vote cast/",
        "@bob /vote cast 7 yes",
        "expect /there is no vote #7/",
        "@bob /vote cast 1 yes because",
        "expect /only a block takes a reason/",
        "advance 1h",
        "@bob /vote cast 1 yes",
        "expect /vote #1 is closed/",
    )


async def test_secret_ballot_leaves_no_link(
    script: Script, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    chosen = {"bob": "Apples", "carol": "Bananas", "dave": "Bananas"}
    s = await script(
        PEOPLE,
        "channel #votes",
        '@alice /vote start "Fruit?" --options Apples,Bananas,Cherries --secret --for 2h',
        "expect-not /\\[Apples\\]/",
        "expect /cast privately: DM the bot `\\/vote cast 1 OPTION`/",
        "@bob /vote cast 1 Apples",
        "expect /is secret: cast it in a direct message/",
        *(f"@{v} dm /vote cast 1 {c}" for v, c in chosen.items()),
        "expect-not /Bananas +█/",
        "expect /Voted: 3 of 5/",
        "@bob /vote show 1",
        "expect /You have voted \\(secret ballot\\)/",
        "advance 2h",
        "expect /(?s)closed: \\*\\*won by Bananas\\*\\*.*Bananas +.* 2 · 67%/",
    )
    assert s.failures == []
    with db.transaction() as sess:
        assert sess.get(Vote, 1).secret_key is None
        assert sess.execute(select(VoteVoter.user_id)).scalars().all() != []
        assert not set(sess.execute(select(VoteBallot.voter)).scalars()) & set(chosen)
    # Every row of every table: no row may name a voter together with what they chose. A row
    # naming every option (the vote's own card shown to someone) singles nothing out.
    options = ("Apples", "Bananas", "Cherries")

    def links(text: str, voter: str, choice: str) -> bool:
        return voter in text and choice in text and not all(o in text for o in options)

    meta = MetaData()
    meta.reflect(bind=db.engine)
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(table.select()):
                text = json.dumps([str(v) for v in row], ensure_ascii=False)
                for voter, choice in chosen.items():
                    assert not links(text, voter, choice), (table.name, text)
    for r in caplog.records:
        msg = r.getMessage()
        for voter, choice in chosen.items():
            assert not links(msg, voter, choice), msg
    exported = decisions.export(db, "json")
    assert "bob" not in exported and '"Bananas"' in exported


async def test_hidden_results(script: Script) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Hidden?" --hide-results --for 1h',
        "@bob click /Hidden/ yes",
        "expect-not /yes +█/",
        "expect /Tally: hidden until the vote closes/",
        "@carol /vote show 1",
        "expect-not /yes +█/",
        "advance 1h",
        "expect /yes +██████████ 1 · 100%/",
    )


async def test_reminders_dm_non_voters(script: Script) -> None:
    await script(
        "roles alice=admin bob= carol=",
        '@alice /vote start "Remind?" --for 72h',
        "@bob /vote cast 1 yes",
        "advance 48h",
        "expect-not /DM @bob/",
        "expect /DM @carol.*\\n.*Reminder: vote #1/",
        "@carol /vote cast 1 no",
        "advance 23h",
        "expect-not /DM @carol/",
        "expect /DM @alice/",
        "@alice /vote remind 1",
        "expect /Reminder sent for vote #1 \\(1\\)/",
        "@bob /vote remind 1",
        "expect /for moderators and admins only/",
    )


async def test_late_reminders_are_skipped_or_collapsed(
    script: Script, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="moot.vote")
    s = await script("roles alice=admin bob=", '@alice /vote start "Late?" --for 72h')
    # Down from the start until 30 minutes before the close: one reminder, not two.
    s.clock.set(s.clock.now() + timedelta(hours=71, minutes=30))  # type: ignore[attr-defined]
    mark = len(s.adapter.blocks)
    await script("restart", session=s)
    dms = [b for b in s.adapter.blocks[mark:] if "DM @bob" in b]
    assert len(dms) == 1
    assert "a later reminder is due as well" in caplog.text
    # Down past the close: no reminder at all, the vote closes once.
    await script('@alice /vote start "Later?" --for 72h', session=s)
    s.clock.set(s.clock.now() + timedelta(hours=73))  # type: ignore[attr-defined]
    mark = len(s.adapter.blocks)
    await script("restart", session=s)
    assert not [b for b in s.adapter.blocks[mark:] if "Reminder" in b]
    assert "already due to close" in caplog.text
    assert results_posted(db, 2) == 1


async def test_close_when_decided(script: Script, db: Database) -> None:
    await script(
        "roles alice=admin bob= carol=",
        '@alice /vote start "Early?" --close-when-decided --for 72h',
        "@bob /vote cast 1 yes",
        "expect-not /closed/",
        "@carol /vote cast 1 yes",
        "expect /Vote #1 closed: \\*\\*passed\\*\\*/",
        "advance 72h",
        "expect-not /closed/",
    )
    assert results_posted(db) == 1
    assert count(db, DueWork, DueWork.kind == "vote.close", DueWork.status == "pending") == 0
    assert record(db).data["timeline"][-1]["by"] == "Moot (decided early)"


async def test_close_early_and_permissions(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@bob /vote start "Mine?" --for 72h',
        "@dave /vote close 1",
        "expect /only the person who started vote #1 or a moderator/",
        # Issue 20: the starter cannot decide a vote that can still go either way...
        "@bob /vote close 1",
        "expect /can still go either way, so before its deadline only a moderator/",
        "expect-not /closed: /",
        # ...a moderator can.
        "@alice /vote close 1",
        "expect /closed: \\*\\*failed\\*\\*/",
        "@bob /vote close 1",
        "expect /vote #1 is closed/",
    )
    assert results_posted(db) == 1
    data = record(db).data
    assert data["closed_by"] == "alice" and data["close_reason"] == "closed by a moderator"


async def test_starter_and_one_friend_cannot_decide_a_vote(script: Script, db: Database) -> None:
    """The attack from issue 20: an RFC author calls a 30-day vote, one friend votes yes, the
    author closes it. It must fail; once the outcome cannot change, the starter may close."""
    await script(
        "roles mo=admin author=tc friend=tc c= d= e= f= g= h=",
        '@author /vote start "Accept RFC 1?" --for 30d',
        "@friend /vote cast 1 yes",
        "@author /vote close 1",
        "expect /can still go either way/",
        "expect-not /closed: /",
        "@author /vote cast 1 yes",
        "@c /vote cast 1 yes",
        "@d /vote cast 1 yes",
        "@author /vote close 1",
        "expect /can still go either way/",
        "@e /vote cast 1 yes",
        # 5 yes of 9 eligible: the 4 left cannot even tie it.
        "@author /vote close 1",
        "expect /closed: \\*\\*passed\\*\\*/",
    )
    data = record(db).data
    assert data["closed_by"] == "author"
    assert data["close_reason"] == "closed by its starter: the outcome could no longer change"
    assert results_posted(db) == 1


async def test_cancel(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Cancel me?" --for 72h',
        "@bob /vote cast 1 yes",
        "@dave /vote cancel 1 --reason nope",
        "expect /only the person who started/",
        "@alice /vote cancel 1",
        "expect /missing --reason TEXT/",
        '@alice /vote cancel 1 --reason "wrong question"',
        "expect /cancelled by alice: wrong question/",
        "advance 72h",
        "expect-not /closed/",
    )
    r = record(db)
    assert r.outcome == "cancelled" and r.data["timeline"][-1]["reason"] == "wrong question"


async def test_extend_moves_deadline_and_reminders(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Longer?" --for 72h',
        "@alice /vote extend 1 24h",
        "expect /now closes Fri 9 Jan 2026 09:00 UTC \\(extended by alice\\)/",
        "advance 71h",
        "expect-not /closed|Reminder/",
        "advance 1h",
        'expect /Reminder: vote #1 "Longer\\?" in #general closes in 24 hours \\(Fri 9 Jan/',
        "advance 22h",
        "expect-not /closed|Reminder/",
        "advance 1h",
        "expect /Reminder: vote #1/",
        "advance 1h",
        "expect /Vote #1 closed/",
    )
    steps = [s["what"] for s in record(db).data["timeline"]]
    assert steps == ["opened", "extended", "closed"]


async def test_restart_in_the_middle_closes_once(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        '@alice /vote start "Survive?" --for 72h',
        "@bob /vote cast 1 yes",
        "restart",
        "@carol /vote cast 1 yes",
        "advance 30h",
        "restart",
    )
    s.clock.set(s.clock.now() + timedelta(hours=50))  # type: ignore[attr-defined]
    await script("restart", "expect /closed: \\*\\*passed\\*\\*/", "restart", session=s)
    await script("advance 10d", "expect-not /closed/", session=s)
    assert results_posted(db) == 1
    assert sum("Vote #1 closed" in b for b in s.adapter.blocks) == 1


def test_two_schedulers_race_on_one_close(db: Database, registry: object) -> None:
    import asyncio

    from adapters.console_script import ConsoleSession, fake_clock
    from tests.conftest import START

    session = ConsoleSession(db, registry, fake_clock(START), out=lambda _s: None)  # type: ignore[arg-type]
    asyncio.run(
        session.run_script(PEOPLE + '\n@alice /vote start "Race?" --for 1h\n@bob /vote cast 1 yes')
    )
    due = session.clock.now() + timedelta(hours=2)
    apps = [App(db, registry, FakeClock(due)) for _ in range(2)]  # type: ignore[arg-type]
    ran: list[int] = []
    barrier = threading.Barrier(2)

    def go(app: App) -> None:
        barrier.wait()
        ran.append(app.scheduler.run_due_now(due))

    threads = [threading.Thread(target=go, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results_posted(db) == 1
    assert count(db, DecisionRecord) == 1


async def test_vote_types_and_config(script: Script) -> None:
    await script(
        PEOPLE,
        "@alice /config vote-type governance --rule 2/3 --quorum 2 --duration 48h",
        "expect /Vote type governance: duration 2d, quorum 2, rule 2\\/3/",
        "@dave /config vote-type governance --rule 2/3",
        "expect /for moderators and admins only/",
        "@alice /config vote-type governance",
        "expect /nothing to set/",
        '@alice /vote start "Gov?" --type governance',
        "expect /(?s)2\\/3 supermajority.*Closes: Wed 7 Jan 2026 09:00 UTC/",
        '@alice /vote start "Now!" --type emergency',
        "expect /Closes: Tue 6 Jan 2026 09:00 UTC/",
        "@alice /config show",
        "expect /vote type /",
    )


async def test_decisions_commands_and_export(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Export?" --for 1h',
        "@bob /vote cast 1 yes",
        "advance 1h",
        "@dave /decisions list",
        "expect /D1 passed: Export\\?/",
        "@dave /decisions show 1",
        "expect /roster of 5, sha256 [0-9a-f]{64}/",
        "@dave /decisions show 9",
        "expect /there is no decision D9/",
        "@dave /vote list --closed",
        "expect /#1 Export\\? \\(passed, 1 voter\\)/",
    )
    md = decisions.export(db, "md")
    assert "## Decision 1: Export?" in md and "Outcome: **passed**" in md
    data = json.loads(decisions.export(db, "json"))
    assert data[0]["ballots"] == [
        {"voter": "bob", "display": "bob", "choices": ["yes"], "weight": "1", "reason": None}
    ]
    assert data[0]["roster_size"] == 5


async def test_vote_closed_hook_fires(script: Script, registry: object) -> None:
    seen: list[dict[str, object]] = []
    registry.on("vote.closed")(lambda ctx, **kw: seen.append(kw))  # type: ignore[attr-defined]
    await script(PEOPLE, '@alice /vote start "Hook?" --for 1h', "advance 1h")
    assert seen == [
        {"vote_id": 1, "rfc_id": None, "outcome": "failed", "record_id": 1, "new_record": True}
    ]


async def test_roster_is_frozen_at_open_and_refreshed_only_before_ballots(
    script: Script, db: Database
) -> None:
    """A role given mid-vote gives no vote; /vote roster shows the snapshot; a moderator may
    take it again only while nobody has voted; the record carries the snapshot's hash."""
    await script(
        "roles alice=admin bob=tc carol=tc dave=",
        '@alice /vote start "TC only?" --eligible tc --for 1h',
        "@alice /vote roster 1",
        "expect /Vote #1 roster \\(frozen\\): 2 eligible, total weight 2, sha256 [0-9a-f]{64}/",
        "roles alice=admin bob=tc carol=tc dave=tc",
        "@dave /vote cast 1 yes",
        "expect /you are not eligible to vote on #1/",
        "@bob /vote roster 1 --refresh",
        "expect /only a moderator may refresh/",
        "@alice /vote roster 1 --refresh",
        "expect /Vote #1 roster \\(refreshed\\): 3 eligible/",
        "@dave /vote cast 1 yes",
        "expect /Your vote on #1 is \\*\\*yes\\*\\*/",
        "@alice /vote roster 1 --refresh",
        "expect /vote #1 has ballots: its roster stays as it opened/",
        "roles alice=admin bob=tc carol=tc dave=",
        "@carol /vote cast 1 no",
        "advance 1h",
        "expect /Participation: 2 of 3 eligible/",
    )
    import hashlib

    r = record(db)
    assert r.roster_size == 3
    assert r.roster_hash == hashlib.sha256(b"bob\ncarol\ndave").hexdigest()


async def test_someone_the_directory_did_not_know_at_open_joins_the_roster(
    script: Script, db: Database
) -> None:
    """A platform that reports members as they appear (Slack, Matrix): a person unknown when
    the vote opened is judged by its rule when they vote and added to the roster; a person
    known then but not eligible stays out."""
    await script(
        "roles alice=admin bob=tc carol=",
        "channel #votes",
        '@alice /vote start "Channel vote?" --for 1h',
        "@alice /vote roster 1",
        "expect /3 eligible/",
        "@zed click /Channel vote/ yes",
        "expect /Your vote on #1 is \\*\\*yes\\*\\*/",
        "@alice /vote roster 1",
        "expect /4 eligible/",
        "advance 1h",
        "expect /Participation: 1 of 4 eligible/",
        '@alice /vote start "TC?" --eligible tc --for 1h',
        "@carol /vote cast 2 yes",
        "expect /you are not eligible to vote on #2/",
        "@yan /vote cast 2 yes",
        "expect /you are not eligible to vote on #2/",
    )
