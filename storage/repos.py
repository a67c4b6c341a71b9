"""Queries the core needs, each inside a session the caller owns (the caller's transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

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


def get_or_create_community(
    s: Session, platform: str, workspace: str, now: datetime, default_tz: str = "UTC"
) -> Community:
    row = s.execute(
        select(Community).where(Community.platform == platform, Community.workspace == workspace)
    ).scalar_one_or_none()
    if row is not None:
        return row
    row = Community(
        platform=platform, workspace=workspace, timezone=default_tz, settings={}, created_at=now
    )
    s.add(row)
    s.flush()
    return row


def mark_processed(s: Session, platform: str, event_id: str, now: datetime) -> bool:
    """True the first time an event is seen; False for a repeat. The primary key decides, so
    two processes racing on one retried event cannot both win."""
    values = {"platform": platform, "event_id": event_id, "processed_at": now}
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(ProcessedEvent)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(ProcessedEvent.event_id)
    )
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
    }


def add_outbox_rows(s: Session, rows: list[dict[str, Any]]) -> None:
    """Several outbox rows in one statement (a transaction's effects are written together)."""
    if rows:
        s.execute(insert(Outbox), rows)


def pending_outbox(s: Session, limit: int = 200) -> list[Outbox]:
    return list(
        s.execute(
            select(Outbox).where(Outbox.status == "pending").order_by(Outbox.id).limit(limit)
        ).scalars()
    )


def claim_outbox(s: Session, row_id: int, now: datetime, until: datetime) -> bool:
    result = s.execute(
        update(Outbox)
        .where(
            Outbox.id == row_id,
            Outbox.status == "pending",
            (Outbox.claimed_until.is_(None)) | (Outbox.claimed_until < now),
        )
        .values(claimed_until=until)
    )
    return result.rowcount == 1


def pending_edit(s: Session, ref: str) -> bool:
    """Whether an edit of this message waits in the outbox, not yet claimed by a sender.
    Locked on PostgreSQL, so a sender claiming it waits for this transaction to commit and
    then renders what it wrote."""
    stmt = (
        select(Outbox.id)
        .where(
            Outbox.ref == ref,
            Outbox.kind == "edit",
            # `|| ''` keeps SQLite on the ref index: on the (status, next_attempt_at) index
            # this scans every pending row, which grows with a backlog.
            (Outbox.status + "") == "pending",
            Outbox.claimed_until.is_(None),
        )
        .limit(1)
    )
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return s.execute(stmt).first() is not None


def latest_posted(s: Session, ref: str) -> PostedMessage | None:
    return (
        s.execute(
            select(PostedMessage).where(PostedMessage.ref == ref).order_by(PostedMessage.id.desc())
        )
        .scalars()
        .first()
    )


def posted_at(s: Session, platform: str, channel: str, message_id: str) -> PostedMessage | None:
    return s.execute(
        select(PostedMessage).where(
            PostedMessage.platform == platform,
            PostedMessage.channel == channel,
            PostedMessage.message_id == message_id,
        )
    ).scalar_one_or_none()


def ref_channel_key(s: Session, ref: str) -> str | None:
    """The delivery lane of the message a ref names, whether or not it has gone out yet."""
    row = s.execute(
        select(Outbox.channel_key)
        .where(Outbox.ref == ref, Outbox.kind == "send")
        .order_by(Outbox.id.desc())
    ).first()
    return row[0] if row else None


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


def cancel_due(s: Session, kind: str, key: str | None = None, key_prefix: str | None = None) -> int:
    stmt = update(DueWork).where(DueWork.kind == kind, DueWork.status == "pending")
    if key is not None:
        stmt = stmt.where(DueWork.key == key)
    if key_prefix:
        stmt = stmt.where(DueWork.key.startswith(key_prefix))
        if s.get_bind().dialect.name == "sqlite":
            # A LIKE with a bound pattern cannot use the (kind, key) index in SQLite, so
            # every pending row of the kind was read; the same prefix as a key range can
            # (SQLite compares text bytewise, so the range holds exactly the prefix's keys).
            upper = key_prefix[:-1] + chr(ord(key_prefix[-1]) + 1)
            stmt = stmt.where(DueWork.key >= key_prefix, DueWork.key < upper)
    return s.execute(stmt.values(status="cancelled")).rowcount or 0


def next_due_at(s: Session) -> datetime | None:
    row = s.execute(
        select(DueWork.due_at).where(DueWork.status == "pending").order_by(DueWork.due_at)
    ).first()
    return row[0] if row else None


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
    row = s.execute(
        select(ChannelPurpose).where(
            ChannelPurpose.community_id == community_id, ChannelPurpose.purpose == purpose
        )
    ).scalar_one_or_none()
    if row is None:
        s.add(ChannelPurpose(community_id=community_id, purpose=purpose, channel=channel))
    else:
        row.channel = channel
    s.flush()


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
    exists = s.execute(
        select(RoleBinding).where(
            RoleBinding.community_id == community_id,
            RoleBinding.kind == kind,
            RoleBinding.name == name,
            RoleBinding.role == role,
        )
    ).scalar_one_or_none()
    if exists is not None:
        return False
    s.add(RoleBinding(community_id=community_id, kind=kind, name=name, role=role))
    s.flush()
    return True


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
    row = s.get(KeyValue, (namespace, key))
    if row is None:
        s.add(KeyValue(namespace=namespace, key=key, value=value))
    else:
        row.value = value
    s.flush()


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
    row = s.execute(
        select(Member).where(Member.community_id == community_id, Member.user_id == user_id)
    ).scalar_one_or_none()
    if row is None:
        row = Member(
            community_id=community_id,
            user_id=user_id,
            display=display,
            roles=sorted(roles or []),
            is_admin=is_admin,
            channels=sorted(set(channels or []) | ({channel} if channel else set())),
            updated_at=now,
        )
        s.add(row)
        s.flush()
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


def member(s: Session, community_id: int, user_id: str) -> Member | None:
    return s.execute(
        select(Member).where(Member.community_id == community_id, Member.user_id == user_id)
    ).scalar_one_or_none()
