"""Engine and transactions. SQLite by default (a file, WAL, busy timeout, writes begun
IMMEDIATE); PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

DEFAULT_URL = "sqlite:///moot.db"


def normalise_url(url: str) -> str:
    # People paste the URL their PostgreSQL docs show; SQLAlchemy needs the driver named.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


SYNCHRONOUS = ("FULL", "NORMAL")


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = 30_000,
    echo: bool = False,
    synchronous: str = "FULL",
) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        if synchronous.upper() not in SYNCHRONOUS:
            raise ValueError(f"sqlite synchronous must be full or normal, not {synchronous!r}")
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        )
        _sqlite_immediate(engine, busy_timeout_ms, synchronous.upper())
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _sqlite_immediate(engine: Engine, busy_timeout_ms: int, synchronous: str) -> None:
    """A read-then-write transaction under the default deferred BEGIN fails with "database is
    locked" when another writer got in between; BEGIN IMMEDIATE takes the write lock up front
    and waits for it under the busy timeout instead."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let us issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit is on disk before it is acknowledged, so an acknowledged ballot
        # survives an operating-system crash or power cut; NORMAL may lose the last
        # commits then (never on a crash of the process alone). See README, Durability.
        cur.execute(f"PRAGMA synchronous={synchronous}")
        # Deleted rows (a secret vote's HMAC ballots) are overwritten with zeros, not left
        # readable in free pages of the file.
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def erase_traces(engine: Engine, tables: tuple[str, ...]) -> None:
    """After a commit that deleted or rewrote rows which must not stay readable (secret
    ballots): on SQLite, copy the WAL into the file and truncate it (the deleted content is
    already zeroed by secure_delete); on PostgreSQL, VACUUM FULL the tables, which writes
    them afresh: a plain VACUUM frees dead tuples (the old key, the HMAC rows) but leaves
    their bytes in the pages, where pageinspect still reads them. VACUUM FULL holds an
    exclusive lock on each table while it copies it. Outside any transaction, as both
    need."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.close()
        finally:
            raw.close()
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(f'VACUUM FULL "{table}"')


class Database:
    def __init__(self, url: str = DEFAULT_URL, **kw: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **kw)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back everything on any exception."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def erase_traces(self, tables: tuple[str, ...]) -> None:
        erase_traces(self.engine, tables)

    def dispose(self) -> None:
        self.engine.dispose()
