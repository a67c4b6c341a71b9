"""`moot export rfcs --format md|json`: the decision log a community can publish. One section
per RFC with its timeline; JSON carries the same data plus reviews, concerns, the captured
discussion and the linked decision records."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from commands.rfcs import render as rfc_render
from commands.rfcs.state import Snapshot, label, snapshot
from storage.db import Database
from storage.rfc_tables import Rfc, RfcComment
from storage.tables import Community


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _zone(community: Community | None) -> ZoneInfo:
    try:
        return ZoneInfo((community.timezone if community else None) or "UTC")
    except Exception:  # a bad stored zone must not stop an export
        return ZoneInfo("UTC")


def _snapshots(s: Session) -> list[tuple[Community | None, Snapshot]]:
    rows = s.execute(select(Rfc).order_by(Rfc.community_id, Rfc.number)).scalars().all()
    communities: dict[int, Community | None] = {}
    out = []
    for rfc in rows:
        if rfc.community_id not in communities:
            communities[rfc.community_id] = s.get(Community, rfc.community_id)
        out.append((communities[rfc.community_id], snapshot(s, rfc, with_events=True)))
    return out


def as_dict(s: Session, community: Community | None, snap: Snapshot) -> dict[str, Any]:
    rfc = snap.rfc
    zone = _zone(community)
    comments = s.execute(
        select(RfcComment).where(RfcComment.rfc_id == rfc.id).order_by(RfcComment.id)
    ).scalars()
    return {
        "community": f"{community.platform}:{community.workspace}" if community else None,
        "rfc": label(rfc),
        "number": rfc.number,
        "title": rfc.title,
        "summary": rfc.summary,
        "link": rfc.link,
        "type": rfc.rfc_type,
        "author": rfc.author_display or rfc.author,
        "stage": rfc.stage,
        "proposed_at": _iso(rfc.created_at),
        "last_activity_at": _iso(rfc.last_activity_at),
        "decided_at": _iso(rfc.decided_at),
        "implementation": rfc.implemented_link,
        "reviews": [
            {
                "reviewer": r.reviewer_display or r.reviewer,
                "requested": r.requested,
                "verdict": r.verdict,
                "comment": r.comment,
                "reviewed_at": _iso(r.reviewed_at),
            }
            for r in snap.reviews
        ],
        "concerns": [
            {
                "number": c.number,
                "text": c.text,
                "raised_by": c.raised_by_display or c.raised_by,
                "raised_at": _iso(c.raised_at),
                "resolved_by": c.resolved_by_display or c.resolved_by,
                "resolved_at": _iso(c.resolved_at),
                "note": c.note,
            }
            for c in snap.concerns
        ],
        "vote_id": rfc.vote_id,
        "decision_records": [
            {
                "id": rec.id,
                "vote_id": rec.vote_id,
                "question": rec.question,
                "outcome": rec.outcome,
                "closed_at": _iso(rec.closed_at),
                "rule": rec.data.get("rule"),
                "tallies": rec.data.get("tallies"),
                "participation": rec.data.get("participation"),
                "rfc_assessment": rec.data.get("rfc_assessment"),
            }
            for rec in snap.records.values()
        ],
        "assessment_at_decision": next(
            (ev.detail for ev in reversed(snap.events) if ev.what == "assessed"), None
        ),
        "timeline": [
            {
                "at": _iso(ev.at),
                "by": ev.actor_display or ev.actor,
                "what": ev.what,
                "detail": ev.detail,
                "text": rfc_render.event_line(ev, zone, snap.records).split(" · ", 1)[1],
            }
            for ev in snap.events
        ],
        "discussion": [
            {"author": c.author_display or c.author, "at": _iso(c.at), "text": c.text}
            for c in comments
        ],
    }


def markdown(community: Community | None, snap: Snapshot) -> str:
    rfc = snap.rfc
    zone = _zone(community)
    lines = [f"## {label(rfc)}: {rfc.title}", ""]
    lines.append(f"- Stage: **{rfc.stage}**")
    lines.append(f"- Author: {rfc.author_display or rfc.author}")
    if rfc.rfc_type:
        lines.append(f"- Type: {rfc.rfc_type}")
    if rfc.summary:
        lines.append(f"- Summary: {rfc.summary}")
    if rfc.link:
        lines.append(f"- Link: {rfc.link}")
    if rfc.implemented_link:
        lines.append(f"- Implementation: {rfc.implemented_link}")
    lines += ["", "### Timeline", ""]
    lines += [f"- {line}" for line in rfc_render.timeline(snap, zone)]
    lines.append("")
    return "\n".join(lines)


def export(db: Database, fmt: str) -> str:
    with db.transaction() as s:
        items = _snapshots(s)
        if fmt == "json":
            data = [as_dict(s, c, snap) for c, snap in items]
            return json.dumps({"rfcs": data}, indent=2, ensure_ascii=False) + "\n"
        parts = ["# RFC decision log", ""]
        if not items:
            parts.append("No RFCs yet.")
        parts += [markdown(c, snap) for c, snap in items]
        return "\n".join(parts).rstrip() + "\n"
