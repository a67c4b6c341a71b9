"""How long one dispatch blocks the asyncio event loop, beside the loop's own lag with no
work in the same run.

    python -m bench.loop_block [N] [VOTERS]     defaults 500 1000; PostgreSQL too when
                                                MOOT_BENCH_DATABASE_URL or
                                                MOOT_TEST_DATABASE_URL is set

N public ballots by button on one vote with VOTERS eligible, dispatched on the event loop
as the inbox worker does. Two figures: the time each dispatch held the loop (the handler's
transaction runs on the loop's thread), and the lag a 1 ms ticker on the same loop saw
(what any other coroutine, an adapter's heartbeat or an acknowledgement, waits). The
baseline is the ticker's lag on the same loop with nothing dispatched.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Stats, pg_url
from bench.votes import _app, _start, cast_op, directory, scratch_pg
from storage import migrate
from storage.db import Database

TICK = 0.001


async def ticker(lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(TICK)
        lags.append(max(0.0, time.perf_counter() - t - TICK))


async def measure(db: Database, n: int, voters: int, label: str) -> list[Stats]:
    app = _app(db)
    directory(app, "loop", voters, "votes", "v")
    vote_id = _start(app, "loop", "votes", "start-loop", "")
    op = cast_op(app, "loop", vote_id, voters, False, "loop")

    idle: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(ticker(idle, stop))
    started = time.perf_counter()
    await asyncio.sleep(max(1.0, n * 0.002))
    stop.set()
    await task
    idle_s = time.perf_counter() - started

    lags: list[float] = []
    held: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(ticker(lags, stop))
    started = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        op(i)
        held.append(time.perf_counter() - t)
        # The inbox worker awaits between events; the ticker gets its turn here.
        await asyncio.sleep(0)
    stop.set()
    await task
    took = time.perf_counter() - started
    return [
        Stats(f"moot: loop held per dispatch ({label})", n, took, held),
        Stats(f"moot: 1 ms ticker lag under dispatch ({label})", len(lags), took, lags),
        Stats(f"baseline: ticker lag, idle loop ({label})", len(idle), idle_s, idle),
    ]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    voters = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    print(f"Moot loop-block benchmark: {n} public ballots, {voters} eligible voters\n")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'loop.db'}")
        migrate.upgrade(db)
        for s in asyncio.run(measure(db, n, voters, "SQLite")):
            print(s.line("ops"))
        db.dispose()
    url = pg_url()
    if url:
        with scratch_pg(url) as target:
            db = Database(target)
            migrate.upgrade(db)
            for s in asyncio.run(measure(db, n, voters, "PostgreSQL")):
                print(s.line("ops"))
            db.dispose()


if __name__ == "__main__":
    main()
