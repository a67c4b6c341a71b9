"""The moves of events: creating and editing (this occurrence or all following), answering
by command, button or reaction, promotion from the waitlist, cancelling, and the due work
(reminders, offers that lapse, go/no-go and the end of an occurrence are in timers).

Hooks fired in the same transaction, for other capabilities and a future Discord mirror:
"event.created" (event), "event.changed" (event, changed), "event.cancelled" (event,
reason)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import NP_, _, pgettext
from bot.model import Address, Choice, Send
from bot.specs import Param
from bot.timeparse import TimeParseError, format_when, load_zone, parse_datetime
from commands.events import render, rules
from commands.events.state import (
    as_delta,
    claim_status,
    duration_s,
    event_zone,
    feed_token,
    first_waiting,
    last_of_series,
    lock_event,
    materialise,
    move_count,
    people,
    place_in_line,
    rsvp_of,
    series,
    taken,
)
from storage import repos, role_tables
from storage.event_tables import Event, EventRsvp

log = logging.getLogger("moot.events")

MAX_TITLE = 200
MAX_LENGTH = timedelta(days=14)
MAX_AHEAD = timedelta(days=3 * 366)
DEFAULT_LENGTH = timedelta(hours=1)
# Who hears of a change of time or place, or of a cancellation.
AUDIENCE = ("going", "offered", "waitlist", "maybe")

EVENT_OPTIONS: tuple[Param, ...] = (
    Param("at", "text", metavar="DATETIME", help="start, in your zone (see /me timezone)"),
    Param("for", "duration", metavar="DURATION", help="length, default 1h"),
    Param("where", "text", metavar="TEXT|URL", help="the place or the call link"),
    Param("description", "text", metavar="TEXT", help="what it is about"),
    Param("capacity", "int", metavar="N", help="seats; more going wait on a waitlist"),
    Param("claim_within", "duration", metavar="DURATION", help="a promoted person must confirm"),
    Param("min", "int", metavar="N", help="go/no-go: cancelled unless N are going"),
    Param("decide_before", "duration", metavar="DURATION", help="go/no-go: when to decide"),
    Param(
        "repeat",
        "text",
        metavar="weekly|biweekly|monthly|RRULE",
        help="a series, e.g. FREQ=WEEKLY;BYDAY=TU,TH (at most daily)",
    ),
    Param("until", "text", metavar="DATE", help="last date of a series"),
    Param("remind", "text", metavar="1d,1h", help="reminder lead times, or none"),
    Param("rsvp_until", "text", metavar="DATETIME", help="answers close then"),
    Param("role", "role", many=True, metavar="ROLE", help="only holders may answer"),
    Param("zone", "text", metavar="IANA", help="read times in this zone"),
)
CREATE_PARAMS: tuple[Param, ...] = (
    Param("title", positional=True, required=True, metavar='"TITLE"', help="what it is called"),
    Param("at", "text", required=True, metavar="DATETIME", help="start, in your zone"),
    *EVENT_OPTIONS[1:],
)
EDIT_PARAMS: tuple[Param, ...] = (
    Param("id", "int", positional=True, required=True),
    Param("title", "text", metavar="TEXT"),
    *EVENT_OPTIONS,
    Param("scope", "choice", choices=("this", "following"), help="of a series; default this"),
)


def usage(ctx: Ctx, sub: str) -> str:
    spec = ctx.registry.find("event", sub)
    return spec.usage(ctx.prefix) if spec else f"{ctx.prefix}event {sub}"


def refuse(ctx: Ctx, sub: str, problem: str) -> UserError:
    return UserError(_("{problem}. Usage: {value}").format(problem=problem, value=usage(ctx, sub)))


def reader_zone(ctx: Ctx, user_id: str | None = None) -> ZoneInfo:
    return ctx.zone_of(user_id)


def show_when(ctx: Ctx, at: datetime, zone: ZoneInfo) -> str:
    return render.when(ctx.community.platform, at, zone)


# What an organiser may do that others may not, as the refusal names it.
_ORGANISER_ACTIONS = (NP_("event action", "edit"), NP_("event action", "cancel"))


def organiser_or_moderator(ctx: Ctx, event: Event, sub: str) -> None:
    if ctx.actor.user_id != event.created_by and not ctx.is_moderator():
        raise UserError(
            _(
                "only the organiser ({created_by_display}) or a moderator may {sub} event #{id}"
            ).format(
                created_by_display=event.created_by_display,
                sub=pgettext("event action", sub),
                id=event.id,
            )
        )


# ---------------------------------------------------------------- reading options


def _zone(ctx: Ctx, args: dict[str, Any], sub: str, default: ZoneInfo) -> ZoneInfo:
    if not args.get("zone"):
        return default
    try:
        return load_zone(args["zone"])
    except TimeParseError as exc:
        raise refuse(ctx, sub, str(exc)) from None


def _time(ctx: Ctx, text: str, zone: ZoneInfo, sub: str, what: str) -> datetime:
    try:
        return parse_datetime(text, ctx.now, zone, refuse_gap=True)
    except TimeParseError as exc:
        raise refuse(ctx, sub, f"{what}: {exc}") from None


def _apply(ctx: Ctx, event: Event, args: dict[str, Any], sub: str, zone: ZoneInfo) -> set[str]:
    """Check and set the options given; returns which kinds of thing changed ("time",
    "place", "repeat", "capacity", "schedule"). Raises before anything is written."""
    changed: set[str] = set()
    if args.get("title") is not None:
        title = args["title"].strip()
        if not title or len(title) > MAX_TITLE:
            raise refuse(
                ctx, sub, _("a title has 1 to {MAX_TITLE} characters").format(MAX_TITLE=MAX_TITLE)
            )
        event.title = title
    length = event.ends_at - event.starts_at if event.ends_at else DEFAULT_LENGTH
    if args.get("for") is not None:
        length = args["for"]
        if not timedelta(minutes=1) <= length <= MAX_LENGTH:
            raise refuse(ctx, sub, _("an event lasts from 1 minute to 14 days"))
        changed.add("time")
    if args.get("at"):
        start = _time(ctx, args["at"], zone, sub, "--at")
        if start <= ctx.now:
            raise refuse(
                ctx,
                sub,
                _("the start {value} is in the past").format(value=format_when(start, zone)),
            )
        if start - ctx.now > MAX_AHEAD:
            raise refuse(ctx, sub, _("an event starts within 3 years"))
        if start != event.starts_at:
            changed.add("time")
        event.starts_at = start
    event.ends_at = event.starts_at + length
    if args.get("where") is not None:
        event.location = args["where"].strip()[:1000] or None
        changed.add("place")
    if args.get("description") is not None:
        event.description = args["description"].strip()[:2000] or None
    if args.get("capacity") is not None:
        if not 1 <= args["capacity"] <= 100_000:
            raise refuse(ctx, sub, _("a capacity is a whole number from 1 to 100000"))
        event.capacity = args["capacity"]
        changed.add("capacity")
    if args.get("claim_within") is not None:
        if not timedelta(minutes=5) <= args["claim_within"] <= timedelta(days=7):
            raise refuse(ctx, sub, _("--claim-within is from 5 minutes to 7 days"))
        event.claim_within_s = duration_s(args["claim_within"])
    if event.claim_within_s and not event.capacity:
        raise refuse(ctx, sub, _("--claim-within needs a --capacity (there is no waitlist)"))
    if args.get("min") is not None or args.get("decide_before") is not None:
        event.min_going = args.get("min") if args.get("min") is not None else event.min_going
        if args.get("decide_before") is not None:
            event.decide_before_s = duration_s(args["decide_before"])
        changed.add("schedule")
    if (event.min_going is None) != (event.decide_before_s is None):
        raise refuse(ctx, sub, _("go/no-go needs both --min N and --decide-before DURATION"))
    if event.min_going is not None:
        if event.min_going < 1:
            raise refuse(ctx, sub, _("--min is at least 1"))
        if event.capacity and event.min_going > event.capacity:
            raise refuse(
                ctx,
                sub,
                _("--min {min_going} is more than the capacity").format(min_going=event.min_going),
            )
        decide = event.starts_at - timedelta(seconds=event.decide_before_s or 0)
        if decide <= ctx.now and changed & {"time", "schedule"}:
            raise refuse(ctx, sub, _("the go/no-go time (start - --decide-before) is already past"))
    if args.get("remind") is not None:
        try:
            leads = rules.parse_reminders(args["remind"])
        except rules.EventRuleError as exc:
            raise refuse(ctx, sub, str(exc)) from None
        event.remind_s = [int(lead.total_seconds()) for lead in leads]
        changed.add("schedule")
    if args.get("rsvp_until"):
        cutoff = _time(ctx, args["rsvp_until"], zone, sub, "--rsvp-until")
        event.rsvp_until = cutoff
        changed.add("schedule")
    if event.rsvp_until and event.rsvp_until > event.starts_at:
        raise refuse(ctx, sub, _("--rsvp-until is after the start"))
    if args.get("role"):
        # A typo here would lock everyone out, so a role nobody holds is refused.
        known = {r for m in ctx.members() for r in m.roles}
        known |= {b.role for b in repos.role_bindings(ctx.db, ctx.community.id or 0)}
        known |= set(role_tables.known(ctx.db, ctx.community.id or 0))
        unknown = sorted(set(args["role"]) - known)
        if unknown:
            raise refuse(
                ctx, sub, _("unknown role @{value}: nobody holds it").format(value=unknown[0])
            )
        event.roles = sorted(set(args["role"]))
    if args.get("repeat"):
        try:
            event.rrule = rules.parse_repeat(args["repeat"])
        except rules.EventRuleError as exc:
            raise refuse(ctx, sub, str(exc)) from None
        changed.add("repeat")
    if args.get("until"):
        if not event.rrule:
            raise refuse(ctx, sub, _("--until ends a series; give --repeat too"))
        until = _time(ctx, args["until"], zone, sub, "--until")
        if until < event.starts_at:
            raise refuse(ctx, sub, _("--until is before the first start"))
        event.repeat_until = until
        changed.add("repeat")
    return changed


# ---------------------------------------------------------------- creating


def create(ctx: Ctx, args: dict[str, Any]) -> Event:
    if not args.get("at"):
        raise refuse(ctx, "create", _("give the start with --at DATETIME"))
    zone = _zone(ctx, args, "create", reader_zone(ctx))
    if ctx.is_direct:
        channel = ctx.channel_for("events")
        if channel is None:
            raise refuse(ctx, "create", _("create events in a channel (no events channel is set)"))
    else:
        channel = ctx.address.channel
    event = Event(
        community_id=ctx.community.id or 0,
        channel=channel,
        title="",
        starts_at=ctx.now,
        slot=ctx.now,
        ends_at=ctx.now + DEFAULT_LENGTH,
        zone=zone.key,
        remind_s=[int(lead.total_seconds()) for lead in rules.DEFAULT_REMINDERS],
        created_by=ctx.actor.user_id,
        created_by_display=ctx.actor.display,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    _apply(ctx, event, {**args, "title": args.get("title") or ""}, "create", zone)
    event.slot = event.starts_at
    ctx.db.add(event)
    ctx.db.flush()
    if event.rrule:
        event.series_id = event.id
        materialise(ctx, event)
    for occurrence in series(ctx, event, following=True):
        schedule(ctx, occurrence)
    feed_token(ctx)
    announce(ctx, event)
    ctx.fire("event.created", event=event)
    ctx.audit("event.create", event_id=event.id, title=event.title, rrule=event.rrule)
    starts = show_when(ctx, event.starts_at, reader_zone(ctx))
    if event.rrule:
        said = _("✅ Event #{id} created for {value}, repeating {repeat}.").format(
            id=event.id, value=starts, repeat=rules.describe_repeat(event.rrule)
        )
    else:
        said = _("✅ Event #{id} created for {value}.").format(id=event.id, value=starts)
    ctx.private(said)
    return event


def announce(ctx: Ctx, event: Event) -> None:
    event.announced = True
    ctx.db.add(event)
    msg = render.message(event, ctx.community.platform, event_zone(event), ctx.prefix)
    ctx.post(event.channel, msg.text, card=msg.card, choices=msg.choices, ref=render.ref(event))
    ctx.fire("event.announced", event=event)


def refresh(ctx: Ctx, event: Event) -> None:
    """Show the new counts on the event message; the outbox keeps only the latest edit per
    message, so one per answer costs one row, not one platform call."""
    if event.announced:
        ctx.emit(render.message(event, ctx.community.platform, event_zone(event), ctx.prefix))


def schedule(ctx: Ctx, event: Event) -> None:
    """(Re)schedule the occurrence's reminders, go/no-go and end from its current times."""
    key = str(event.id)
    ctx.cancel("event.remind", key_prefix=f"{key}:")
    for lead, at in rules.reminder_times(
        event.starts_at, [timedelta(seconds=s) for s in event.remind_s], ctx.now
    ):
        ctx.schedule(
            "event.remind", f"{key}:{int(lead.total_seconds())}", at, {"event_id": event.id}
        )
    if event.min_going and event.decide_before_s:
        at = rules.decision_at(event.starts_at, timedelta(seconds=event.decide_before_s))
        if at > ctx.now and event.status == "scheduled":
            ctx.schedule("event.decide", key, at, {"event_id": event.id})
    else:
        ctx.cancel("event.decide", key)
    ctx.schedule("event.over", key, event.ends_at, {"event_id": event.id})


