"""How knowledge-base entries read in chat and in the export. Pure: rows in, text out."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import N_, _, ngettext
from bot.model import Card
from bot.timeparse import format_when
from commands.kb.state import Hit
from storage.kb_tables import KbEntry
from storage.rfc_tables import Rfc
from storage.vote_tables import DecisionRecord

SOURCE = {
    "manual": N_("written by a moderator"),
    "decision": N_("a decision"),
    "rfc": N_("an accepted RFC"),
    "ticket": N_("a resolved ticket"),
}


def source_text(e: KbEntry) -> str:
    what = _(SOURCE[e.source]) if e.source in SOURCE else e.source
    if e.source == "decision" and e.source_ref:
        what += _(" (decision record #{value})").format(value=e.source_ref.split(":", 1)[1])
    return what


def hit_line(h: Hit) -> str:
    e = h.entry
    snippet = " ".join(h.snippet.split()) or e.answer[:120]
    line = _("• KB-{number} · {question} — {snippet}").format(
        number=e.number, question=e.question, snippet=snippet
    )
    line += f" ({source_text(e)}"
    return line + (f", {e.link})" if e.link else ")")


def entry_card(e: KbEntry) -> tuple[str, Card]:
    title = _("📚 KB-{number}: {question}").format(number=e.number, question=e.question)
    fields: list[tuple[str, str]] = [(_("Answer"), e.answer), (_("Source"), source_text(e))]
    if e.tags:
        fields.append((_("Tags"), ", ".join(e.tags.split(","))))
    if e.link:
        fields.append((_("Link"), e.link))
    return title, Card(title=title, fields=tuple(fields))


def stats_text(entries: int, outcomes: dict[str | None, int]) -> str:
    offered = sum(outcomes.values())
    helpful = outcomes.get("helpful", 0)
    told = helpful + outcomes.get("not-helpful", 0)
    lines = [
        ngettext(
            "📚 {entries} entry in the knowledge base.",
            "📚 {entries} entries in the knowledge base.",
            entries,
        ).format(entries=entries)
    ]
    if not offered:
        lines.append(_("No suggestions offered yet."))
        return "\n".join(lines)
    lines.append(
        _("Suggestions offered: {offered}; answered by one of them: {helpful}").format(
            offered=offered, helpful=helpful
        )
        + (
            _(" ({value}% of {told} who said)").format(value=helpful * 100 // told, told=told)
            if told
            else ""
        )
        + _("; no answer given: {value}.").format(value=offered - told)
    )
    return "\n".join(lines)


def decision_answer(rec: DecisionRecord, zone: ZoneInfo) -> str:
    when = format_when(rec.closed_at, zone)
    winners = rec.data.get("winners") or []
    text = _("Decided {outcome} on {when} (vote #{vote_id})").format(
        outcome=rec.outcome, when=when, vote_id=rec.vote_id
    )
    if winners and rec.outcome not in ("passed", "failed"):
        text += ": " + ", ".join(str(w) for w in winners)
    rule = rec.data.get("rule")
    return text + (_(". Rule: {rule}.").format(rule=rule) if rule else ".")


def rfc_answer(rfc: Rfc, zone: ZoneInfo) -> str:
    when = format_when(rfc.decided_at, zone) if rfc.decided_at else "?"
    text = _("Accepted on {when}.").format(when=when)
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
    out = [_("# Knowledge base"), ""]
    current: int | None = None
    for e in entries:
        if e.community_id != current:
            current = e.community_id
            out += [f"## {names.get(current, current)}", ""]
        out += [
            _("### KB-{number}: {question}").format(number=e.number, question=e.question),
            "",
            e.answer,
            "",
        ]
        meta = [_("Source: {value}").format(value=source_text(e))]
        if e.tags:
            meta.append("Tags: " + ", ".join(e.tags.split(",")))
        if e.link:
            meta.append(_("Link: {link}").format(link=e.link))
        out += ["; ".join(meta), ""]
    if not entries:
        out.append(_("No entries yet."))
    return "\n".join(out).rstrip() + "\n"
