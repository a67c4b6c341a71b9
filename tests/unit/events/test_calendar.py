"""Calendars: the generated .ics parses back with icalendar and with recurring-ical-events
giving the expected occurrences (across DST, with cancellations and moved ones), the
secret-URL feed route, and `moot export events`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from adapters.console_script import ConsoleSession
from commands.events import export as event_export
from moot import cli
from storage.db import Database
from storage.tables import Community
from tests.conftest import Script
from tests.unit.events.common import dms

BERLIN = ZoneInfo("Europe/Berlin")
PEOPLE = "roles alice=admin bob= carol="


def feed(db: Database, session: ConsoleSession, tail: str) -> tuple[int, str, bytes]:
    route = session.registry.http_routes["/events/"]
    with db.transaction() as s:
        return route(s, tail, {})


def token(db: Database) -> str:
    with db.transaction() as s:
        community = s.query(Community).one()
        return str(community.settings["events_feed_token"])


async def series_session(script: Script) -> ConsoleSession:
    return await script(
        PEOPLE,
        '@alice /event create "Sync" --at "2026-03-12 17:00" --zone Europe/Berlin '
        '--repeat weekly --until 2026-04-30 --where "https://meet.example/x"',
        "@alice /event cancel 3 --reason holiday",
        '@alice /event edit 4 --at "2026-04-02 18:30"',
    )


def starts(cal: Calendar, a: date, b: date) -> list[tuple[str, str]]:
    return [
        (e["DTSTART"].dt.astimezone(BERLIN).strftime("%m-%d %H:%M"), str(e.get("STATUS")))
        for e in recurring_ical_events.of(cal).between(a, b)
    ]


async def test_feed_carries_rrule_cancellation_and_moved_occurrence(
    script: Script, db: Database
) -> None:
    s = await series_session(script)
    status, ctype, body = feed(db, s, token(db) + ".ics")
    assert status == 200 and ctype.startswith("text/calendar")
    cal = Calendar.from_ical(body)
    masters = [c for c in cal.walk("VEVENT") if "RECURRENCE-ID" not in c]
    assert len(masters) == 1
    assert masters[0]["RRULE"]["FREQ"] == ["WEEKLY"]
    assert masters[0]["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert cal.walk("VTIMEZONE"), "the zone is defined in the file"
    overrides = {str(c["STATUS"]) for c in cal.walk("VEVENT") if "RECURRENCE-ID" in c}
    assert overrides == {"CANCELLED", "CONFIRMED"}
    got = starts(cal, date(2026, 3, 1), date(2026, 5, 31))
    # Seven Thursdays 12 Mar - 23 Apr plus 30 Apr; 17:00 Berlin on both sides of the
    # 29 March change; the third is cancelled, the fourth moved to 18:30.
    assert got == [
        ("03-12 17:00", "CONFIRMED"),
        ("03-19 17:00", "CONFIRMED"),
        ("03-26 17:00", "CANCELLED"),
        ("04-02 18:30", "CONFIRMED"),
        ("04-09 17:00", "CONFIRMED"),
        ("04-16 17:00", "CONFIRMED"),
        ("04-23 17:00", "CONFIRMED"),
        ("04-30 17:00", "CONFIRMED"),
    ]


async def test_feed_refuses_unknown_tokens_and_forged_event_links(
    script: Script, db: Database
) -> None:
    s = await series_session(script)
    assert feed(db, s, "nope.ics")[0] == 404
    assert feed(db, s, ".ics")[0] == 404
    assert feed(db, s, token(db)[:-1] + ".ics")[0] == 404
    assert feed(db, s, "e/1.0000.ics")[0] == 404
    assert feed(db, s, "e/x.ics")[0] == 404


async def test_ics_command_gives_a_file_and_a_signed_link(
    script: Script, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOOT_FILES_DIR", str(tmp_path))
    s = await script(
        PEOPLE,
        '@alice /event create "Party" --at "2026-01-09 18:00" --zone Europe/Berlin',
        "@bob /event ics 1",
        "expect /event-1.ics saved to/",
        "@bob /event feed",
        "expect /for moderators only|is for/",
        "@alice /event feed --url https://moot.example.org/",
        "expect /https:\\/\\/moot.example.org\\/events\\/[\\w-]+\\.ics/",
        "@bob /event ics 1",
        "expect /https:\\/\\/moot.example.org\\/events\\/e\\/1\\.[0-9a-f]{20}\\.ics/",
    )
    # A real file, not text pasted into a message; the DM holding it names it.
    assert not [m for m in s.adapter.messages.values() if "BEGIN:VCALENDAR" in m.text]
    assert any("event-1.ics" in m.text for m in s.adapter.messages.values())
    saved = sorted(tmp_path.glob("*/event-1.ics"))
    assert len(saved) == 2  # asked twice, two files
    assert not list(tmp_path.glob("*/*.part"))
    cal = Calendar.from_ical(saved[0].read_bytes())
    (vevent,) = cal.walk("VEVENT")
    assert vevent["DTSTART"].dt == datetime(2026, 1, 9, 18, 0, tzinfo=BERLIN)
    link = next(m.text for m in s.adapter.messages.values() if "/events/e/" in m.text)
    status, _, body = feed(db, s, link.split("/events/", 1)[1])
    assert status == 200 and b"SUMMARY:Party" in body
    # A rotated feed token invalidates the old links.
    old = token(db)
    await script("@alice /event feed --rotate", session=s)
    assert token(db) != old
    assert feed(db, s, old + ".ics")[0] == 404


async def test_export_events_ics_csv_json(script: Script, db: Database, capsys: object) -> None:
    await script(
        PEOPLE,
        '@alice /event create "Party" --at "2026-01-09 18:00" --capacity 1',
        "@bob /event rsvp 1 going",
        "@carol /event rsvp 1 going",
    )
    cal = Calendar.from_ical(event_export.export(db, "ics"))
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Party"]
    rows = list(csv.DictReader(io.StringIO(event_export.export(db, "csv"))))
    assert (rows[0]["title"], rows[0]["going"], rows[0]["waitlist"]) == ("Party", "1", "1")
    data = json.loads(event_export.export(db, "json"))
    assert [r["state"] for r in data["events"][0]["rsvps"]] == ["going", "waitlist"]
    # Through the command line, and a format this export lacks is refused cleanly.
    assert cli.main(["export", "events", "--format", "csv", "--db", db.url]) == 0
    assert cli.main(["export", "events", "--format", "md", "--db", db.url]) == 2


async def test_split_series_and_changed_rule_parse_back(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Sync" --at "2026-01-06 17:00" --repeat weekly --until 2026-02-28',
        "@bob /event rsvp 3 going",
        '@alice /event edit 2 --at "2026-01-13 18:00" --scope following',
        "@alice /event edit 2 --where Online --scope following",
        "@carol /event rsvp 5 going",
        "@alice /event edit 4 --repeat biweekly --scope following",
    )
    # Bob's occurrence (#3, 20 Jan) comes before the change: kept. Carol's (#5, 3 Feb) was
    # made by the old weekly rule after it: cancelled, and she is told.
    assert dms(s, "bob", "schedule changed") == 0
    assert dms(s, "carol", "cancelled: the series' schedule changed") == 1
    cal = Calendar.from_ical(feed(db, s, token(db) + ".ics")[2])
    got = sorted(
        (e["DTSTART"].dt.strftime("%m-%d %H:%M"), str(e.get("LOCATION", "")), str(e["STATUS"]))
        for e in recurring_ical_events.of(cal).between(date(2026, 1, 1), date(2026, 3, 31))
    )
    # The weekly occurrence of 3 Feb, made before the rule changed, stays as a cancelled
    # event so subscribed calendars drop it.
    assert got == [
        ("01-06 17:00", "", "CONFIRMED"),
        ("01-13 18:00", "Online", "CONFIRMED"),
        ("01-20 18:00", "Online", "CONFIRMED"),
        ("01-27 18:00", "Online", "CONFIRMED"),
        ("02-03 18:00", "Online", "CANCELLED"),
        ("02-10 18:00", "Online", "CONFIRMED"),
        ("02-24 18:00", "Online", "CONFIRMED"),
    ]