# ---------------------------------------------------------------- editing and cancelling


def edit(ctx: Ctx, event: Event, args: dict[str, Any]) -> None:
    organiser_or_moderator(ctx, event, "edit")
    if event.status == "cancelled" or event.over:
        raise refuse(
            ctx,
            "edit",
            (_("event #{id} is over") if event.over else _("event #{id} is cancelled")).format(
                id=event.id
            ),
        )
    given = {k: v for k, v in args.items() if k not in ("id", "scope") and v not in (None, [])}
    if not given:
        raise refuse(ctx, "edit", _("nothing to change"))
    following = args.get("scope") == "following"
    if args.get("repeat") and event.series_id and not following:
        raise refuse(
            ctx, "edit", _("a new --repeat applies to all following; add --scope following")
        )
    zone = _zone(ctx, args, "edit", event_zone(event))
    old_start = event.starts_at.astimezone(zone).replace(tzinfo=None)
    changed = _apply(ctx, event, args, "edit", zone)
    rows = series(ctx, event, following=following)
    if following and "repeat" in changed:
        # The later occurrences belong to the old rule: they go, with notice to anyone who
        # answered, and the new rule makes its own.
        for row in rows[1:]:
            cancel_occurrence(ctx, row, _("the series' schedule changed"), by=ctx.actor.display)
            row.series_id = None
        rows = rows[:1]
    if following and len(rows) > 1:
        _carry(ctx, event, rows[1:], old_start, zone)
    if following and event.series_id is not None:
        _split_series(ctx, event, rows, reslot=bool(changed & {"time", "repeat"}))
    elif event.rrule and event.series_id is None:
        event.series_id = event.id
        event.slot = event.starts_at
    event.zone = zone.key
    for row in rows:
        row.updated_at = ctx.now
        if changed & {"time", "place"}:
            row.revision += 1
        ctx.db.add(row)
    ctx.db.flush()
    if event.rrule:
        last = last_of_series(ctx, event.series_id or 0)
        for made in materialise(ctx, last) if last else []:
            rows.append(made)
    for row in rows:
        schedule(ctx, row)
        if "capacity" in changed:
            promote(ctx, row)
        if changed & {"time", "place"}:
            tell_audience(ctx, row, "changed")
        refresh(ctx, row)
        ctx.fire("event.changed", event=row, changed=sorted(changed))
    ctx.audit("event.edit", event_id=event.id, changed=sorted(changed), following=following)
    ctx.private(
        _("✅ Event #{id} updated").format(id=event.id)
        + (
            _(" with {value} following occurrence(s)").format(value=len(rows) - 1)
            if len(rows) > 1
            else ""
        )
        + "."
    )


