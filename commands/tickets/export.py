"""`moot export tickets --format md|json|csv`: every ticket with its transcript (notes
marked, Moot's own messages included); CSV has one row per ticket."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from commands.tickets import render
from storage.db import Database
from storage.ticket_tables import Ticket, TicketMessage

COLUMNS = (
    "community_id",
    "number",
    "subject",
    "status",
    "priority",
    "level",
    "requester",
    "assignee",
    "created_at",
    "first_response_at",
    "closed_at",
    "close_reason",
    "first_response_business_s",
    "first_response_target_s",
    "resolution_business_s",
    "resolution_target_s",
    "rating",
    "rating_comment",
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _row(t: Ticket) -> dict[str, Any]:
    return {
        "community_id": t.community_id,
        "number": t.number,
        "subject": t.subject,
        "status": t.status,
        "priority": t.priority,
        "level": t.level,
        "requester": t.requester,
        "assignee": t.assignee,
        "created_at": _iso(t.created_at),
        "first_response_at": _iso(t.first_response_at),
        "closed_at": _iso(t.closed_at),
        "close_reason": t.close_reason,
        # Stopped clocks hold their final business time; running ones their time so far.
        "first_response_business_s": round(t.fr_used_s),
        "first_response_target_s": t.fr_target_s,
        "resolution_business_s": round(t.res_used_s),
        "resolution_target_s": t.res_target_s,
        "rating": t.rating,
        "rating_comment": t.rating_comment,
    }


def export(db: Database, fmt: str) -> str:
    with db.transaction() as s:
        tickets = list(
            s.execute(select(Ticket).order_by(Ticket.community_id, Ticket.number)).scalars()
        )
        messages: dict[int, list[TicketMessage]] = {}
        for m in s.execute(
            select(TicketMessage).order_by(TicketMessage.at, TicketMessage.id)
        ).scalars():
            messages.setdefault(m.ticket_id, []).append(m)
        if fmt == "csv":
            out = io.StringIO()
            w = csv.DictWriter(out, fieldnames=COLUMNS)
            w.writeheader()
            for t in tickets:
                w.writerow(_row(t))
            return out.getvalue()
        if fmt == "json":
            data = []
            for t in tickets:
                row = _row(t)
                row["transcript"] = [
                    {
                        "at": _iso(m.at),
                        "author": m.author,
                        "author_display": m.author_display,
                        "role": m.role,
                        "kind": m.kind,
                        "text": m.text,
                        "edited_at": _iso(m.edited_at),
                    }
                    for m in messages.get(t.id or 0, [])
                ]
                data.append(row)
            return json.dumps({"tickets": data}, indent=2, ensure_ascii=False)
        utc = ZoneInfo("UTC")
        lines = ["# Support tickets", ""]
        for t in tickets:
            lines.append(f"## Ticket #{t.number}: {t.subject}")
            lines.append("")
            lines.append(
                f"- status {t.status}, priority {t.priority}, level {t.level}; requester "
                f"{t.requester_display or t.requester}; assignee "
                f"{t.assignee_display or t.assignee or 'none'}"
            )
            if t.rating is not None:
                lines.append(
                    f"- rating {t.rating}/5" + (f": {t.rating_comment}" if t.rating_comment else "")
                )
            lines.append("")
            lines += [
                f"    {line}"
                for line in render.transcript_lines(t, messages.get(t.id or 0, []), utc)[1:]
            ]
            lines.append("")
        return "\n".join(lines)
