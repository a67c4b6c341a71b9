"""What the RFC modules share: finding an RFC from what people type, its settings, its
timeline, and the snapshot the card and the log are drawn from. No effects are emitted here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from bot import timeparse
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.parser import INT_LIMIT
from storage.rfc_tables import Rfc, RfcComment, RfcConcern, RfcEvent, RfcReview
from storage.tables import Community
from storage.vote_tables import DecisionRecord, Vote

REVIEW_WINDOW_KEY = "rfc.review_window"
STALE_WINDOW_KEY = "rfc.stale_window"
DEFAULT_REVIEW_WINDOW = "7d"
DEFAULT_STALE_WINDOW = "14d"
DEFAULT_FCP = timedelta(days=7)
MIN_SPAN = timedelta(minutes=1)
MAX_SPAN = timedelta(days=90)

_REF = re.compile(r"^(?:rfc[-\s#]?|#)?(\d{1,9})$", re.IGNORECASE)


def ref_of(rfc: Rfc) -> str:
    """The ref of the RFC's card: its thread is the RFC's discussion."""
    return f"rfc:{rfc.id}"


def label(rfc: Rfc) -> str:
    return f"RFC-{rfc.number}"


def parse_number(text: str, prefix: str = "/") -> int:
    m = _REF.match(text.strip())
    if not m:
        raise UserError(
            _("'{text}' is not an RFC; write RFC-3 or 3. Usage: {prefix}rfc show RFC").format(
                text=text, prefix=prefix
            )
        )
    number = int(m.group(1))
    if number > INT_LIMIT:
        raise UserError(
            _("there is no {value}; {prefix}rfc list shows them").format(
                value=text.strip(), prefix=prefix
            )
        )
    return number


def find(ctx: Ctx, text: str) -> Rfc:
    number = parse_number(text, ctx.prefix)
    rfc = ctx.db.execute(
        select(Rfc).where(Rfc.community_id == ctx.community.id, Rfc.number == number)
    ).scalar_one_or_none()
    if rfc is None:
        raise UserError(
            _("there is no RFC-{number} here; {prefix}rfc list shows them").format(
                number=number, prefix=ctx.prefix
            )
        )
    return rfc


def lock(ctx: Ctx, rfc: Rfc) -> Rfc:
    """The row locked for this transaction on PostgreSQL (SQLite serialises writers), so a
    reply, a concern and the fcp's end on one RFC apply one after the other."""
    if ctx.db.get_bind().dialect.name == "postgresql":
        ctx.db.execute(select(Rfc.id).where(Rfc.id == rfc.id).with_for_update())
        ctx.db.refresh(rfc)
    return rfc


def by_ref(ctx: Ctx, ref: str) -> Rfc | None:
    kind, _, raw = ref.partition(":")
    if kind != "rfc" or not raw.isdigit():
        return None
    rfc = ctx.db.get(Rfc, int(raw))
    if rfc is None or rfc.community_id != ctx.community.id:
        return None
    return lock(ctx, rfc)


def next_number(ctx: Ctx) -> int:
    if ctx.db.get_bind().dialect.name == "postgresql":
        # Two proposals at once would otherwise both read the same maximum.
        ctx.db.execute(
            select(Community.id).where(Community.id == ctx.community.id).with_for_update()
        )
    top = ctx.db.execute(
        select(func.max(Rfc.number)).where(Rfc.community_id == ctx.community.id)
    ).scalar_one()
    return (top or 0) + 1


def is_author_or_moderator(ctx: Ctx, rfc: Rfc) -> bool:
    return ctx.actor.user_id == rfc.author or ctx.is_moderator()


def require_author_or_moderator(ctx: Ctx, rfc: Rfc, what: str) -> None:
    if not is_author_or_moderator(ctx, rfc):
        raise UserError(
            _("only {value}'s author (@{value2}) or a moderator can {what}").format(
                value=label(rfc), value2=rfc.author_display or rfc.author, what=what
            )
        )


# ---- settings
def window(ctx: Ctx, key: str, default: str) -> timedelta:
    raw = ctx.settings.get(key, default)
    try:
        return timeparse.parse_duration(str(raw))
    except timeparse.TimeParseError:
        return timeparse.parse_duration(default)