_CARRIED = (
    "title",
    "location",
    "description",
    "capacity",
    "claim_within_s",
    "min_going",
    "decide_before_s",
    "remind_s",
    "roles",
    "rrule",
    "repeat_until",
)


def _carry(ctx: Ctx, event: Event, later: list[Event], old_start: datetime, zone: ZoneInfo) -> None:
    """Apply an "all following" edit to the later occurrences: the same fields, and a time
    moved by the same wall-clock amount (17:00 -> 18:00 everywhere, across DST)."""
    shift = event.starts_at.astimezone(zone).replace(tzinfo=None) - old_start
    length = event.ends_at - event.starts_at
    for row in later:
        for name in _CARRIED:
            setattr(row, name, getattr(event, name))
        if shift:
            local = row.starts_at.astimezone(zone).replace(tzinfo=None) + shift
            row.starts_at = local.replace(tzinfo=zone, fold=0).astimezone(event.starts_at.tzinfo)
        row.ends_at = row.starts_at + length
        row.zone = zone.key


def _split_series(ctx: Ctx, event: Event, rows: list[Event], *, reslot: bool) -> None:
    """From this occurrence on, a series of its own (so its rule, time and fields describe
    every later occurrence, also in calendars); the earlier part ends just before it. With
    a new time or rule the occurrences' slots are their new starts."""
    old_series, old_slot = event.series_id, event.slot
    for row in rows:
        row.series_id = event.id
        if reslot:
            row.slot = row.starts_at
    if old_series is not None and old_series != event.id:
        ctx.db.execute(
            update(Event)
            .where(Event.series_id == old_series, Event.slot < old_slot)
            .values(repeat_until=old_slot - timedelta(seconds=1))
        )


