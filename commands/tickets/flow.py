"""The moves on a ticket: open it, say something in its place, change its status, close it,
and the replies that come in. Each keeps the transcript and the SLA clocks in step."""

from __future__ import annotations

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.model import Address, Choice, MessageReceived, OpenPlace, Quoted, Send
from bot.outbox import PLACES
from commands.tickets import render, rules, sla, state
from commands.tickets.state import label, ref_of
from storage import repos
from storage.ticket_tables import Ticket

MAX_SUBJECT = 200
IDLE_WARN = "ticket.idle_warn"
IDLE_CLOSE = "ticket.idle_close"
CONFIRM = "ticket.confirm_timeout"


def staff_channel(ctx: Ctx) -> str:
    channel = ctx.channel_for("support-staff") or ctx.channel_for("support")
    if channel:
        return channel
    if ctx.is_direct or not ctx.address.channel:
        raise UserError(
            _(
                "no support-staff channel is set; a moderator can set one with {prefix}config "
                "channel support-staff #CHANNEL"
            ).format(prefix=ctx.prefix)
        )
    return ctx.address.channel


def _address(ctx: Ctx, channel: str = "") -> Address:
    return Address(ctx.community.platform, ctx.community.workspace, channel)


def say(
    ctx: Ctx,
    t: Ticket,
    text: str,
    *,
    choices: tuple[Choice, ...] = (),
    relay: bool = True,
    record: bool = True,
) -> None:
    """Moot speaks in the ticket's place; what it says is part of the transcript."""
    ctx.emit(Send(_address(ctx), text, choices=choices, place_ref=ref_of(t), relay=relay))
    if record:
        state.record(ctx, t, "moot", text)


def _relayed(ctx: Ctx, t: Ticket) -> list[str]:
    place = repos.kv_get(ctx.db, PLACES, ref_of(t))
    return list(place.get("relay") or []) if place else []


def open_ticket(
    ctx: Ctx,
    subject: str,
    priority: str = "normal",
    details: str | None = None,
    quoted: Quoted | None = None,
) -> Ticket:
    subject = " ".join(subject.split())
    usage = _(
        '{prefix}ticket open "SUBJECT" [--priority low|normal|high|urgent] [--details TEXT]'
    ).format(prefix=ctx.prefix)
    if not subject:
        raise UserError(_("the subject is empty. Usage: {usage}").format(usage=usage))
    if len(subject) > MAX_SUBJECT:
        raise UserError(
            _("the subject is longer than {MAX_SUBJECT} characters. Usage: {usage}").format(
                MAX_SUBJECT=MAX_SUBJECT, usage=usage
            )
        )
    if details is not None and not details.strip():
        raise UserError(_("--details is empty. Usage: {usage}").format(usage=usage))
    user = ctx.actor.user_id
    refusal = rules.limit_refusal(
        state.open_count(ctx, user),
        state.int_setting(ctx, "limit", rules.DEFAULT_LIMIT),
        state.last_opened(ctx, user),
        ctx.now,
        state.span_setting(ctx, "cooldown", rules.DEFAULT_COOLDOWN),
    )
    if refusal:
        raise UserError(refusal)
    channel = staff_channel(ctx)
    conf = state.settings(ctx)
    levels = state.levels(ctx)
    level = rules.level_for(user, ctx.actor.roles, conf.get("level_roles") or {}, list(levels))
    fr, res = levels[level]
    t = Ticket(
        community_id=ctx.community.id or 0,
        number=state.next_number(ctx),
        subject=subject,
        details=(details or "").strip()[: state.MAX_TEXT] or None,
        priority=priority,
        status="open",
        level=level,
        requester=user,
        requester_display=ctx.actor.display,
        channel=channel,
        created_at=ctx.now,
        last_activity_at=ctx.now,
    )
    if quoted is not None:
        said = (quoted.text or "").strip()
        if said and quoted.author and quoted.author != user:
            # Whose words they are, named, never pinged (the renderer silences the @).
            said = f"@{ctx.display_of(quoted.author).lstrip('@')}: {said}"
        t.source_text = said[: state.MAX_TEXT] or None
        where = quoted.address
        t.source_link = quoted.link or _("message {message} in #{channel}").format(
            message=where.message, channel=where.channel
        )
    ctx.db.add(t)
    ctx.db.flush()
    sla.start(ctx, t, fr.total_seconds(), res.total_seconds())
    opened = subject + (f"\n{t.details}" if t.details else "")
    state.record(ctx, t, "requester", opened)
    staff = state.staff_ids(ctx)
    members = tuple(dict.fromkeys([user, *staff]))
    text = _(
        "{value}\nOpened by @{display}. Staff: claim it with the button or {prefix}ticket claim; "
        "everyone here: reply in this thread."
    ).format(value=render.title(t), display=ctx.actor.display, prefix=ctx.prefix)
    clocks = {w: sla.clock(t, w) for w in sla.CLOCKS}
    ctx.emit(
        OpenPlace(
            ref=ref_of(t),
            address=_address(ctx, channel),
            title=_("Ticket #{number}: {subject}").format(number=t.number, subject=subject)[:100],
            members=members,
            text=text,
            card=render.card(t, clocks, state.schedule_of(ctx), ctx.now, ctx.zone),
            choices=render.staff_choices(t),
            relay_to=(user,),
            hosts=tuple(s for s in staff if s != user),
        )
    )
    state.record(ctx, t, "moot", text)
    ctx.audit("ticket.open", ticket=t.number, level=level, priority=priority)
    ctx.private(
        _(
            "🎫 Ticket {value} is open ({level} support). Staff will answer in its thread; see it "
            "with {prefix}ticket show {number}."
        ).format(value=label(t), level=level, prefix=ctx.prefix, number=t.number)
    )
    # The knowledge base may already answer it: up to three private suggestions.
    ctx.fire("kb.suggest", question=subject, user_id=user, context=f"ticket:{t.number}")
    return t


