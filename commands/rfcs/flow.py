"""Changing an RFC and telling people: stage moves (through the pure stage machine), the
final comment period's pause and resume, the card's edits and the thread's announcements."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _, pgettext
from bot.model import Edit
from bot.timeparse import format_when
from commands.rfcs import render as rfc_render
from commands.rfcs import rules as rfc_rules
from commands.rfcs.state import (
    add_event,
    label,
    open_concerns,
    ref_of,
    reschedule_stale,
    snapshot,
)
from storage.rfc_tables import Rfc

DISPOSITION_STAGE = {"accept": "accepted", "reject": "rejected", "postpone": "postponed"}


def refresh(ctx: Ctx, rfc: Rfc) -> None:
    """Edit the card so it shows the RFC as it is now, in the community's language (whoever
    changed it)."""
    ctx.db.flush()
    with ctx.public():
        text, card = rfc_render.card(snapshot(ctx.db, rfc), ctx.now, ctx.zone, ctx.prefix)
    ctx.emit(Edit(ref=ref_of(rfc), text=text, card=card))


def announce(ctx: Ctx, rfc: Rfc, text: str) -> None:
    """A message in the RFC's discussion thread: render `text` inside `ctx.public()`."""
    ctx.post(rfc.channel, text, thread_ref=ref_of(rfc))


def check(rfc: Rfc, move: str, *, system: bool = False) -> rfc_rules.Move:
    try:
        return rfc_rules.apply(rfc.stage, move, system=system)
    except rfc_rules.IllegalMove as exc:
        raise UserError(f"{label(rfc)}: {exc}") from None


def move(ctx: Ctx, rfc: Rfc, move: str, *, system: bool = False, why: str | None = None) -> str:
    """Apply a move: the new stage, its timeline entry, and the timers it starts or stops.
    Returns the stage the RFC was in."""
    step = check(rfc, move, system=system)
    before = rfc.stage
    rfc.stage = step.after
    key = ref_of(rfc)
    if before == "fcp" and step.after != "fcp":
        ctx.cancel("rfc.fcp_end", key=key)
        rfc.fcp_ends_at = None
        rfc.fcp_remaining_s = None
    if before == "postponed":
        ctx.cancel("rfc.reopen", key=key)
        rfc.postponed_until = None
    if step.after not in rfc_rules.OPEN:
        ctx.cancel("rfc.review_reminder", key_prefix=key + ":")
    if step.after in ("accepted", "rejected", "withdrawn"):
        rfc.decided_at = ctx.now
    rfc.last_activity_at = ctx.now
    ctx.db.add(rfc)
    reschedule_stale(ctx, rfc)
    add_event(ctx, rfc, "stage", **{"from": before, "to": step.after, "why": why})
    if step.after in ("accepted", "rejected"):
        # Decision support keeps the state of consensus at this moment (commands/rfcs/assess).
        ctx.fire("rfc.decided", rfc=rfc)
    return before


def fcp_pause(ctx: Ctx, rfc: Rfc, concern_number: int) -> timedelta | None:
    """A concern stops the clock: keep the time left, cancel the end."""
    if rfc.stage != "fcp" or rfc.fcp_ends_at is None:
        return None
    left = max(rfc.fcp_ends_at - ctx.now, timedelta(0))
    rfc.fcp_remaining_s = int(left.total_seconds())
    rfc.fcp_ends_at = None
    ctx.db.add(rfc)
    ctx.cancel("rfc.fcp_end", key=ref_of(rfc))
    add_event(ctx, rfc, "fcp_paused", number=concern_number, left=rfc_render.span(left))
    return left


def fcp_resume(ctx: Ctx, rfc: Rfc) -> bool:
    """Once no concern is open, the period runs on with the time it had left."""
    if rfc.stage != "fcp" or rfc.fcp_ends_at is not None or rfc.fcp_remaining_s is None:
        return False
    if open_concerns(ctx.db, rfc):
        return False
    left = timedelta(seconds=rfc.fcp_remaining_s)
    rfc.fcp_ends_at = ctx.now + left
    rfc.fcp_remaining_s = None
    ctx.db.add(rfc)
    ctx.schedule("rfc.fcp_end", ref_of(rfc), rfc.fcp_ends_at, {"rfc_id": rfc.id})
    add_event(ctx, rfc, "fcp_resumed", left=rfc_render.span(left))
    announce(
        ctx,
        rfc,
        _(
            "▶️ Every concern on {value} is resolved: the final comment period to "
            "{fcp_disposition} resumes with {value2} left and ends {value3}."
        ).format(
            value=label(rfc),
            fcp_disposition=rfc_render.disposition_name(rfc.fcp_disposition),
            value2=rfc_render.span(left),
            value3=format_when(rfc.fcp_ends_at, ctx.zone),
        ),
    )
    return True


def end_fcp(ctx: Ctx, rfc: Rfc) -> None:
    """The period ran out with no concern open: its disposition applies by itself."""
    disposition = rfc.fcp_disposition or "accept"
    add_event(ctx, rfc, "fcp_ended", disposition=disposition)
    move(ctx, rfc, rfc_rules.disposition_move(disposition), system=True, why="lazy consensus")
    announce(
        ctx,
        rfc,
        _(
            "🏁 The final comment period on {value} ended with no open concern: {value2} is now "
            "{stage}. @{value3}"
        ).format(
            value=label(rfc),
            value2=label(rfc),
            stage=pgettext("rfc stage", rfc.stage),
            value3=rfc.author_display or rfc.author,
        ),
    )


def cancel_reminders_of(ctx: Ctx, rfc: Rfc, user_id: str) -> None:
    ctx.cancel("rfc.review_reminder", key=f"{ref_of(rfc)}:{user_id}")
