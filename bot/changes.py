"""Last answer wins, by when it was cast: the core's ordering of one person's changes.

A ballot, an RSVP, an upvote: each is one person's answer to one thing, changed over time,
and platforms deliver those changes late, twice, or out of order. A capability records each
change here (a small JSON op) under a scope ("vote:12") and the person, stamped with the
event's cast time from the platform. `record` says whether the change is the newest one;
if it is not, the capability folds the person's changes in cast order to find the answer
that stands, exactly as if they had arrived in order. The fold is the capability's own (its
ops mean what it says); the ordering is here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlmodel import Session

from bot.context import Ctx
from storage.inbox_tables import PersonChange
from storage.prepared import Prepared, core, placeholders, values
from storage.repos import dialect_insert

_RECORD = Prepared(
    lambda d: (
        dialect_insert(d)(PersonChange)
        .values(**placeholders(PersonChange, "scope", "person", "cast_at", "event_id", "op"))
        .on_conflict_do_nothing()
    )
)
_HISTORY = Prepared(
    lambda _d: (
        select(PersonChange.cast_at, PersonChange.event_id, PersonChange.op)
        .where(PersonChange.scope == bindparam("scope"), PersonChange.person == bindparam("person"))
        .order_by(PersonChange.cast_at, PersonChange.id)
    )
)


@dataclass(frozen=True)
class Recorded:
    latest: bool  # no change by this person on this scope was cast after this one
    ops: tuple[dict[str, Any], ...]  # all of them, oldest cast first (this one included)


def cast_at(ctx: Ctx) -> datetime:
    """When the event was cast by the platform's clock; the handler's time when it has none."""
    event = ctx.event
    return event.cast_at if event is not None and event.cast_at is not None else ctx.now


def record(ctx: Ctx, scope: str, person: str, op: dict[str, Any]) -> Recorded:
    event = ctx.event
    event_id = event.event_id if event is not None else f"local:{ctx.now.isoformat()}"
    at = cast_at(ctx)
    where = {"scope": scope, "person": person}
    # A repeat of the same event writes nothing (the unique key); the history says which
    # change is the newest either way.
    core(ctx.db, _RECORD, values(**where, cast_at=at, event_id=event_id, op=op))
    rows = core(ctx.db, _HISTORY, where).all()
    latest = bool(rows) and rows[-1][1] == event_id
    return Recorded(latest, tuple(dict(r[2]) for r in rows))


def forget(ctx: Ctx, scope: str) -> None:
    """Drop a scope's changes once they can no longer matter (a vote closed: nothing it
    stored may link a secret voter to a time or a choice). Inside a batch of due work
    (defer_forgetting) the rows go in one DELETE for the batch, still before it commits."""
    deferred: set[str] | None = ctx.db.info.get(_DEFERRED)
    if deferred is not None:
        deferred.add(scope)
        return
    # A Core statement, prebuilt: nothing loads these rows as objects to keep in step, and
    # the ORM's bulk delete costs a vote's close more than the delete itself.
    ctx.db.execute(_FORGET, {"b_scope": scope})


def defer_forgetting(s: Session) -> None:
    """From now until forget_deferred(s), forget() collects its scopes: a catch-up of
    10,000 closes then pays one DELETE per batch, not one per vote."""
    s.info[_DEFERRED] = set()


def forget_deferred(s: Session) -> None:
    """Delete what forget() collected since defer_forgetting(s); must run before commit."""
    scopes = s.info.pop(_DEFERRED, None)
    if scopes:
        s.execute(_FORGET_MANY, {"b_scopes": sorted(scopes)})


_CHANGES = PersonChange.__table__  # type: ignore[attr-defined]
_FORGET = delete(_CHANGES).where(_CHANGES.c.scope == bindparam("b_scope"))
_FORGET_MANY = delete(_CHANGES).where(_CHANGES.c.scope.in_(bindparam("b_scopes", expanding=True)))
# session.info key: the scopes forget() was given while deferring.
_DEFERRED = "moot_forget_deferred"