def cancel(ctx: Ctx, event: Event, reason: str | None, *, following: bool) -> int:
    organiser_or_moderator(ctx, event, "cancel")
    if event.over:
        raise refuse(ctx, "cancel", _("event #{id} is over").format(id=event.id))
    rows = [r for r in series(ctx, event, following=following) if r.status != "cancelled"]
    if not rows:
        raise refuse(ctx, "cancel", _("event #{id} is already cancelled").format(id=event.id))
    if following and event.series_id is not None:
        # No more occurrences are made after this one.
        ctx.db.execute(
            update(Event)
            .where(Event.series_id == event.series_id)
            .values(repeat_until=event.slot - timedelta(seconds=1))
        )
    for row in rows:
        cancel_occurrence(ctx, row, reason, by=ctx.actor.display)
    ctx.audit("event.cancel", event_id=event.id, reason=reason, following=following)
    return len(rows)


def cancel_occurrence(ctx: Ctx, event: Event, reason: str | None, *, by: str) -> bool:
    """The one way an occurrence is cancelled (by a person or by go/no-go); once only."""
    if not (
        claim_status(ctx, event, "scheduled", "cancelled")
        or claim_status(ctx, event, "confirmed", "cancelled")
    ):
        return False
    event.cancel_reason = reason
    event.revision += 1
    ctx.db.add(event)
    key = str(event.id)
    ctx.cancel("event.remind", key_prefix=f"{key}:")
    ctx.cancel("event.decide", key)
    ctx.cancel("event.offer", key_prefix=f"{key}:")
    tell_audience(ctx, event, "cancelled")
    if event.announced:
        ctx.post(
            event.channel,
            _('🚫 Event #{id} "{title}" is cancelled').format(id=event.id, title=event.title)
            + (f": {reason}" if reason else "")
            + _(" (by {by}).").format(by=by),
            thread_ref=render.ref(event),
        )
    refresh(ctx, event)
    ctx.fire("event.cancelled", event=event, reason=reason)
    return True


