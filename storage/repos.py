"""Queries the core needs, each inside a session the caller owns (the caller's transaction)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Interval,
    String,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel

from storage.personal_tables import MemberSettings
from storage.prepared import Prepared, core, orm, placeholders, values
from storage.tables import (
    AuditLog,
    ChannelPurpose,
    Community,
    DueWork,
    KeyValue,
    Member,
    Outbox,
    PostedMessage,
    ProcessedEvent,
    RoleBinding,
)


def dialect_insert(dialect: str) -> Any:
    return pg_insert if dialect == "postgresql" else sqlite_insert


def insert_or_skip(s: Session, table: Any, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: True if this call made the row. Every "create if
    missing" goes through here, so two processes making the same row never race on a read
    followed by an insert (the loser of such a race would fail on the unique constraint)."""
    insert = dialect_insert(s.get_bind().dialect.name)
    key = list(table.__table__.primary_key.columns)
    # RETURNING, not rowcount: PostgreSQL's driver reports no row count for DO NOTHING.
    stmt = insert(table).values(**values).on_conflict_do_nothing().returning(*key)
    return s.execute(stmt).first() is not None


_COMMUNITY = Prepared(
    lambda _d: select(Community).where(
        Community.platform == bindparam("platform"), Community.workspace == bindparam("workspace")
    )
)


def find_community(s: Session, platform: str, workspace: str) -> Community | None:
    """The community of one platform workspace (Slack team, Discord guild, Matrix home), or
    None while the core has not made it yet."""
    return orm(s, _COMMUNITY, {"platform": platform, "workspace": workspace}).scalar_one_or_none()


def community_language(s: Session, platform: str, workspace: str) -> str | None:
    """A community's `/config language` as stored (None: not set, or no community yet)."""
    found = find_community(s, platform, workspace)
    return (found.settings or {}).get("language") if found is not None else None


def get_or_create_community(
    s: Session, platform: str, workspace: str, now: datetime, default_tz: str = "UTC"
) -> Community:
    row = find_community(s, platform, workspace)
    if row is not None:
        return row
    values = {"platform": platform, "workspace": workspace, "name": "", "timezone": default_tz}
    insert_or_skip(s, Community, {**values, "settings": {}, "created_at": now})
    # Inserted just now, or by the replica that won the race: either way it is there.
    return orm(s, _COMMUNITY, {"platform": platform, "workspace": workspace}).scalar_one()


_MARK_PROCESSED = Prepared(
    lambda d: (
        dialect_insert(d)(ProcessedEvent)
        .values(**placeholders(ProcessedEvent, "platform", "event_id", "processed_at"))
        .on_conflict_do_nothing()
        .returning(ProcessedEvent.event_id)
    )
)


def mark_processed(s: Session, platform: str, event_id: str, now: datetime) -> bool:
    """True the first time an event is seen; False for a repeat. The primary key decides, so
    two processes racing on one retried event cannot both win."""
    given = values(platform=platform, event_id=event_id, processed_at=now)
    return core(s, _MARK_PROCESSED, given).first() is not None


def insert_once(s: Session, model: type[SQLModel], **values: Any) -> bool:
    """Insert a row unless a unique constraint already holds one like it; True if this call
    inserted it. The constraint decides, so two replicas racing cannot both win."""
    insert = dialect_insert(s.get_bind().dialect.name)
    table = model.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    return s.execute(stmt).first() is not None


def prune_processed(s: Session, before: datetime) -> int:
    result = s.execute(delete(ProcessedEvent).where(ProcessedEvent.processed_at < before))
    return result.rowcount or 0


def add_outbox(s: Session, **fields: Any) -> Outbox:
    """One pending outbox row (fields as for outbox_row), flushed so it has its id."""
    row = Outbox(**outbox_row(**fields))
    s.add(row)
    s.flush()
    return row


def outbox_row(
    *,
    community_id: int | None,
    platform: str,
    channel_key: str,
    key: str,
    kind: str,
    payload: dict[str, Any],
    ref: str | None,
    now: datetime,
    priority: int = 1,
) -> dict[str, Any]:
    """The column values of a new pending outbox row, for add_outbox_rows."""
    return {
        "community_id": community_id,
        "platform": platform,
        "channel_key": channel_key,
        "key": key,
        "kind": kind,
        "payload": payload,
        "ref": ref,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "priority": priority,
    }