# ---------------------------------------------------------------- replies


def on_message(ctx: Ctx, t: Ticket, text: str, *, via_dm: bool) -> None:
    """Someone wrote in the ticket's place (or, relayed, in their DM with Moot)."""
    role = state.role_of(ctx, t)
    if role == "other":
        # Visible places only hold the requester and staff; ignore anyone else quietly.
        return
    event = ctx.event
    if isinstance(event, MessageReceived) and event.edit_of:
        state.note_edit(ctx, t, role, event.edit_of, text)
        return
    message_id = (event.address.message or event.event_id) if event else None
    state.record(ctx, t, role, text, message_id=message_id)
    t.last_activity_at = ctx.now
    if via_dm:
        # The requester's side of a relayed place: carry it into the staff thread.
        ctx.emit(
            Send(
                _address(ctx),
                f"💬 @{ctx.actor.display}: {text}",
                place_ref=ref_of(t),
                relay=False,
            )
        )
    elif role == "staff" and t.requester in _relayed(ctx, t):
        ctx.emit(
            Send(
                _address(ctx),
                f"💬 @{ctx.actor.display}: {text}",
                visibility="dm",
                recipient=t.requester,
                ref=f"{ref_of(t)}:dm",
            )
        )
    activity(ctx, t, role)


def activity(ctx: Ctx, t: Ticket, role: str) -> None:
    """A human wrote: first response, waiting ends, the inactivity steps start over."""
    if role == "staff" and t.first_response_at is None and t.status != "closed":
        t.first_response_at = ctx.now
        sla.stop(ctx, t, "fr")
    if t.idle_warned_at is not None or t.status == "waiting":
        ctx.cancel(IDLE_WARN, ref_of(t))
        ctx.cancel(IDLE_CLOSE, ref_of(t))
        t.idle_warned_at = None
    if role == "requester" and t.status == "waiting":
        t.status = "open"
        sla.resume(ctx, t)
        say(
            ctx,
            t,
            _("▶️ @{requester_display} replied: the ticket is open again.").format(
                requester_display=t.requester_display
            ),
        )
    elif t.status == "waiting":
        schedule_idle(ctx, t)
    ctx.db.add(t)


