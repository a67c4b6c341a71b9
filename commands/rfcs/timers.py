"""What happens to an RFC with time and talk: replies in its thread are its discussion, a
quiet thread gets one nudge per quiet period, requested reviewers get one reminder, a final
comment period ends, and a postponement runs out."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Ctx
from bot.i18n import _
from bot.registry import Registry
from commands.rfcs import rules as rfc_rules
from commands.rfcs import state as rfc_state
from commands.rfcs.flow import announce, end_fcp, move, refresh
from commands.rfcs.render import span
from commands.rfcs.state import add_event, label, ref_of
from storage.rfc_tables import Rfc, RfcComment, RfcReview
from storage.tables import DueWork

MAX_COMMENT = 4000


def _rfc(ctx: Ctx, work: DueWork) -> Rfc | None:
    # Keys are "rfc:ID" or "rfc:ID:USER"; the payload carries the id as well.
    rid = work.payload.get("rfc_id") or work.key.split(":")[1]
    rfc = ctx.db.get(Rfc, int(rid))
    if rfc is None or rfc.community_id != ctx.community.id:
        return None
    return rfc_state.lock(ctx, rfc)


def register(reg: Registry) -> None:
    @reg.thread_reply("rfc")
    def on_reply(ctx: Ctx, ref: str, text: str) -> None:
        rfc = rfc_state.by_ref(ctx, ref)
        if rfc is None or not text.strip():
            return
        ctx.db.add(
            RfcComment(
                rfc_id=rfc.id or 0,
                author=ctx.actor.user_id,
                author_display=ctx.actor.display,
                at=ctx.now,
                text=text.strip()[:MAX_COMMENT],
            )
        )
        rfc_state.touch(ctx, rfc)
        refresh(ctx, rfc)

    @reg.due_kind("rfc.stale")
    def on_stale(ctx: Ctx, work: DueWork) -> None:
        rfc = _rfc(ctx, work)
        if rfc is None or rfc.stage not in ("discussion", "fcp"):
            return
        quiet_until = rfc.last_activity_at + rfc_state.stale_window(ctx)
        if quiet_until > ctx.now:
            # Activity we did not reschedule for (a setting changed): look again then.
            ctx.schedule("rfc.stale", ref_of(rfc), quiet_until, {"rfc_id": rfc.id})
            return
        add_event(ctx, rfc, "stale")
        quiet = rfc_state.stale_window(ctx)
        announce(
            ctx,
            rfc,
            _(
                "👋 {value} has been quiet for {value2}. @{value3}, is it ready for a decision "
                "({prefix}rfc fcp {value4} accept, or {prefix}rfc vote {value5}), or should it be "
                "postponed or withdrawn?"
            ).format(
                value=label(rfc),
                value2=span(quiet),
                value3=rfc.author_display or rfc.author,
                prefix=ctx.prefix,
                value4=label(rfc),
                value5=label(rfc),
            ),
        )

    @reg.due_kind("rfc.review_reminder")
    def on_review_reminder(ctx: Ctx, work: DueWork) -> None:
        rfc = _rfc(ctx, work)
        if rfc is None or rfc.stage not in rfc_rules.OPEN:
            return
        reviewer = work.key.rsplit(":", 1)[1]
        review = ctx.db.execute(
            select(RfcReview).where(RfcReview.rfc_id == rfc.id, RfcReview.reviewer == reviewer)
        ).scalar_one_or_none()
        if review is None or review.verdict is not None or review.reminded_at is not None:
            return
        review.reminded_at = ctx.now
        ctx.db.add(review)
        with ctx.speaking_to(reviewer):
            ctx.dm(
                reviewer,
                _(
                    "⏰ Reminder: you were asked to review {value} ({title}) in #{channel}. "
                    "{prefix}rfc review {value2} approve|changes [COMMENT]"
                ).format(
                    value=label(rfc),
                    title=rfc.title,
                    channel=rfc.channel,
                    prefix=ctx.prefix,
                    value2=label(rfc),
                ),
            )

    @reg.due_kind("rfc.fcp_end")
    def on_fcp_end(ctx: Ctx, work: DueWork) -> None:
        rfc = _rfc(ctx, work)
        if rfc is None or rfc.stage != "fcp" or rfc.fcp_ends_at is None:
            return
        if rfc.fcp_ends_at > ctx.now:
            ctx.schedule("rfc.fcp_end", ref_of(rfc), rfc.fcp_ends_at, {"rfc_id": rfc.id})
            return
        if rfc_state.open_concerns(ctx.db, rfc):
            # A concern always pauses the period; this is only a guard against a lost pause.
            return
        end_fcp(ctx, rfc)
        refresh(ctx, rfc)

    @reg.due_kind("rfc.reopen")
    def on_reopen(ctx: Ctx, work: DueWork) -> None:
        rfc = _rfc(ctx, work)
        if rfc is None or rfc.stage != "postponed":
            return
        move(ctx, rfc, "reopen", system=True, why="postponement ended")
        add_event(ctx, rfc, "reopened")
        announce(
            ctx,
            rfc,
            _(
                "⏰ The postponement of {value} has ended: it is back in discussion. @{value2}"
            ).format(value=label(rfc), value2=rfc.author_display or rfc.author),
        )
        refresh(ctx, rfc)
