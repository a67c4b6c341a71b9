"""`moot export events --format ics|csv|json`, and the per-community feed served over
HTTP at a secret URL."""

from __future__ import annotations

import csv
import hmac
import io
import json
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from commands.events import ics
from commands.events.state import FEED_TOKEN, community_by_token, event_link_sig
from storage.db import Database
from storage.event_tables import Event, EventRsvp
from storage.tables import Community

FORMATS = ("ics", "csv", "json")
NOT_FOUND = (404, "text/plain; charset=utf-8", b"not found\n")
COLUMNS = (
    "id",
    "community_id",
    "series_id",
    "title",
    "starts_at",
    "ends_at",
    "zone",
    "location",
    "status",
    "over",
    "capacity",
    "going",
    "maybe",
    "declined",
    "waitlist",
    "offered",
    "rrule",
)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _row(event: Event) -> dict[str, Any]:
    return {name: _iso(getattr(event, name)) for name in COLUMNS}


def export(db: Database, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"events export as {', '.join(FORMATS)}, not {fmt}")
    with db.transaction() as s:
        events = list(
            s.execute(select(Event).order_by(Event.community_id, Event.starts_at)).scalars()
        )
        if fmt == "ics":
            return ics.to_bytes(events).decode()
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            for event in events:
                writer.writerow(_row(event))
            return out.getvalue()
        answers: dict[int, list[dict[str, Any]]] = {}
        for r in s.execute(select(EventRsvp).order_by(EventRsvp.event_id, EventRsvp.id)).scalars():
            answers.setdefault(r.event_id, []).append(
                {
                    "user_id": r.user_id,
                    "answer": r.answer,
                    "state": r.state,
                    "wait_seq": r.wait_seq,
                    "answered_at": _iso(r.answered_at),
                }
            )
        data = [{**_row(e), "rsvps": answers.get(e.id or 0, [])} for e in events]
        return json.dumps({"events": data}, indent=2, ensure_ascii=False)


def feed(session: Session, tail: str, query: dict[str, str]) -> tuple[int, str, bytes]:
    """GET /events/TOKEN.ics: the community's calendar. Unknown tokens get a plain 404 that
    says nothing about which tokens exist."""
    name = tail.strip("/").removesuffix(".ics")
    if name.startswith("e/"):
        return _one(session, name[2:])
    community = community_by_token(session, name) if name else None
    if community is None:
        return NOT_FOUND
    events = ics.community_events(session, community.id)
    body = ics.to_bytes(events, name=f"{community.name or community.workspace} events")
    return 200, "text/calendar; charset=utf-8", body


def _one(session: Session, name: str) -> tuple[int, str, bytes]:
    event_id, _, sig = name.partition(".")
    event = session.get(Event, int(event_id)) if event_id.isdigit() else None
    community = session.get(Community, event.community_id) if event else None
    token = (community.settings or {}).get(FEED_TOKEN) if community else None
    if (
        event is None
        or not token
        or not hmac.compare_digest(sig, event_link_sig(str(token), event.id or 0))
    ):
        return NOT_FOUND
    return 200, "text/calendar; charset=utf-8", ics.to_bytes(ics.one_event(session, event))
