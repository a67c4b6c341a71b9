"""How an RFC reads: its card, one line per list entry, and its timeline (the decision log
in chat and in the export). Pure: data in, text out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.model import Card
from bot.text import plural
from bot.timeparse import format_duration, format_when
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
VERDICT = {"approve": "approves", "changes": "requests changes"}
# Stages as people say them (the stored names are short).
STAGE_WORDS = {"fcp": "final comment period"}


def stage_name(stage: object) -> str:
    return STAGE_WORDS.get(str(stage), str(stage))


def span(td: timedelta) -> str:
    """A span as people say it: whole minutes under a day, whole hours above."""
    secs = max(int(td.total_seconds()), 0)
    unit = 3600 if secs >= 86400 else 60
    return format_duration(timedelta(seconds=(secs // unit) * unit))


def ago(then: datetime, now: datetime) -> str:
    td = now - then
    return "just now" if td < timedelta(minutes=1) else f"{span(td)} ago"


def who(display: str | None, user_id: str | None = None) -> str:
    return "@" + (display or user_id or "someone")


def stage_text(rfc: Rfc, now: datetime, zone: ZoneInfo, open_concerns: int) -> str:
    icon = STAGE_ICON.get(rfc.stage, "")
    if rfc.stage == "fcp":
        left = fcp_left(rfc, now)
        left_text = span(left) if left is not None else "?"
        if rfc.fcp_ends_at is None:
            return (
                f"{icon} final comment period to {rfc.fcp_disposition}, paused by "
                f"{open_concerns} open concern(s) ({left_text} left)"
            )
        return (
            f"{icon} final comment period to {rfc.fcp_disposition}, ends "
            f"{format_when(rfc.fcp_ends_at, zone)} ({left_text} left)"
        )
    if rfc.stage == "postponed" and rfc.postponed_until is not None:
        return f"{icon} postponed until {format_when(rfc.postponed_until, zone)}"
    return f"{icon} {rfc.stage}"


def vote_text(vote: Vote | None, zone: ZoneInfo) -> str | None:
    if vote is None:
        return None
    if vote.status == "open":
        return f"#{vote.id} open, closes {format_when(vote.closes_at, zone)}"
    return f"#{vote.id} {vote.status}" + (f": {vote.outcome}" if vote.outcome else "")


def reviews_text(snap: Snapshot) -> str:
    parts = []
    for r in snap.reviews:
        if r.verdict:
            parts.append(f"{who(r.reviewer_display, r.reviewer)} {VERDICT[r.verdict]}")
        else:
            parts.append(f"{who(r.reviewer_display, r.reviewer)} requested")
    return ", ".join(parts) or "none yet"


def card(snap: Snapshot, now: datetime, zone: ZoneInfo, prefix: str) -> tuple[str, Card]:
    rfc = snap.rfc
    open_c = snap.open_concerns
    fields: list[tuple[str, str]] = [
        ("Stage", stage_text(rfc, now, zone, len(open_c))),
        ("Author", who(rfc.author_display, rfc.author)),
    ]
    if rfc.rfc_type:
        fields.append(("Type", rfc.rfc_type))
    if rfc.summary:
        fields.append(("Summary", rfc.summary))
    if rfc.link:
        fields.append(("Link", rfc.link))
    fields += [
        ("Opened", ago(rfc.created_at, now)),
        ("Last activity", ago(rfc.last_activity_at, now)),
        ("Discussion", discussion_text(snap.comments, snap.participants)),
        ("Reviews", reviews_text(snap)),
        (
            "Open concerns",
            "; ".join(f"#{c.number} {c.text} ({who(c.raised_by_display)})" for c in open_c)
            or "none",
        ),
    ]
    vote = vote_text(snap.vote, zone)
    if vote:
        fields.append(("Vote", vote))
    if rfc.implemented_link:
        fields.append(("Implementation", rfc.implemented_link))
    tag = label(rfc)
    footer = (
        f"Discuss in this thread · {prefix}rfc review {tag} approve|changes · "
        f'{prefix}rfc concern {tag} "TEXT" · {prefix}rfc log {tag}'
    )
    head = f"📜 {tag}: {rfc.title}"
    return head, Card(head, tuple(fields), footer)


def discussion_text(comments: int, participants: int) -> str:
    if not comments:
        return "no comments yet"
    return f"{plural(comments, 'comment')} from {plural(participants, 'person', 'people')}"


def list_line(snap: Snapshot, now: datetime) -> str:
    rfc = snap.rfc
    bits = [
        f"{STAGE_ICON.get(rfc.stage, '')} {label(rfc)} {rfc.title}",
        rfc.stage,
        f"by {who(rfc.author_display, rfc.author)}",
        f"active {ago(rfc.last_activity_at, now)}",
        plural(snap.comments, "comment"),
    ]
    if snap.open_concerns:
        bits.append(plural(len(snap.open_concerns), "open concern"))
    return " · ".join(bits)


def record_text(rec: DecisionRecord | None) -> str:
    if rec is None:
        return ""
    data = rec.data if isinstance(rec.data, dict) else {}
    shown = ", ".join(
        f"{t.get('option')} {t.get('count')}"
        for t in data.get("tallies") or []
        if isinstance(t, dict)
    )
    rule = f", {data['rule']}" if data.get("rule") else ""
    return f"; decision record #{rec.id}: {rec.outcome}" + (f" ({shown}{rule})" if shown else "")


def event_line(ev: RfcEvent, zone: ZoneInfo, records: dict[int, DecisionRecord]) -> str:
    d = ev.detail
    by = who(ev.actor_display, ev.actor)
    when = format_when(ev.at, zone)
    match ev.what:
        case "proposed":
            text = f"proposed by {by}: {d.get('title', '')}"
        case "reviewers":
            text = f"{by} requested reviews from " + ", ".join("@" + u for u in d.get("users", []))
        case "review":
            text = f"{by} {VERDICT.get(d.get('verdict', ''), 'reviewed')}"
            if d.get("comment"):
                text += f": {d['comment']}"
        case "concern":
            text = f"{by} raised concern #{d.get('number')}: {d.get('text', '')}"
        case "resolved":
            text = f"{by} resolved concern #{d.get('number')}"
            if d.get("note"):
                text += f": {d['note']}"
        case "fcp":
            text = (
                f"{by} started a final comment period to {d.get('disposition')} for {d.get('for')}"
            )
            if d.get("paused"):
                text += " (paused at once: concerns are open)"
        case "fcp_paused":
            text = (
                f"final comment period paused by concern #{d.get('number')}, {d.get('left')} left"
            )
        case "fcp_resumed":
            text = f"final comment period resumed with {d.get('left')} left"
        case "fcp_ended":
            text = f"final comment period ended without open concerns: {d.get('disposition')}"
        case "vote":
            text = f"{by} called vote #{d.get('vote_id')}: {d.get('question', '')}"
            if d.get("override"):
                text += f" (moderator override of open concerns: {d['override']})"
        case "vote_closed":
            vid = d.get("vote_id")
            rec = records.get(int(vid)) if vid is not None else None
            text = f"vote #{vid} closed: {d.get('outcome')}" + record_text(rec)
        case "stage":
            text = f"moved from {stage_name(d.get('from'))} to {stage_name(d.get('to'))}"
            if d.get("why"):
                text += f" ({d['why']})"
        case "postponed":
            text = f"{by} postponed it" + (f" until {d['until']}" if d.get("until") else "")
        case "withdrawn":
            text = f"{by} withdrew it"
        case "reopened":
            text = (
                f"{by} reopened it; back to discussion"
                if d.get("by")
                else "the postponement ended; back to discussion"
            )
        case "implemented":
            text = f"{by} marked it implemented" + (f": {d['link']}" if d.get("link") else "")
        case "stale":
            text = "nudged after a quiet period"
        case "meta":
            facts = {k: v for k, v in d.items() if v is not None}
            text = f"{by} set its facts: " + ", ".join(
                f"{k} {('yes' if v else 'no') if isinstance(v, bool) else v}"
                for k, v in facts.items()
            )
        case "temperature":
            text = f"{by} started a temperature check (not binding)"
        case "temperature_closed":
            text = (
                f"temperature check closed: 👍 {d.get('up')} 👀 {d.get('unsure')} "
                f"👎 {d.get('down')}"
            )
        case "assessed":
            text = "assessment at the decision: " + assessment_text(d)
        case _:
            text = ev.what
    return f"{when} · {text}"


def assessment_text(d: dict[str, Any]) -> str:
    def value(name: str) -> str:
        v = (d.get(name) or {}).get("value")
        return "n/a" if v is None else f"{v:.2f}"

    text = f"consensus {value('consensus')}, complexity {value('complexity')}, risk {value('risk')}"
    if d.get("recommendations"):
        text += "; recommended: " + ", ".join(d["recommendations"])
    return text


def timeline(snap: Snapshot, zone: ZoneInfo) -> list[str]:
    return [event_line(ev, zone, snap.records) for ev in snap.events]


def log_text(snap: Snapshot, zone: ZoneInfo) -> str:
    rfc = snap.rfc
    lines = [f"📜 {label(rfc)}: {rfc.title} — {rfc.stage}"]
    lines += ["• " + line for line in timeline(snap, zone)]
    if rfc.implemented_link:
        lines.append(f"Implementation: {rfc.implemented_link}")
    return "\n".join(lines)
