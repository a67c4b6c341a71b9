"""The due work of events, each item claimed exactly once by the scheduler: reminders (late
ones only before the start), offers that lapse, the go/no-go decision, and the end of an
occurrence (which shows it over and brings on the next of its series)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from bot.context import Ctx
from bot.i18n import _
from commands.events import render, rules
from commands.events.flow import (
    announce,
    cancel_occurrence,
    promote,
    refresh,
    schedule,
    show_when,
)
from commands.events.state import (
    claim_status,
    last_of_series,
    lock_event,
    materialise,
    move_count,
    next_unannounced,
    people,
    rsvp_of,
)
from storage import repos
from storage.event_tables import Event
from storage.tables import DueWork

log = logging.getLogger("moot.events")


def _event_for(ctx: Ctx, work: DueWork) -> Event | None:
    event = ctx.db.get(Event, int(work.payload.get("event_id", 0)))
    if event is None or event.community_id != ctx.community.id:
        return None
    return event


def on_remind_due(ctx: Ctx, work: DueWork) -> None:
    event = _event_for(ctx, work)
    if event is None or event.status == "cancelled":
        return
    if not rules.late_reminder(ctx.now, event.starts_at):
        log.info("reminder %s for event %s skipped: the event has started", work.key, event.id)
        return
    if repos.later_due_pending(ctx.db, work, f"{event.id}:", ctx.now):
        log.info("reminder %s for event %s skipped: a later one is due too", work.key, event.id)
        return
    send_reminders(ctx, event)


def send_reminders(ctx: Ctx, event: Event) -> int:
    """One DM to each person going (or holding an offer) or maybe, unless they turned
    reminders off, with the time in their own zone."""
    audience = people(ctx, event, ("going", "offered", "maybe"))
    settings = repos.personal_settings(ctx.db, ctx.community.id or 0, [u for u, _ in audience])
    sent = 0
    for user_id, state in audience:
        mine = settings.get(user_id, {})
        if mine.get("reminders") is False:
            continue
        with ctx.speaking_to(user_id, mine):
            text = _reminder(ctx, event, state, ctx.zone_of(user_id, mine))
        ctx.dm(user_id, text)
        sent += 1
    return sent


def _reminder(ctx: Ctx, event: Event, state: str, zone: ZoneInfo) -> str:
    """One person's reminder, in the language in force."""
    where = _(" at {place}").format(place=event.location) if event.location else ""
    tail = (
        " " + _("You said maybe; say going or no to let the organiser know.")
        if state == "maybe"
        else ""
    )
    return _(
        '⏰ Reminder: event #{id} "{title}" starts {at}{where} (in #{channel}; '
        "{prefix}event show {id}).{tail}"
    ).format(
        id=event.id,
        title=event.title,
        at=show_when(ctx, event.starts_at, zone),
        where=where,
        channel=event.channel,
        prefix=ctx.prefix,
        tail=tail,
    )


def on_offer_due(ctx: Ctx, work: DueWork) -> None:
    event = _event_for(ctx, work)
    if event is None:
        return
    event = lock_event(ctx, event.id or 0)
    row = rsvp_of(ctx, event, str(work.payload.get("user_id", "")))
    if row is None or row.state != "offered" or not row.offer_expires_at:
        return
    if row.offer_expires_at > ctx.now:
        return
    row.state = "no"
    row.offer_expires_at = None
    move_count(event, "offered", "no")
    ctx.db.add(row)
    ctx.db.flush()
    ctx.dm(
        row.user_id,
        _(
            '⌛ Your held seat for event #{id} "{title}" lapsed and passed to the next in line.'
        ).format(id=event.id, title=event.title),
    )
    if event.status != "cancelled" and ctx.now < event.starts_at:
        promote(ctx, event)
    refresh(ctx, event)


def on_decide_due(ctx: Ctx, work: DueWork) -> None:
    event = _event_for(ctx, work)
    if event is None or event.status != "scheduled" or not event.min_going:
        return
    decision = rules.go_no_go(event.going, event.min_going)
    if decision == "no-go":
        reason = f"only {event.going} going, {event.min_going} needed"
        cancel_occurrence(ctx, event, reason, by="go/no-go")
        ctx.audit("event.no-go", event_id=event.id, going=event.going, needed=event.min_going)
        return
    if not claim_status(ctx, event, "scheduled", "confirmed"):
        return
    ctx.post(
        event.channel,
        _(
            '✅ Event #{id} "{title}" is going ahead: {going} going (at least {min_going} needed).'
        ).format(id=event.id, title=event.title, going=event.going, min_going=event.min_going),
        thread_ref=render.ref(event),
    )
    ctx.audit("event.go", event_id=event.id, going=event.going)
    refresh(ctx, event)


def on_over_due(ctx: Ctx, work: DueWork) -> None:
    event = _event_for(ctx, work)
    if event is None:
        return
    if event.ends_at > ctx.now:
        ctx.schedule("event.over", str(event.id), event.ends_at, {"event_id": event.id})
        return
    if not event.over:
        event.over = True
        ctx.db.add(event)
        refresh(ctx, event)
    if event.series_id is None:
        return
    last = last_of_series(ctx, event.series_id)
    for made in materialise(ctx, last) if last else []:
        schedule(ctx, made)
    upcoming = next_unannounced(ctx, event.series_id)
    if upcoming is not None:
        announce(ctx, upcoming)
