"""/ticket: support tickets. Each question gets a private place (a room, a private thread, or
a thread relayed to the requester's DM), an owner among the support staff, and two SLA
clocks in business time that pause while the ticket waits on the requester."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from bot import permissions
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import N_, _
from bot.model import Actor, Choice, Quoted
from bot.priority import shown as priority_name
from bot.registry import Registry
from bot.specs import Param
from commands.tickets import config as ticket_config
from commands.tickets import export as ticket_export
from commands.tickets import flow, render, rules, sla, state, timers
from commands.tickets.state import label
from storage.ticket_tables import Ticket

DEMO = [
    "roles alice= sam=support mo=moderator",
    "@mo /config channel support-staff #support-staff",
    '@alice /ticket open "Cannot log in after the upgrade" --priority high',
    "@sam click /Ticket #1: Cannot/ Claim",
    "@sam reply /Ticket #1: Cannot/ Which browser are you using?",
    "@sam /ticket status waiting 1",
    "@alice reply /Ticket #1: Cannot/ Firefox 128",
    "@sam /ticket note 1 Looks like the cookie bug",
    "@sam /ticket status close 1 --reason fixed",
    "@alice click /would like to close/ Yes, close it",
    "@alice click /how did we do/ 5",
    "@sam /ticket transcript 1",
]

WHICH = Param(
    "ticket", positional=True, metavar="ID", help="the ticket number (default: this thread's)"
)
TICKET_OPT = Param("ticket", metavar="ID", help="the ticket number (default: this thread's)")


def _usage(ctx: Ctx, sub: str) -> str:
    return ctx.usage("ticket", sub)


def _text(ctx: Ctx, sub: str, value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise UserError(
            _("the {what} is empty. Usage: {value}").format(what=what, value=_usage(ctx, sub))
        )
    if len(text) > state.MAX_TEXT:
        raise UserError(
            _("the {what} is longer than {MAX_TEXT} characters").format(
                what=what, MAX_TEXT=state.MAX_TEXT
            )
        )
    return text


def _require_active(t: Ticket, what: str) -> None:
    if t.status == "closed":
        raise UserError(
            _("ticket {value} is closed; reopen it to {what}").format(value=label(t), what=what)
        )


def _staff_member(ctx: Ctx, user_id: str) -> str:
    """The display name of a support staff member, or a refusal."""
    m = ctx.member(user_id)
    if m is None:
        raise UserError(_("@{user_id} is not known here").format(user_id=user_id))
    actor = Actor(ctx.community.platform, m.user_id, m.display, frozenset(m.roles), m.is_admin)
    if not permissions.is_support(ctx.db, ctx.community, actor):
        raise UserError(_("@{value} is not support staff").format(value=m.display or m.user_id))
    return m.display or m.user_id


def register(reg: Registry) -> None:
    reg.summary("ticket", "ask the support staff: a private ticket with an owner and a clock")
    reg.demo.extend(DEMO)

    @reg.command(
        "ticket",
        "open",
        help="Open a support ticket: a private thread with the support staff.",
        params=[
            Param("subject", positional=True, required=True, metavar='"SUBJECT"'),
            Param("priority", "choice", choices=rules.PRIORITIES, default="normal"),
            Param("details", metavar="TEXT"),
        ],
        examples=('ticket open "Cannot log in" --priority high --details "since Tuesday"',),
    )
    def ticket_open(ctx: Ctx, subject: str, priority: str, details: str | None) -> None:
        flow.open_ticket(ctx, subject, priority or "normal", details)

    @reg.message_action("ticket.from_message", emoji="🎫")
    def from_message(ctx: Ctx, quoted: Quoted) -> None:
        if quoted.missing:
            raise UserError(
                _('{why}; use {prefix}ticket open "SUBJECT" instead').format(
                    why=_(quoted.missing), prefix=ctx.prefix
                )
            )
        text = " ".join((quoted.text or "").split())
        subject = (text[:80] + "…") if len(text) > 80 else text
        flow.open_ticket(
            ctx,
            subject or _("About a message in #{channel}").format(channel=quoted.address.channel),
            quoted=quoted,
        )

    @reg.command(
        "ticket",
        "panel",
        help="Post a panel with an 'Open a ticket' button in a channel (moderators).",
        params=[Param("channel", "channel", positional=True, required=True)],
        permission="moderator",
        examples=("ticket panel #help",),
    )
    def ticket_panel(ctx: Ctx, channel: str) -> None:
        ctx.post(
            channel,
            _(
                "🎫 Need help from the support staff? Press the button: you get a private ticket "
                'thread. (Or type {prefix}ticket open "SUBJECT".)'
            ).format(prefix=ctx.prefix),
            choices=(Choice("ticket.panel", "open", _("Open a ticket"), "primary"),),
            ref="ticketpanel:" + channel,
        )
        ctx.audit("ticket.panel", channel=channel)
        ctx.private(_("✅ A ticket panel is posted in #{channel}.").format(channel=channel))

    @reg.action("ticket.panel")
    def panel_pressed(ctx: Ctx, value: str, added: bool) -> None:
        if not added:
            return
        flow.open_ticket(ctx, _("Help request from @{display}").format(display=ctx.actor.display))

    def _move_target(ctx: Ctx, value: str) -> Ticket:
        raw = value.split(":")[0]
        t = state.by_ref(ctx, f"ticket:{raw}") if state.is_number(raw) else None
        if t is None:
            raise UserError(_("that ticket no longer exists"))
        return t

    # ---------------------------------------------------------------- claiming

    def _claim(ctx: Ctx, t: Ticket) -> None:
        _require_active(t, "claim it")
        if t.assignee == ctx.actor.user_id:
            raise UserError(_("you have already claimed ticket {value}").format(value=label(t)))
        t.assignee, t.assignee_display = ctx.actor.user_id, ctx.actor.display
        ctx.db.add(t)
        ctx.audit("ticket.claim", ticket=t.number)
        flow.say(
            ctx,
            t,
            _("🙋 @{display} claimed ticket {value}.").format(
                display=ctx.actor.display, value=label(t)
            ),
        )

    @reg.command(
        "ticket", "claim", help="Take a ticket (staff).", params=[WHICH], permission="support"
    )
    def ticket_claim(ctx: Ctx, ticket: str | None) -> None:
        _claim(ctx, state.resolve(ctx, ticket, _usage(ctx, "claim")))

    @reg.action("ticket.claim")
    def claim_pressed(ctx: Ctx, value: str, added: bool) -> None:
        if not added:
            return
        t = _move_target(ctx, value)
        state.require_staff(ctx, t, "claim tickets")
        _claim(ctx, t)

    @reg.command(
        "ticket",
        "unclaim",
        help="Give a ticket back to the queue (staff).",
        params=[WHICH],
        permission="support",
    )
    def ticket_unclaim(ctx: Ctx, ticket: str | None) -> None:
        t = state.resolve(ctx, ticket, _usage(ctx, "unclaim"))
        if t.assignee is None:
            raise UserError(_("ticket {value} is not claimed").format(value=label(t)))
        if t.assignee != ctx.actor.user_id and not ctx.is_moderator():
            raise UserError(
                _(
                    "ticket {value} is @{assignee_display}'s; they or a moderator can unclaim it"
                ).format(value=label(t), assignee_display=t.assignee_display)
            )
        t.assignee = t.assignee_display = None
        ctx.db.add(t)
        ctx.audit("ticket.unclaim", ticket=t.number)
        flow.say(ctx, t, _("↩️ Ticket {value} is back in the queue.").format(value=label(t)))

    def _assign(ctx: Ctx, t: Ticket, user: str, verb: str) -> None:
        _require_active(t, f"{verb} it")
        shown = _staff_member(ctx, user)
        if t.assignee == user:
            raise UserError(
                _("ticket {value} is already @{shown}'s").format(value=label(t), shown=shown)
            )
        before = t.assignee
        t.assignee, t.assignee_display = user, shown
        ctx.db.add(t)
        ctx.audit(f"ticket.{verb}", ticket=t.number, to=user, before=before)
        flow.say(
            ctx,
            t,
            (
                _("👉 @{display} assigned ticket {value} to @{shown}.")
                if verb == "assign"
                else _("👉 @{display} transferred ticket {value} to @{shown}.")
            ).format(display=ctx.actor.display, value=label(t), shown=shown),
        )

    user_param = Param("user", "user", positional=True, required=True)

    @reg.command(
        "ticket",
        "assign",
        help="Give a ticket to a staff member (staff).",
        params=[user_param, WHICH],
        permission="support",
        examples=("ticket assign @sam 12",),
    )
    def ticket_assign(ctx: Ctx, user: str, ticket: str | None) -> None:
        _assign(ctx, state.resolve(ctx, ticket, _usage(ctx, "assign")), user, "assign")

    @reg.command(
        "ticket",
        "transfer",
        help="Hand your ticket to another staff member (staff).",
        params=[user_param, WHICH],
        permission="support",
        examples=("ticket transfer @kim 12",),
    )
    def ticket_transfer(ctx: Ctx, user: str, ticket: str | None) -> None:
        t = state.resolve(ctx, ticket, _usage(ctx, "transfer"))
        if t.assignee != ctx.actor.user_id and not ctx.is_moderator():
            raise UserError(
                _(
                    "you can only transfer a ticket you hold; {value} is not yours (assign it "
                    "instead)"
                ).format(value=label(t))
            )
        _assign(ctx, t, user, "transferr")

    @reg.command(
        "ticket",
        "priority",
        help="Change a ticket's priority (staff).",
        params=[
            Param("priority", "choice", positional=True, required=True, choices=rules.PRIORITIES),
            WHICH,
        ],
        permission="support",
    )
    def ticket_priority(ctx: Ctx, priority: str, ticket: str | None) -> None:
        t = state.resolve(ctx, ticket, _usage(ctx, "priority"))
        _require_active(t, "change its priority")
        if t.priority == priority:
            raise UserError(
                _("ticket {value} is already {priority}").format(
                    value=label(t), priority=priority_name(priority)
                )
            )
        t.priority = priority
        ctx.db.add(t)
        flow.say(
            ctx,
            t,
            _("{value} Ticket {value2} is now {priority} priority.").format(
                value=render.PRIORITY_MARK[priority],
                value2=label(t),
                priority=priority_name(priority),
            ),
        )

    # ---------------------------------------------------------------- status

    @reg.command(
        "ticket",
        "status",
        help="Wait on the requester (pauses the clocks), open again, or close. Staff close "
        "asks the requester to confirm; a requester closes their own ticket at once.",
        params=[
            Param(
                "status",
                "choice",
                positional=True,
                required=True,
                choices=("waiting", "open", "close"),
            ),
            WHICH,
            Param("reason", metavar="TEXT"),
        ],
        examples=("ticket status waiting", "ticket status close 12 --reason fixed"),
    )
    def ticket_status(ctx: Ctx, status: str, ticket: str | None, reason: str | None) -> None:
        t = state.resolve(ctx, ticket, _usage(ctx, "status"))
        state.require_party(ctx, t, "change")
        reason = (reason or "").strip()[:500] or None
        try:
            if status == "close":
                _close(ctx, t, reason)
            else:
                state.require_staff(ctx, t, f"mark a ticket {status}")
                if t.status == status:
                    raise UserError(
                        _("ticket {value} is already {status}").format(
                            value=label(t), status=status
                        )
                    )
                (flow.set_waiting if status == "waiting" else flow.set_open)(ctx, t)
        except rules.MoveError as exc:
            raise UserError(_("ticket {value}: {exc}").format(value=label(t), exc=exc)) from None

    def _close(ctx: Ctx, t: Ticket, reason: str | None) -> None:
        if ctx.actor.user_id == t.requester:
            flow.close(ctx, t, reason or _("closed by the requester"))
        else:
            flow.request_close(ctx, t, reason)

    @reg.action("ticket.close")
    def close_pressed(ctx: Ctx, value: str, added: bool) -> None:
        if not added:
            return
        t = _move_target(ctx, value)
        state.require_party(ctx, t, "close")
        try:
            _close(ctx, t, None)
        except rules.MoveError as exc:
            raise UserError(_("ticket {value}: {exc}").format(value=label(t), exc=exc)) from None

    @reg.action("ticket.confirm")
    def confirm_pressed(ctx: Ctx, value: str, added: bool) -> None:
        if not added:
            return
        t = _move_target(ctx, value)
        if ctx.actor.user_id != t.requester:
            raise UserError(
                _("only @{requester_display}, who asked, can confirm closing {value}").format(
                    requester_display=t.requester_display, value=label(t)
                )
            )
        if t.status != "closing":
            raise UserError(
                _("ticket {value} is not waiting for a close confirmation").format(value=label(t))
            )
        if value.endswith(":yes"):
            flow.close(ctx, t, t.close_reason, by=t.close_requested_by)
        else:
            state.record(ctx, t, "requester", _("(declined to close)"), kind="event")
            flow.set_open(ctx, t)

    @reg.command(
        "ticket", "reopen", help="Reopen a closed ticket (requester or staff).", params=[WHICH]
    )
    def ticket_reopen(ctx: Ctx, ticket: str | None) -> None:
        t = state.resolve(ctx, ticket, _usage(ctx, "reopen"))
        state.require_party(ctx, t, "reopen")
        try:
            flow.reopen(ctx, t)
        except rules.MoveError as exc:
            raise UserError(_("ticket {value}: {exc}").format(value=label(t), exc=exc)) from None

    # ---------------------------------------------------------------- talking

    @reg.command(
        "ticket",
        "note",
        help="Add a staff-only note: never shown to the requester (staff).",
        params=[
            TICKET_OPT,
            Param("text", positional=True, required=True, rest=True, metavar="TEXT"),
        ],
        permission="support",
        examples=("ticket note --ticket 12 Probably the cookie bug",),
    )
    def ticket_note(ctx: Ctx, ticket: str | None, text: str) -> None:
        # `/ticket note 12 TEXT` reads as well as --ticket 12.
        raw_id, _sep, rest = text.partition(" ")
        if (
            ticket is None
            and state.is_number(raw_id.lstrip("#"))
            and rest.strip()
            and state.here(ctx) is None
        ):
            ticket, text = raw_id, rest
        t = state.resolve(ctx, ticket, _usage(ctx, "note"))
        body = _text(ctx, "note", text, "note")
        state.record(ctx, t, "staff", body, kind="note")
        ctx.private(
            _("📝 Staff note added to ticket {value} (the requester does not see it).").format(
                value=label(t)
            )
        )

    @reg.command(
        "ticket",
        "reply-with",
        help="Answer with a canned reply (staff); manage them with /config ticket canned.",
        params=[Param("name", positional=True, required=True), WHICH],
        permission="support",
        examples=("ticket reply-with restart 12",),
    )
    def ticket_reply_with(ctx: Ctx, name: str, ticket: str | None) -> None:
        t = state.resolve(ctx, ticket, _usage(ctx, "reply-with"))
        _require_active(t, "answer it")
        canned = state.settings(ctx).get("canned") or {}
        text = canned.get(name.lower())
        if text is None:
            known = ", ".join(sorted(canned)) or _("none yet")
            raise UserError(
                _("no canned reply '{name}' (known: {known})").format(name=name, known=known)
            )
        shown = f"💬 @{ctx.actor.display}: {text}"
        flow.say(ctx, t, shown, record=False)
        state.record(ctx, t, "staff", text)
        t.last_activity_at = ctx.now
        flow.activity(ctx, t, "staff")

    @reg.command(
        "ticket",
        "rate",
        help="Rate a closed ticket from 1 to 5, with an optional comment (requester).",
        params=[
            Param("ticket", positional=True, required=True, metavar="ID"),
            Param("stars", "int", positional=True, required=True, metavar="1-5"),
            Param("comment", positional=True, rest=True, metavar="COMMENT"),
        ],
        examples=('ticket rate 12 5 "quick and kind"',),
    )
    def ticket_rate(ctx: Ctx, ticket: str, stars: int, comment: str | None) -> None:
        _rate(ctx, state.by_number(ctx, ticket), stars, comment)

    def _rate(ctx: Ctx, t: Ticket, stars: int, comment: str | None) -> None:
        if ctx.actor.user_id != t.requester:
            raise UserError(
                _("only @{requester_display}, who asked, can rate ticket {value}").format(
                    requester_display=t.requester_display, value=label(t)
                )
            )
        if t.status != "closed":
            raise UserError(
                _("ticket {value} is not closed yet; rate it once it is").format(value=label(t))
            )
        if not 1 <= stars <= 5:
            raise UserError(
                _("a rating is 1 to 5, not {stars}. Usage: {value}").format(
                    stars=stars, value=_usage(ctx, "rate")
                )
            )
        t.rating = stars
        note = (comment or "").strip()[:2000] or None
        if note:
            t.rating_comment = note
        ctx.db.add(t)
        state.record(
            ctx, t, "requester", f"rated {stars}/5" + (f": {note}" if note else ""), kind="event"
        )
        ctx.private(
            _("⭐ Thank you: ticket {value} rated {stars}/5.").format(value=label(t), stars=stars)
        )

    @reg.action("ticket.rate")
    def rate_pressed(ctx: Ctx, value: str, added: bool) -> None:
        if not added:
            return
        t = _move_target(ctx, value)
        stars = value.rsplit(":", 1)[-1]
        if not state.is_number(stars):
            raise UserError(_("that rating button is not one of 1 to 5"))
        _rate(ctx, t, int(stars), None)

    # ---------------------------------------------------------------- looking

    @reg.command("ticket", "show", help="Show a ticket (requester or staff).", params=[WHICH])
    def ticket_show(ctx: Ctx, ticket: str | None) -> None:
        t = state.resolve(ctx, ticket, _usage(ctx, "show"))
        state.require_party(ctx, t, "see")
        clocks = {w: sla.clock(t, w) for w in sla.CLOCKS}
        ctx.private(
            render.title(t), card=render.card(t, clocks, state.schedule_of(ctx), ctx.now, ctx.zone)
        )

    @reg.command(
        "ticket",
        "list",
        help="List open tickets: staff see the queue, everyone else their own.",
        params=[
            Param("mine", "flag", help="claimed by me (staff) or asked by me"),
            Param("unassigned", "flag", help="nobody has claimed them (staff)"),
            Param("breaching", "flag", help="an SLA clock at 80% or more (staff)"),
            Param("closed", "flag", help="include closed tickets"),
        ],
    )
    def ticket_list(ctx: Ctx, mine: bool, unassigned: bool, breaching: bool, closed: bool) -> None:
        staff = state.is_staff(ctx)
        if (unassigned or breaching) and not staff:
            raise UserError(_("--unassigned and --breaching are for support staff"))
        stmt = select(Ticket).where(Ticket.community_id == ctx.community.id)
        if not closed:
            stmt = stmt.where(Ticket.status != "closed")
        if not staff:
            stmt = stmt.where(Ticket.requester == ctx.actor.user_id)
        elif mine:
            stmt = stmt.where(Ticket.assignee == ctx.actor.user_id)
        if unassigned:
            stmt = stmt.where(Ticket.assignee.is_(None))
        rows = list(ctx.db.execute(stmt.order_by(Ticket.number).limit(200)).scalars())
        sched = state.schedule_of(ctx)
        lines = []
        for t in rows:
            hot = ", ".join(sla.breaching(ctx, t, sched)) if t.status != "closed" else ""
            if breaching and not hot:
                continue
            lines.append(render.list_line(t, hot))
        ctx.private("\n".join(lines) if lines else _("No tickets match."))

    @reg.command(
        "ticket",
        "transcript",
        help="A ticket's full transcript (requester or staff; staff see notes).",
        params=[WHICH],
    )
    def ticket_transcript(ctx: Ctx, ticket: str | None) -> None:
        t = state.resolve(ctx, ticket, _usage(ctx, "transcript"))
        state.require_party(ctx, t, "read")
        rows = state.transcript(ctx, t, with_notes=state.is_staff(ctx))
        ctx.private("\n".join(render.transcript_lines(t, rows, ctx.zone)))

    @reg.command(
        "ticket",
        "to-kb",
        help="Turn a ticket into a knowledge-base entry: its question and the accepted answer "
        "(staff; the requester is not named).",
        params=[
            Param("ticket", positional=True, required=True, metavar="ID"),
            Param("answer", "text", metavar='"TEXT"', help="default: the latest staff reply"),
        ],
        permission="support",
        examples=('ticket to-kb 12 --answer "Clear the cache, then log in again."',),
    )
    def ticket_to_kb(ctx: Ctx, ticket: str, answer: str | None) -> None:
        if not ctx.registry.hooks.get("kb.entry"):
            raise UserError(_("there is no knowledge base in this Moot"))
        t = state.by_number(ctx, ticket)
        text = (answer or "").strip()
        if not text:
            replies = [
                r
                for r in state.transcript(ctx, t, with_notes=False)
                if r.role == "staff" and r.kind == "message"
            ]
            if not replies:
                raise UserError(
                    _(
                        "{value} has no staff reply to use; give one with --answer. Usage: {value2}"
                    ).format(value=label(t), value2=_usage(ctx, "to-kb"))
                )
            text = replies[-1].text
        question = t.subject + (f" — {t.details}" if t.details else "")
        ctx.fire(
            "kb.entry",
            question=question,
            answer=text,
            source="ticket",
            source_ref=f"ticket:{t.id}",
            tags="support",
        )
        ctx.audit("ticket.to_kb", ticket=t.number)

    @reg.command(
        "ticket",
        "stats",
        help="Opened, closed, median first response and resolution (business time), SLA "
        "met, ratings; per level and per staff member (staff).",
        params=[Param("since", "datetime", metavar="DATE")],
        permission="support",
        examples=("ticket stats --since 2026-01-01",),
    )
    def ticket_stats(ctx: Ctx, since: datetime | None) -> None:
        start = since or (ctx.now - timedelta(days=30))
        rows = list(
            ctx.db.execute(
                select(Ticket).where(
                    Ticket.community_id == ctx.community.id, Ticket.created_at >= start
                )
            ).scalars()
        )
        facts = [(t, _closed(ctx, t)) for t in rows]
        lines = [
            render.stats_text(
                _("Tickets since {day}").format(day=f"{start.astimezone(ctx.zone):%Y-%m-%d}"),
                rules.stats([f for _, f in facts]),
            )
        ]
        for key, group_title in (("level", N_("level {name}")), ("assignee", N_("staff {name}"))):
            groups: dict[str, list[rules.Closed]] = {}
            for t, f in facts:
                g = getattr(t, key) or _("unassigned")
                if key == "assignee" and t.assignee:
                    g = "@" + (t.assignee_display or t.assignee)
                groups.setdefault(g, []).append(f)
            for g in sorted(groups):
                title_ = _(group_title).format(name=g)
                lines.append("• " + render.stats_text(title_, rules.stats(groups[g])))
        ctx.private("\n".join(lines))

    def _closed(ctx: Ctx, t: Ticket) -> rules.Closed:
        fr = sla.elapsed(ctx, t, "fr") if t.first_response_at else None
        return rules.Closed(
            level=t.level,
            assignee=t.assignee,
            first_response_s=fr,
            first_response_target=t.fr_target_s,
            resolution_s=sla.elapsed(ctx, t, "res") if t.closed_at else None,
            resolution_target=t.res_target_s,
            rating=t.rating,
            closed=t.status == "closed",
        )

    @reg.home_section
    def ticket_home(s: Session, community_id: int, user_id: str) -> list[tuple[str, list[str]]]:
        """This person's open tickets, and the ones they hold as staff."""
        out = []
        for title, column in (
            (_("Your tickets"), Ticket.requester),
            (_("Tickets you hold"), Ticket.assignee),
        ):
            rows = s.execute(
                select(Ticket)
                .where(
                    Ticket.community_id == community_id,
                    column == user_id,
                    Ticket.status != "closed",
                )
                .order_by(Ticket.number)
                .limit(20)
            ).scalars()
            lines = [f"#{t.number} {t.subject} ({t.status})" for t in rows]
            if lines:
                out.append((title, lines))
        return out

    ticket_config.register(reg)
    timers.register(reg)
    reg.exporter("tickets")(ticket_export.export)
