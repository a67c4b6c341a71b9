"""Chinese knowledge-base search: a word inside an unspaced Chinese sentence is found, on
SQLite (FTS5) and PostgreSQL (tsvector), through /kb search and the support channel's
suggestions; an index built before migration 0017 is rebuilt by it; the SQL transform of
the PostgreSQL column reads text into the same tokens as the Python one SQLite gets."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text

from commands.kb import rules, state
from storage import cjk_index as cjk
from storage import migrate
from storage.db import Database
from storage.tables import Community
from tests.conftest import PG_ENV, Script

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
BUILD = ("构建失败怎么办？", "如果你的构建失败了，请先清理缓存再重新运行测试。")


def test_cjk_runs_become_bigrams_and_other_text_stays_as_it_was() -> None:
    assert cjk.for_index("我的构建失败了") == " 我的 的构 构建 建失 失败 败了 了 "
    assert cjk.for_index("用Python构建") == " 用 Python 构建 建 "
    english = "How do I get commit rights? Ask in #maintainers."
    assert cjk.for_index(english) is english
    assert cjk.search_terms(["构建失败"]) == ["构建", "建失", "失败"]
    assert cjk.search_terms(["python构建", "release"]) == ["python", "构建", "release"]
    assert cjk.search_terms(["票"]) == ["票" + cjk.PREFIX]
    assert rules.fts5_query(["票*", "构建"], every=True) == '"票"* AND "构建"'
    assert rules.tsquery(["票*", "构建"]) == "'票':* | '构建'"


def test_a_snippet_marks_the_chinese_word_in_the_answer_itself() -> None:
    assert (
        cjk.highlight(BUILD[1], ["缓存"]) == "如果你的构建失败了，请先清理**缓存**再重新运行测试。"
    )
    assert cjk.highlight(BUILD[1], ["发布"]) == ""


def _community(db: Database) -> int:
    with db.transaction() as s:
        c = Community(platform="console", workspace="cjk", created_at=NOW)
        s.add(c)
        s.flush()
        return c.id or 0


@pytest.mark.parametrize("word", ["构建", "失败", "缓存", "清理缓存", "测试", "败", "运行"])
def test_a_chinese_word_inside_an_unspaced_sentence_is_found(db: Database, word: str) -> None:
    cid = _community(db)
    with db.transaction() as s:
        state.add(s, cid, question=BUILD[0], answer=BUILD[1], by="mo", at=NOW)
        state.add(s, cid, question="如何发布新版本？", answer="打标签并推送。", by="mo", at=NOW)
        state.add(s, cid, question="How do I release?", answer="Tag and push.", by="mo", at=NOW)
    with db.transaction() as s:
        hits = state.search(s, cid, word)
    assert [h.entry.question for h in hits] == [BUILD[0]]
    assert f"**{word}**" in hits[0].snippet


def test_english_search_is_untouched_beside_chinese_entries(db: Database) -> None:
    cid = _community(db)
    with db.transaction() as s:
        state.add(s, cid, question=BUILD[0], answer=BUILD[1], by="mo", at=NOW)
        state.add(s, cid, question="How do I release?", answer="Tag the commit.", by="mo", at=NOW)
    with db.transaction() as s:
        hits = state.search(s, cid, "tag commit")
    assert [h.entry.question for h in hits] == ["How do I release?"]
    assert hits[0].snippet.count("**") == 4  # the engine's own snippet, as before


def test_migration_0017_rebuilds_an_index_made_before_it(db: Database) -> None:
    cid = _community(db)
    command.downgrade(migrate.alembic_config(db), "0016_channels_roles")
    try:
        with db.transaction() as s:
            s.execute(
                text(
                    "INSERT INTO kb_entry (community_id, number, question, answer, tags, source,"
                    " created_by, created_at, updated_at, removed) VALUES (:c, 1, :q, :a, '',"
                    " 'manual', 'mo', :now, :now, false)"
                ),
                {"c": cid, "q": BUILD[0], "a": BUILD[1], "now": NOW},
            )
            if not state.is_postgres(s):
                # What the index held before 0017: the text as it is.
                s.execute(
                    text(
                        "INSERT INTO kb_fts (rowid, question, answer, tags) "
                        "SELECT id, question, answer, tags FROM kb_entry"
                    )
                )
        with db.transaction() as s:
            assert state.search(s, cid, "缓存") == []  # what the old index finds
    finally:
        migrate.upgrade(db)
    with db.transaction() as s:
        assert [h.entry.number for h in state.search(s, cid, "缓存")] == [1]


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason="PostgreSQL's generated column")
def test_the_sql_transform_makes_the_same_tokens_as_python(pg_url: str) -> None:
    db = Database(pg_url)
    with db.transaction() as s:
        for sample in (BUILD[1], "用Python构建，再发布 v2。", "ASCII only", "票", "こんにちは世界"):
            sql = s.execute(
                text("SELECT to_tsvector('simple', moot_cjk_index(:t))::text"), {"t": sample}
            ).scalar_one()
            py = s.execute(
                text("SELECT to_tsvector('simple', :t)::text"), {"t": cjk.for_index(sample)}
            ).scalar_one()
            assert sql == py, sample
    db.dispose()


async def test_kb_search_and_support_suggestions_find_chinese_words(script: Script) -> None:
    await script(
        "roles alice=admin bob= carol=",
        "@alice /config language zh-Hans",
        f'@alice /kb add "{BUILD[0]}" "{BUILD[1]}"',
        "@bob /kb search 缓存",
        "expect /(?s)找到 1 条.*KB-1 · 构建失败怎么办？ — "
        "如果你的构建失败了，请先清理\\*\\*缓存\\*\\*/",
        "expect-no-english",
        "@bob /kb search 发布",
        "expect /知识库中没有与“发布”匹配的内容/",
        "@alice /config channel support #support",
        "channel #support",
        "@carol say 我的构建一直失败，怎么办",
        "expect /KB-1/",
        "expect-no-english",
    )
