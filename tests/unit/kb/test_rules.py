"""What a search becomes before the engine sees it: words only, never an operator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.kb import rules


def test_terms_drop_stopwords_and_syntax() -> None:
    assert rules.terms('How do I "report" a security* issue NEAR(x)?') == [
        "report",
        "security",
        "issue",
        "near",
        "x",
    ]
    assert rules.terms("what is it") == ["what", "is", "it"]  # only stop words: keep them


def test_fts5_query_quotes_every_word() -> None:
    assert rules.fts5_query(["near", "or"]) == '"near" OR "or"'


@pytest.mark.parametrize("bad", ["", "   ", '"*^:()', "x" * 201])
def test_check_query_refuses(bad: str) -> None:
    with pytest.raises(rules.KbInputError):
        rules.check_query(bad)


def test_tags() -> None:
    assert rules.check_tags(["Security", "#process", "security"]) == "security,process"
    with pytest.raises(rules.KbInputError, match="tag 'a b'"):
        rules.check_tags(["a b"])
    with pytest.raises(rules.KbInputError, match="at most 10"):
        rules.check_tags([f"t{i}" for i in range(11)])


def test_text_limits() -> None:
    with pytest.raises(rules.KbInputError, match="empty"):
        rules.check_text("\u200b\u200b", "question", 10)
    with pytest.raises(rules.KbInputError, match="at most 10"):
        rules.check_text("x" * 11, "question", 10)


@given(st.text(max_size=300))
def test_any_text_is_words_or_refused(text: str) -> None:
    try:
        words = rules.check_query(text)
    except rules.KbInputError:
        return
    assert words and all(w.replace("_", "").isalnum() or w.isidentifier() for w in words)
    q = rules.fts5_query(words)
    assert q.count('"') % 2 == 0
