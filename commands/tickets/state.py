"""Reading and writing tickets: the community's ticket settings, finding a ticket by number
or by the place a command was typed in, permissions on one ticket, and the transcript."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, func, or_, select

from bot import permissions
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.timeparse import format_duration, parse_duration
from commands.tickets import rules
from commands.tickets.business_time import ALWAYS, Schedule, parse_holiday, parse_hours
from storage import repos
from storage.tables import Member, PostedMessage
from storage.ticket_tables import Ticket, TicketMessage

SETTINGS_KEY = "tickets"
MAX_TEXT = 4000


# ---------------------------------------------------------------- settings


def settings(ctx: Ctx) -> dict[str, Any]:
    return dict(ctx.settings.get(SETTINGS_KEY) or {})


def put_settings(ctx: Ctx, values: dict[str, Any]) -> None:
    ctx.set_setting(SETTINGS_KEY, values)


def schedule_of(ctx: Ctx) -> Schedule:
    conf = settings(ctx)
    hours = parse_hours(conf["hours"]) if conf.get("hours") else ALWAYS
    zone = ZoneInfo(conf.get("zone") or ctx.community.timezone or "UTC")
    holidays = frozenset(parse_holiday(d) for d in conf.get("holidays", []))
    return Schedule(hours, zone, holidays)


def levels(ctx: Ctx) -> dict[str, tuple[timedelta, timedelta]]:
    out = dict(rules.DEFAULT_TARGETS)
    for name, (fr, res) in (settings(ctx).get("levels") or {}).items():
        out[name] = (parse_duration(fr), parse_duration(res))
    return out


def span_setting(ctx: Ctx, key: str, default: timedelta) -> timedelta:
    raw = settings(ctx).get(key)
    return parse_duration(raw) if raw else default


def int_setting(ctx: Ctx, key: str, default: int) -> int:
    raw = settings(ctx).get(key)
    return int(raw) if raw is not None else default


def show_span(td: timedelta) -> str:
    return format_duration(td)


# ---------------------------------------------------------------- finding tickets


def label(t: Ticket) -> str:
    return f"#{t.number}"


def ref_of(t: Ticket) -> str:
    return f"ticket:{t.id}"


def lock(ctx: Ctx, t: Ticket) -> Ticket:
    """Locked for this transaction on PostgreSQL (SQLite serialises writers), so a reply, a
    close and a due alert on one ticket apply one after the other."""
    if ctx.db.get_bind().dialect.name == "postgresql":
        ctx.db.execute(select(Ticket.id).where(Ticket.id == t.id).with_for_update())
        ctx.db.refresh(t)
    return t


def is_number(text: str) -> bool:
    """Plain ASCII digits: str.isdigit() also accepts '²' and other digits int() refuses."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def by_ref(ctx: Ctx, ref: str) -> Ticket | None:
    parts = ref.split(":")
    if len(parts) < 2 or parts[0] != "ticket" or not is_number(parts[1]):
        return None
    t = ctx.db.get(Ticket, int(parts[1]))
    if t is None or t.community_id != ctx.community.id:
        return None
    return lock(ctx, t)


def by_number(ctx: Ctx, raw: str) -> Ticket:
    text = raw.strip().lstrip("#")
    if not is_number(text):
        raise UserError(_("'{raw}' is not a ticket number like #12").format(raw=raw))
    t = ctx.db.execute(
        select(Ticket).where(Ticket.community_id == ctx.community.id, Ticket.number == int(text))
    ).scalar_one_or_none()
    if t is None:
        raise UserError(_("there is no ticket #{text}").format(text=text))
    return lock(ctx, t)


def here(ctx: Ctx) -> Ticket | None:
    """The ticket whose place this command was typed in, if any."""
    if ctx.message_ref:
        return by_ref(ctx, ctx.message_ref)
    a = ctx.address
    if not a.channel or ctx.is_direct:
        return None
    in_channel = select(PostedMessage.ref).where(
        PostedMessage.platform == a.platform,
        PostedMessage.channel == a.channel,
        PostedMessage.ref.like("ticket:%"),
    )
    candidates = [m for m in (a.thread, a.message) if m]
    if candidates:
        row = ctx.db.execute(
            in_channel.where(PostedMessage.message_id.in_(candidates)).limit(1)
        ).first()
        if row and row[0]:
            return by_ref(ctx, row[0])
    # A room of its own (Matrix): only one ticket ever posted there, and not its staff channel.
    refs = {r[0].split(":dm")[0] for r in ctx.db.execute(in_channel.limit(50))}
    if len(refs) == 1:
        t = by_ref(ctx, refs.pop())
        if t is not None and t.channel != a.channel:
            return t
    return None


def resolve(ctx: Ctx, raw: str | None, usage: str) -> Ticket:
    if raw:
        return by_number(ctx, raw)
    t = here(ctx)
    if t is None:
        raise UserError(
            _("which ticket? Give its number, or type this in its thread. Usage: {usage}").format(
                usage=usage
            )
        )
    return t