def tell_audience(ctx: Ctx, event: Event, what: str) -> int:
    """DM everyone who answered going, maybe or waits, in their own zone."""
    audience = people(ctx, event, AUDIENCE)
    settings = repos.personal_settings(ctx.db, ctx.community.id or 0, [u for u, _ in audience])
    for user_id, _state in audience:
        zone = ctx.zone_of(user_id, settings.get(user_id, {}))
        at = show_when(ctx, event.starts_at, zone)
        with ctx.speaking_to(user_id, settings.get(user_id, {})):
            text = _told(event, what, at)
        ctx.dm(user_id, text)
    return len(audience)


def _told(event: Event, what: str, at: str) -> str:
    """What an event's change says to one person, in the language in force."""
    if what == "cancelled":
        reason = f": {event.cancel_reason}" if event.cancel_reason else ""
        return _('🚫 Event #{id} "{title}" on {at} is cancelled{reason}.').format(
            id=event.id, title=event.title, at=at, reason=reason
        )
    where = _(" at {place}").format(place=event.location) if event.location else ""
    return _('📅 Event #{id} "{title}" changed: now {at}{where}.').format(
        id=event.id, title=event.title, at=at, where=where
    )


# ---------------------------------------------------------------- answering


def answer(ctx: Ctx, event_id: int, value: str) -> None:
    """One person's answer: refused privately with nothing written, or applied from their
    previous state and the running totals alone (constant time, whatever the crowd)."""
    event = lock_event(ctx, event_id)
    why = rules.refusal(
        now=ctx.now,
        status=event.status,
        starts_at=event.starts_at,
        rsvp_until=event.rsvp_until,
        roles=event.roles,
        actor_roles=ctx.actor.roles,
    )
    if why:
        raise UserError(
            _('you cannot answer event #{id} "{title}": {why}').format(
                id=event.id, title=event.title, why=why
            )
        )
    row = rsvp_of(ctx, event, ctx.actor.user_id)
    if row is not None and row.answered_at > ctx.now:
        # An older answer arriving late: the last one given counts, not the last delivered.
        log.info("answer to event %s older than the stored one ignored", event.id)
        return
    previous = row.state if row else None
    placed = rules.place(previous, value, event.capacity, taken(event))
    if row is None:
        row = EventRsvp(event_id=event.id or 0, user_id=ctx.actor.user_id, answer=value, state="")
    row.answer = value
    row.state = placed.state
    row.answered_at = ctx.now
    if placed.queued:
        row.wait_seq = event.next_wait
        event.next_wait += 1
    elif placed.state != "waitlist":
        row.wait_seq = None
    if placed.state != "offered":
        if previous == "offered":
            ctx.cancel("event.offer", f"{event.id}:{row.user_id}")
        row.offer_expires_at = None
    move_count(event, previous, placed.state)
    ctx.db.add(row)
    ctx.db.add(event)
    ctx.db.flush()
    if placed.freed:
        promote(ctx, event)
    # Joining the queue puts you last, so the queue's length is your place: no count.
    place = 0
    if placed.state == "waitlist":
        place = event.waitlist if placed.queued else place_in_line(ctx, row)
    ctx.private(
        render.confirmation(event, placed.state, ctx.community.platform, reader_zone(ctx), place)
    )
    refresh(ctx, event)