_ADD_OUTBOX = Prepared(lambda _d: insert(Outbox.__table__))  # type: ignore[attr-defined]


def add_outbox_rows(s: Session, rows: list[dict[str, Any]]) -> None:
    """Several outbox rows in one statement (a transaction's effects are written together)."""
    if rows:
        core(s, _ADD_OUTBOX, rows)  # type: ignore[arg-type]


_PENDING = Prepared(
    lambda _d: (
        select(Outbox)
        .where(Outbox.status == "pending")
        .order_by(Outbox.id)
        .limit(bindparam("limit"))
    )
)


def _other_lanes(_d: str) -> Any:
    # Each lane's rows in its own order (priority, then id), numbered. A command's output
    # (priority 1) comes before due work's, all of it: a person's replies, one after
    # another, are not cut to one a pass by thousands of one-row lanes of card edits. Within
    # each, the first rows of every lane come before any lane's second. The first window
    # already serves the oldest rows, and a catch-up or a reminder round writes due work
    # into new lanes faster than a pass reads them, so oldest-first here would leave a
    # person's answer behind all of it.
    ranked = (
        select(
            Outbox.id,
            func.row_number()
            .over(partition_by=Outbox.channel_key, order_by=(Outbox.priority, Outbox.id))
            .label("n"),
        )
        .where(
            Outbox.status == "pending",
            Outbox.id > bindparam("after"),
            Outbox.channel_key.not_in(bindparam("seen", expanding=True)),
        )
        .subquery()
    )
    return (
        select(Outbox)
        .join(ranked, ranked.c.id == Outbox.id)
        .order_by(Outbox.priority.desc(), ranked.c.n, Outbox.id)
        .limit(bindparam("limit"))
    )


_OTHER_LANES = Prepared(_other_lanes)


def pending_outbox(s: Session, limit: int = 500) -> list[Outbox]:
    """What one sender pass looks at (pending_windows, both windows)."""
    oldest, others = pending_windows(s, limit)
    return oldest + others


def pending_windows(s: Session, limit: int = 500) -> tuple[list[Outbox], list[Outbox]]:
    """The `limit` oldest pending rows, and, when there are more, up to `limit` rows of the
    lanes those leave out, so a reply in a lane of its own never waits for a backlog in
    another lane to drain. At most 2 * limit rows, however many rows or lanes are pending."""
    oldest = list(orm(s, _PENDING, {"limit": limit}).scalars())
    if len(oldest) < limit:
        return oldest, []
    seen = sorted({r.channel_key for r in oldest})
    after = max(r.id or 0 for r in oldest)
    others = orm(s, _OTHER_LANES, {"after": after, "seen": seen, "limit": limit}).scalars()
    return oldest, list(others)


def _db_clock(dialect: str) -> tuple[Any, Any]:
    """The database's clock, read by the statement itself: (now, now + the `lease` parameter),
    as the column stores them. Every replica compares leases against one clock, and against
    the moment of the claim rather than the start of a long pass."""
    if dialect == "postgresql":
        now = func.clock_timestamp(type_=DateTime(timezone=True))
        return now, now + bindparam("lease", type_=Interval())
    # SQLite's 'now' is fixed for the statement; stored as SQLAlchemy stores a datetime
    # (microseconds), so the text compares in time order with values bound from Python.
    fmt = "%Y-%m-%d %H:%M:%f"
    return (
        func.strftime(fmt, "now", type_=String).concat("000"),
        func.strftime(fmt, "now", bindparam("lease_modifier"), type_=String).concat("000"),
    )


def _claim(dialect: str) -> Any:
    now, until = _db_clock(dialect)
    return (
        update(Outbox)
        .where(
            Outbox.id == bindparam("row_id"),
            Outbox.status == "pending",
            (Outbox.claimed_until.is_(None)) | (Outbox.claimed_until < now),
        )
        .values(claimed_until=until, claimed_by=bindparam("owner"), tries=Outbox.tries + 1)
        .returning(Outbox.tries)
    )


