"""Reading and writing event rows: loading and locking an occurrence, one person's RSVP,
the running totals, the head of the waitlist, and materialising a series' next
occurrences. No effects are emitted here."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlmodel import Session

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from commands.events import rules
from storage.event_tables import Event, EventRsvp
from storage.tables import Community

# The running total each state is counted in ("no" is a Python-safe "declined").
COUNTER = {
    "going": "going",
    "offered": "offered",
    "waitlist": "waitlist",
    "maybe": "maybe",
    "no": "declined",
}
FEED_TOKEN = "events_feed_token"


def find_event(ctx: Ctx, event_id: int) -> Event:
    event = ctx.db.get(Event, event_id)
    if event is None or event.community_id != ctx.community.id:
        raise UserError(_("there is no event #{event_id}").format(event_id=event_id))
    return event


def lock_event(ctx: Ctx, event_id: int) -> Event:
    """The event row, locked for this transaction on PostgreSQL, so two answers for the
    last seat are applied one after the other (SQLite serialises writers already)."""
    stmt = select(Event).where(Event.id == event_id)
    if ctx.db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    event = ctx.db.execute(stmt).scalar_one_or_none()
    if event is None or event.community_id != ctx.community.id:
        raise UserError(_("there is no event #{event_id}").format(event_id=event_id))
    return event


def event_zone(event: Event) -> ZoneInfo:
    return ZoneInfo(event.zone)


def rsvp_of(ctx: Ctx, event: Event, user_id: str) -> EventRsvp | None:
    return ctx.db.execute(
        select(EventRsvp).where(EventRsvp.event_id == event.id, EventRsvp.user_id == user_id)
    ).scalar_one_or_none()


def taken(event: Event) -> int:
    return event.going + event.offered


def move_count(event: Event, old: str | None, new: str | None) -> None:
    """Keep the running totals in step with one RSVP changing state."""
    if old == new:
        return
    if old is not None:
        setattr(event, COUNTER[old], getattr(event, COUNTER[old]) - 1)
    if new is not None:
        setattr(event, COUNTER[new], getattr(event, COUNTER[new]) + 1)


def first_waiting(ctx: Ctx, event: Event) -> EventRsvp | None:
    return ctx.db.execute(
        select(EventRsvp)
        .where(EventRsvp.event_id == event.id, EventRsvp.state == "waitlist")
        .order_by(EventRsvp.wait_seq)
        .limit(1)
    ).scalar_one_or_none()


def place_in_line(ctx: Ctx, row: EventRsvp) -> int:
    ahead = ctx.db.execute(
        select(func.count())
        .select_from(EventRsvp)
        .where(
            EventRsvp.event_id == row.event_id,
            EventRsvp.state == "waitlist",
            EventRsvp.wait_seq < (row.wait_seq or 0),
        )
    ).scalar_one()
    return int(ahead) + 1


def people(ctx: Ctx, event: Event, states: tuple[str, ...]) -> list[tuple[str, str]]:
    """(user_id, state) of everyone in these states: going in the order they answered, the
    waitlist in its queue order."""
    return [
        (uid, state)
        for uid, state in ctx.db.execute(
            select(EventRsvp.user_id, EventRsvp.state)
            .where(EventRsvp.event_id == event.id, EventRsvp.state.in_(states))
            .order_by(EventRsvp.wait_seq, EventRsvp.answered_at, EventRsvp.id)
        ).all()
    ]


def recount(ctx: Ctx, event: Event) -> dict[str, int]:
    """The totals from the rows themselves: the authority the running totals are checked
    against in tests."""
    rows = ctx.db.execute(
        select(EventRsvp.state, func.count())
        .where(EventRsvp.event_id == event.id)
        .group_by(EventRsvp.state)
    ).all()
    return {COUNTER[state]: int(n) for state, n in rows}


def claim_status(ctx: Ctx, event: Event, old: str, new: str) -> bool:
    """Move the event's status once: a conditional update, so a go/no-go decision or a
    cancellation happens exactly once however many callers race."""
    done = ctx.db.execute(
        update(Event).where(Event.id == event.id, Event.status == old).values(status=new)
    ).rowcount
    if done == 1:
        ctx.db.refresh(event)
    return done == 1


def series(ctx: Ctx, event: Event, *, following: bool) -> list[Event]:
    """This occurrence, and with following the later ones of its series that exist."""
    if event.series_id is None or not following:
        return [event]
    return list(
        ctx.db.execute(
            select(Event)
            .where(Event.series_id == event.series_id, Event.slot >= event.slot)
            .order_by(Event.slot)
        ).scalars()
    )


def future_count(ctx: Ctx, series_id: int) -> int:
    return int(
        ctx.db.execute(
            select(func.count())
            .select_from(Event)
            .where(Event.series_id == series_id, Event.starts_at > ctx.now)
        ).scalar_one()
    )


def materialise(ctx: Ctx, last: Event) -> list[Event]:
    """Add the series' next occurrences after `last` until MATERIALISE future ones exist.
    Each copies `last` (so an "all following" edit carries on) at the rule's next slot."""
    if last.series_id is None or not last.rrule or last.status == "cancelled":
        return []
    head = ctx.db.get(Event, last.series_id)
    if head is None:
        return []
    wanted = rules.MATERIALISE - future_count(ctx, last.series_id)
    if wanted <= 0:
        return []
    zone = event_zone(head)
    slots = rules.occurrences(
        head.rrule or "",
        head.slot.astimezone(zone),
        zone,
        until=head.repeat_until,
        after=last.slot,
        limit=wanted,
    )
    length = last.ends_at - last.starts_at
    made: list[Event] = []
    for i, slot in enumerate(slots, 1):
        copy = Event(
            **{
                k: v
                for k, v in last.model_dump().items()
                if k not in ("id", "going", "maybe", "declined", "waitlist", "offered")
            }
        )
        copy.seq = last.seq + i
        copy.slot = slot
        copy.starts_at = slot
        copy.ends_at = slot + length
        copy.status = "scheduled"
        copy.over = False
        copy.announced = False
        copy.next_wait = 1
        copy.revision = 0
        copy.created_at = ctx.now
        copy.updated_at = ctx.now
        ctx.db.add(copy)
        made.append(copy)
    ctx.db.flush()
    return made


