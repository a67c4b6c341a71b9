"""Migrations under a lock: four processes upgrading one empty database at the same moment
all succeed and leave one schema (issue 11; it used to crash on CREATE TABLE
alembic_version). SQLite file, and PostgreSQL when configured."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage import migrate
from storage.db import Database, normalise_url
from tests.conftest import PG_ENV

ROOT = Path(__file__).resolve().parents[3]
RACE = """
import sys, time
from storage.db import Database
from storage import migrate
db = Database(sys.argv[1])
while time.time() < float(sys.argv[2]):
    time.sleep(0.001)
migrate.upgrade(db)
print(migrate.current_revision(db))
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'race.db'}"
        return
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    base = make_url(normalise_url(os.environ[PG_ENV]))
    name = f"moot_race_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_four_processes_migrate_one_empty_database_at_once(empty_url: str) -> None:
    at = str(time.time() + 3)  # every process is imported and waiting by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, empty_url, at],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in procs]
    db = Database(empty_url)
    head = migrate.current_revision(db)
    db.dispose()
    assert [p.returncode for p in procs] == [0] * 4, outputs
    assert head and [o.strip().splitlines()[-1] for o in outputs] == [head] * 4