_CLAIM = Prepared(_claim)


def claim_outbox(s: Session, row_id: int, owner: str, lease: timedelta) -> int | None:
    """Claim one row for `lease` from now by the database's clock (read inside the UPDATE: one
    statement), if it is still pending and nobody holds an unexpired claim. Returns how many
    attempts had started before this one (above 0: an earlier one may have reached the
    platform), or None if not claimed."""
    params = {
        "row_id": row_id,
        "owner": owner,
        "lease": lease,
        "lease_modifier": f"+{lease.total_seconds():.6f} seconds",
    }
    if s.get_bind().dialect.name == "postgresql":
        del params["lease_modifier"]
    else:
        del params["lease"]
    row = core(s, _CLAIM, params).first()
    return None if row is None else int(row[0]) - 1


_FINISH = Prepared(
    lambda _d: (
        update(Outbox)
        .where(Outbox.id == bindparam("row_id"))
        .values(claimed_until=None, **placeholders(Outbox, "status", "sent_at", "last_error"))
    )
)


def finish_outbox(
    s: Session, row_id: int, status: str, sent_at: datetime | None, error: str | None
) -> None:
    """A row done with: sent, superseded or failed for good; its claim let go."""
    core(
        s,
        _FINISH,
        {"row_id": row_id, **values(status=status, sent_at=sent_at, last_error=error)},
    )


def release_own_claims(s: Session, owner: str) -> int:
    """A replica starting again: the claims its previous life held are its own to resume."""
    result = s.execute(
        update(Outbox)
        .where(Outbox.claimed_by == owner, Outbox.status == "pending")
        .values(claimed_until=None)
    )
    return result.rowcount or 0


_SEND_PENDING = Prepared(
    lambda _d: (
        select(Outbox.id)
        .where(Outbox.ref == bindparam("ref"), Outbox.kind == "send", Outbox.status == "pending")
        .limit(1)
    )
)


def send_pending(s: Session, ref: str) -> bool:
    """Whether a send that will post the message `ref` is still waiting in the outbox."""
    return core(s, _SEND_PENDING, {"ref": ref}).first() is not None


def _waiting_edit(ref_clause: Any) -> list[Any]:
    """The outbox rows that are an edit of the message(s) `ref_clause` names, still waiting
    for a sender."""
    return [
        ref_clause,
        Outbox.kind == "edit",
        # `|| ''` keeps SQLite on the ref index: on the (status, next_attempt_at) index
        # this scans every pending row, which grows with a backlog.
        (Outbox.status + "") == "pending",
        Outbox.claimed_until.is_(None),
    ]


def _pending_edit(dialect: str) -> Any:
    stmt = select(Outbox.id).where(*_waiting_edit(Outbox.ref == bindparam("ref"))).limit(1)
    return stmt.with_for_update() if dialect == "postgresql" else stmt


_PENDING_EDIT = Prepared(_pending_edit)


def pending_edit(s: Session, ref: str) -> bool:
    """Whether an edit of this message waits in the outbox, not yet claimed by a sender.
    Locked on PostgreSQL, so a sender claiming it waits for this transaction to commit and
    then renders what it wrote."""
    return core(s, _PENDING_EDIT, {"ref": ref}).first() is not None


def pending_edits(s: Session, refs: list[str]) -> set[str]:
    """pending_edit for many messages in one read (a batch of closes), locked alike."""
    if not refs:
        return set()
    stmt = select(Outbox.ref).where(*_waiting_edit(Outbox.ref.in_(refs)))
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return {str(ref) for ref in s.execute(stmt).scalars()}


_LATEST_POSTED = Prepared(
    lambda _d: (
        select(PostedMessage)
        .where(PostedMessage.ref == bindparam("ref"))
        .order_by(PostedMessage.id.desc())
        .limit(1)
    )
)


def latest_posted(s: Session, ref: str) -> PostedMessage | None:
    return orm(s, _LATEST_POSTED, {"ref": ref}).scalars().first()


