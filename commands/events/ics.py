"""iCalendar: one event, a community's feed and the export, built with the icalendar
package. A series is one VEVENT with its RRULE (times in its zone, so DST is the
calendar's business, as it should be); an occurrence that was moved, changed or cancelled
is an override with its RECURRENCE-ID; cancellations carry STATUS:CANCELLED."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, vRecur
from icalendar import Event as VEvent
from sqlalchemy import select
from sqlmodel import Session

from storage.event_tables import Event

PRODID = "-//Moot//events//EN"
DOMAIN = "moot"
# The feed's bound: the most recent occurrences, so an old community's feed stays small.
FEED_LIMIT = 2000


def _uid(event: Event) -> str:
    if event.series_id is not None:
        return f"series-{event.series_id}-c{event.community_id}@{DOMAIN}"
    return f"event-{event.id}-c{event.community_id}@{DOMAIN}"


def _status(event: Event) -> str:
    if event.status == "cancelled":
        return "CANCELLED"
    if event.min_going and event.status != "confirmed":
        return "TENTATIVE"
    return "CONFIRMED"


def _vevent(event: Event, stamp: datetime) -> VEvent:
    zone = ZoneInfo(event.zone)
    v = VEvent()
    v.add("uid", _uid(event))
    v.add("dtstamp", stamp.astimezone(UTC))
    v.add("dtstart", event.starts_at.astimezone(zone))
    v.add("dtend", event.ends_at.astimezone(zone))
    v.add("summary", event.title)
    if event.location:
        v.add("location", event.location)
    if event.description:
        v.add("description", event.description)
    v.add("status", _status(event))
    v.add("sequence", event.revision)
    return v


def _series_status(head: Event) -> str:
    # One occurrence's cancellation or go-ahead belongs to its override, not the rule.
    return "TENTATIVE" if head.min_going else "CONFIRMED"


def _differs(row: Event, head: Event) -> bool:
    return (
        row.status == "cancelled"
        or row.starts_at != row.slot
        or row.ends_at - row.starts_at != head.ends_at - head.starts_at
        or (row.title, row.location, row.description)
        != (head.title, head.location, head.description)
        or _status(row) != _series_status(head)
    )


def _series(rows: list[Event], stamp: datetime) -> list[VEvent]:
    head = next((r for r in rows if r.id == r.series_id), rows[0])
    zone = ZoneInfo(head.zone)
    length = head.ends_at - head.starts_at
    whole_cancelled = head.repeat_until is not None and head.repeat_until < head.slot
    # The master carries the rule's own times; a moved head is an override like any other.
    master = _vevent(head, stamp)
    for name in ("dtstart", "dtend", "status"):
        master.pop(name)
    master.add("dtstart", head.slot.astimezone(zone))
    master.add("dtend", (head.slot + length).astimezone(zone))
    master.add("status", "CANCELLED" if whole_cancelled else _series_status(head))
    if head.rrule and not whole_cancelled:
        recur = vRecur.from_ical(head.rrule)
        if head.repeat_until is not None:
            recur["UNTIL"] = [head.repeat_until.astimezone(UTC)]
        master.add("rrule", recur)
    out = [master]
    for row in rows:
        if whole_cancelled or not _differs(row, head):
            continue
        override = _vevent(row, stamp)
        override.add("recurrence-id", row.slot.astimezone(zone))
        out.append(override)
    return out


def calendar(
    events: Iterable[Event], name: str = "Moot events", now: datetime | None = None
) -> Calendar:
    stamp = now or datetime.now(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    singles: list[Event] = []
    grouped: dict[tuple[int, int], list[Event]] = {}
    for event in events:
        if event.series_id is None:
            singles.append(event)
        else:
            grouped.setdefault((event.community_id, event.series_id), []).append(event)
    for event in singles:
        cal.add_component(_vevent(event, stamp))
    for rows in grouped.values():
        for component in _series(sorted(rows, key=lambda r: r.slot), stamp):
            cal.add_component(component)
    cal.add_missing_timezones()
    return cal


def to_bytes(
    events: Iterable[Event], name: str = "Moot events", now: datetime | None = None
) -> bytes:
    return calendar(events, name, now).to_ical()


def community_events(s: Session, community_id: int | None = None) -> list[Event]:
    stmt = select(Event).order_by(Event.starts_at.desc()).limit(FEED_LIMIT)
    if community_id is not None:
        stmt = stmt.where(Event.community_id == community_id)
    return list(s.execute(stmt).scalars())


def one_event(s: Session, event: Event) -> list[Event]:
    """An occurrence with the rest of its series, so its file carries the rule."""
    if event.series_id is None:
        return [event]
    return list(
        s.execute(
            select(Event).where(Event.series_id == event.series_id).order_by(Event.slot)
        ).scalars()
    )
