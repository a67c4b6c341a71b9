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

from sqlalchemy import CursorResult, Executable, bindparam, insert
from sqlalchemy.orm import make_transient_to_detached
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


def inserter(model: Any, *names: str) -> Prepared:
    """INSERT of the given columns, returning the new id; run with add_row()."""
    return Prepared(lambda _d: insert(model).values(**placeholders(model, *names)).returning(
        model.__table__.c.id
    ))


def add_row(s: Session, stmt: Prepared, model: Any, **fields: Any) -> Any:
    """Insert a row with a prepared statement and return it as an object of the session,
    as if added and flushed, without the unit of work's cost or a read back: a catch-up's
    10,000 closes each insert a decision record and a knowledge-base entry this way.
    `fields` must be every column the statement names; `model` defaults fill the rest."""
    new_id = core(s, stmt, values(**fields)).scalar_one()
    return attach(s, model(**fields, id=new_id))


def attach(s: Session, obj: Any) -> Any:
    """An object whose row was written by a Core statement, made persistent in the
    session (identity map included) without SQL."""
    make_transient_to_detached(obj)
    s.add(obj)
    return obj