_POSTED_COLUMNS = (
    "community_id",
    "platform",
    "channel",
    "message_id",
    "thread",
    "ref",
    "choices",
    "outbox_id",
    "created_at",
)
_RECORD_POSTED = Prepared(
    lambda d: (
        dialect_insert(d)(PostedMessage)
        .values(**placeholders(PostedMessage, *_POSTED_COLUMNS))
        .on_conflict_do_nothing()
        # RETURNING, not rowcount: PostgreSQL's driver reports no row count for DO NOTHING.
        .returning(PostedMessage.id)
    )
)
_POSTED_OPTIONAL = {"community_id": None, "thread": None, "ref": None, "outbox_id": None}


def record_posted(s: Session, **given: Any) -> bool:
    """Remember a message the bot posted (once, however many replicas report it)."""
    row = {**_POSTED_OPTIONAL, "choices": [], **given}
    return core(s, _RECORD_POSTED, values(**row)).first() is not None


_SET_CHOICES = Prepared(
    lambda _d: (
        update(PostedMessage)
        .where(PostedMessage.id == bindparam("posted_id"))
        .values(**placeholders(PostedMessage, "choices"))
    )
)


def set_posted_choices(s: Session, posted_id: int, choices: list[dict[str, Any]]) -> None:
    """What an edited message's buttons now are."""
    core(s, _SET_CHOICES, {"posted_id": posted_id, **values(choices=choices)})


_POSTED_AT = Prepared(
    lambda _d: select(PostedMessage).where(
        PostedMessage.platform == bindparam("platform"),
        PostedMessage.channel == bindparam("channel"),
        PostedMessage.message_id == bindparam("message_id"),
    )
)


def posted_at(s: Session, platform: str, channel: str, message_id: str) -> PostedMessage | None:
    where = {"platform": platform, "channel": channel, "message_id": message_id}
    return orm(s, _POSTED_AT, where).scalar_one_or_none()


