"""How an RFC reads: its card, one line per list entry, and its timeline (the decision log
in chat and in the export). Pure: data in, text out."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import N_, NP_, _, joined, ngettext, pgettext
from bot.model import Card
from bot.timeparse import format_duration, format_when, parse_duration
from commands.rfcs.state import Snapshot, fcp_left, label
from storage.rfc_tables import Rfc, RfcEvent
from storage.vote_tables import DecisionRecord, Vote

STAGE_ICON = {
    "discussion": "💬",
    "fcp": "⏳",
    "voting": "🗳️",
    "accepted": "✅",
    "rejected": "❌",
    "postponed": "💤",
    "withdrawn": "↩️",
    "implemented": "🚀",
}
VERDICT = {"approve": N_("approves"), "changes": N_("requests changes")}
# Stages as people say them (the stored names are short).
STAGE_WORDS = {"fcp": N_("final comment period")}
# Stages as shown; the stored names stay English.
_STAGES = (
    NP_("rfc stage", "discussion"),
    NP_("rfc stage", "fcp"),
    NP_("rfc stage", "voting"),
    NP_("rfc stage", "accepted"),
    NP_("rfc stage", "rejected"),
    NP_("rfc stage", "postponed"),
    NP_("rfc stage", "withdrawn"),
    NP_("rfc stage", "implemented"),
)


_TYPES = (NP_("rfc type", "technical"), NP_("rfc type", "governance"), NP_("rfc type", "community"))
_DISPOSITIONS = (
    NP_("rfc disposition", "accept"),
    NP_("rfc disposition", "reject"),
    NP_("rfc disposition", "postpone"),
)
# Why a stage changed, as the timeline stores it (in English, as the export shows it): shown
# in the reader's language.
_WHY = {"lazy consensus": N_("lazy consensus"), "postponement ended": N_("postponement ended")}
_VOTE_WHY = re.compile(r"vote #(\d+) ([a-z ]+)")
# Recommendation codes kept in the timeline and the decision record.
_RECOMMENDATIONS = (
    NP_("recommendation", "phased-rollout"),
    NP_("recommendation", "risk-mitigation"),
    NP_("recommendation", "communicate"),
)


def disposition_name(disposition: object) -> str:
    return pgettext("rfc disposition", str(disposition))


def why_text(why: str) -> str:
    if why in _WHY:
        return _(_WHY[why])
    m = _VOTE_WHY.fullmatch(why)
    if m:
        return _("vote #{id} {outcome}").format(id=m[1], outcome=pgettext("outcome", m[2]))
    return why


def facts_shown(facts: dict[str, Any]) -> list[str]:
    """An RFC's recorded facts, each as one phrase ("areas 3", "breaking yes")."""
    shown = []
    if facts.get("areas") is not None:
        shown.append(_("areas {n}").format(n=facts["areas"]))
    if facts.get("breaking") is not None:
        shown.append(_("breaking yes") if facts["breaking"] else _("breaking no"))
    if facts.get("migration") is not None:
        shown.append(_("migration yes") if facts["migration"] else _("migration no"))
    if facts.get("effort") is not None:
        shown.append(_("effort {effort}").format(effort=facts["effort"]))
    return shown


def stage_name(stage: object) -> str:
    if str(stage) in STAGE_WORDS:
        return _(STAGE_WORDS[str(stage)])
    return pgettext("rfc stage", str(stage))


