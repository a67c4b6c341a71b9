"""Shared measuring tools for the benchmarks: percentiles, and the raw-database baselines
every figure is printed beside."""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Stats:
    label: str
    n: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.n / self.seconds if self.seconds else float("inf")

    def pct(self, p: float) -> float:
        xs = sorted(self.latencies)
        if not xs:
            return 0.0
        k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
        return xs[k]

    def line(self, unit: str = "ops") -> str:
        return (
            f"{self.label:<44} {self.rate:>10.0f} {unit}/s   p50 {self.pct(50) * 1000:7.2f} ms"
            f"   p99 {self.pct(99) * 1000:7.2f} ms   (n={self.n})"
        )


def timed(label: str, n: int, op: Callable[[int], object]) -> Stats:
    lat: list[float] = []
    start = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        op(i)
        lat.append(time.perf_counter() - t)
    return Stats(label, n, time.perf_counter() - start, lat)


def sqlite_baseline(n: int, directory: str | None = None, synchronous: str = "NORMAL") -> Stats:
    """Plain single-row INSERT + COMMIT through the sqlite3 module, WAL, same disk, with the
    synchronous setting of the run it is compared with."""
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        conn = sqlite3.connect(Path(tmp) / "baseline.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)")

        def op(i: int) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (a, b) VALUES (?, ?)", (f"voter{i}", "yes"))
            conn.execute("COMMIT")

        stats = timed(f"baseline: sqlite3 insert+commit (WAL, {synchronous})", n, op)
        conn.close()
        return stats


def postgres_baseline(url: str, n: int) -> Stats:
    """Plain single-row INSERT + COMMIT through psycopg on the same server."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TEMP TABLE t (id serial PRIMARY KEY, a text, b text)")
        conn.commit()

        def op(i: int) -> None:
            conn.execute("INSERT INTO t (a, b) VALUES (%s, %s)", (f"voter{i}", "yes"))
            conn.commit()

        return timed("baseline: psycopg insert+commit", n, op)


def pg_url() -> str | None:
    return os.environ.get("MOOT_BENCH_DATABASE_URL") or os.environ.get("MOOT_TEST_DATABASE_URL")


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else 0.0
