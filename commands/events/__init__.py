"""/event: meetings, calls and meetups with RSVPs, a capacity and an auto-promoting
waitlist, go/no-go, reminders in each reader's zone, recurrence and calendar files. The
commands are declared here; the moves are flow, the pure rules are rules, the words are
render, the due work is timers, calendars are ics and export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from bot import files
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import N_, _
from bot.registry import Registry
from bot.specs import Param
from commands.events import export as event_export
from commands.events import flow, ics, mirror, render, rules, timers
from commands.events.state import (
    FEED_TOKEN,
    event_link_sig,
    feed_token,
    find_event,
    people,
    rsvp_of,
)
from storage.event_tables import Event, EventRsvp

__all__ = ["register"]

SHOWN_NAMES = 50
FEED_URL = "events_public_url"
ICS_MIME = "text/calendar"


def _answer_value(ctx: Ctx, value: str) -> tuple[int, str]:
    event_id, _sep, answer = value.partition(":")
    if not event_id.isdigit() or answer not in rules.ANSWERS:
        raise UserError(_("that button is no longer valid"))
    return int(event_id), answer


def _feed_url(ctx: Ctx, tail: str) -> str:
    base = str(ctx.settings.get(FEED_URL) or "").rstrip("/")
    return f"{base}/events/{tail}"


def register(reg: Registry) -> None:
    reg.summary("event", "events with RSVPs, a waitlist, reminders, go/no-go and calendars")
    mirror.register(reg)

    @reg.command(
        "event",
        "create",
        help="Create an event (times in your zone: /me timezone).",
        params=flow.CREATE_PARAMS,
        examples=(
            'event create "Community call" --at "2026-03-03 17:00" --for 1h --repeat weekly',
            'event create "Meetup" --at "friday 18:00" --capacity 20 --claim-within 12h',
            'event create "Sprint" --at "2026-02-10 09:00" --min 5 --decide-before 2d',
        ),
    )
    def event_create(ctx: Ctx, **args: Any) -> None:
        flow.create(ctx, args)

    @reg.command(
        "event",
        "edit",
        help="Change an event (its organiser or a moderator); --scope following for a series.",
        params=flow.EDIT_PARAMS,
        examples=('event edit 3 --at "2026-03-03 18:00" --scope following',),
    )
    def event_edit(ctx: Ctx, **args: Any) -> None:
        flow.edit(ctx, flow.lock_event(ctx, args["id"]), args)

    @reg.command(
        "event",
        "cancel",
        help="Cancel an event and tell everyone who answered (organiser or moderator).",
        params=[
            Param("id", "int", positional=True, required=True),
            Param("reason", "text", metavar="TEXT"),
            Param("scope", "choice", choices=("this", "following")),
        ],
    )
    def event_cancel(ctx: Ctx, id: int, reason: str | None, scope: str | None) -> None:
        event = flow.lock_event(ctx, id)
        n = flow.cancel(ctx, event, (reason or "").strip() or None, following=scope == "following")
        ctx.private(
            _(
                "✅ Cancelled {n} occurrence(s) of event #{id}; everyone who answered is told."
            ).format(n=n, id=id)
        )

    @reg.command(
        "event",
        "rsvp",
        help="Answer an event: going, maybe or no (the last answer counts).",
        params=[
            Param("id", "int", positional=True, required=True),
            Param("answer", "choice", positional=True, required=True, choices=rules.ANSWERS),
        ],
        examples=("event rsvp 3 going",),
    )
    def event_rsvp(ctx: Ctx, id: int, answer: str) -> None:
        flow.answer(ctx, id, answer)

    @reg.command(
        "event",
        "show",
        help="Show an event in your time zone, with the counts and your answer.",
        params=[Param("id", "int", positional=True, required=True)],
    )
    def event_show(ctx: Ctx, id: int) -> None:
        event = find_event(ctx, id)
        zone = flow.reader_zone(ctx)
        mine = rsvp_of(ctx, event, ctx.actor.user_id)
        head = render.headline(event)
        yours = _(render.STATE_TEXT[mine.state]) if mine else _("you have not answered")
        ctx.private(
            (head + "\n" if head else "") + _("Your answer: {answer}.").format(answer=yours),
            card=render.card(event, ctx.community.platform, zone, ctx.prefix),
        )

    @reg.command(
        "event",
        "list",
        help="List upcoming events (--past: those over; --mine: yours and those you answered).",
        params=[Param("mine", "flag"), Param("past", "flag")],
    )
    def event_list(ctx: Ctx, mine: bool, past: bool) -> None:
        stmt = select(Event).where(Event.community_id == ctx.community.id)
        stmt = stmt.where(Event.over.is_(past))
        if mine:
            answered = select(EventRsvp.event_id).where(
                EventRsvp.user_id == ctx.actor.user_id,
                EventRsvp.state.in_(("going", "offered", "waitlist", "maybe")),
            )
            stmt = stmt.where(or_(Event.created_by == ctx.actor.user_id, Event.id.in_(answered)))
        order = Event.starts_at.desc() if past else Event.starts_at
        rows = list(ctx.db.execute(stmt.order_by(order).limit(30)).scalars())
        if not rows:
            ctx.private(_("No events match.") if mine or past else _("No upcoming events."))
            return
        zone = flow.reader_zone(ctx)
        lines = []
        for e in rows:
            state = _(" (cancelled)") if e.status == "cancelled" else ""
            lines.append(
                f"#{e.id} {e.title}: {render.when(ctx.community.platform, e.starts_at, zone)}"
                f"{state} · {render.counts(e)}"
            )
        ctx.private("\n".join(lines))

    @reg.command(
        "event",
        "who",
        help="Who is going, maybe and waiting (names for the organiser and moderators).",
        params=[Param("id", "int", positional=True, required=True)],
    )
    def event_who(ctx: Ctx, id: int) -> None:
        event = find_event(ctx, id)
        lines = [
            _('Event #{id} "{title}": {counts}').format(
                id=event.id, title=event.title, counts=render.counts(event)
            )
        ]
        if ctx.actor.user_id == event.created_by or ctx.is_moderator():
            for title, states in (
                (N_("Going"), ("going",)),
                (N_("Seat offered"), ("offered",)),
                (N_("Waitlist"), ("waitlist",)),
                (N_("Maybe"), ("maybe",)),
            ):
                ids = [uid for uid, _state in people(ctx, event, states)]
                if ids:
                    # Names are looked up for those shown only, not for a crowd of 5,000.
                    shown = ", ".join(ctx.display_of(uid) for uid in ids[:SHOWN_NAMES])
                    more = len(ids) - SHOWN_NAMES
                    tail = _(" and {n} more").format(n=more) if more > 0 else ""
                    lines.append(_("{title}: {names}").format(title=_(title), names=shown) + tail)
        ctx.private("\n".join(lines))

    @reg.command(
        "event",
        "ics",
        help="Get an event as an iCalendar file (and a link when a public URL is set).",
        params=[Param("id", "int", positional=True, required=True)],
    )
    def event_ics(ctx: Ctx, id: int) -> None:
        event = find_event(ctx, id)
        text = _("📅 Event #{id} as an iCalendar file: event-{id}.ics").format(id=event.id)
        if ctx.settings.get(FEED_URL):
            tail = f"e/{event.id}.{event_link_sig(feed_token(ctx), event.id or 0)}.ics"
            text += "\n" + _("or by link: {url}").format(url=_feed_url(ctx, tail))
        body = ics.to_bytes(ics.one_event(ctx.db, event), now=ctx.now)
        ctx.private(text, files=(files.attachment(f"event-{event.id}.ics", ICS_MIME, body),))

    @reg.command(
        "event",
        "feed",
        help="Show the community's calendar feed URL, set its public base URL, or rotate it.",
        params=[Param("url", "text", metavar="BASE_URL"), Param("rotate", "flag")],
        permission="moderator",
        examples=("event feed --url https://moot.example.org",),
    )
    def event_feed(ctx: Ctx, url: str | None, rotate: bool) -> None:
        if url is not None:
            if not url.startswith(("https://", "http://")):
                raise UserError(
                    _(
                        "'{url}' is not an http(s) URL. Usage: {prefix}event feed [--url BASE_URL]"
                    ).format(url=url, prefix=ctx.prefix)
                )
            ctx.set_setting(FEED_URL, url.rstrip("/"))
        if rotate:
            ctx.set_setting(FEED_TOKEN, None)
        token = feed_token(ctx)
        ctx.audit("event.feed", url=url, rotated=rotate)
        ctx.private(
            _("📅 Calendar feed (keep it private; --rotate makes a new one): {value}").format(
                value=_feed_url(ctx, token + ".ics")
            )
        )

    @reg.action("event.rsvp")
    def on_button(ctx: Ctx, value: str, added: bool) -> None:
        event_id, answer = _answer_value(ctx, value)
        if added:
            flow.answer(ctx, event_id, answer)
        else:
            flow.withdraw(ctx, event_id, answer)

    @reg.reaction("event")
    def on_reaction(ctx: Ctx, ref: str, key: str, added: bool) -> None:
        """Other emoji people use for the same answers (👍 👎 ❓) on the event message."""
        answer = render.REACTION_ALIASES.get(key.replace("\ufe0f", ""))
        event_id = ref.partition(":")[2]
        if answer is None or not event_id.isdigit():
            return
        if added:
            flow.answer(ctx, int(event_id), answer)
        else:
            flow.withdraw(ctx, int(event_id), answer)

    reg.due_kind("event.remind")(timers.on_remind_due)
    reg.due_kind("event.offer")(timers.on_offer_due)
    reg.due_kind("event.decide")(timers.on_decide_due)
    reg.due_kind("event.over")(timers.on_over_due)
    reg.exporter("events")(event_export.export)
    reg.http_route("/events/")(event_export.feed)

    @reg.home_section
    def event_home(s: Session, community_id: int, user_id: str) -> list[tuple[str, list[str]]]:
        rows = s.execute(
            select(Event, EventRsvp.state)
            .join(EventRsvp, EventRsvp.event_id == Event.id)
            .where(
                Event.community_id == community_id,
                Event.over.is_(False),
                Event.status != "cancelled",
                EventRsvp.user_id == user_id,
                EventRsvp.state.in_(("going", "offered", "waitlist", "maybe")),
            )
            .order_by(Event.starts_at)
            .limit(10)
        ).all()
        lines = [f"#{e.id} {e.title} ({_(render.STATE_TEXT[state])})" for e, state in rows]
        return [(_("Your upcoming events"), lines)] if lines else []

    reg.demo.extend(
        [
            "# Events: a meetup with two seats, a waitlist that moves up, and a reminder.",
            "channel #events",
            '@alice /event create "Release party" --at "in 2d" --capacity 2 '
            '--where "Room 2" --remind 1h',
            "@bob click /Event #1:/ Going",
            "@carol react /Event #1:/ ✅",
            "@dave /event rsvp 1 going",
            "expect /waitlist/",
            "@bob click /Event #1:/ Can't go",
            "expect /moved from the waitlist to going/",
            "advance 47h",
            "expect /Reminder: event #1/",
        ]
    )
