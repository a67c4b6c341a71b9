"""How knowledge-base entries read in chat and in the export. Pure: rows in, text out."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.model import Card
from bot.timeparse import format_when
from commands.kb.state import Hit
from storage.kb_tables import KbEntry
from storage.rfc_tables import Rfc
from storage.vote_tables import DecisionRecord

SOURCE = {
    "manual": "written by a moderator",
    "decision": "a decision",
    "rfc": "an accepted RFC",
    "ticket": "a resolved ticket",
}


def source_text(e: KbEntry) -> str:
    what = SOURCE.get(e.source, e.source)
    if e.source == "decision" and e.source_ref:
        what += f" (decision record #{e.source_ref.split(':', 1)[1]})"
    return what


def hit_line(h: Hit) -> str:
    e = h.entry
    snippet = " ".join(h.snippet.split()) or e.answer[:120]
    line = f"• KB-{e.number} · {e.question} — {snippet}"
    line += f" ({source_text(e)}"
    return line + (f", {e.link})" if e.link else ")")


def entry_card(e: KbEntry) -> tuple[str, Card]:
    title = f"📚 KB-{e.number}: {e.question}"
    fields: list[tuple[str, str]] = [("Answer", e.answer), ("Source", source_text(e))]
    if e.tags:
        fields.append(("Tags", ", ".join(e.tags.split(","))))
    if e.link:
        fields.append(("Link", e.link))
    return title, Card(title=title, fields=tuple(fields))


def stats_text(entries: int, outcomes: dict[str | None, int]) -> str:
    offered = sum(outcomes.values())
    helpful = outcomes.get("helpful", 0)
    told = helpful + outcomes.get("not-helpful", 0)
    lines = [f"📚 {entries} entr{'y' if entries == 1 else 'ies'} in the knowledge base."]
    if not offered:
        lines.append("No suggestions offered yet.")
        return "\n".join(lines)
    lines.append(
        f"Suggestions offered: {offered}; answered by one of them: {helpful}"
        + (f" ({helpful * 100 // told}% of {told} who said)" if told else "")
        + f"; no answer given: {offered - told}."
    )
    return "\n".join(lines)


def decision_answer(rec: DecisionRecord, zone: ZoneInfo) -> str:
    when = format_when(rec.closed_at, zone)
    winners = rec.data.get("winners") or []
    text = f"Decided {rec.outcome} on {when} (vote #{rec.vote_id})"
    if winners and rec.outcome not in ("passed", "failed"):
        text += ": " + ", ".join(str(w) for w in winners)
    rule = rec.data.get("rule")
    return text + (f". Rule: {rule}." if rule else ".")


def rfc_answer(rfc: Rfc, zone: ZoneInfo) -> str:
    when = format_when(rfc.decided_at, zone) if rfc.decided_at else "?"
    text = f"Accepted on {when}."
    if rfc.summary:
        text = f"{rfc.summary} — {text}"
    return text


def entry_dict(e: KbEntry, community: str | None) -> dict[str, Any]:
    return {
        "community": community,
        "id": f"KB-{e.number}",
        "question": e.question,
        "answer": e.answer,
        "tags": [t for t in e.tags.split(",") if t],
        "source": e.source,
        "source_ref": e.source_ref,
        "link": e.link,
        "created_at": e.created_at.isoformat(),
        "updated_at": e.updated_at.isoformat(),
    }


def markdown(entries: list[KbEntry], names: dict[int | None, str]) -> str:
    out = ["# Knowledge base", ""]
    current: int | None = None
    for e in entries:
        if e.community_id != current:
            current = e.community_id
            out += [f"## {names.get(current, current)}", ""]
        out += [f"### KB-{e.number}: {e.question}", "", e.answer, ""]
        meta = [f"Source: {source_text(e)}"]
        if e.tags:
            meta.append("Tags: " + ", ".join(e.tags.split(",")))
        if e.link:
            meta.append(f"Link: {e.link}")
        out += ["; ".join(meta), ""]
    if not entries:
        out.append("No entries yet.")
    return "\n".join(out).rstrip() + "\n"
