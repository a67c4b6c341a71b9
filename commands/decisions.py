"""/decisions: the record of every closed vote, and `moot export decisions`."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from bot import paging
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
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
        return f"won by {', '.join(winners)}"
    return r.outcome


def record_markdown(r: DecisionRecord) -> str:
    d = r.data
    quorum = "none"
    if d.get("quorum_needed"):
        reached = "reached" if d.get("quorum_reached") else "not reached"
        quorum = f"{d['quorum_needed']}, {reached}"
    lines = [
        f"## Decision {r.id}: {r.question}",
        "",
        f"- Outcome: **{outcome_of(r)}**",
        f"- Vote: #{r.vote_id} ({d.get('kind')}{', secret' if r.secret else ''})"
        + (f", RFC {r.rfc_id}" if r.rfc_id else ""),
        f"- Rule: {d.get('rule')}",
        f"- Quorum: {quorum}",
        f"- Eligible: {d.get('eligibility')}; roster of {r.roster_size}, sha256 {r.roster_hash}",
    ]
    p = d.get("participation", {})
    lines.append(f"- Participation: {p.get('voted')} voted of {p.get('eligible')} eligible")
    lines.append(
        "- Tally: "
        + ", ".join(f"{t['option']} {t['weight']} ({t['count']})" for t in d.get("tallies", []))
    )
    if d.get("consensus"):
        lines.append(f"- Consensus: {round(float(Fraction(d['consensus'])) * 100)}%")
    for b in d.get("blocks", []):
        lines.append(f"- Block: {b.get('reason')}")
    if d.get("ranking"):
        lines.append("- Ranking: " + " > ".join(" = ".join(t) for t in d["ranking"]))
    lines.append("- Timeline:")
    for step in d.get("timeline", []):
        extra = f" (until {step['closes_at']})" if step.get("closes_at") else ""
        why = f": {step['reason']}" if step.get("reason") else ""
        lines.append(f"  - {step['at']} {step['what']} by {step['by']}{extra}{why}")
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
        lines = ["Decisions (D numbers are their own; each names the vote it records):"]
        lines += [
            f"D{r.id} {outcome_of(r)}: {r.question} (vote #{r.vote_id}, "
            f"{format_when(r.closed_at, ctx.zone)})"
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