def schedule_idle(ctx: Ctx, t: Ticket) -> None:
    warn = state.span_setting(ctx, "idle_warn", rules.DEFAULT_IDLE_WARN)
    ctx.schedule(IDLE_WARN, ref_of(t), t.last_activity_at + warn, {"ticket_id": t.id})


# ---------------------------------------------------------------- status


def set_waiting(ctx: Ctx, t: Ticket) -> None:
    t.status = rules.next_status(t.status, "waiting")
    sla.pause(ctx, t)
    t.last_activity_at = ctx.now
    schedule_idle(ctx, t)
    ctx.db.add(t)
    say(
        ctx,
        t,
        _("⏸️ Waiting on @{requester_display}: the SLA clocks are paused until they reply.").format(
            requester_display=t.requester_display
        ),
    )


def set_open(ctx: Ctx, t: Ticket) -> None:
    t.status = rules.next_status(t.status, "open")
    t.close_requested_at = t.close_requested_by = None
    ctx.cancel(IDLE_WARN, ref_of(t))
    ctx.cancel(IDLE_CLOSE, ref_of(t))
    ctx.cancel(CONFIRM, ref_of(t))
    t.idle_warned_at = None
    sla.resume(ctx, t)
    ctx.db.add(t)
    say(ctx, t, _("▶️ Ticket {value} is open; the SLA clocks run again.").format(value=label(t)))


def request_close(ctx: Ctx, t: Ticket, reason: str | None) -> None:
    t.status = rules.next_status(t.status, "request_close")
    t.close_requested_at = ctx.now
    t.close_requested_by = ctx.actor.user_id
    t.close_reason = reason
    sla.pause(ctx, t)
    ctx.cancel(IDLE_WARN, ref_of(t))
    ctx.cancel(IDLE_CLOSE, ref_of(t))
    ctx.schedule(CONFIRM, ref_of(t), ctx.now + rules.CONFIRM_WINDOW, {"ticket_id": t.id})
    ctx.db.add(t)
    say(
        ctx,
        t,
        _("🔒 @{display} would like to close ticket {value}").format(
            display=ctx.actor.display, value=label(t)
        )
        + (f" ({reason})" if reason else "")
        + _(
            ". @{requester_display}, is your question answered? With no answer within a day it "
            "closes by itself."
        ).format(requester_display=t.requester_display),
        choices=render.confirm_choices(t),
    )


def close(ctx: Ctx, t: Ticket, reason: str | None, *, by: str | None = None) -> None:
    t.status = rules.next_status(t.status, "close")
    t.closed_at = ctx.now
    t.closed_by = by or ctx.actor.user_id
    t.close_reason = reason or t.close_reason
    for kind in (IDLE_WARN, IDLE_CLOSE, CONFIRM):
        ctx.cancel(kind, ref_of(t))
    sla.stop(ctx, t, "fr")
    sla.stop(ctx, t, "res")
    ctx.db.add(t)
    ctx.audit("ticket.close", ticket=t.number, reason=t.close_reason)
    say(
        ctx,
        t,
        _("✅ Ticket {value} is closed").format(value=label(t))
        + (f" ({t.close_reason})" if t.close_reason else "")
        + ".",
    )
    say(
        ctx,
        t,
        _(
            "⭐ @{requester_display}, how did we do? Rate this ticket from 1 to 5 (a comment: "
            '{prefix}ticket rate {number} 5 "thanks!").'
        ).format(requester_display=t.requester_display, prefix=ctx.prefix, number=t.number),
        choices=render.rating_choices(t),
    )
    ctx.fire("ticket.resolved", ticket=t)


def reopen(ctx: Ctx, t: Ticket) -> None:
    t.status = rules.next_status(t.status, "reopen")
    t.closed_at = t.closed_by = t.close_reason = None
    t.close_requested_at = t.close_requested_by = None
    t.last_activity_at = ctx.now
    sla.reopen(ctx, t)
    ctx.db.add(t)
    say(
        ctx,
        t,
        _("🔓 Ticket {value} was reopened by @{display}.").format(
            value=label(t), display=ctx.actor.display
        ),
    )
