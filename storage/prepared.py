"""Statements built once per dialect and run with bound values: the per-event hot path.

Building a select() and its WHERE clause in SQLAlchemy costs several times what running it
costs on SQLite: for one indexed row, about 130 µs for a statement built and run through
the ORM session, 52 µs for the same statement built once (ORM), 18 µs for a built-once
Core statement run on the session's connection (measured on the development machine,
2026-12-03). A ballot runs a dozen of them, so the ones every event or every ballot runs
are built here once, with bindparam() placeholders."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import CursorResult, Executable, bindparam
from sqlmodel import Session


class Prepared:
    """A statement built on first use for each dialect (PostgreSQL adds row locks and its
    own INSERT ... ON CONFLICT), then reused."""

    def __init__(self, build: Callable[[str], Executable]) -> None:
        self._build = build
        self._built: dict[str, Executable] = {}

    def __call__(self, s: Session) -> Executable:
        dialect = s.get_bind().dialect.name
        stmt = self._built.get(dialect)
        if stmt is None:
            stmt = self._built[dialect] = self._build(dialect)
        return stmt


def core(s: Session, stmt: Prepared, params: Mapping[str, Any]) -> CursorResult[Any]:
    """Run a Core statement on the session's own connection (same transaction), skipping
    the ORM's per-execute work. Pending ORM changes are flushed first, as the session's
    autoflush would, so the statement sees everything written before it."""
    if s.new or s.dirty or s.deleted:
        s.flush()
    return s.connection().execute(stmt(s), params)


def orm(s: Session, stmt: Prepared, params: Mapping[str, Any]) -> Any:
    """Run an ORM select (objects into the identity map) built once."""
    return s.execute(stmt(s), params)


def placeholders(model: Any, *names: str) -> dict[str, Any]:
    """column -> a placeholder named `v_column` with the column's type (JSON, UTC times),
    for .values() of a prepared INSERT or UPDATE; fill them with values()."""
    columns = model.__table__.c
    return {n: bindparam(f"v_{n}", type_=columns[n].type) for n in names}


def values(**given: Any) -> dict[str, Any]:
    """The parameters for placeholders(): {"v_column": value}."""
    return {f"v_{k}": v for k, v in given.items()}
