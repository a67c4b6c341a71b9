"""What happens to a ticket with time and talk: replies in its place, SLA alerts in the
support-staff channel, the inactivity warning and auto-close, and a close request nobody
answered. Each due step acts once: the scheduler claims the row, and the ticket's own
fields say whether the step still applies."""

from __future__ import annotations

from bot.context import Ctx
from bot.i18n import _
from bot.registry import Registry
from commands.tickets import edits, flow, rules, sla, state
from commands.tickets.state import label, ref_of
from storage.tables import DueWork
from storage.ticket_tables import Ticket


def _ticket(ctx: Ctx, work: DueWork) -> Ticket | None:
    tid = work.payload.get("ticket_id") or work.key.split(":")[1]
    return state.by_ref(ctx, f"ticket:{tid}")


def register(reg: Registry) -> None:
    @reg.thread_reply("ticket")
    def on_reply(ctx: Ctx, ref: str, text: str) -> None:
        t = state.by_ref(ctx, ref)
        if t is not None and edits.is_change(ctx):
            edits.on_change(ctx, t, text, via_dm=ref.endswith(":dm"))
            return
        if t is None or not text.strip():
            return
        flow.on_message(ctx, t, text.strip()[: state.MAX_TEXT], via_dm=ref.endswith(":dm"))

    @reg.due_kind(sla.ALERT_KIND)
    def on_alert(ctx: Ctx, work: DueWork) -> None:
        t = _ticket(ctx, work)
        if t is None:
            return
        text = sla.alert_due(ctx, t, work.payload["clock"], work.payload["step"])
        if text:
            ctx.post(t.channel, text)

    @reg.due_kind(flow.IDLE_WARN)
    def on_idle_warn(ctx: Ctx, work: DueWork) -> None:
        t = _ticket(ctx, work)
        if t is None or t.status != "waiting" or t.idle_warned_at is not None:
            return
        warn = state.span_setting(ctx, "idle_warn", rules.DEFAULT_IDLE_WARN)
        if t.last_activity_at + warn > ctx.now:
            flow.schedule_idle(ctx, t)
            return
        after = state.span_setting(ctx, "idle_close", rules.DEFAULT_IDLE_CLOSE)
        t.idle_warned_at = ctx.now
        ctx.db.add(t)
        ctx.schedule(flow.IDLE_CLOSE, ref_of(t), ctx.now + after, {"ticket_id": t.id})
        flow.say(
            ctx,
            t,
            _(
                "👋 @{requester_display}, ticket {value} is waiting for your reply. Without one it "
                "closes in {value2}."
            ).format(
                requester_display=t.requester_display, value=label(t), value2=state.show_span(after)
            ),
        )

    @reg.due_kind(flow.IDLE_CLOSE)
    def on_idle_close(ctx: Ctx, work: DueWork) -> None:
        t = _ticket(ctx, work)
        if t is None or t.status != "waiting" or t.idle_warned_at is None:
            return
        if t.last_activity_at > t.idle_warned_at:
            return
        flow.close(ctx, t, _("no reply from the requester"), by="moot")

    @reg.due_kind(flow.CONFIRM)
    def on_confirm_timeout(ctx: Ctx, work: DueWork) -> None:
        t = _ticket(ctx, work)
        if t is None or t.status != "closing":
            return
        flow.close(
            ctx, t, t.close_reason or _("no answer to the close request"), by=t.close_requested_by
        )
