"""/decisions: the record of every closed vote, and `moot export decisions`."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from bot import i18n, paging
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import NP_, _, pgettext
from bot.registry import Registry
from bot.specs import Param
from bot.timeparse import format_when
from storage.db import Database
from storage.vote_tables import DecisionRecord


def record_dict(r: DecisionRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "vote_id": r.vote_id,
        "rfc_id": r.rfc_id,
        "question": r.question,
        "outcome": r.outcome,
        "closed_at": r.closed_at.isoformat(),
        "secret": r.secret,
        "roster_size": r.roster_size,
        "roster_hash": r.roster_hash,
        **{k: v for k, v in r.data.items() if k != "result_text"},
    }


def outcome_of(r: DecisionRecord) -> str:
    """The outcome as people say it: a choice or ranked vote names its winner."""
    winners = r.data.get("winners") or []
    if r.outcome == "passed" and r.data.get("kind") not in (None, "proposal") and winners:
        return _("won by {winners}").format(winners=", ".join(winners))
    return pgettext("outcome", r.outcome)


# The timeline's steps as stored ("opened", "closed") and as the reader says them.
_STEPS = (
    NP_("vote step", "opened"),
    NP_("vote step", "extended"),
    NP_("vote step", "roster refreshed"),
    NP_("vote step", "closed"),
    NP_("vote step", "cancelled"),
)


def record_markdown(r: DecisionRecord) -> str:
    """A decision record as Markdown, in the language in force (English for an export)."""
    d = r.data
    quorum = _("none")
    if d.get("quorum_needed"):
        reached = _("reached") if d.get("quorum_reached") else _("not reached")
        quorum = f"{d['quorum_needed']}, {reached}"
    kind = pgettext("vote kind", str(d.get("kind")))
    if r.secret:
        kind = _("{kind}, secret").format(kind=kind)
    vote = _("- Vote: #{vote} ({kind})").format(vote=r.vote_id, kind=kind)
    if r.rfc_id:
        vote += _(", RFC {rfc}").format(rfc=r.rfc_id)
    lines = [
        _("## Decision {id}: {question}").format(id=r.id, question=r.question),
        "",
        _("- Outcome: **{outcome}**").format(outcome=outcome_of(r)),
        vote,
        _("- Rule: {rule}").format(rule=d.get("rule")),
        _("- Quorum: {quorum}").format(quorum=quorum),
        _("- Eligible: {eligibility}; roster of {size}, sha256 {hash}").format(
            eligibility=d.get("eligibility"), size=r.roster_size, hash=r.roster_hash
        ),
    ]
    p = d.get("participation", {})
    lines.append(
        _("- Participation: {voted} voted of {eligible} eligible").format(
            voted=p.get("voted"), eligible=p.get("eligible")
        )
    )
    proposal = d.get("kind") in (None, "proposal")
    tallies = [
        f"{pgettext('option', t['option']) if proposal else t['option']} "
        f"{t['weight']} ({t['count']})"
        for t in d.get("tallies", [])
    ]
    lines.append(_("- Tally: {tallies}").format(tallies=", ".join(tallies)))
    if d.get("consensus"):
        lines.append(
            _("- Consensus: {share}").format(share=i18n.percent(float(Fraction(d["consensus"]))))
        )
    for b in d.get("blocks", []):
        lines.append(_("- Block: {reason}").format(reason=b.get("reason")))
    if d.get("ranking"):
        lines.append(
            _("- Ranking: {ranking}").format(
                ranking=" > ".join(" = ".join(t) for t in d["ranking"])
            )
        )
    lines.append(_("- Timeline:"))
    for step in d.get("timeline", []):
        what = pgettext("vote step", step["what"])
        line = _("  - {at} {what} by {by}").format(at=step["at"], what=what, by=step["by"])
        if step.get("closes_at"):
            line += _(" (until {when})").format(when=step["closes_at"])
        if step.get("reason"):
            line += f": {step['reason']}"
        lines.append(line)
    return "\n".join(lines)


def export(db: Database, fmt: str) -> str:
    with db.transaction() as s:
        rows = list(s.execute(select(DecisionRecord).order_by(DecisionRecord.id)).scalars())
        if fmt == "json":
            return json.dumps([record_dict(r) for r in rows], indent=2, ensure_ascii=False)
        parts = ["# Decisions", ""]
        parts += [record_markdown(r) + "\n" for r in rows] or ["No decisions yet.\n"]
        return "\n".join(parts)


def register(reg: Registry) -> None:
    reg.summary("decisions", "the record of every closed vote")
    reg.exporter("decisions")(export)

    @reg.command(
        "decisions",
        "list",
        help="List decisions, newest first.",
        params=[paging.PAGE_PARAM],
    )
    def decisions_list(ctx: Ctx, page: int | None) -> None:
        paging.check(page)
        stmt = (
            select(DecisionRecord)
            .where(DecisionRecord.community_id == ctx.community.id)
            .order_by(DecisionRecord.id.desc())
        )
        rows, total = paging.page(ctx.db, stmt, page)
        if not total:
            ctx.private(_("No decisions yet."))
            return
        # Decision numbers (D1, D2 ...) count records, not votes: a cancelled or RFC vote
        # still gets one, so D3 may be vote #5. Say so rather than let people guess.
        lines = [_("Decisions (D numbers are their own; each names the vote it records):")]
        lines += [
            _("D{id} {outcome}: {question} (vote #{vote}, {when})").format(
                id=r.id,
                outcome=outcome_of(r),
                question=r.question,
                vote=r.vote_id,
                when=format_when(r.closed_at, ctx.zone),
            )
            for r in rows
        ]
        more = paging.note(total, page, len(rows), f"{ctx.prefix}decisions list")
        ctx.private("\n".join([*lines, more] if more else lines))

    @reg.command(
        "decisions",
        "show",
        help="Show one decision record.",
        params=[Param("id", "text", positional=True, required=True, metavar="ID")],
    )
    def decisions_show(ctx: Ctx, id: str) -> None:
        raw = id.strip().lstrip("Dd#")
        if not raw.isdigit():
            raise UserError(
                _("'{id}' is not a decision id. Usage: {prefix}decisions show ID").format(
                    id=id, prefix=ctx.prefix
                )
            )
        r = ctx.db.get(DecisionRecord, int(raw))
        if r is None or r.community_id != ctx.community.id:
            raise UserError(_("there is no decision D{raw}").format(raw=raw))
        ctx.private(record_markdown(r) + "\n\n" + r.data.get("result_text", ""))