def next_number(s: Session, number_column: Any, community_column: Any, community_id: int) -> int:
    """The next per-community number (RFC-4, ticket #12): the highest so far plus one. On
    PostgreSQL the community row is locked first, so two at once cannot take the same one
    (SQLite serialises writers already)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(select(Community.id).where(Community.id == community_id).with_for_update())
    top = s.execute(select(func.max(number_column)).where(community_column == community_id))
    return (top.scalar_one() or 0) + 1


def latest_relay_in(s: Session, platform: str, channel: str) -> str | None:
    """The newest relayed copy (a ref ending ':dm') posted in a DM channel: what a plain
    reply there answers."""
    row = s.execute(
        select(PostedMessage.message_id)
        .where(
            PostedMessage.platform == platform,
            PostedMessage.channel == channel,
            PostedMessage.ref.like("%:dm"),
        )
        .order_by(PostedMessage.id.desc())
        .limit(1)
    ).first()
    return row[0] if row else None


def ref_channel_key(s: Session, ref: str) -> str | None:
    """The delivery lane of the message a ref names, whether or not it has gone out yet."""
    row = s.execute(
        select(Outbox.channel_key)
        .where(Outbox.ref == ref, Outbox.kind == "send")
        .order_by(Outbox.id.desc())
        .limit(1)
    ).first()
    return row[0] if row else None


def ref_channel_keys(s: Session, refs: list[str]) -> dict[str, str]:
    """ref_channel_key for many refs in one read (the latest send of each)."""
    out: dict[str, str] = {}
    for chunk in range(0, len(refs), 500):
        rows = s.execute(
            select(Outbox.ref, Outbox.channel_key)
            .where(Outbox.ref.in_(refs[chunk : chunk + 500]), Outbox.kind == "send")
            .order_by(Outbox.id)
        ).all()
        out.update({ref: key for ref, key in rows if ref})
    return out


def schedule(
    s: Session,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    community_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> DueWork:
    """Create or move due work. Moving done work makes it pending again."""
    row = s.execute(
        select(DueWork).where(DueWork.kind == kind, DueWork.key == key)
    ).scalar_one_or_none()
    if row is None:
        row = DueWork(
            kind=kind,
            key=key,
            due_at=due_at,
            community_id=community_id,
            payload=payload or {},
            status="pending",
        )
        s.add(row)
    else:
        row.due_at = due_at
        row.status = "pending"
        row.attempts = 0
        row.done_at = None
        if payload is not None:
            row.payload = payload
    s.flush()
    return row


def key_prefix_range(s: Session, column: Any, prefix: str) -> Any:
    """`column` starts with `prefix`, as an index range (>= prefix, < the next string) rather
    than LIKE, which neither database can serve from a plain index once the prefix is a bound
    parameter. Bytes are compared (COLLATE "C" on PostgreSQL), so the range is exact."""
    if s.get_bind().dialect.name == "postgresql":
        column = column.collate("C")
    upper = prefix_successor(prefix)
    if upper is None:
        return column >= prefix
    return and_(column >= prefix, column < upper)


def prefix_successor(prefix: str) -> str | None:
    """The least string greater than every string that starts with `prefix`."""
    while prefix and ord(prefix[-1]) == 0x10FFFF:
        prefix = prefix[:-1]
    if not prefix:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def cancel_due(s: Session, kind: str, key: str | None = None, key_prefix: str | None = None) -> int:
    """Cancel pending items of a kind, by key or key prefix. One prebuilt Core statement (an
    ORM bulk update compiles and evaluates anew per call: ten times the cost, and a close
    of a vote makes one), then the session's loaded copies are brought in line, as the ORM's
    own synchronisation would have done."""
    pg = s.get_bind().dialect.name == "postgresql"
    params: dict[str, Any] = {"b_kind": kind}
    if key is not None:
        params["b_key"] = key
    upper = prefix_successor(key_prefix) if key_prefix else None
    if key_prefix:
        params["lo"] = key_prefix
        if upper is not None:
            params["hi"] = upper
    stmt = _cancel_statement(pg, key is not None, bool(key_prefix), upper is not None)
    count = s.execute(stmt, params).rowcount or 0
    if count:
        for obj in list(s.identity_map.values()):
            if (
                isinstance(obj, DueWork)
                and obj.kind == kind
                and obj.status == "pending"
                and (key is None or obj.key == key)
                and (not key_prefix or obj.key.startswith(key_prefix))
            ):
                set_committed_value(obj, "status", "cancelled")
    return count


@functools.cache
def _cancel_statement(pg: bool, by_key: bool, by_prefix: bool, bounded: bool) -> Any:
    table = DueWork.__table__  # type: ignore[attr-defined]
    column = table.c.key.collate("C") if pg else table.c.key
    stmt = update(table).where(table.c.kind == bindparam("b_kind"), table.c.status == "pending")
    if by_key:
        stmt = stmt.where(table.c.key == bindparam("b_key"))
    if by_prefix:
        stmt = stmt.where(column >= bindparam("lo"))
        if bounded:
            stmt = stmt.where(column < bindparam("hi"))
    return stmt.values(status="cancelled")


def claim_due(s: Session, work_id: int, at: datetime) -> bool:
    """Mark one pending item done, if it still is: the claim that makes it run once."""
    return s.execute(_CLAIM_DUE, {"work_id": work_id, "at": at}).rowcount == 1


_DUE = DueWork.__table__  # type: ignore[attr-defined]
_CLAIM_DUE = (
    update(_DUE)
    .where(_DUE.c.id == bindparam("work_id"), _DUE.c.status == "pending")
    .values(status="done", done_at=bindparam("at"))
)


def later_due_pending(s: Session, work: DueWork, key_prefix: str, now: datetime) -> bool:
    """Whether a later item of the same kind and prefix is also due by now: after downtime
    only the latest of several overdue reminders is worth sending."""
    return (
        s.execute(
            select(DueWork.id).where(
                DueWork.kind == work.kind,
                key_prefix_range(s, DueWork.key, key_prefix),
                DueWork.status == "pending",
                DueWork.due_at <= now,
                DueWork.due_at > work.due_at,
            )
        ).first()
        is not None
    )


def next_due_at(s: Session) -> datetime | None:
    """The earliest pending deadline: one read of ix_due_work_walk, whatever the backlog."""
    row = s.execute(
        select(DueWork.due_at)
        .where(DueWork.status == "pending")
        .order_by(DueWork.due_at, DueWork.id)
        .limit(1)
    ).first()
    return row[0] if row else None


def next_due_work(
    s: Session, at: datetime, after: tuple[datetime, int] | None, *, lock: bool, limit: int = 1
) -> list[DueWork]:
    """The first pending items due by `at` past the keyset cursor `after` (due_at, id), oldest
    deadline first. The cursor, not a growing `NOT IN`, keeps a pass over 10,000 items linear
    and lets a handler put its own work back at an already-due time without being rerun in
    that pass."""
    stmt = select(DueWork).where(DueWork.status == "pending", DueWork.due_at <= at)
    if after is not None:
        stmt = stmt.where(tuple_(DueWork.due_at, DueWork.id) > tuple_(*after))
    stmt = stmt.order_by(DueWork.due_at, DueWork.id).limit(limit)
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    return list(s.execute(stmt).scalars())


def due_lag(s: Session, now: datetime) -> float:
    """Seconds the oldest pending due item is overdue (0 when nothing is overdue)."""
    oldest = next_due_at(s)
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def audit(
    s: Session,
    community_id: int | None,
    actor_id: str,
    actor_display: str,
    action: str,
    detail: dict[str, Any],
    now: datetime,
) -> None:
    s.add(
        AuditLog(
            community_id=community_id,
            at=now,
            actor_id=actor_id,
            actor_display=actor_display,
            action=action,
            detail=detail,
        )
    )


def channel_for(s: Session, community_id: int, purpose: str) -> str | None:
    row = s.execute(
        select(ChannelPurpose.channel).where(
            ChannelPurpose.community_id == community_id, ChannelPurpose.purpose == purpose
        )
    ).first()
    return row[0] if row else None


def set_channel(s: Session, community_id: int, purpose: str, channel: str) -> None:
    values = {"community_id": community_id, "purpose": purpose, "channel": channel}
    if not insert_or_skip(s, ChannelPurpose, values):
        s.execute(
            update(ChannelPurpose)
            .where(ChannelPurpose.community_id == community_id, ChannelPurpose.purpose == purpose)
            .values(channel=channel)
        )


def channel_purposes(s: Session, community_id: int) -> dict[str, str]:
    rows = s.execute(
        select(ChannelPurpose).where(ChannelPurpose.community_id == community_id)
    ).scalars()
    return {r.purpose: r.channel for r in rows}


def role_bindings(s: Session, community_id: int) -> list[RoleBinding]:
    return list(
        s.execute(
            select(RoleBinding)
            .where(RoleBinding.community_id == community_id)
            .order_by(RoleBinding.kind, RoleBinding.name, RoleBinding.role)
        ).scalars()
    )


def bind_role(s: Session, community_id: int, kind: str, name: str, role: str) -> bool:
    values = {"community_id": community_id, "kind": kind, "name": name, "role": role}
    return insert_or_skip(s, RoleBinding, values)


def unbind_role(s: Session, community_id: int, kind: str, name: str, role: str) -> bool:
    result = s.execute(
        delete(RoleBinding).where(
            RoleBinding.community_id == community_id,
            RoleBinding.kind == kind,
            RoleBinding.name == name,
            RoleBinding.role == role,
        )
    )
    return bool(result.rowcount)


def kv_get(s: Session, namespace: str, key: str) -> dict[str, Any] | None:
    row = s.get(KeyValue, (namespace, key))
    return dict(row.value) if row else None


def kv_put(s: Session, namespace: str, key: str, value: dict[str, Any]) -> None:
    if not insert_or_skip(s, KeyValue, {"namespace": namespace, "key": key, "value": value}):
        s.execute(
            update(KeyValue)
            .where(KeyValue.namespace == namespace, KeyValue.key == key)
            .values(value=value)
        )


def upsert_member(
    s: Session,
    community_id: int,
    user_id: str,
    *,
    display: str,
    roles: list[str] | None,
    is_admin: bool,
    now: datetime,
    channel: str | None = None,
    channels: list[str] | None = None,
) -> Member:
    """Record what an adapter knows of a person. roles=None keeps the stored roles (an event
    from a platform that does not carry roles must not wipe them)."""
    row = member(s, community_id, user_id)
    if row is None:
        find = select(Member).where(Member.community_id == community_id, Member.user_id == user_id)
        made = insert_or_skip(
            s,
            Member,
            {
                "community_id": community_id,
                "user_id": user_id,
                "display": display,
                "roles": sorted(roles or []),
                "is_admin": is_admin,
                "channels": sorted(set(channels or []) | ({channel} if channel else set())),
                "active": True,
                "updated_at": now,
            },
        )
        row = s.execute(find).scalar_one()
        if made:
            return row
    changed = False
    if display and row.display != display:
        row.display, changed = display, True
    if roles is not None and sorted(roles) != row.roles:
        row.roles, row.is_admin, changed = sorted(roles), is_admin, True
    wanted = set(row.channels)
    if channels is not None:
        wanted = set(channels)
    if channel:
        wanted.add(channel)
    if sorted(wanted) != row.channels:
        row.channels, changed = sorted(wanted), True
    if not row.active:
        row.active, changed = True, True
    if changed:
        row.updated_at = now
        s.add(row)
        s.flush()
    return row


@dataclass(frozen=True)
class MemberView:
    """A read-only directory entry. Rosters are read on every ballot, and plain rows are
    several times cheaper than ORM objects."""

    user_id: str
    display: str
    roles: list[str]
    is_admin: bool
    channels: list[str]


def members(s: Session, community_id: int, channel: str | None = None) -> list[MemberView]:
    rows = s.execute(
        select(Member.user_id, Member.display, Member.roles, Member.is_admin, Member.channels)
        .where(Member.community_id == community_id, Member.active.is_(True))
        .order_by(Member.user_id)
    ).all()
    views = [MemberView(*row) for row in rows]
    if channel is None:
        return views
    return [m for m in views if "*" in m.channels or channel in m.channels]


_MEMBER = Prepared(
    lambda _d: select(Member).where(
        Member.community_id == bindparam("community_id"), Member.user_id == bindparam("user_id")
    )
)


def member(s: Session, community_id: int, user_id: str) -> Member | None:
    where = {"community_id": community_id, "user_id": user_id}
    return orm(s, _MEMBER, where).scalar_one_or_none()


# ---------------------------------------------------------------- personal settings


_ONE_PERSON = Prepared(
    lambda _d: select(MemberSettings.settings).where(
        MemberSettings.community_id == bindparam("community_id"),
        MemberSettings.user_id == bindparam("user_id"),
    )
)


def personal_settings(s: Session, community_id: int, user_ids: list[str]) -> dict[str, dict]:
    """Each listed member's personal settings (absent members: no entry), in one query."""
    out: dict[str, dict] = {}
    if len(user_ids) == 1:  # every event asks for its actor's: the prepared form
        where = {"community_id": community_id, "user_id": user_ids[0]}
        found = core(s, _ONE_PERSON, where).first()
        return {} if found is None else {user_ids[0]: dict(found[0] or {})}
    for chunk in range(0, len(user_ids), 500):
        rows = s.execute(
            select(MemberSettings.user_id, MemberSettings.settings).where(
                MemberSettings.community_id == community_id,
                MemberSettings.user_id.in_(user_ids[chunk : chunk + 500]),
            )
        ).all()
        out.update({uid: dict(settings or {}) for uid, settings in rows})
    return out


def set_personal_setting(
    s: Session, community_id: int, user_id: str, key: str, value: Any, now: datetime
) -> None:
    row = s.execute(
        select(MemberSettings).where(
            MemberSettings.community_id == community_id, MemberSettings.user_id == user_id
        )
    ).scalar_one_or_none()
    if row is None:
        row = MemberSettings(community_id=community_id, user_id=user_id, settings={})
    # JSON columns only notice a new dict, not an in-place change.
    row.settings = {**(row.settings or {}), key: value}
    row.updated_at = now
    s.add(row)
    s.flush()
