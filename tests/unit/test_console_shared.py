"""Two console processes on one database: one message numbering, each answers every command
typed into it, buttons work on the other's messages, and nothing is left stuck in the
outbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from adapters.console_script import ConsoleSession, fake_clock
from bot.registry import Registry
from moot import cli
from storage.db import Database
from storage.tables import Outbox
from tests.conftest import START


def stuck(db: Database) -> list[str]:
    with db.transaction() as s:
        return [
            f"{r.key} {r.status} {r.last_error}"
            for r in s.execute(select(Outbox).where(Outbox.status != "sent")).scalars()
        ]


async def test_two_sessions_share_numbering_and_each_answer(
    db: Database, registry: Registry
) -> None:
    a = ConsoleSession(db, registry, fake_clock(START), out=lambda _s: None)
    b = ConsoleSession(db, registry, fake_clock(START), out=lambda _s: None)
    await a.run_script(
        'roles alice=admin bob= carol=\n@alice /vote start "Adopt?" --for 1d\nexpect /Vote #1/'
    )
    # b's first events are its own, not duplicates of a's c1, c2 ...
    await b.run_script(
        "@bob click 1 yes\n"
        "expect /#2 \\[only @bob\\][\\s\\S]*Your vote on #1 is \\*\\*yes/\n"
        "expect-not /Vote #1: Adopt/\n"  # b's screen starts clean, then shows the edit
        "@carol /vote cast 1 no\n"
        "expect /#1 edited[\\s\\S]*no .*1 · 50%/\n"
        "@carol react 1 👍\n"
        "expect /Your vote on #1 is \\*\\*yes/"
    )
    assert a.failures == [] and b.failures == []
    # a sees b's public edits, never b's private confirmations.
    await a.run_script("@alice /vote show 1\nexpect /yes .*2 · 100%/")
    assert a.failures == []
    a_screen = "\n".join(a.adapter.blocks)
    assert "#1 edited" in a_screen and "only @bob" not in a_screen
    assert stuck(db) == []


async def test_a_deleted_message_fails_at_once_and_holds_up_nothing(
    db: Database, registry: Registry
) -> None:
    from storage.console_tables import ConsoleMessage

    s = ConsoleSession(db, registry, fake_clock(START), out=lambda _s: None)
    await s.run_script('roles alice=admin bob=\n@alice /vote start "Adopt?" --for 1d')
    with db.transaction() as sess:
        sess.delete(sess.get(ConsoleMessage, 1))
    await s.run_script("@bob /vote cast 1 yes\nexpect /Your vote on #1 is/")
    assert s.failures == []
    with db.transaction() as sess:
        failed = sess.execute(select(Outbox).where(Outbox.status == "failed")).scalars().all()
    assert [r.kind for r in failed] == ["edit"] and failed[0].attempts == 0
    assert stuck(db) == [f"{failed[0].key} failed {failed[0].last_error}"]


def test_two_real_processes_on_one_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    cli.open_db(url).dispose()
    first = tmp_path / "first.txt"
    first.write_text(
        'roles alice=admin bob= carol=\n@alice /vote start "Adopt?" --for 1d\nexpect /Vote #1/\n',
        encoding="utf-8",
    )
    second = tmp_path / "second.txt"
    second.write_text(
        "@bob click 1 yes\nexpect /Your vote on #1 is \\*\\*yes/\n"
        "@carol /vote cast 1 no\nexpect /Your vote on #1 is \\*\\*no/\n"
        "@bob /vote list\nexpect /#1/\n",
        encoding="utf-8",
    )
    for path in (first, second):
        done = subprocess.run(
            [sys.executable, "-m", "moot", "console", "--db", url, "--script", str(path)],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    db = Database(url)
    try:
        assert stuck(db) == []
    finally:
        db.dispose()
