"""Versioned schema migrations (Alembic), run by `moot db upgrade` and at start."""

from __future__ import annotations

import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect
from sqlalchemy.exc import OperationalError

from storage.db import Database

HERE = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    cfg.attributes["engine"] = db.engine
    return cfg


# Any fixed number: every Moot process asks for the same PostgreSQL advisory lock.
MIGRATION_LOCK = 0x6D6F6F74  # "moot"


SQLITE_ATTEMPTS = 5


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision`. Any number of processes may call this at once: on
    PostgreSQL they queue on an advisory lock, on SQLite on the database's write lock, and
    each one after the first finds nothing left to do."""
    if db.dialect != "postgresql":
        _upgrade_sqlite_retrying(db, revision)
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        conn.commit()
        try:
            _upgrade_on(db, conn, revision)
            conn.commit()
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
            conn.commit()


def _upgrade_sqlite_retrying(db: Database, revision: str) -> None:
    """On a loaded machine a process can wait out the busy timeout behind another's
    migrations (or meet a lock while its connection sets up WAL): try again, a few times.
    The engine begins SQLite transactions IMMEDIATE, so the migrations run inside one
    transaction holding the write lock."""
    for attempt in range(1, SQLITE_ATTEMPTS + 1):
        try:
            with db.engine.connect() as conn, conn.begin():
                _upgrade_on(db, conn, revision)
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == SQLITE_ATTEMPTS:
                raise
            time.sleep(0.5 * attempt)


def _upgrade_on(db: Database, conn: Connection, revision: str) -> None:
    cfg = alembic_config(db)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return row[0] if row else None


def head_revision(db: Database) -> str | None:
    """The revision this code's migrations end at."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()