def last_of_series(ctx: Ctx, series_id: int) -> Event | None:
    return ctx.db.execute(
        select(Event).where(Event.series_id == series_id).order_by(Event.slot.desc()).limit(1)
    ).scalar_one_or_none()


def next_unannounced(ctx: Ctx, series_id: int) -> Event | None:
    return ctx.db.execute(
        select(Event)
        .where(
            Event.series_id == series_id,
            Event.announced.is_(False),
            Event.status != "cancelled",
            Event.starts_at > ctx.now,
        )
        .order_by(Event.starts_at)
        .limit(1)
    ).scalar_one_or_none()


def feed_token(ctx: Ctx) -> str:
    token = ctx.settings.get(FEED_TOKEN)
    if not token:
        token = secrets.token_urlsafe(24)
        ctx.set_setting(FEED_TOKEN, token)
    return str(token)


def community_by_token(s: Session, token: str) -> Community | None:
    # Communities are few (one per workspace), so a scan beats another table.
    for community in s.execute(select(Community)).scalars():
        stored = (community.settings or {}).get(FEED_TOKEN)
        if stored and secrets.compare_digest(str(stored), token):
            return community
    return None


def duration_s(td: timedelta | None) -> int | None:
    return int(td.total_seconds()) if td is not None else None


def as_delta(seconds: int | None) -> timedelta | None:
    return timedelta(seconds=seconds) if seconds else None


def event_link_sig(token: str, event_id: int) -> str:
    """A per-event link signature: the link opens one event without revealing the feed."""
    return hmac.new(token.encode(), f"event:{event_id}".encode(), hashlib.sha256).hexdigest()[:20]
