"""The two SLA clocks of a ticket, stored on its row: first response and resolution, in
business time, paused while the ticket waits on the requester. Alerts at 80% and at breach
are due work; each is given once per ticket and clock (a flag on the row, set in the same
transaction as the alert), so a restart or a rescheduled clock never repeats one."""

from __future__ import annotations

from datetime import datetime

from bot.context import Ctx
from bot.i18n import N_, _
from commands.tickets import rules
from commands.tickets.business_time import Schedule, SlaClock
from commands.tickets.state import label, ref_of, schedule_of
from storage.ticket_tables import Ticket

CLOCKS = ("fr", "res")
NAMES = {"fr": N_("first response"), "res": N_("resolution")}
ALERT_KIND = "ticket.sla"


def clock(t: Ticket, which: str) -> SlaClock:
    return SlaClock(
        target=float(getattr(t, f"{which}_target_s")),
        used=float(getattr(t, f"{which}_used_s")),
        since=getattr(t, f"{which}_since"),
        running=bool(getattr(t, f"{which}_running")),
        stopped_at=getattr(t, f"{which}_stopped_at"),
    )


def store(t: Ticket, which: str, c: SlaClock) -> None:
    setattr(t, f"{which}_used_s", c.used)
    setattr(t, f"{which}_since", c.since)
    setattr(t, f"{which}_running", c.running)
    setattr(t, f"{which}_stopped_at", c.stopped_at)


def start(ctx: Ctx, t: Ticket, fr_target: float, res_target: float) -> None:
    t.fr_target_s, t.res_target_s = int(fr_target), int(res_target)
    for which in CLOCKS:
        store(t, which, SlaClock(getattr(t, f"{which}_target_s"), since=ctx.now))
    reschedule(ctx, t)


def pause(ctx: Ctx, t: Ticket) -> None:
    sched = schedule_of(ctx)
    for which in CLOCKS:
        store(t, which, clock(t, which).pause(sched, ctx.now))
    reschedule(ctx, t)


def resume(ctx: Ctx, t: Ticket) -> None:
    for which in CLOCKS:
        store(t, which, clock(t, which).resume(ctx.now))
    reschedule(ctx, t)


def stop(ctx: Ctx, t: Ticket, which: str) -> None:
    store(t, which, clock(t, which).stop(schedule_of(ctx), ctx.now))
    reschedule(ctx, t, (which,))


def reopen(ctx: Ctx, t: Ticket) -> None:
    """A reopened ticket's resolution clock runs on from where it stopped."""
    c = clock(t, "res")
    store(t, "res", SlaClock(c.target, c.used, since=ctx.now, running=True))
    reschedule(ctx, t)


def elapsed(ctx: Ctx, t: Ticket, which: str, now: datetime | None = None) -> float:
    return clock(t, which).elapsed(schedule_of(ctx), now or ctx.now)


def _key(t: Ticket, which: str, step: str) -> str:
    return f"{ref_of(t)}:{which}:{step}"


def reschedule(ctx: Ctx, t: Ticket, clocks: tuple[str, ...] = CLOCKS) -> None:
    """Put each alert not yet given at the moment its clock would reach it, or cancel it
    while the clock is paused or stopped."""
    sched = schedule_of(ctx)
    for which in clocks:
        c = clock(t, which)
        for step, fraction in (("warn", rules.WARN_AT), ("breach", 1.0)):
            given = getattr(t, f"{which}_{'warned' if step == 'warn' else 'breached'}")
            at = None if given else c.reached_at(sched, fraction)
            key = _key(t, which, step)
            if at is None:
                ctx.cancel(ALERT_KIND, key)
            else:
                payload = {"ticket_id": t.id, "clock": which, "step": step}
                ctx.schedule(ALERT_KIND, key, at, payload)


def alert_due(ctx: Ctx, t: Ticket, which: str, step: str) -> str | None:
    """The alert text if this alert is due now and not given yet (and marks it given)."""
    flag = f"{which}_{'warned' if step == 'warn' else 'breached'}"
    if getattr(t, flag) or not rules.is_active(t.status):
        return None
    c = clock(t, which)
    sched = schedule_of(ctx)
    fraction = rules.WARN_AT if step == "warn" else 1.0
    if c.elapsed(sched, ctx.now) + 0.5 < c.target * fraction:
        # Not there yet (the clock paused in between and nobody moved this row): look later.
        reschedule(ctx, t)
        return None
    setattr(t, flag, True)
    ctx.db.add(t)
    what = _(NAMES[which])
    who = f"@{t.assignee_display or t.assignee}" if t.assignee else _("nobody has claimed it")
    if step == "warn":
        return _(
            "⏳ Ticket {ticket} ({subject}) has used 80% of its {what} target ({level}); {who}."
        ).format(ticket=label(t), subject=t.subject, what=what, level=t.level, who=who)
    return _(
        "🚨 Ticket {ticket} ({subject}) has breached its {what} target ({level}); {who}."
    ).format(ticket=label(t), subject=t.subject, what=what, level=t.level, who=who)


def breaching(ctx: Ctx, t: Ticket, sched: Schedule) -> list[str]:
    """The clocks of an active ticket at or past 80%, for `/ticket list --breaching`."""
    out = []
    for which in CLOCKS:
        c = clock(t, which)
        if c.stopped_at is None and c.target and c.fraction(sched, ctx.now) >= rules.WARN_AT:
            out.append(f"{_(NAMES[which])} {int(100 * c.fraction(sched, ctx.now))}%")
    return out