def review_window(ctx: Ctx) -> timedelta:
    return window(ctx, REVIEW_WINDOW_KEY, DEFAULT_REVIEW_WINDOW)


def stale_window(ctx: Ctx) -> timedelta:
    return window(ctx, STALE_WINDOW_KEY, DEFAULT_STALE_WINDOW)


def check_span(span: timedelta, what: str, usage: str) -> None:
    if span < MIN_SPAN or span > MAX_SPAN:
        raise UserError(
            _("{what} must be between 1 minute and 90 days. Usage: {usage}").format(
                what=what, usage=usage
            )
        )


# ---- timeline
def add_event(ctx: Ctx, rfc: Rfc, what: str, **detail: Any) -> RfcEvent:
    ev = RfcEvent(
        rfc_id=rfc.id or 0,
        at=ctx.now,
        actor=ctx.actor.user_id,
        actor_display=ctx.actor.display,
        what=what,
        detail=detail,
    )
    ctx.db.add(ev)
    return ev


def touch(ctx: Ctx, rfc: Rfc) -> None:
    """Something happened: the quiet period starts again."""
    rfc.last_activity_at = ctx.now
    ctx.db.add(rfc)
    reschedule_stale(ctx, rfc)


def reschedule_stale(ctx: Ctx, rfc: Rfc) -> None:
    key = ref_of(rfc)
    if rfc.stage in ("discussion", "fcp"):
        ctx.schedule("rfc.stale", key, rfc.last_activity_at + stale_window(ctx), {"rfc_id": rfc.id})
    else:
        ctx.cancel("rfc.stale", key=key)


def open_concerns(s: Session, rfc: Rfc) -> list[RfcConcern]:
    return list(
        s.execute(
            select(RfcConcern)
            .where(RfcConcern.rfc_id == rfc.id, RfcConcern.resolved_at.is_(None))
            .order_by(RfcConcern.number)
        ).scalars()
    )


# ---- snapshot for the card and the log
@dataclass
class Snapshot:
    rfc: Rfc
    reviews: list[RfcReview]
    concerns: list[RfcConcern]
    comments: int
    participants: int
    vote: Vote | None
    events: list[RfcEvent]
    records: dict[int, DecisionRecord]

    @property
    def open_concerns(self) -> list[RfcConcern]:
        return [c for c in self.concerns if c.resolved_at is None]


def snapshot(s: Session, rfc: Rfc, *, with_events: bool = False) -> Snapshot:
    reviews = list(
        s.execute(
            select(RfcReview).where(RfcReview.rfc_id == rfc.id).order_by(RfcReview.id)
        ).scalars()
    )
    concerns = list(
        s.execute(
            select(RfcConcern).where(RfcConcern.rfc_id == rfc.id).order_by(RfcConcern.number)
        ).scalars()
    )
    comments, participants = s.execute(
        select(func.count(RfcComment.id), func.count(func.distinct(RfcComment.author))).where(
            RfcComment.rfc_id == rfc.id
        )
    ).one()
    vote = s.get(Vote, rfc.vote_id) if rfc.vote_id else None
    events: list[RfcEvent] = []
    records: dict[int, DecisionRecord] = {}
    if with_events:
        events = list(
            s.execute(
                select(RfcEvent).where(RfcEvent.rfc_id == rfc.id).order_by(RfcEvent.id)
            ).scalars()
        )
        vote_ids = [int(e.detail["vote_id"]) for e in events if e.detail.get("vote_id")]
        if vote_ids:
            for rec in s.execute(
                select(DecisionRecord).where(DecisionRecord.vote_id.in_(vote_ids))
            ).scalars():
                records[rec.vote_id] = rec
    return Snapshot(rfc, reviews, concerns, comments or 0, participants or 0, vote, events, records)


def fcp_left(rfc: Rfc, now: datetime) -> timedelta | None:
    if rfc.stage != "fcp":
        return None
    if rfc.fcp_ends_at is not None:
        return max(rfc.fcp_ends_at - now, timedelta(0))
    if rfc.fcp_remaining_s is not None:
        return timedelta(seconds=rfc.fcp_remaining_s)
    return None