def span(td: timedelta) -> str:
    """A span as people say it: whole minutes under a day, whole hours above."""
    secs = max(int(td.total_seconds()), 0)
    unit = 3600 if secs >= 86400 else 60
    return format_duration(timedelta(seconds=(secs // unit) * unit))


def ago(then: datetime, now: datetime) -> str:
    td = now - then
    return _("just now") if td < timedelta(minutes=1) else _("{value} ago").format(value=span(td))


def who(display: str | None, user_id: str | None = None) -> str:
    return "@" + (display or user_id or "someone")


def stage_text(rfc: Rfc, now: datetime, zone: ZoneInfo, open_concerns: int) -> str:
    icon = STAGE_ICON.get(rfc.stage, "")
    if rfc.stage == "fcp":
        left = fcp_left(rfc, now)
        left_text = span(left) if left is not None else "?"
        if rfc.fcp_ends_at is None:
            return _(
                "{icon} final comment period to {fcp_disposition}, paused by {open_concerns} open "
                "concern(s) ({left_text} left)"
            ).format(
                icon=icon,
                fcp_disposition=disposition_name(rfc.fcp_disposition),
                open_concerns=open_concerns,
                left_text=left_text,
            )
        return _(
            "{icon} final comment period to {fcp_disposition}, ends {value} ({left_text} left)"
        ).format(
            icon=icon,
            fcp_disposition=disposition_name(rfc.fcp_disposition),
            value=format_when(rfc.fcp_ends_at, zone),
            left_text=left_text,
        )
    if rfc.stage == "postponed" and rfc.postponed_until is not None:
        return _("{icon} postponed until {value}").format(
            icon=icon, value=format_when(rfc.postponed_until, zone)
        )
    return f"{icon} {stage_name(rfc.stage)}"


def vote_text(vote: Vote | None, zone: ZoneInfo) -> str | None:
    if vote is None:
        return None
    if vote.status == "open":
        return _("#{id} open, closes {value}").format(
            id=vote.id, value=format_when(vote.closes_at, zone)
        )
    status = pgettext("vote status", vote.status)
    if vote.outcome:
        return _("#{id} {status}: {outcome}").format(
            id=vote.id, status=status, outcome=pgettext("outcome", vote.outcome)
        )
    return f"#{vote.id} {status}"


def reviews_text(snap: Snapshot) -> str:
    parts = []
    for r in snap.reviews:
        if r.verdict:
            parts.append(
                _("{who} {verdict}").format(
                    who=who(r.reviewer_display, r.reviewer), verdict=_(VERDICT[r.verdict])
                )
            )
        else:
            parts.append(_("{value} requested").format(value=who(r.reviewer_display, r.reviewer)))
    return joined(parts) or _("none yet")


def card(snap: Snapshot, now: datetime, zone: ZoneInfo, prefix: str) -> tuple[str, Card]:
    rfc = snap.rfc
    open_c = snap.open_concerns
    fields: list[tuple[str, str]] = [
        (_("Stage"), stage_text(rfc, now, zone, len(open_c))),
        (_("Author"), who(rfc.author_display, rfc.author)),
    ]
    if rfc.rfc_type:
        fields.append((_("Type"), pgettext("rfc type", rfc.rfc_type)))
    if rfc.summary:
        fields.append((_("Summary"), rfc.summary))
    if rfc.link:
        fields.append((_("Link"), rfc.link))
    fields += [
        (_("Opened"), ago(rfc.created_at, now)),
        (_("Last activity"), ago(rfc.last_activity_at, now)),
        (_("Discussion"), discussion_text(snap.comments, snap.participants)),
        (_("Reviews"), reviews_text(snap)),
        (
            _("Open concerns"),
            "; ".join(f"#{c.number} {c.text} ({who(c.raised_by_display)})" for c in open_c)
            or _("none"),
        ),
    ]
    vote = vote_text(snap.vote, zone)
    if vote:
        fields.append((_("Vote"), vote))
    if rfc.implemented_link:
        fields.append((_("Implementation"), rfc.implemented_link))
    tag = label(rfc)
    footer = _(
        "Discuss in this thread · {prefix}rfc review {tag} approve|changes · {prefix}rfc concern "
        '{tag} "TEXT" · {prefix}rfc log {tag}'
    ).format(prefix=prefix, tag=tag)
    head = f"📜 {tag}: {rfc.title}"
    return head, Card(head, tuple(fields), footer)


def discussion_text(comments: int, participants: int) -> str:
    if not comments:
        return _("no comments yet")
    return _("{comments} from {people}").format(
        comments=ngettext("{n} comment", "{n} comments", comments).format(n=comments),
        people=ngettext("{n} person", "{n} people", participants).format(n=participants),
    )


def list_line(snap: Snapshot, now: datetime) -> str:
    rfc = snap.rfc
    bits = [
        f"{STAGE_ICON.get(rfc.stage, '')} {label(rfc)} {rfc.title}",
        stage_name(rfc.stage),
        _("by {who}").format(who=who(rfc.author_display, rfc.author)),
        _("active {value}").format(value=ago(rfc.last_activity_at, now)),
        ngettext("{n} comment", "{n} comments", snap.comments).format(n=snap.comments),
    ]
    if snap.open_concerns:
        n = len(snap.open_concerns)
        bits.append(ngettext("{n} open concern", "{n} open concerns", n).format(n=n))
    return " · ".join(bits)


def record_text(rec: DecisionRecord | None) -> str:
    if rec is None:
        return ""
    data = rec.data if isinstance(rec.data, dict) else {}
    parts = [
        _("{option} {count}").format(
            option=pgettext("option", str(t.get("option"))), count=t.get("count")
        )
        for t in data.get("tallies") or []
        if isinstance(t, dict)
    ]
    outcome = pgettext("outcome", rec.outcome)
    if not parts:
        return _("; decision record #{id}: {outcome}").format(id=rec.id, outcome=outcome)
    if data.get("rule"):
        parts.append(str(data["rule"]))
    return _("; decision record #{id}: {outcome} ({tallies})").format(
        id=rec.id, outcome=outcome, tallies=joined(parts)
    )


def event_line(ev: RfcEvent, zone: ZoneInfo, records: dict[int, DecisionRecord]) -> str:
    d = ev.detail
    by = who(ev.actor_display, ev.actor)
    when = format_when(ev.at, zone)
    match ev.what:
        case "proposed":
            text = _("proposed by {by}: {value}").format(by=by, value=d.get("title", ""))
        case "reviewers":
            text = _("{by} requested reviews from {names}").format(
                by=by, names=joined(["@" + u for u in d.get("users", [])])
            )
        case "review":
            verdict = _(VERDICT.get(d.get("verdict", ""), N_("reviewed")))
            if d.get("comment"):
                text = _("{by} {verdict}: {comment}").format(
                    by=by, verdict=verdict, comment=d["comment"]
                )
            else:
                text = _("{who} {verdict}").format(who=by, verdict=verdict)
        case "concern":
            text = _("{by} raised concern #{value}: {value2}").format(
                by=by, value=d.get("number"), value2=d.get("text", "")
            )
        case "resolved":
            if d.get("note"):
                text = _("{by} resolved concern #{value}: {note}").format(
                    by=by, value=d.get("number"), note=d["note"]
                )
            else:
                text = _("{by} resolved concern #{value}").format(by=by, value=d.get("number"))
        case "fcp":
            text = _("{by} started a final comment period to {value} for {value2}").format(
                by=by,
                value=disposition_name(d.get("disposition")),
                value2=_span_shown(d.get("for")),
            )
            if d.get("paused"):
                text += _(" (paused at once: concerns are open)")
        case "fcp_paused":
            text = _("final comment period paused by concern #{value}, {value2} left").format(
                value=d.get("number"), value2=d.get("left")
            )
        case "fcp_resumed":
            text = _("final comment period resumed with {value} left").format(value=d.get("left"))
        case "fcp_ended":
            text = _("final comment period ended without open concerns: {value}").format(
                value=disposition_name(d.get("disposition"))
            )
        case "vote":
            text = _("{by} called vote #{value}: {value2}").format(
                by=by, value=d.get("vote_id"), value2=d.get("question", "")
            )
            if d.get("override"):
                text += _(" (moderator override of open concerns: {value})").format(
                    value=d["override"]
                )
        case "vote_closed":
            vid = d.get("vote_id")
            rec = records.get(int(vid)) if vid is not None else None
            text = _("vote #{vid} closed: {value}").format(
                vid=vid, value=pgettext("outcome", str(d.get("outcome")))
            ) + record_text(rec)
        case "stage":
            text = _("moved from {value} to {value2}").format(
                value=stage_name(d.get("from")), value2=stage_name(d.get("to"))
            )
            if d.get("why"):
                text = _("{text} ({why})").format(text=text, why=why_text(str(d["why"])))
        case "postponed":
            if d.get("until"):
                text = _("{by} postponed it until {value}").format(by=by, value=d["until"])
            else:
                text = _("{by} postponed it").format(by=by)
        case "withdrawn":
            text = _("{by} withdrew it").format(by=by)
        case "reopened":
            text = (
                _("{by} reopened it; back to discussion").format(by=by)
                if d.get("by")
                else _("the postponement ended; back to discussion")
            )
        case "implemented":
            if d.get("link"):
                text = _("{by} marked it implemented: {link}").format(by=by, link=d["link"])
            else:
                text = _("{by} marked it implemented").format(by=by)
        case "stale":
            text = _("nudged after a quiet period")
        case "meta":
            text = _("{by} set its facts: {facts}").format(by=by, facts=joined(facts_shown(d)))
        case "temperature":
            text = _("{by} started a temperature check (not binding)").format(by=by)
        case "temperature_closed":
            text = _("temperature check closed: 👍 {value} 👀 {value2} 👎 {value3}").format(
                value=d.get("up"), value2=d.get("unsure"), value3=d.get("down")
            )
        case "assessed":
            text = _("assessment at the decision: {assessment}").format(
                assessment=assessment_text(d)
            )
        case _:
            text = ev.what
    return f"{when} · {text}"


def assessment_text(d: dict[str, Any]) -> str:
    def value(name: str) -> str:
        v = (d.get(name) or {}).get("value")
        return _("n/a") if v is None else f"{v:.2f}"

    scores = {"value": value("consensus"), "value2": value("complexity"), "value3": value("risk")}
    if d.get("recommendations"):
        shown = joined([pgettext("recommendation", str(r)) for r in d["recommendations"]])
        return _(
            "consensus {value}, complexity {value2}, risk {value3}; recommended: {recommended}"
        ).format(**scores, recommended=shown)
    return _("consensus {value}, complexity {value2}, risk {value3}").format(**scores)


def timeline(snap: Snapshot, zone: ZoneInfo) -> list[str]:
    return [event_line(ev, zone, snap.records) for ev in snap.events]


def log_text(snap: Snapshot, zone: ZoneInfo) -> str:
    rfc = snap.rfc
    lines = [f"📜 {label(rfc)}: {rfc.title} — {stage_name(rfc.stage)}"]
    lines += ["• " + line for line in timeline(snap, zone)]
    if rfc.implemented_link:
        lines.append(
            _("Implementation: {implemented_link}").format(implemented_link=rfc.implemented_link)
        )
    return "\n".join(lines)


def _span_shown(stored: object) -> str:
    """A span stored in its typed form ("7d"), shown in the reader's words ("7天")."""
    try:
        return format_duration(parse_duration(str(stored)))
    except ValueError:
        return str(stored)  # written by an older version in another form: show as stored
