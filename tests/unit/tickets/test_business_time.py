"""Business time: hours parsing with clear errors, durations inside hours across weekends,
holidays and DST, deadlines, and the SLA clock's pauses (with hypothesis properties)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.tickets.business_time import (
    ALWAYS,
    SEARCH_DAYS,
    HoursError,
    Schedule,
    SlaClock,
    parse_holiday,
    parse_hours,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = Schedule(parse_hours("Mon-Fri 09:00-17:00"), BERLIN)
H = 3600.0


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)


# ---------------------------------------------------------------- parsing


def test_parse_weekdays_and_several_parts() -> None:
    h = parse_hours("Mon-Fri 09:00-17:00, Sat 10:00-14:00")
    assert h.windows[0] == ((540, 1020),)
    assert h.windows[5] == ((600, 840),)
    assert h.windows[6] == ()
    assert parse_hours("monday-tuesday 8:30-12:00; thu 13:00-24:00").windows[3] == ((780, 1440),)
    assert parse_hours("24/7") == ALWAYS
    # A range may wrap the week.
    assert [bool(w) for w in parse_hours("Fri-Mon 10:00-11:00").windows] == [
        True, False, False, False, True, True, True,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("Mon-Fri", "should be days then times"),
        ("09:00-17:00", "should be days then times"),
        ("Mun-Fri 09:00-17:00", "'Mun' in 'Mun-Fri 09:00-17:00' is not a weekday"),
        ("Mon-Fri 9-17", "'9' in 'Mon-Fri 9-17' is not a time like 09:00"),
        ("Mon-Fri 09:00-25:00", "'25:00' in 'Mon-Fri 09:00-25:00' is not a time of day"),
        ("Mon-Fri 09:60-17:00", "not a time of day"),
        ("Mon-Fri 17:00-09:00", "the closing time is not after the opening time"),
        ("Mon 09:00-09:00", "the closing time is not after the opening time"),
        ("Mon-Fri 09:00-17:00, Wed 12:00-13:00", "overlaps other hours on Wed"),
        ("Mon-Fri 09:00-17:00,", "an empty part"),
        ("Mon 24:00-24:00", "not a time of day"),
    ],
)
def test_malformed_hours_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(HoursError, match=says.replace("(", r"\(")):
        parse_hours(text)


def test_holiday_dates() -> None:
    assert parse_holiday(" 2026-12-25 ") == date(2026, 12, 25)
    with pytest.raises(HoursError, match="not a date like 2026-12-25"):
        parse_holiday("25.12.2026")


# ---------------------------------------------------------------- durations


def test_within_one_day() -> None:
    start = local(BERLIN, 2026, 1, 5, 8, 0)  # Monday 08:00
    assert WEEKDAYS.seconds_between(start, local(BERLIN, 2026, 1, 5, 10, 30)) == 1.5 * H
    assert WEEKDAYS.seconds_between(start, local(BERLIN, 2026, 1, 5, 20, 0)) == 8 * H


def test_across_the_weekend() -> None:
    fri = local(BERLIN, 2026, 1, 9, 16, 0)
    mon = local(BERLIN, 2026, 1, 12, 10, 0)
    assert WEEKDAYS.seconds_between(fri, mon) == 2 * H
    assert WEEKDAYS.add(fri, 2 * H) == mon
    # Exactly at closing time: the next second of work is Monday's first.
    assert WEEKDAYS.add(local(BERLIN, 2026, 1, 9, 17, 0), 1) == local(BERLIN, 2026, 1, 12, 9, 0, 1)


def test_holidays_stand_still() -> None:
    sched = Schedule(WEEKDAYS.hours, BERLIN, frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
    wed = local(BERLIN, 2026, 12, 23, 16, 0)
    assert sched.seconds_between(wed, local(BERLIN, 2026, 12, 28, 9, 30)) == 1.5 * H
    assert sched.add(wed, 2 * H) == local(BERLIN, 2026, 12, 28, 10, 0)
    assert not sched.is_open(local(BERLIN, 2026, 12, 24, 12, 0))


def test_dst_keeps_the_working_day_eight_hours() -> None:
    # Berlin springs forward on Sunday 29 March 2026 and falls back on 25 October.
    for day in (date(2026, 3, 30), date(2026, 10, 26)):
        start = local(BERLIN, day.year, day.month, day.day, 0, 0)
        assert WEEKDAYS.seconds_between(start, start + timedelta(days=1)) == 8 * H
    # A week across the change is still five working days.
    assert WEEKDAYS.seconds_between(utc(2026, 3, 23), utc(2026, 3, 30, 23)) == 6 * 8 * H
    # 24/7 in a zone: the night of the change is 23 or 25 hours.
    always = Schedule(ALWAYS, BERLIN)
    sun = local(BERLIN, 2026, 3, 29, 0, 0)
    assert always.seconds_between(sun, local(BERLIN, 2026, 3, 30, 0, 0)) == 23 * H


def test_hours_inside_a_skipped_hour() -> None:
    # New York skips 02:00-03:00 on 8 March 2026: a 02:30-04:00 window is 1 hour that day.
    sched = Schedule(parse_hours("Sun 02:30-04:00"), NEW_YORK)
    day = local(NEW_YORK, 2026, 3, 8, 0, 0)
    assert sched.seconds_between(day, day + timedelta(days=1)) == 1 * H
    assert sched.seconds_between(day + timedelta(days=7), day + timedelta(days=8)) == 1.5 * H


def test_never_open_has_no_deadline() -> None:
    sched = Schedule(parse_hours("Mon 09:00-10:00"), BERLIN, frozenset())
    assert sched.add(utc(2026, 1, 6), 2 * H) == local(BERLIN, 2026, 1, 19, 10, 0)
    all_holidays = frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(900))
    closed = Schedule(sched.hours, BERLIN, all_holidays)
    assert closed.add(utc(2026, 1, 1), 1) is None


# ---------------------------------------------------------------- the SLA clock


def test_clock_pauses_and_resumes() -> None:
    start = local(BERLIN, 2026, 1, 5, 9, 0)
    c = SlaClock(target=4 * H, since=start)
    assert c.reached_at(WEEKDAYS, 0.8) == start + timedelta(hours=3, minutes=12)
    c = c.pause(WEEKDAYS, start + timedelta(hours=1))
    assert c.elapsed(WEEKDAYS, start + timedelta(days=3)) == 1 * H
    assert c.reached_at(WEEKDAYS, 1.0) is None
    c = c.resume(local(BERLIN, 2026, 1, 6, 16, 0))
    assert c.reached_at(WEEKDAYS, 1.0) == local(BERLIN, 2026, 1, 7, 11, 0)
    c = c.stop(WEEKDAYS, local(BERLIN, 2026, 1, 7, 10, 0))
    assert c.elapsed(WEEKDAYS, utc(2027, 1, 1)) == 3 * H
    assert c.resume(utc(2027, 1, 1)) == c  # a stopped clock stays stopped


# ---------------------------------------------------------------- properties

ZONES = st.sampled_from([BERLIN, NEW_YORK, ZoneInfo("UTC"), ZoneInfo("Asia/Kolkata")])
HOURS = st.sampled_from(
    ["Mon-Fri 09:00-17:00", "Mon-Sun 00:00-24:00", "Tue,Thu 01:30-03:30", "Sat-Mon 22:00-24:00",
     "Mon-Fri 08:00-12:00, Mon-Fri 13:00-17:30", "Sun 02:00-03:00"]
)  # fmt: skip
INSTANTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    hours = parse_hours(draw(HOURS).replace("Tue,Thu", "Tue 01:30-03:30, Thu"))
    days = draw(st.sets(st.dates(date(2026, 1, 1), date(2028, 1, 1)), max_size=20))
    return Schedule(hours, draw(ZONES), frozenset(days))


@settings(max_examples=150, deadline=None)
@given(schedules(), INSTANTS, st.floats(0, 40 * 24 * H))
def test_add_is_the_inverse_of_seconds_between(
    sched: Schedule, start: datetime, secs: float
) -> None:
    end = sched.add(start, secs)
    if end is None:
        # Only when the hours cannot hold that much before the search gives up.
        assert sched.seconds_between(start, start + timedelta(days=SEARCH_DAYS)) < secs
        return
    assert abs(sched.seconds_between(start, end) - secs) < 1e-3
    if timedelta(seconds=secs) > timedelta(0):
        # The deadline falls inside open hours (or on the edge of one).
        assert sched.is_open(end - timedelta(microseconds=1))


@settings(max_examples=150, deadline=None)
@given(schedules(), INSTANTS, st.integers(1, 30 * 24 * 60))
def test_clock_never_runs_outside_hours(sched: Schedule, start: datetime, minutes: int) -> None:
    end = start + timedelta(minutes=minutes)
    total = sched.seconds_between(start, end)
    # Counting minute by minute where the hours are closed adds nothing.
    assert 0 <= total <= (end - start).total_seconds()
    for lo, hi in sched.intervals(start, end):
        assert start <= lo < hi <= end
        mid = lo + (hi - lo) / 2
        assert sched.is_open(mid)
        wall = mid.astimezone(sched.zone)
        assert wall.date() not in sched.holidays


@settings(max_examples=150, deadline=None)
@given(
    schedules(),
    INSTANTS,
    st.lists(st.integers(1, 5 * 24 * 60), min_size=1, max_size=12),
)
def test_pausing_and_resuming_never_loses_or_gains_time(
    sched: Schedule, start: datetime, gaps: list[int]
) -> None:
    """Toggle the clock at arbitrary moments: what it shows is exactly the business time of
    the stretches it ran, and nothing of the stretches it was paused (waiting)."""
    c = SlaClock(target=10 * H, since=start)
    t, running, expected = start, True, 0.0
    for gap in gaps:
        nxt = t + timedelta(minutes=gap)
        if running:
            expected += sched.seconds_between(t, nxt)
            c = c.pause(sched, nxt)
        else:
            assert c.elapsed(sched, nxt) == c.elapsed(sched, t)  # waiting: it stands still
            c = c.resume(nxt)
        running = not running
        t = nxt
        assert abs(c.elapsed(sched, t) - expected) < 1e-6
    # And a deadline computed now matches the time still to run.
    if running and expected < c.target:
        due = c.reached_at(sched, 1.0)
        if due is not None:
            assert abs(c.elapsed(sched, due) - c.target) < 1e-3
