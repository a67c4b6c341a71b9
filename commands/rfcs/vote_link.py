"""`/rfc vote`: an RFC decided by a timed vote, and the RFC's move when that vote closes. The
vote itself (rules, ballots, result, decision record) belongs to the votes capability; this
module only calls its public entry point and listens to its "vote.closed" hook."""

from __future__ import annotations

from typing import Any

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _, pgettext
from bot.registry import Registry
from bot.specs import Param
from commands.rfcs import rules as rfc_rules
from commands.rfcs import state as rfc_state
from commands.rfcs.flow import announce, check, move, refresh
from commands.rfcs.state import add_event, label, ref_of
from commands.votes import START_OPTIONS, start_from_args
from storage.rfc_tables import Rfc

VOTE_PARAMS: tuple[Param, ...] = (
    Param("rfc", positional=True, required=True, metavar="RFC"),
    Param("question", "text", metavar='"QUESTION"', help="default: Accept RFC-N: TITLE?"),
    *START_OPTIONS,
    Param("override", "text", metavar='"REASON"', help="moderators: vote despite open concerns"),
)


def register(reg: Registry) -> None:
    @reg.command(
        "rfc",
        "vote",
        help="Decide an RFC by a timed vote (author or moderator); takes every /vote start option.",
        params=VOTE_PARAMS,
        examples=("rfc vote RFC-3 --for 72h --rule 2/3",),
    )
    def rfc_vote(
        ctx: Ctx, rfc: str, question: str | None, override: str | None, **opts: Any
    ) -> None:
        row = rfc_state.find(ctx, rfc)
        rfc_state.require_author_or_moderator(ctx, row, _("call a vote on it"))
        check(row, "vote")
        concerns = rfc_state.open_concerns(ctx.db, row)
        if override is not None:
            if not ctx.is_moderator():
                raise UserError(_("only a moderator can --override open concerns"))
            if not override.strip():
                raise UserError(_('--override needs a reason: --override "REASON"'))
        if concerns and override is None:
            numbers = ", ".join(f"#{c.number}" for c in concerns)
            raise UserError(
                _(
                    "{value} has open concerns ({numbers}); resolve them first, or a moderator "
                    'may add --override "REASON"'
                ).format(value=label(row), numbers=numbers)
            )
        text = (question or "").strip() or _("Accept {value}: {title}?").format(
            value=label(row), title=row.title
        )
        args = {**opts, "question": text}
        vote = start_from_args(
            ctx, args, rfc_id=row.id, thread_ref=ref_of(row), channel=row.channel
        )
        row.vote_id = vote.id
        move(ctx, row, "vote")
        add_event(
            ctx,
            row,
            "vote",
            vote_id=vote.id,
            question=text,
            override=override if concerns else None,
        )
        if override is not None and concerns:
            ctx.audit(
                "rfc.vote.override",
                rfc=label(row),
                vote_id=vote.id,
                reason=override,
                concerns=[c.number for c in concerns],
            )
            with ctx.public():
                said = _(
                    "⚠️ A moderator called vote #{id} on {value} despite {value2} open "
                    "concern(s): {override}"
                ).format(id=vote.id, value=label(row), value2=len(concerns), override=override)
            announce(ctx, row, said)
        ctx.audit("rfc.vote", rfc=label(row), vote_id=vote.id)
        refresh(ctx, row)

    @reg.on("vote.closed")
    def on_vote_closed(
        ctx: Ctx,
        vote_id: int,
        rfc_id: int | None = None,
        outcome: str = "",
        record_id: int | None = None,
        **_details: Any,
    ) -> None:
        if rfc_id is None:
            return
        row = ctx.db.get(Rfc, rfc_id)
        if row is None or row.vote_id != vote_id or row.stage != "voting":
            return
        rfc_state.lock(ctx, row)
        add_event(ctx, row, "vote_closed", vote_id=vote_id, outcome=outcome, record_id=record_id)
        move(ctx, row, rfc_rules.vote_move(outcome), system=True, why=f"vote #{vote_id} {outcome}")
        announce(
            ctx,
            row,
            _("🏁 Vote #{vote_id} closed ({outcome}): {value} is now {stage}. @{value2}").format(
                vote_id=vote_id,
                outcome=pgettext("outcome", outcome),
                value=label(row),
                stage=pgettext("rfc stage", row.stage),
                value2=row.author_display or row.author,
            ),
        )
        refresh(ctx, row)
