"""Record the SQL a block of code sends, for tests that count statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from storage.db import Database


@contextmanager
def statements(db: Database, *, with_begin: bool = True) -> Iterator[list[str]]:
    """Each statement run inside the block, its whitespace collapsed. `with_begin=False`
    leaves out SQLite's BEGIN IMMEDIATE, a statement there and implicit on PostgreSQL, so
    counts compare across the two."""
    seen: list[str] = []

    def note(_conn: object, _cur: object, sql: str, *_rest: object) -> None:
        if with_begin or not sql.startswith("BEGIN"):
            seen.append(" ".join(sql.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
