"""Engine and transactions. SQLite by default (a file, WAL, busy timeout, writes begun
IMMEDIATE); PostgreSQL by URL."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

DEFAULT_URL = "sqlite:///moot.db"


def normalise_url(url: str) -> str:
    # People paste the URL their PostgreSQL docs show; SQLAlchemy needs the driver named.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


def url_problem(url: str) -> str | None:
    """What is wrong with a database URL before anything connects, or None."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        return "is not a database URL (sqlite:///path/moot.db or postgresql://user@host/db)"
    if parsed.drivername not in SCHEMES:
        return (
            f"uses {parsed.drivername!r}, which Moot does not support "
            "(sqlite:///path/moot.db or postgresql://user@host/db)"
        )
    if parsed.drivername == "sqlite" and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).expanduser().resolve().parent
        if not folder.is_dir():
            return f"names a file in {folder}, which is not an existing folder"
    return None


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, or None for PostgreSQL and in-memory databases."""
    from sqlalchemy.engine import make_url

    parsed = make_url(normalise_url(url))
    if parsed.drivername != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


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
        # Reads (Database.read) take no write lock: they must never queue behind writers.
        read_only = conn.get_execution_options().get("moot_read_only")
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
RACE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_race(exc: BaseException) -> bool:
    """Did a transaction fail only because another one got there first? Such a transaction
    is worth running again from the start: a unique constraint another process just
    satisfied, a serialisation failure or deadlock, SQLite's busy lock past its timeout."""
    if isinstance(exc, IntegrityError):
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if code in RACE_SQLSTATES:
            return True
        return "database is locked" in str(exc.orig)
    return False


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


class WriteTurns:
    """SQLite's write lock, taken in turn by the threads of one process: first come, first
    served. SQLite's own busy handler is no queue: a waiter sleeps 1, 2, 5 ... 100 ms between
    tries, and a thread that commits and begins again at once (a catch-up's batches, back to
    back) gets in first every time, so a command waited seconds behind a long catch-up. Here
    each transaction takes a ticket; the catch-up's next batch waits behind the command that
    asked first. Reentrant: a transaction opened inside another on the same thread (before
    the outer one wrote anything) works as it did. Other processes still meet the busy
    handler."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._tickets: deque[int] = deque()
        self._issued = 0
        self._owner: int | None = None
        self._depth = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
            else:
                ticket = self._issued
                self._issued += 1
                self._tickets.append(ticket)
                while self._owner is not None or self._tickets[0] != ticket:
                    self._cond.wait()
                self._tickets.popleft()
                self._owner, self._depth = me, 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._cond.notify_all()

    @property
    def waiting(self) -> int:
        return len(self._tickets)


class Database:
    def __init__(self, url: str = DEFAULT_URL, **kw: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **kw)
        self._turns = WriteTurns() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back everything on any exception."""
        turn = self._turns.turn() if self._turns is not None else nullcontext()
        with turn, Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (health checks, HTTP routes): the database refuses any
        write in it, it never waits for SQLite's write lock, and it is always rolled back."""
        with self.engine.connect() as conn:
            sqlite = self.dialect == "sqlite"
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA query_only = 1")  # type: ignore[union-attr]
            conn = conn.execution_options(moot_read_only=True)
            trans = conn.begin()
            try:
                if not sqlite:
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                with Session(bind=conn, expire_on_commit=False) as session:
                    yield session
            finally:
                if trans.is_active:
                    trans.rollback()
                if sqlite:
                    conn.connection.dbapi_connection.execute("PRAGMA query_only = 0")  # type: ignore[union-attr]

    def erase_traces(self, tables: tuple[str, ...]) -> None:
        erase_traces(self.engine, tables)

    def dispose(self) -> None:
        self.engine.dispose()
