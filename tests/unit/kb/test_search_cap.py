"""Search ranks a bounded number of candidates (state.CANDIDATES), picked by a question's
telling words: a common word that most entries hold must neither hide the entry the rare
words point at nor make a search rank the whole table. Both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from commands.kb import state
from storage import repos
from storage.db import Database

NOW = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(state, "CANDIDATES", 5)
    return 5


def fill(db: Database) -> int:
    with db.transaction() as s:
        cid = repos.get_or_create_community(s, "console", "local", NOW).id or 0
        for i in range(40):
            state.add(s, cid, question=f"release note {i}?", answer="release stuff", by="m", at=NOW)
        state.add(
            s, cid, question="How do I sign a tarball?", answer="Use gpg.", by="m", at=NOW
        )
        state.add(s, cid, question="Where is the release calendar?", answer="wiki", by="m", at=NOW)
    return cid


def test_rare_words_find_their_entry_past_a_common_one(db: Database, small_cap: int) -> None:
    cid = fill(db)
    with db.transaction() as s:
        if state.is_postgres(s):
            s.execute(text("ANALYZE kb_entry"))  # what autovacuum does: its word statistics
        assert state.common_words(s, cid, ["release", "tarball"]) == {"release"}
        hits = state.search(s, cid, "release tarball signing")
        assert hits[0].entry.question == "How do I sign a tarball?"
        # Every word common: still answered, from a bounded set of candidates.
        assert state.search(s, cid, "release stuff")
        # An exact question still comes first.
        exact = state.search(s, cid, "where is the release calendar")
        assert exact[0].entry.question == "Where is the release calendar?"
        # Nothing matching at all is no error.
        assert state.search(s, cid, "zebra quux") == []
