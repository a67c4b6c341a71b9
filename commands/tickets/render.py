"""The words and cards people see for tickets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.i18n import NP_, _, pgettext
from bot.model import Card, Choice
from bot.priority import shown as priority_name
from bot.timeparse import format_duration, format_when
from commands.tickets import rules
from commands.tickets.business_time import Schedule, SlaClock
from storage.ticket_tables import Ticket, TicketMessage

PRIORITY_MARK = {"low": "▫️", "normal": "🔹", "high": "🔸", "urgent": "🔴"}


# Statuses as shown; the stored names stay English.
_STATUSES = (
    NP_("ticket status", "open"),
    NP_("ticket status", "waiting"),
    NP_("ticket status", "closed"),
    NP_("ticket role", "requester"),
    NP_("ticket role", "staff"),
    NP_("ticket role", "other"),
)


def span(seconds: float) -> str:
    return format_duration(timedelta(seconds=round(seconds)))


def clock_line(c: SlaClock, sched: Schedule, now: datetime) -> str:
    used = c.elapsed(sched, now)
    pct = int(100 * used / c.target) if c.target else 0
    state = _("running") if c.running and c.stopped_at is None else _("paused")
    if c.stopped_at is not None:
        state = "met" if used <= c.target else "missed"
    return _("{value} of {value2} ({pct}%, {state})").format(
        value=span(used), value2=span(c.target), pct=pct, state=state
    )


def title(t: Ticket) -> str:
    return _("🎫 Ticket #{number}: {subject}").format(number=t.number, subject=t.subject)


def card(
    t: Ticket, clocks: dict[str, SlaClock], sched: Schedule, now: datetime, zone: ZoneInfo
) -> Card:
    fields = [
        (_("Status"), pgettext("ticket status", t.status)),
        (_("Priority"), f"{PRIORITY_MARK.get(t.priority, '')} {priority_name(t.priority)}".strip()),
        (_("Level"), t.level),
        (_("Requester"), f"@{t.requester_display or t.requester}"),
        (_("Assignee"), f"@{t.assignee_display or t.assignee}" if t.assignee else _("unassigned")),
        (_("Opened"), format_when(t.created_at, zone)),
        (_("First response"), clock_line(clocks["fr"], sched, now)),
        (_("Resolution"), clock_line(clocks["res"], sched, now)),
    ]
    if t.details:
        fields.insert(0, (_("Details"), t.details))
    if t.source_text:
        fields.insert(0, (_("Quoted"), "> " + t.source_text.replace("\n", "\n> ")))
    if t.source_link:
        fields.insert(1 if t.source_text else 0, (_("From"), t.source_link))
    if t.closed_at is not None:
        fields.append((_("Closed"), format_when(t.closed_at, zone) + _reason(t)))
    if t.rating is not None:
        fields.append(
            (_("Rating"), f"{t.rating}/5" + (f": {t.rating_comment}" if t.rating_comment else ""))
        )
    return Card(title(t), tuple(fields))


def _reason(t: Ticket) -> str:
    return f" ({t.close_reason})" if t.close_reason else ""


def staff_choices(t: Ticket) -> tuple[Choice, ...]:
    return (
        Choice("ticket.claim", str(t.id), _("Claim"), "primary", emoji="🙋"),
        Choice("ticket.close", str(t.id), _("Close"), emoji="🔒"),
    )


def confirm_choices(t: Ticket) -> tuple[Choice, ...]:
    return (
        Choice("ticket.confirm", f"{t.id}:yes", _("Yes, close it"), "primary", emoji="✅"),
        Choice("ticket.confirm", f"{t.id}:no", _("No, I still need help"), emoji="❌"),
    )


def rating_choices(t: Ticket) -> tuple[Choice, ...]:
    return tuple(
        Choice("ticket.rate", f"{t.id}:{n}", f"{n}", emoji=f"{n}\ufe0f\u20e3") for n in range(1, 6)
    )


def list_line(t: Ticket, extra: str = "") -> str:
    who = f"@{t.assignee_display or t.assignee}" if t.assignee else _("unassigned")
    by = t.requester_display or t.requester
    line = _("#{number} [{status}, {priority}, {level}] {subject} (by @{by}, {who})").format(
        number=t.number,
        status=pgettext("ticket status", t.status),
        priority=priority_name(t.priority),
        level=t.level,
        subject=t.subject,
        by=by,
        who=who,
    )
    return line + (f" ⚠️ {extra}" if extra else "")


def transcript_lines(t: Ticket, rows: list[TicketMessage], zone: ZoneInfo) -> list[str]:
    out = [
        _("Transcript of ticket #{number}: {subject}").format(number=t.number, subject=t.subject)
    ]
    for m in rows:
        when = m.at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        who = (
            "Moot"
            if m.role == "moot"
            else f"@{m.author_display or m.author} ({pgettext('ticket role', m.role)})"
        )
        mark = {"note": _(" [staff note]"), "edit": _(" [edit]"), "delete": _(" [deleted]")}.get(
            m.kind, ""
        )
        edited = (
            _(" (edited {value})").format(value=m.edited_at.astimezone(zone).strftime("%H:%M"))
            if m.edited_at
            else ""
        )
        out.append(f"[{when}] {who}{mark}: {m.text}{edited}")
    return out


def stats_text(title_: str, s: rules.Stats) -> str:
    def opt(v: float | None, fmt: Callable[[float], str]) -> str:
        return fmt(v) if v is not None else _("n/a")

    return _(
        "{title_}: {opened} opened, {closed} closed; median first response {value}, median "
        "resolution {value2} (business time); SLA met {value3}; rating {value4} ({ratings} rated)"
    ).format(
        title_=title_,
        opened=s.opened,
        closed=s.closed,
        value=opt(s.median_first_response_s, span),
        value2=opt(s.median_resolution_s, span),
        value3=opt(s.sla_met_pct, lambda v: i18n.percent(v / 100)),
        value4=opt(s.rating_avg, lambda v: f"{v:.1f}/5"),
        ratings=s.ratings,
    )
