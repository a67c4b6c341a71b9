"""Shared fixtures. Every test that takes `db` runs on SQLite and, when
MOOT_TEST_DATABASE_URL is set, again on PostgreSQL (in a fresh database made for this run)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from adapters.console_script import ConsoleSession, fake_clock
from bot.registry import Registry
from storage import migrate
from storage.db import Database, normalise_url

PG_ENV = "MOOT_TEST_DATABASE_URL"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A database of our own on the server, so parallel runs never trample each other."""
    base = make_url(normalise_url(os.environ[PG_ENV]))
    name = f"moot_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            if r[0] != "alembic_version"
        ]
        if tables:
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "moot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def registry() -> Registry:
    import commands

    return commands.register_all(Registry())


START = "2026-01-05T09:00:00Z"

Script = Callable[..., Awaitable[ConsoleSession]]


@pytest.fixture
async def script(db: Database, registry: Registry) -> AsyncIterator[Script]:
    """Run console-script lines and fail the test on any failed expect; returns the session
    so a test can look further. One line per command test, errbot style:

        await script("@alice /help", "expect /Moot commands/")
    """
    sessions: list[ConsoleSession] = []

    async def run(
        *lines: str, session: ConsoleSession | None = None, **kw: object
    ) -> ConsoleSession:
        if session is None:
            session = ConsoleSession(db, registry, fake_clock(START), out=lambda _s: None, **kw)  # type: ignore[arg-type]
            sessions.append(session)
        await session.run_script("\n".join(lines))
        if session.failures:
            detail = "\n".join(f"line {f.lineno}: {f.line}\n{f.detail}" for f in session.failures)
            raise AssertionError(f"script failed:\n{detail}")
        return session

    yield run


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no schema at all (processes racing on the migrations)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = make_url(normalise_url(os.environ[PG_ENV]))
    name = f"moot_empty_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
