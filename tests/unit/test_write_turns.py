"""SQLite's write lock taken in turn by the threads of one process (storage.db.WriteTurns):
a thread that commits and begins again at once (a catch-up's batches) does not get in ahead
of a thread that asked first, as it does under SQLite's own busy handler."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from storage.db import Database, WriteTurns


def test_a_waiting_thread_goes_before_the_holder_begins_again() -> None:
    turns = WriteTurns()
    order: list[str] = []
    holding = threading.Event()

    def greedy() -> None:
        for i in range(5):
            with turns.turn():
                order.append(f"batch {i}")
                holding.set()
                time.sleep(0.02)

    t = threading.Thread(target=greedy)
    t.start()
    assert holding.wait(5)
    with turns.turn():
        order.append("command")
    t.join(5)
    # The command asked during batch 0: it goes right after it, not after all five.
    assert order.index("command") == 1


def test_a_turn_is_reentrant_on_its_own_thread() -> None:
    turns = WriteTurns()
    with turns.turn(), turns.turn():
        assert turns.waiting == 0
    with turns.turn():
        pass


def test_a_command_waits_one_batch_not_the_whole_catch_up(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'turns.db'}")
    with db.transaction() as s:
        s.execute(text("CREATE TABLE t (n INTEGER)"))
    started = threading.Event()
    stop = threading.Event()
    waited: list[float] = []

    def catch_up() -> None:
        # Write transactions back to back, each holding the lock 20 ms, for up to 2 s.
        deadline = time.monotonic() + 2
        while not stop.is_set() and time.monotonic() < deadline:
            with db.transaction() as s:
                s.execute(text("INSERT INTO t VALUES (1)"))
                started.set()
                time.sleep(0.02)

    t = threading.Thread(target=catch_up)
    t.start()
    assert started.wait(5)
    for _ in range(5):
        asked = time.monotonic()
        with db.transaction() as s:
            s.execute(text("INSERT INTO t VALUES (2)"))
        waited.append(time.monotonic() - asked)
        time.sleep(0.01)
    stop.set()
    t.join(5)
    db.dispose()
    # Each waits for at most the batch in progress (20 ms), not for the busy handler's
    # sleeps while the other thread begins again and again.
    assert max(waited) < 0.2, waited
