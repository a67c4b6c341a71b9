"""Migrations under a lock: four processes upgrading one empty database at the same moment
all succeed and leave one schema (issue 11; it used to crash on CREATE TABLE
alembic_version). SQLite file, and PostgreSQL when configured."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from storage import migrate
from storage.db import Database

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


def test_four_processes_migrate_one_empty_database_at_once(empty_database: str) -> None:
    at = str(time.time() + 3)  # every process is imported and waiting by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, empty_database, at],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in procs]
    db = Database(empty_database)
    head = migrate.current_revision(db)
    db.dispose()
    assert [p.returncode for p in procs] == [0] * 4, outputs
    assert head and [o.strip().splitlines()[-1] for o in outputs] == [head] * 4
