"""Alembic environment: runs on the connection (or engine) the application hands over."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def _ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate leaves alone what no model describes on purpose: the knowledge base's
    full-text index (an FTS5 table and its shadow tables on SQLite) and its tsvector column."""
    return not (name or "").startswith("kb_fts") and name != "search"


def migrate_on(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        # storage.migrate holds the migration lock on this connection, in its transaction.
        migrate_on(given)
        return
    engine = config.attributes.get("engine")
    if engine is None:
        from storage.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        migrate_on(connection)
        if connection.in_transaction():
            connection.commit()


run()