def withdraw(ctx: Ctx, event_id: int, value: str) -> None:
    """A reaction taken back: the answer it gave is withdrawn (as "no"), other answers stay."""
    event = lock_event(ctx, event_id)
    row = rsvp_of(ctx, event, ctx.actor.user_id)
    if row is None or row.answer != value or value == "no":
        return
    answer(ctx, event_id, "no")


def promote(ctx: Ctx, event: Event) -> int:
    """Give freed seats to the first on the waitlist, in arrival order, and tell each."""
    moved = 0
    for _n in range(rules.promotions(event.capacity, taken(event), event.waitlist)):
        row = first_waiting(ctx, event)
        if row is None:
            break
        claim = as_delta(event.claim_within_s)
        row.state = rules.promotion_state(claim)
        row.wait_seq = None
        row.offer_expires_at = rules.offer_expires(ctx.now, claim)
        move_count(event, "waitlist", row.state)
        ctx.db.add(row)
        ctx.db.flush()
        zone = ctx.zone_of(row.user_id)
        at = show_when(ctx, event.starts_at, zone)
        if row.offer_expires_at is not None:
            ctx.schedule(
                "event.offer",
                f"{event.id}:{row.user_id}",
                row.offer_expires_at,
                {"event_id": event.id, "user_id": row.user_id},
            )
            text = _(
                '🎟️ A seat freed up for event #{id} "{title}" on {at}. It is held for you until '
                "{value}: confirm with {prefix}event rsvp {id} going (or no to pass it on)."
            ).format(
                id=event.id,
                title=event.title,
                at=at,
                value=show_when(ctx, row.offer_expires_at, zone),
                prefix=ctx.prefix,
            )
            choices = (Choice("event.rsvp", f"{event.id}:going", _("Claim my seat"), "primary"),)
        else:
            text = _(
                "🎟️ A seat freed up: you moved from the waitlist to going for event #{id} "
                '"{title}" on {at}.'
            ).format(id=event.id, title=event.title, at=at)
            choices = ()
        where = Address(ctx.community.platform, ctx.community.workspace, channel="")
        ctx.emit(Send(where, text, choices=choices, visibility="dm", recipient=row.user_id))
        moved += 1
    if moved:
        ctx.db.add(event)
    return moved