def next_number(ctx: Ctx) -> int:
    return repos.next_number(ctx.db, Ticket.number, Ticket.community_id, ctx.community.id or 0)


def open_count(ctx: Ctx, user_id: str) -> int:
    return ctx.db.execute(
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.community_id == ctx.community.id,
            Ticket.requester == user_id,
            Ticket.status != "closed",
        )
    ).scalar_one()


def last_opened(ctx: Ctx, user_id: str) -> datetime | None:
    return ctx.db.execute(
        select(func.max(Ticket.created_at)).where(
            Ticket.community_id == ctx.community.id, Ticket.requester == user_id
        )
    ).scalar_one()


# ---------------------------------------------------------------- who may do what


def is_staff(ctx: Ctx) -> bool:
    return permissions.is_support(ctx.db, ctx.community, ctx.actor)


def require_party(ctx: Ctx, t: Ticket, what: str) -> None:
    """The requester and staff only; to anyone else the ticket does not exist."""
    if ctx.actor.user_id != t.requester and not is_staff(ctx):
        raise UserError(
            _("you can only {what} your own tickets; {value} is not yours").format(
                what=what, value=label(t)
            )
        )


def require_staff(ctx: Ctx, t: Ticket, what: str) -> None:
    if not is_staff(ctx):
        raise UserError(
            _("only support staff can {what} ({value})").format(what=what, value=label(t))
        )


STAFF_CACHE_KEY = "tickets.staff"
# How long the list of staff for new places is reused before the directory is read again.
STAFF_CACHE_TTL = timedelta(minutes=10)


def staff_ids(ctx: Ctx, limit: int = 50) -> list[str]:
    """Support staff to add to a new ticket's private place. The directory is read at most
    every STAFF_CACHE_TTL, so opening a ticket costs the same at 10 or 10,000 members."""
    cached = repos.kv_get(ctx.db, STAFF_CACHE_KEY, str(ctx.community.id))
    if cached and datetime.fromisoformat(cached["at"]) + STAFF_CACHE_TTL > ctx.now:
        return list(cached["ids"])
    ids = _read_staff(ctx, limit)
    repos.kv_put(
        ctx.db, STAFF_CACHE_KEY, str(ctx.community.id), {"at": ctx.now.isoformat(), "ids": ids}
    )
    return ids


def _read_staff(ctx: Ctx, limit: int) -> list[str]:
    roles = sorted(
        permissions.BUILTIN["support"]
        | permissions.BUILTIN["moderator"]
        | permissions.bound_roles(ctx.db, ctx.community, "support")
        | permissions.bound_roles(ctx.db, ctx.community, "moderator")
    )
    # Narrowed in the database (roles are a JSON list; its text holds each as "name"), so
    # opening a ticket reads the staff, not the whole directory; checked exactly below.
    text = cast(Member.roles, String)
    rows = ctx.db.execute(
        select(Member.user_id, Member.roles, Member.is_admin)
        .where(
            Member.community_id == ctx.community.id,
            Member.active.is_(True),
            or_(Member.is_admin.is_(True), *(text.like(f'%"{r}"%') for r in roles)),
        )
        .order_by(Member.user_id)
        .limit(limit * 4)
    ).all()
    wanted = set(roles)
    out = [u for u, r, admin in rows if u != "moot" and (admin or wanted & set(r or []))]
    return out[:limit]


# ---------------------------------------------------------------- the transcript


def record(
    ctx: Ctx,
    t: Ticket,
    role: str,
    text: str,
    kind: str = "message",
    message_id: str | None = None,
) -> TicketMessage:
    author = "moot" if role == "moot" else ctx.actor.user_id
    display = "Moot" if role == "moot" else ctx.actor.display
    row = TicketMessage(
        ticket_id=t.id or 0,
        at=ctx.now,
        author=author,
        author_display=display,
        role=role,
        kind=kind,
        text=text[:MAX_TEXT],
        message_id=message_id,
    )
    ctx.db.add(row)
    return row


def note_edit(ctx: Ctx, t: Ticket, role: str, original: str, text: str) -> None:
    """An edit is noted, never overwritten: the first words stay, marked edited, and the new
    words follow as their own line."""
    row = (
        ctx.db.execute(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == t.id, TicketMessage.message_id == original)
            # The first line of the message: a second edit finds the first edit's line too.
            .order_by(TicketMessage.id)
        )
        .scalars()
        .first()
    )
    if row is not None:
        row.edited_at = ctx.now
        ctx.db.add(row)
    record(ctx, t, role, text, kind="edit", message_id=original)


def role_of(ctx: Ctx, t: Ticket) -> str:
    if ctx.actor.user_id == t.requester:
        return "requester"
    return "staff" if is_staff(ctx) else "other"


def transcript(ctx: Ctx, t: Ticket, *, with_notes: bool) -> list[TicketMessage]:
    stmt = select(TicketMessage).where(TicketMessage.ticket_id == t.id)
    if not with_notes:
        stmt = stmt.where(TicketMessage.kind != "note")
    return list(ctx.db.execute(stmt.order_by(TicketMessage.at, TicketMessage.id)).scalars())
