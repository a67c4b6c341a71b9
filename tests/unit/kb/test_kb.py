"""The knowledge base end to end (SQLite FTS5 and PostgreSQL full-text): entries written,
edited and removed; an exact match ranked first; hostile queries answered, never an engine
error; decisions and accepted RFCs searchable by themselves; suggestions shown for a
matching question and not for an unrelated one, with whether they helped recorded."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.context import Ctx
from bot.registry import Registry
from bot.specs import Param
from commands.kb import export, state
from storage.db import Database
from storage.kb_tables import KbEntry, KbSuggestion
from tests.conftest import Script

PEOPLE = "roles alice=admin bob= carol= mo=moderator"
ENTRIES = [
    '@mo /kb add "How do I get commit rights?" "Ask in #maintainers after three merged PRs."',
    '@mo /kb add "Where is the release calendar?" "In the wiki, under Releases; releases '
    'get commit freezes two days before." --tags release',
    '@mo /kb add "Can I get commit rights for docs only?" "Yes, docs maintainers are named '
    'in CODEOWNERS; ask for commit rights there." --link https://example.org/owners',
]


@pytest.fixture
def registry() -> Registry:
    import commands

    reg = commands.register_all(Registry())

    @reg.command(
        "ask",
        help="test-only: a question that the knowledge base may answer",
        params=[Param("text", positional=True, required=True, rest=True)],
    )
    def ask(ctx: Ctx, text: str) -> None:
        ctx.fire("kb.suggest", question=text, user_id=ctx.actor.user_id, context="test")

    return reg


def entries(db: Database) -> list[KbEntry]:
    with db.transaction() as s:
        rows = list(s.execute(select(KbEntry).order_by(KbEntry.number)).scalars())
        for r in rows:
            s.expunge(r)
        return rows


async def test_add_search_show_edit_remove(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        *ENTRIES,
        "expect /Added KB-3: Can I get commit rights for docs only\\?/",
        "@bob /kb search how do I get commit rights",
        "expect /(?s)3 matches:\\s*• KB-1 · How do I get commit rights\\?.*\\s• KB-3 .*\\s• KB-2 /",
        "@bob /kb show 2",
        "expect /(?s)KB-2: Where is the release calendar\\?.*Tags: release/",
        '@mo /kb edit 2 --answer "On the project site."',
        "@bob /kb search release calendar",
        "expect /KB-2 · Where is the release calendar\\? — On the project site/",
        "@mo /kb remove 2",
        "@bob /kb search release calendar",
        "expect /Nothing in the knowledge base matches/",
        "@bob /kb show 2",
        "expect /there is no knowledge-base entry KB-2/",
    )
    assert s


async def test_exact_match_first_even_with_a_long_rival(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@mo /kb add "Release process" "' + "release process release process " * 40 + '"',
        '@mo /kb add "What is the release process for hotfixes?" "Branch from the tag."',
        '@mo /kb add "release process" "Tag, build, announce."',
        "@bob /kb search release process",
        "expect /matches:\\s*• KB-(1|3) · [Rr]elease process —/",
    )
    with db.transaction() as s:
        hits = state.search(s, 1, "release process")
    assert hits[0].entry.question.lower() == "release process"
    assert {h.entry.number for h in hits} == {1, 2, 3}


@pytest.mark.parametrize(
    "query",
    ['"', "*", "NEAR", 'NEAR("a" "b")', "a AND OR NOT", "col:value", "^start", "(((", "-x"],
)
async def test_engine_syntax_is_never_an_error(script: Script, query: str) -> None:
    await script(
        PEOPLE,
        *ENTRIES,
        f"@bob /kb search {query}",
        "expect-not /Sorry, something went wrong/",
    )


async def test_bad_input_is_one_line_and_writes_nothing(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        "@bob /kb search",
        "expect /Usage: \\/kb search TEXT/",
        "@bob /kb search " + "x" * 10000,
        "expect /the search is 10000 characters; at most 200. Usage/",
        "@bob /kb search ***",
        "expect /has no words to look for/",
        '@bob /kb add "Q?" "A."',
        "expect /moderator/",
        '@mo /kb add "" "A."',
        "expect /the question is empty. Usage/",
        '@mo /kb add "Q?" "' + "y" * 5000 + '"',
        "expect /the answer is 5000 characters; at most 4000/",
        '@mo /kb add "Q?" "A." --link ftp://x',
        "expect /is not a link/",
        '@mo /kb add "Q?" "A." --tags "a b"',
        "expect /tag 'a b'/",
        "@mo /kb edit 9 --answer x",
        "expect /no knowledge-base entry KB-9/",
        "@mo /kb edit 9",
    )
    assert entries(db) == []


async def test_decisions_and_accepted_rfcs_become_entries(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Adopt the Apache-2.0 licence?" --for 1h',
        "@bob /vote cast 1 yes",
        "advance 1h",
        '@alice /rfc propose "Move to a monorepo" --summary "One repository for all packages"',
        "@alice /rfc fcp RFC-1 accept --for 1d",
        "advance 1d",
        '@alice /vote start "Cancelled one?" --for 1h',
        "@alice /vote cancel 2 changed my mind",
        "@carol /kb search licence",
        "expect /KB-1 · Adopt the Apache-2.0 licence\\? — Decided \\*\\*passed\\*\\*|KB-1 · Adopt/",
        "@carol /kb search monorepo",
        "expect /KB-2 · RFC-1: Move to a \\*\\*monorepo\\*\\*|KB-2 · RFC-1: Move to a monorepo/",
    )
    rows = entries(db)
    assert [(e.source, e.source_ref) for e in rows] == [
        ("decision", "decision:1"),
        ("rfc", "rfc:1"),
    ]


async def test_suggestions_for_a_match_not_for_unrelated(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        *ENTRIES,
        "@carol /ask how can I get commit rights?",
        "expect /(?s)Does one of these answer it\\?.*KB-1 · How do I get commit rights/",
        "@carol click /Does one of these/ KB-1 answers it",
        "expect /noted that KB-1 answered it/",
        "@bob click /Does one of these/ KB-1 answers it",
        "expect /only the person who asked/",
        "@carol /ask what colour is the logo",
        "expect-not /Does one of these/",
        "@carol /ask where is the release calendar",
        "@carol click /(?s)Does one of these.*release calendar/ None of these",
        "@mo /kb stats",
        "expect /Suggestions offered: 2; answered by one of them: 1 \\(50% of 2 who said\\)/",
    )
    with db.transaction() as s:
        outcomes = s.execute(select(KbSuggestion.outcome).order_by(KbSuggestion.id)).scalars()
        assert list(outcomes) == ["helpful", "not-helpful"]
        assert s.execute(select(func.count()).select_from(KbSuggestion)).scalar_one() == 2


async def test_export(script: Script, db: Database) -> None:
    await script(PEOPLE, *ENTRIES)
    data = json.loads(export(db, "json"))["entries"]
    assert [e["id"] for e in data] == ["KB-1", "KB-2", "KB-3"]
    assert data[1]["tags"] == ["release"]
    md = export(db, "md")
    assert "### KB-3: Can I get commit rights for docs only?" in md


async def test_tickets_get_suggestions_and_become_entries(script: Script, db: Database) -> None:
    s = await script(
        "roles alice=admin bob= sam=support",
        '@alice /kb add "How do I reset my password?" "Use the reset link on the login page."',
        '@bob /ticket open "How can I reset my password"',
        "expect /(?s)Does one of these answer it\\?.*KB-1 · How do I reset my password/",
        "advance 10m",
        '@bob /ticket open "The build cache is corrupt"',
        "expect-not /Does one of these/",
        "@sam reply /(?s)#2.*Opened by @bob/ Delete ~/.cache/build and run the build again.",
        "@bob /ticket to-kb 2",
        "expect /for support staff/",
        "@sam /ticket to-kb 2",
        "expect /Added KB-2: The build cache is corrupt/",
        "@sam /ticket to-kb 2",
        "expect /ticket:2 is already in the knowledge base|already in the knowledge base/",
        "@bob /kb search build cache",
        "expect /KB-2 · The build cache is corrupt — .*Delete/",
    )
    rows = entries(db)
    assert rows[1].source == "ticket" and "bob" not in rows[1].question + rows[1].answer
    assert s
