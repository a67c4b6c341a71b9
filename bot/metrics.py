"""Process metrics in Prometheus form. The counters and histograms are fed where things
happen (dispatcher, scheduler, outbox sender); the gauges that describe the database
(outbox depth, oldest pending row, due-work lag) are read at scrape time, so every replica
reports the shared truth rather than its own guess."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select
from sqlmodel import Session

from storage import repos
from storage.tables import Outbox

__all__ = ["CONTENT_TYPE", "REGISTRY", "render"]

REGISTRY = CollectorRegistry()

EVENTS = Counter(
    "moot_events",
    "Inbound events handled, by platform and outcome (ok, duplicate, ignored, refused, error).",
    ["platform", "outcome"],
    registry=REGISTRY,
)
DISPATCH_SECONDS = Histogram(
    "moot_dispatch_seconds",
    "Time from an event entering the dispatcher to its transaction committing.",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
DUE_RUNS = Counter(
    "moot_due_runs",
    "Due work run, by kind and outcome (ok, failed).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
DUE_LATENESS = Histogram(
    "moot_due_lateness_seconds",
    "How long after its deadline a due item committed.",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600),
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "moot_deliveries",
    "Outbox rows finished, by platform, effect kind and status (sent, superseded, failed).",
    ["platform", "kind", "status"],
    registry=REGISTRY,
)
DELIVERY_FAILURES = Counter(
    "moot_delivery_failures",
    "Delivery attempts that failed and will be retried, by platform and effect kind.",
    ["platform", "kind"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge("moot_outbox_pending", "Outbox rows not yet delivered.", registry=REGISTRY)
OUTBOX_OLDEST = Gauge(
    "moot_outbox_oldest_pending_seconds",
    "Age of the oldest undelivered outbox row (0 when none).",
    registry=REGISTRY,
)
DUE_LAG = Gauge(
    "moot_due_lag_seconds",
    "How overdue the oldest pending due item is (0 when nothing is overdue).",
    registry=REGISTRY,
)


def event(platform: str, outcome: str, seconds: float) -> None:
    EVENTS.labels(platform, outcome).inc()
    DISPATCH_SECONDS.labels(platform).observe(seconds)


def due_ran(kind: str, ok: bool, lateness: float | None = None) -> None:
    DUE_RUNS.labels(kind, "ok" if ok else "failed").inc()
    if lateness is not None:
        DUE_LATENESS.labels(kind).observe(max(0.0, lateness))


def delivered(platform: str, kind: str, status: str) -> None:
    DELIVERIES.labels(platform, kind, status).inc()


def delivery_failed(platform: str, kind: str) -> None:
    DELIVERY_FAILURES.labels(platform, kind).inc()


def read_database(s: Session, now: datetime) -> None:
    """Set the gauges that describe shared state: one pass over the pending rows of the
    outbox (through ix_outbox_pending; normally a handful) and one indexed read of the first
    pending deadline."""
    depth, oldest = s.execute(
        select(func.count(), func.min(Outbox.created_at)).where(Outbox.status == "pending")
    ).one()
    OUTBOX_DEPTH.set(depth)
    OUTBOX_OLDEST.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    DUE_LAG.set(repos.due_lag(s, now))


def render() -> bytes:
    return generate_latest(REGISTRY)
