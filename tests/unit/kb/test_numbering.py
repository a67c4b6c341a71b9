"""Two processes filing knowledge-base entries in one community at once (replicas closing
votes side by side) each get a number of their own, without a savepoint or an error: the
loser of a number waits for the winner, finds it taken, and takes the next."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from commands.kb import state
from storage import repos
from storage.db import Database
from storage.kb_tables import KbEntry
from tests.conftest import PG_ENV

AT = datetime(2026, 1, 5, 9, tzinfo=UTC)


# SQLite has one writer at a time (BEGIN IMMEDIATE): nobody can take a number meanwhile.
@pytest.mark.skipif(not os.environ.get(PG_ENV), reason="concurrent writers: PostgreSQL")
def test_two_transactions_filing_at_once_take_the_next_numbers(pg_url: str) -> None:
    db = Database(pg_url)
    with db.transaction() as s:
        s.execute(text("TRUNCATE kb_entry, community RESTART IDENTITY CASCADE"))
        community_id = repos.get_or_create_community(s, "console", "ws", AT).id or 0
    first_inserted = threading.Event()
    release_first = threading.Event()
    numbers: dict[str, int] = {}
    errors: list[BaseException] = []

    def file(name: str, hold: bool) -> None:
        try:
            with db.transaction() as s:
                entry = state.add(
                    s, community_id, question=name, answer="a", by="moot", at=AT
                )
                numbers[name] = entry.number
                if hold:
                    first_inserted.set()
                    assert release_first.wait(10)
        except BaseException as exc:
            errors.append(exc)

    a = threading.Thread(target=file, args=("first", True))
    a.start()
    assert first_inserted.wait(10)
    # Reads the same maximum as the first (its row is not committed) and tries its number.
    b = threading.Thread(target=file, args=("second", False))
    b.start()
    b.join(0.5)
    assert b.is_alive(), "the second filing must wait for the first to commit or roll back"
    release_first.set()
    a.join(10)
    b.join(10)
    assert not errors
    assert numbers == {"first": 1, "second": 2}
    with db.transaction() as s:
        rows = s.execute(select(KbEntry.question, KbEntry.number).order_by(KbEntry.number)).all()
    assert [tuple(r) for r in rows] == [("first", 1), ("second", 2)]
    db.dispose()
