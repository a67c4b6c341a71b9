"""Versioned schema migrations (Alembic), run by `moot db upgrade` and at start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect

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


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision`. Any number of processes may call this at once: on
    PostgreSQL they queue on an advisory lock, on SQLite on the database's write lock, and
    each one after the first finds nothing left to do."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
            conn.commit()
            try:
                _upgrade_on(db, conn, revision)
                conn.commit()
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
                conn.commit()
        else:
            # The engine begins SQLite transactions IMMEDIATE: this takes the write lock, and
            # the migrations run inside that one transaction.
            with conn.begin():
                _upgrade_on(db, conn, revision)


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
