"""bot.timeparse: every accepted form, every refusal, DST edges and round trips.

Fixed reference point unless a test says otherwise: Monday 5 Jan 2026 09:00 UTC, which is
10:00 CET in Berlin and 04:00 EST in New York.
"""

from __future__ import annotations

import time as wallclock
from datetime import UTC, date, datetime, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.timeparse import (
    TimeParseError,
    format_duration,
    format_when,
    load_zone,
    parse_count_or_fraction,
    parse_datetime,
    parse_duration,
    parse_fraction,
    to_utc,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # Monday

DURATION_HINT = "use a number with m, h, d or w, like 90m, 72h, 3d, 1w or 1d12h"
DATETIME_HINT = "use ISO 8601 like 2026-12-01 17:00, or 'tomorrow 17:00'"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def refused(call: object, *args: object) -> str:
    """The refusal message, asserting it is a TimeParseError and one line."""
    with pytest.raises(TimeParseError) as err:
        call(*args)  # type: ignore[operator]
    message = str(err.value)
    assert "\n" not in message and not message.endswith(".")
    return message


# =========================================================================== durations


@pytest.mark.parametrize(
    "text,expected",
    [
        ("90m", timedelta(minutes=90)),
        ("72h", timedelta(hours=72)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("2d 6h", timedelta(days=2, hours=6)),
        ("1w2d", timedelta(days=9)),
        ("1w 2d 3h 4m 5s", timedelta(days=9, hours=3, minutes=4, seconds=5)),
        ("3D", timedelta(days=3)),
        ("1H30M", timedelta(hours=1, minutes=30)),
        ("  3d  ", timedelta(days=3)),
        ("\t2d\n", timedelta(days=2)),
        ("2d\u00a06h", timedelta(days=2, hours=6)),  # no-break space from a chat client
        ("2 d", timedelta(days=2)),
        ("30m1h", timedelta(hours=1, minutes=30)),  # order does not matter
        ("0h30m", timedelta(minutes=30)),  # a zero part is fine when the total is not
        ("100000m", timedelta(minutes=100000)),
        ("1 s", timedelta(seconds=1)),
        ("10 sec", timedelta(seconds=10)),
        ("10 secs", timedelta(seconds=10)),
        ("1 second", timedelta(seconds=1)),
        ("30 seconds", timedelta(seconds=30)),
        ("5min", timedelta(minutes=5)),
        ("90 mins", timedelta(minutes=90)),
        ("1 minute", timedelta(minutes=1)),
        ("15 Minutes", timedelta(minutes=15)),
        ("3 hr", timedelta(hours=3)),
        ("3hrs", timedelta(hours=3)),
        ("1 hour", timedelta(hours=1)),
        ("2 HOURS", timedelta(hours=2)),
        ("1 day", timedelta(days=1)),
        ("2 days", timedelta(days=2)),
        ("1 week", timedelta(weeks=1)),
        ("2 weeks", timedelta(weeks=2)),
        ("2 wk", timedelta(weeks=2)),
        ("3 wks", timedelta(weeks=3)),
        ("1 hour 30 minutes", timedelta(hours=1, minutes=30)),
        ("1 hour and 30 minutes", timedelta(hours=1, minutes=30)),
        ("1h, 30m", timedelta(hours=1, minutes=30)),
        ("2 days, 6 hours and 15 minutes", timedelta(days=2, hours=6, minutes=15)),
    ],
)
def test_parse_duration_accepts(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_parse_duration_unknown_unit_message_is_exact() -> None:
    assert refused(parse_duration, "72x") == f"'72x' is not a duration; {DURATION_HINT}"


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("", "no duration given"),
        ("   ", "no duration given"),
        ("and", "no duration given"),
        ("90", "'90' has a number without a unit; add m, h, d or w, like 90m"),
        ("1h30", "'1h30' has a number without a unit"),
        ("1 2h", "'1 2h' has a number without a unit"),
        ("72x", "'72x' is not a duration"),
        ("3 ms", "'3 ms' is not a duration"),
        ("3 fortnights", "'3 fortnights' is not a duration"),
        ("1h2h", "'1h2h' gives the same unit twice"),
        ("1 hour 2 hrs", "'1 hour 2 hrs' gives the same unit twice"),
        ("1m 1 minute", "'1m 1 minute' gives the same unit twice"),
        ("1d 2D", "'1d 2D' gives the same unit twice"),
        ("-3d", "'-3d' is negative; a duration must be more than zero"),
        (" -1h ", "'-1h' is negative"),
        ("0m", "'0m' is zero; a duration must be more than zero"),
        ("0h0m", "'0h0m' is zero; a duration must be more than zero"),
        ("0 weeks", "more than zero"),
        ("abc", "'abc' is not a duration"),
        ("h", "'h' is not a duration"),
        ("d3", "'d3' is not a duration"),
        ("+3d", "'+3d' is not a duration"),
        ("3d!", "'3d!' is not a duration"),
        ("3d-2h", "'3d-2h' is not a duration"),
        ("1.5h", "'1.5h' uses a fraction; use whole numbers, like 1h30m"),
        ("1,5h", "'1,5h' uses a fraction"),
        ("3 months", "'3 months' uses months or years, which vary in length"),
        ("2mo", "'2mo' uses months or years"),
        ("1y", "'1y' uses months or years"),
        ("1 year", "'1 year' uses months or years"),
        ("\u0663d", "is not a duration"),  # Arabic-Indic three: not an ASCII digit
        ("99999999999w", "'99999999999w' is too long to be a duration"),
        ("9" * 40 + "d", "is too long to be a duration"),
    ],
)
def test_parse_duration_refuses(text: str, fragment: str) -> None:
    assert fragment in refused(parse_duration, text)


def test_parse_duration_refusal_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_parse_duration_long_digit_runs_fail_fast() -> None:
    # A single repeated pattern over the whole text would backtrack exponentially here.
    started = wallclock.perf_counter()
    assert "is not a duration" in refused(parse_duration, "1" * 25 + "!")
    assert "without a unit" in refused(parse_duration, "1 " * 2000 + "x")
    assert wallclock.perf_counter() - started < 1


@pytest.mark.parametrize(
    "td,expected",
    [
        (timedelta(0), "0m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=90), "1h 30m"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=72), "3d"),
        (timedelta(hours=36), "1d 12h"),
        (timedelta(days=1, seconds=5), "1d 5s"),
        (timedelta(days=1, hours=2, minutes=3, seconds=4), "1d 2h 3m 4s"),
        (timedelta(weeks=1), "1w"),
        (timedelta(weeks=2), "2w"),
        (timedelta(weeks=52), "52w"),
        (timedelta(days=9), "9d"),  # weeks only for whole weeks
        (timedelta(days=17), "17d"),
        (timedelta(days=7, hours=12), "7d 12h"),
        (timedelta(days=14, seconds=1), "14d 1s"),
        (timedelta(seconds=59, milliseconds=500), "1m"),  # half a second rounds up
        (timedelta(seconds=59, microseconds=499_999), "59s"),
        (timedelta(milliseconds=400), "0m"),
        (timedelta(milliseconds=500), "1s"),
        (timedelta(hours=1, milliseconds=600), "1h 1s"),
        (timedelta(minutes=-90), "-1h 30m"),
        (timedelta(weeks=-1), "-1w"),
        (timedelta(milliseconds=-400), "0m"),
    ],
)
def test_format_duration(td: timedelta, expected: str) -> None:
    assert format_duration(td) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("90m", "1h 30m"),
        ("72h", "3d"),
        ("3d", "3d"),
        ("1w", "1w"),
        ("7d", "1w"),
        ("1d12h", "1d 12h"),
        ("1h30m", "1h 30m"),
        ("45s", "45s"),
        ("2d 6h", "2d 6h"),
        ("1w2d", "9d"),
        ("120s", "2m"),
    ],
)
def test_format_of_parsed_examples(text: str, expected: str) -> None:
    assert format_duration(parse_duration(text)) == expected


@given(st.integers(min_value=1, max_value=10**10))
def test_duration_round_trip_whole_seconds(seconds: int) -> None:
    td = timedelta(seconds=seconds)
    shown = format_duration(td)
    assert parse_duration(shown) == td
    assert format_duration(parse_duration(shown)) == shown


@given(st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=10**6)))
def test_duration_round_trip_rounds_to_seconds(td: timedelta) -> None:
    back = parse_duration(format_duration(td))
    assert abs(back - td) <= timedelta(milliseconds=500)
    assert back.microseconds == 0


UNIT_WORDS = {
    "w": ("w", "wk", "week", "weeks"),
    "d": ("d", "day", "days"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "m": ("m", "min", "mins", "minute", "minutes"),
    "s": ("s", "sec", "second", "seconds"),
}
UNIT_SIZES = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}


@st.composite
def duration_texts(draw: st.DrawFn) -> tuple[str, timedelta]:
    units = draw(st.lists(st.sampled_from(list(UNIT_WORDS)), min_size=1, max_size=5, unique=True))
    parts, total = [], timedelta(0)
    for unit in units:
        count = draw(st.integers(min_value=0, max_value=5000))
        word = draw(st.sampled_from(UNIT_WORDS[unit]))
        if draw(st.booleans()):
            word = word.upper()
        parts.append(f"{count}{draw(st.sampled_from(['', ' ']))}{word}")
        total += count * UNIT_SIZES[unit]
    assume(total > timedelta(0))
    return draw(st.sampled_from([" ", "", ", ", " and "])).join(parts), total


@given(duration_texts())
def test_generated_duration_texts_parse_and_round_trip(case: tuple[str, timedelta]) -> None:
    text, total = case
    # "1m1h" written without separators is ambiguous only to humans; the parser must
    # still add it up, and the compact form must read back to the same span.
    assert parse_duration(text) == total
    shown = format_duration(parse_duration(text))
    assert parse_duration(shown) == total
    assert format_duration(parse_duration(shown)) == shown


# =========================================================================== fractions


@pytest.mark.parametrize(
    "text,expected",
    [
        ("50%", Fraction(1, 2)),
        ("66.7%", Fraction(667, 1000)),
        ("33.333%", Fraction(33333, 100000)),
        ("100%", Fraction(1)),
        ("0.5%", Fraction(1, 200)),
        (" 50 % ", Fraction(1, 2)),
        ("50\u00a0%", Fraction(1, 2)),
        ("2/3", Fraction(2, 3)),
        ("3/4", Fraction(3, 4)),
        ("2 / 3", Fraction(2, 3)),
        ("4/6", Fraction(2, 3)),
        ("1/1", Fraction(1)),
        ("0.5", Fraction(1, 2)),
        (".5", Fraction(1, 2)),
        ("0.667", Fraction(667, 1000)),
        ("0.001", Fraction(1, 1000)),
        ("1", Fraction(1)),
        ("1.0", Fraction(1)),
    ],
)
def test_parse_fraction_accepts(text: str, expected: Fraction) -> None:
    value = parse_fraction(text)
    assert isinstance(value, Fraction)
    assert value == expected


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("0%", "'0%' is out of range; a fraction must be more than 0% and at most 100%"),
        ("150%", "'150%' is out of range"),
        ("100.1%", "'100.1%' is out of range"),
        ("-50%", "'-50%' is out of range"),
        ("0", "'0' is out of range"),
        ("0.0", "'0.0' is out of range"),
        ("0/5", "'0/5' is out of range"),
        ("4/3", "'4/3' is out of range"),
        ("-1/2", "'-1/2' is out of range"),
        ("1.5", "'1.5' is out of range"),
        ("50", "'50' is out of range; a fraction must be more than 0% and at most 100%"),
        ("3/0", "'3/0' divides by zero; use a ratio like 2/3"),
        ("abc", "'abc' is not a fraction; use a share like 50%, 2/3 or 0.5"),
        ("50%%", "'50%%' is not a fraction"),
        ("2/3/4", "'2/3/4' is not a fraction"),
        ("1e-1", "'1e-1' is not a fraction"),
        ("nan", "'nan' is not a fraction"),
        ("inf", "'inf' is not a fraction"),
        ("1_0%", "'1_0%' is not a fraction"),
        ("\u00bd", "is not a fraction"),  # vulgar fraction one half
        ("half", "'half' is not a fraction"),
        ("", "no fraction given"),
        ("1" * 40 + "%", "is too long to be a fraction"),
    ],
)
def test_parse_fraction_refuses(text: str, fragment: str) -> None:
    assert fragment in refused(parse_fraction, text)


def test_parse_fraction_suggests_percent_for_bare_number() -> None:
    assert refused(parse_fraction, "50").endswith("did you mean 50%?")
    assert "did you mean" not in refused(parse_fraction, "150%")
    assert "did you mean" not in refused(parse_fraction, "500")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("5", 5),
        (" 12 ", 12),
        ("1", 1),
        ("007", 7),
        ("1000", 1000),
    ],
)
def test_parse_count_or_fraction_counts(text: str, expected: int) -> None:
    value = parse_count_or_fraction(text)
    assert type(value) is int
    assert value == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("50%", Fraction(1, 2)),
        ("2/3", Fraction(2, 3)),
        ("0.5", Fraction(1, 2)),
        ("100%", Fraction(1)),
        ("1/1", Fraction(1)),
        ("1.0", Fraction(1)),
        ("66.7 %", Fraction(667, 1000)),
    ],
)
def test_parse_count_or_fraction_fractions(text: str, expected: Fraction) -> None:
    value = parse_count_or_fraction(text)
    assert isinstance(value, Fraction)
    assert value == expected


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("0", "'0' is not a positive count; use a number of voters like 5"),
        ("-3", "'-3' is not a positive count"),
        ("abc", "'abc' is not a count or a fraction; use a number of voters like 5, or a share"),
        ("five", "'five' is not a count or a fraction"),
        ("5 voters", "'5 voters' is not a count or a fraction"),
        ("+5", "'+5' is not a count or a fraction"),
        ("", "'' is not a count or a fraction"),
        ("0%", "'0%' is out of range"),
        ("150%", "'150%' is out of range"),
        ("1.5", "'1.5' is out of range"),
        ("3/0", "'3/0' divides by zero"),
        ("9" * 40, "is too long"),
    ],
)
def test_parse_count_or_fraction_refuses(text: str, fragment: str) -> None:
    assert fragment in refused(parse_count_or_fraction, text)


@given(st.integers(min_value=1, max_value=10**12))
def test_any_positive_integer_is_a_count(n: int) -> None:
    assert parse_count_or_fraction(str(n)) == n


@given(st.fractions(min_value=Fraction(1, 10**6), max_value=1, max_denominator=10**6))
def test_ratio_round_trip(value: Fraction) -> None:
    text = f"{value.numerator}/{value.denominator}"
    assert parse_fraction(text) == value
    if value != 1 or value.denominator != 1:
        assert parse_count_or_fraction(text) == value


# =========================================================================== zones


@pytest.mark.parametrize(
    "name,key",
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("UTC", "UTC"),
        ("America/New_York", "America/New_York"),
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("utc", "UTC"),
        ("  Europe/Berlin  ", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
        ("Etc/GMT+5", "Etc/GMT+5"),
        ("Asia/Kolkata", "Asia/Kolkata"),
    ],
)
def test_load_zone_accepts(name: str, key: str) -> None:
    zone = load_zone(name)
    assert isinstance(zone, ZoneInfo)
    assert zone.key == key


def test_load_zone_typo_message_is_exact() -> None:
    assert (
        refused(load_zone, "Europe/Berln")
        == "unknown time zone 'Europe/Berln'; did you mean Europe/Berlin?"
    )


@pytest.mark.parametrize(
    "name,fragment",
    [
        ("Amerca/Chicago", "unknown time zone 'Amerca/Chicago'; did you mean America/Chicago?"),
        ("Asia/Tokio", "did you mean Asia/Tokyo?"),
        ("Berlin", "unknown time zone 'Berlin'; did you mean Europe/Berlin?"),
        ("new york", "did you mean America/New_York?"),
        (
            "xyzzy",
            "unknown time zone 'xyzzy'; use an IANA name like Europe/Berlin, "
            "America/New_York or UTC",
        ),
        ("CEST", "unknown time zone 'CEST'"),
        ("", "no time zone given"),
        ("   ", "no time zone given"),
        ("localtime", "unknown time zone 'localtime'"),
        ("Europe", "unknown time zone 'Europe'"),
        ("../../etc/passwd", "unknown time zone '../../etc/passwd'"),
        ("/usr/share/zoneinfo/UTC", "unknown time zone '/usr/share/zoneinfo/UTC'"),
    ],
)
def test_load_zone_refuses(name: str, fragment: str) -> None:
    assert fragment in refused(load_zone, name)


def test_load_zone_offers_several_close_names_with_or() -> None:
    message = refused(load_zone, "America/Indiana")
    assert message.startswith("unknown time zone 'America/Indiana'; did you mean ")
    assert " or " in message
    assert message.count("America/Indiana/") >= 2


# =========================================================================== to_utc


def test_to_utc_converts_aware_times() -> None:
    berlin = datetime(2026, 12, 1, 17, 0, tzinfo=BERLIN)
    assert to_utc(berlin) == utc(2026, 12, 1, 16, 0)
    assert to_utc(berlin).tzinfo is UTC
    assert to_utc(berlin).hour == 16
    minus_five = datetime(2026, 12, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert to_utc(minus_five).hour == 17
    assert to_utc(utc(2026, 1, 1)) == utc(2026, 1, 1)


def test_to_utc_refuses_naive_as_a_programming_error() -> None:
    with pytest.raises(ValueError, match="naive") as err:
        to_utc(datetime(2026, 12, 1, 17, 0))
    assert not isinstance(err.value, TimeParseError)


# =========================================================================== format_when


@pytest.mark.parametrize(
    "instant,zone,expected",
    [
        (utc(2026, 12, 1, 16, 0), BERLIN, "Tue 1 Dec 2026 17:00 CET"),
        (utc(2026, 7, 1, 15, 0), BERLIN, "Wed 1 Jul 2026 17:00 CEST"),
        (utc(2026, 12, 1, 16, 0), ZoneInfo("UTC"), "Tue 1 Dec 2026 16:00 UTC"),
        (utc(2026, 12, 1, 22, 0), NEW_YORK, "Tue 1 Dec 2026 17:00 EST"),
        (utc(2026, 7, 1, 21, 0), NEW_YORK, "Wed 1 Jul 2026 17:00 EDT"),
        (utc(2026, 12, 1, 23, 30), BERLIN, "Wed 2 Dec 2026 00:30 CET"),  # date moves
        (utc(2026, 12, 31, 23, 0), BERLIN, "Fri 1 Jan 2027 00:00 CET"),  # year moves
        (utc(2026, 12, 1, 16, 0, 59), BERLIN, "Tue 1 Dec 2026 17:00 CET"),  # seconds dropped
        (utc(2026, 12, 1, 16, 0), ZoneInfo("Asia/Dubai"), "Tue 1 Dec 2026 20:00 +04"),
        (utc(2026, 12, 1, 16, 0), ZoneInfo("Asia/Kolkata"), "Tue 1 Dec 2026 21:30 IST"),
        (utc(2026, 3, 29, 1, 0), BERLIN, "Sun 29 Mar 2026 03:00 CEST"),
        (utc(2026, 3, 29, 0, 59), BERLIN, "Sun 29 Mar 2026 01:59 CET"),
        (utc(2026, 10, 25, 0, 30), BERLIN, "Sun 25 Oct 2026 02:30 CEST"),
        (utc(2026, 10, 25, 1, 30), BERLIN, "Sun 25 Oct 2026 02:30 CET"),
    ],
)
def test_format_when(instant: datetime, zone: ZoneInfo, expected: str) -> None:
    assert format_when(instant, zone) == expected


def test_format_when_accepts_non_utc_aware_input() -> None:
    assert (
        format_when(datetime(2026, 12, 1, 17, 0, tzinfo=BERLIN), NEW_YORK)
        == "Tue 1 Dec 2026 11:00 EST"
    )


def test_format_when_names_every_weekday_and_month_in_english() -> None:
    days = [format_when(utc(2026, 1, 5 + i, 12), ZoneInfo("UTC")).split()[0] for i in range(7)]
    assert days == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = [format_when(utc(2026, m, 1, 12), ZoneInfo("UTC")).split()[2] for m in range(1, 13)]
    assert " ".join(months) == "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"


def test_format_when_refuses_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_when(datetime(2026, 12, 1, 17, 0), BERLIN)


# =========================================================================== parse_datetime


def when(text: str, now: datetime = NOW, zone: ZoneInfo = BERLIN) -> datetime:
    result = parse_datetime(text, now, zone)
    assert result.tzinfo is UTC
    return result


@pytest.mark.parametrize(
    "text,expected",
    [
        # ISO 8601 with its own offset: the community zone does not matter.
        ("2026-12-01T17:00Z", utc(2026, 12, 1, 17, 0)),
        ("2026-12-01T17:00:00Z", utc(2026, 12, 1, 17, 0)),
        ("2026-12-01t17:00z", utc(2026, 12, 1, 17, 0)),
        ("2026-12-01 17:00Z", utc(2026, 12, 1, 17, 0)),
        ("2026-12-01T17:00:00+02:00", utc(2026, 12, 1, 15, 0)),
        ("2026-12-01T17:00+0200", utc(2026, 12, 1, 15, 0)),
        ("2026-12-01T17:00-05", utc(2026, 12, 1, 22, 0)),
        ("2026-12-01T17:00+05:30", utc(2026, 12, 1, 11, 30)),
        ("2026-12-01T17:00-00:00", utc(2026, 12, 1, 17, 0)),
        ("2026-12-01 17:00 +02:00", utc(2026, 12, 1, 15, 0)),
        # ISO 8601 without a zone: read in the community zone (Berlin, CET in winter).
        ("2026-12-01T17:00", utc(2026, 12, 1, 16, 0)),
        ("2026-12-01 17:00", utc(2026, 12, 1, 16, 0)),
        ("2026-12-01 9:05", utc(2026, 12, 1, 8, 5)),
        ("2026-12-01 17:00:30", utc(2026, 12, 1, 16, 0, 30)),
        ("2026-12-01T17:00:30.25", datetime(2026, 12, 1, 16, 0, 30, 250000, tzinfo=UTC)),
        ("2026-07-01 17:00", utc(2026, 7, 1, 15, 0)),  # CEST in summer
        ("2026-12-01 00:00", utc(2026, 11, 30, 23, 0)),
        ("  2026-12-01    17:00  ", utc(2026, 12, 1, 16, 0)),
        ("2026-12-01 at 17:00", utc(2026, 12, 1, 16, 0)),
        ("17:00 2026-12-01", utc(2026, 12, 1, 16, 0)),
        ("2026-12-01 5pm", utc(2026, 12, 1, 16, 0)),
        ("2026-12-01 5:30 PM", utc(2026, 12, 1, 16, 30)),
        # An appended IANA zone wins over the community zone.
        ("2026-12-01 17:00 Europe/Berlin", utc(2026, 12, 1, 16, 0)),
        ("2026-12-01T17:00 UTC", utc(2026, 12, 1, 17, 0)),
        ("2026-12-01 17:00 utc", utc(2026, 12, 1, 17, 0)),
        ("2026-12-01 17:00 America/New_York", utc(2026, 12, 1, 22, 0)),
        ("2026-12-01 17:00 america/new_york", utc(2026, 12, 1, 22, 0)),
        ("2026-12-01 17:00 Asia/Tokyo", utc(2026, 12, 1, 8, 0)),
        ("2026-12-01 17:00 Asia/Kolkata", utc(2026, 12, 1, 11, 30)),
        # A date alone is the end of that day, 23:59 in the zone.
        ("2026-12-01", utc(2026, 12, 1, 22, 59)),
        ("2026-07-01", utc(2026, 7, 1, 21, 59)),
        ("2026-12-01 UTC", utc(2026, 12, 1, 23, 59)),
        ("2026-12-01 America/New_York", utc(2026, 12, 2, 4, 59)),
        ("2024-02-29", utc(2024, 2, 29, 22, 59)),  # leap day exists in 2024
    ],
)
def test_parse_datetime_absolute(text: str, expected: datetime) -> None:
    assert when(text) == expected


def test_absolute_times_in_the_past_are_returned_unchanged() -> None:
    assert when("2020-01-01 12:00") == utc(2020, 1, 1, 11, 0)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("today 17:00", utc(2026, 1, 5, 16, 0)),
        ("TODAY 17:00", utc(2026, 1, 5, 16, 0)),
        ("today", utc(2026, 1, 5, 22, 59)),
        ("today 08:00", utc(2026, 1, 5, 7, 0)),  # already past, still today
        ("17:00 today", utc(2026, 1, 5, 16, 0)),
        ("tomorrow 17:00", utc(2026, 1, 6, 16, 0)),
        ("Tomorrow 17:00", utc(2026, 1, 6, 16, 0)),
        ("tomorrow", utc(2026, 1, 6, 22, 59)),
        ("tomorrow at 5pm", utc(2026, 1, 6, 16, 0)),
        ("tomorrow 5 pm", utc(2026, 1, 6, 16, 0)),
        ("tomorrow 5:30pm", utc(2026, 1, 6, 16, 30)),
        ("tomorrow 12am", utc(2026, 1, 5, 23, 0)),  # midnight starting tomorrow
        ("tomorrow 12pm", utc(2026, 1, 6, 11, 0)),  # noon
        ("tomorrow 17:00:15", utc(2026, 1, 6, 16, 0, 15)),
        ("tomorrow 17:00 UTC", utc(2026, 1, 6, 17, 0)),
        ("tomorrow 17:00Z", utc(2026, 1, 6, 17, 0)),
        ("tomorrow 17:00 +01:00", utc(2026, 1, 6, 16, 0)),
        ("tomorrow UTC", utc(2026, 1, 6, 23, 59)),
        # In New York it is still 04:00 on the 5th, so tomorrow is the 6th there.
        ("tomorrow 17:00 America/New_York", utc(2026, 1, 6, 22, 0)),
    ],
)
def test_parse_datetime_today_and_tomorrow(text: str, expected: datetime) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    "now,text,zone,expected",
    [
        # Year and month roll over.
        (utc(2026, 12, 31, 12, 0), "tomorrow", BERLIN, utc(2027, 1, 1, 22, 59)),
        (utc(2026, 12, 31, 12, 0), "tomorrow 17:00", BERLIN, utc(2027, 1, 1, 16, 0)),
        (utc(2026, 12, 31, 12, 0), "tomorrow 17:00", ZoneInfo("UTC"), utc(2027, 1, 1, 17, 0)),
        (utc(2026, 2, 28, 12, 0), "tomorrow 17:00", BERLIN, utc(2026, 3, 1, 16, 0)),
        (utc(2028, 2, 28, 12, 0), "tomorrow 17:00", BERLIN, utc(2028, 2, 29, 16, 0)),
        (utc(2026, 4, 30, 12, 0), "tomorrow", ZoneInfo("UTC"), utc(2026, 5, 1, 23, 59)),
        # 23:30 UTC on 31 Dec is already 1 Jan in Berlin: "today" and "tomorrow" are local.
        (utc(2026, 12, 31, 23, 30), "tomorrow 12:00", BERLIN, utc(2027, 1, 2, 11, 0)),
        (utc(2026, 12, 31, 23, 30), "today 12:00", BERLIN, utc(2027, 1, 1, 11, 0)),
        (utc(2026, 12, 31, 23, 30), "tomorrow 12:00", ZoneInfo("UTC"), utc(2027, 1, 1, 12, 0)),
        # ...and 03:00 UTC on 1 Jan is still 31 Dec in New York.
        (utc(2027, 1, 1, 3, 0), "today", NEW_YORK, utc(2027, 1, 1, 4, 59)),
        (utc(2027, 1, 1, 3, 0), "tomorrow", NEW_YORK, utc(2027, 1, 2, 4, 59)),
    ],
)
def test_tomorrow_rolls_over_in_the_local_zone(
    now: datetime, text: str, zone: ZoneInfo, expected: datetime
) -> None:
    assert when(text, now, zone) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        # NOW is Monday 10:00 in Berlin.
        ("friday 17:00", utc(2026, 1, 9, 16, 0)),
        ("fri 17:00", utc(2026, 1, 9, 16, 0)),
        ("FRIDAY 17:00", utc(2026, 1, 9, 16, 0)),
        ("Fri 5pm", utc(2026, 1, 9, 16, 0)),
        ("friday at 5:30pm", utc(2026, 1, 9, 16, 30)),
        ("17:00 friday", utc(2026, 1, 9, 16, 0)),
        ("friday", utc(2026, 1, 9, 22, 59)),
        ("friday 17:00 UTC", utc(2026, 1, 9, 17, 0)),
        ("friday 17:00 America/New_York", utc(2026, 1, 9, 22, 0)),
        ("tuesday 0:00", utc(2026, 1, 5, 23, 0)),
        ("sunday 12:00", utc(2026, 1, 11, 11, 0)),
        # Today is Monday: later today counts, the current minute or earlier does not.
        ("monday 11:00", utc(2026, 1, 5, 10, 0)),
        ("monday 10:01", utc(2026, 1, 5, 9, 1)),
        ("monday 10:00", utc(2026, 1, 12, 9, 0)),  # exactly now: not after now
        ("monday 09:00", utc(2026, 1, 12, 8, 0)),
        ("mon", utc(2026, 1, 5, 22, 59)),  # end of today is still ahead
    ],
)
def test_parse_datetime_weekdays(text: str, expected: datetime) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    "name,weekday",
    [
        ("monday", 0),
        ("mon", 0),
        ("tuesday", 1),
        ("tue", 1),
        ("tues", 1),
        ("wednesday", 2),
        ("wed", 2),
        ("thursday", 3),
        ("thu", 3),
        ("thur", 3),
        ("thurs", 3),
        ("friday", 4),
        ("fri", 4),
        ("saturday", 5),
        ("sat", 5),
        ("sunday", 6),
        ("sun", 6),
    ],
)
def test_every_weekday_name_lands_on_that_day_within_a_week(name: str, weekday: int) -> None:
    result = when(f"{name} 12:00")
    local = result.astimezone(BERLIN)
    assert local.weekday() == weekday
    assert (local.hour, local.minute) == (12, 0)
    assert NOW < result <= NOW + timedelta(days=7)


def test_weekday_is_read_in_the_local_zone() -> None:
    # 23:30 UTC on Friday 9 Jan is already Saturday 00:30 in Berlin.
    late_friday = utc(2026, 1, 9, 23, 30)
    assert when("friday 17:00", late_friday) == utc(2026, 1, 16, 16, 0)
    assert when("saturday 12:00", late_friday) == utc(2026, 1, 10, 11, 0)
    assert when("friday 23:45", late_friday, ZoneInfo("UTC")) == utc(2026, 1, 9, 23, 45)
    # A weekday alone asked late on that very day: 23:59 is still ahead, then it is not.
    assert when("friday", utc(2026, 1, 9, 22, 58)) == utc(2026, 1, 9, 22, 59)
    assert when("friday", utc(2026, 1, 9, 22, 59)) == utc(2026, 1, 16, 22, 59)


@pytest.mark.parametrize(
    "text,expected",
    [
        # NOW is 10:00 in Berlin.
        ("17:00", utc(2026, 1, 5, 16, 0)),
        ("at 17:00", utc(2026, 1, 5, 16, 0)),
        ("10:01", utc(2026, 1, 5, 9, 1)),
        ("10:00", utc(2026, 1, 6, 9, 0)),  # exactly now: the next one is tomorrow
        ("09:00", utc(2026, 1, 6, 8, 0)),
        ("9:05", utc(2026, 1, 6, 8, 5)),
        ("0:00", utc(2026, 1, 5, 23, 0)),
        ("23:59:59", utc(2026, 1, 5, 22, 59, 59)),
        ("5pm", utc(2026, 1, 5, 16, 0)),
        ("5PM", utc(2026, 1, 5, 16, 0)),
        ("5 pm", utc(2026, 1, 5, 16, 0)),
        ("5:30pm", utc(2026, 1, 5, 16, 30)),
        ("8am", utc(2026, 1, 6, 7, 0)),
        ("11am", utc(2026, 1, 5, 10, 0)),
        ("12am", utc(2026, 1, 5, 23, 0)),
        ("12pm", utc(2026, 1, 5, 11, 0)),
        ("12:30pm", utc(2026, 1, 5, 11, 30)),
        ("17:00 UTC", utc(2026, 1, 5, 17, 0)),
        ("17:00Z", utc(2026, 1, 5, 17, 0)),
        ("08:00 UTC", utc(2026, 1, 6, 8, 0)),  # 08:00 UTC has passed (it is 09:00 UTC)
        ("17:00 America/New_York", utc(2026, 1, 5, 22, 0)),
        ("03:00 America/New_York", utc(2026, 1, 6, 8, 0)),  # 04:00 there: tomorrow
    ],
)
def test_parse_datetime_time_alone_is_next_occurrence(text: str, expected: datetime) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("in 3h", NOW + timedelta(hours=3)),
        ("in 2d", NOW + timedelta(days=2)),
        ("in 90m", NOW + timedelta(minutes=90)),
        ("In 1d12h", NOW + timedelta(days=1, hours=12)),
        ("IN 45S", NOW + timedelta(seconds=45)),
        ("in 2 days 6 hours", NOW + timedelta(days=2, hours=6)),
        ("in 1 hour and 30 minutes", NOW + timedelta(hours=1, minutes=30)),
        ("in 1w", NOW + timedelta(weeks=1)),
        ("in 3h Europe/Berlin", NOW + timedelta(hours=3)),  # a zone changes nothing
        ("in 3h UTC", NOW + timedelta(hours=3)),
    ],
)
def test_parse_datetime_in_duration(text: str, expected: datetime) -> None:
    assert when(text) == expected


def test_in_duration_is_elapsed_time_across_dst() -> None:
    # 24 hours after noon UTC on the day before spring-forward is 14:00 CEST, not 13:00.
    before = utc(2026, 3, 28, 12, 0)
    assert when("in 1d", before) == utc(2026, 3, 29, 12, 0)
    assert format_when(when("in 1d", before), BERLIN) == "Sun 29 Mar 2026 14:00 CEST"


def test_parse_datetime_accepts_any_aware_now() -> None:
    now_in_berlin = NOW.astimezone(BERLIN)
    assert parse_datetime("17:00", now_in_berlin, BERLIN) == utc(2026, 1, 5, 16, 0)
    assert parse_datetime("in 3h", now_in_berlin, BERLIN) == utc(2026, 1, 5, 12, 0)
    assert parse_datetime("in 3h", now_in_berlin, BERLIN).tzinfo is UTC


def test_parse_datetime_refuses_naive_now() -> None:
    with pytest.raises(ValueError, match="naive"):
        parse_datetime("17:00", datetime(2026, 1, 5, 9, 0), BERLIN)


# --------------------------------------------------------------------------- zone appended


@pytest.mark.parametrize(
    "body",
    [
        "2026-12-01 17:00",
        "2026-12-01T17:00",
        "2026-07-01 17:00",
        "2026-12-01",
        "today 17:00",
        "today",
        "tomorrow 17:00",
        "tomorrow",
        "tomorrow 5pm",
        "friday 17:00",
        "fri",
        "monday 11:00",
        "17:00",
        "5:30pm",
        "at 9:00",
    ],
)
@pytest.mark.parametrize(
    "zone_name", ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Pacific/Kiritimati"]
)
def test_appended_zone_equals_community_zone(body: str, zone_name: str) -> None:
    # Whatever the community zone is, naming a zone at the end reads the text there.
    expected = when(body, NOW, ZoneInfo(zone_name))
    assert when(f"{body} {zone_name}", NOW, ZoneInfo("Asia/Kolkata")) == expected
    assert when(f"{body} {zone_name.lower()}", NOW, ZoneInfo("America/Los_Angeles")) == expected


# --------------------------------------------------------------------------- DST


@pytest.mark.parametrize(
    "text,expected,shown",
    [
        # Berlin springs forward on Sun 29 Mar 2026: 02:00 CET -> 03:00 CEST.
        ("2026-03-29 01:59", utc(2026, 3, 29, 0, 59), "Sun 29 Mar 2026 01:59 CET"),
        ("2026-03-29 02:00", utc(2026, 3, 29, 1, 0), "Sun 29 Mar 2026 03:00 CEST"),
        ("2026-03-29 02:30", utc(2026, 3, 29, 1, 30), "Sun 29 Mar 2026 03:30 CEST"),
        ("2026-03-29 02:59", utc(2026, 3, 29, 1, 59), "Sun 29 Mar 2026 03:59 CEST"),
        ("2026-03-29 03:00", utc(2026, 3, 29, 1, 0), "Sun 29 Mar 2026 03:00 CEST"),
        ("2026-03-29 03:30", utc(2026, 3, 29, 1, 30), "Sun 29 Mar 2026 03:30 CEST"),
        ("2026-03-29", utc(2026, 3, 29, 21, 59), "Sun 29 Mar 2026 23:59 CEST"),
        # Berlin falls back on Sun 25 Oct 2026: 03:00 CEST -> 02:00 CET; 02:xx happens twice.
        ("2026-10-25 01:59", utc(2026, 10, 24, 23, 59), "Sun 25 Oct 2026 01:59 CEST"),
        ("2026-10-25 02:00", utc(2026, 10, 25, 0, 0), "Sun 25 Oct 2026 02:00 CEST"),
        ("2026-10-25 02:30", utc(2026, 10, 25, 0, 30), "Sun 25 Oct 2026 02:30 CEST"),
        ("2026-10-25 02:59", utc(2026, 10, 25, 0, 59), "Sun 25 Oct 2026 02:59 CEST"),
        ("2026-10-25 03:00", utc(2026, 10, 25, 2, 0), "Sun 25 Oct 2026 03:00 CET"),
        ("2026-10-25", utc(2026, 10, 25, 22, 59), "Sun 25 Oct 2026 23:59 CET"),
    ],
)
def test_berlin_dst_edges(text: str, expected: datetime, shown: str) -> None:
    result = when(text)
    assert result == expected
    assert format_when(result, BERLIN) == shown


def test_dst_gap_and_overlap_through_relative_forms() -> None:
    saturday = utc(2026, 3, 28, 12, 0)
    assert when("tomorrow 02:30", saturday) == utc(2026, 3, 29, 1, 30)
    assert when("sunday 02:30", saturday) == utc(2026, 3, 29, 1, 30)
    assert when("sun 2:30am", saturday) == utc(2026, 3, 29, 1, 30)
    # Just after midnight on the changeover night, a bare 02:30 is still ahead.
    assert when("02:30", utc(2026, 3, 28, 23, 5)) == utc(2026, 3, 29, 1, 30)
    autumn_saturday = utc(2026, 10, 24, 12, 0)
    assert when("tomorrow 02:30", autumn_saturday) == utc(2026, 10, 25, 0, 30)
    assert when("sunday 2:30am", autumn_saturday) == utc(2026, 10, 25, 0, 30)


def test_bare_time_during_the_repeated_hour() -> None:
    # At 02:45 CET (the second 02:45), 02:30 has passed both times: next one is Monday.
    second_pass = utc(2026, 10, 25, 1, 45)
    assert when("02:30", second_pass) == utc(2026, 10, 26, 1, 30)
    # During the first 02:xx (CEST) the first 02:50 is still ahead.
    first_pass = utc(2026, 10, 25, 0, 45)
    assert when("02:50", first_pass) == utc(2026, 10, 25, 0, 50)


def test_new_york_dst_edges() -> None:
    # New York springs forward Sun 8 Mar 2026 02:00 EST -> 03:00 EDT; falls back 1 Nov.
    assert when("2026-03-08 02:30", zone=NEW_YORK) == utc(2026, 3, 8, 7, 30)
    assert format_when(utc(2026, 3, 8, 7, 30), NEW_YORK) == "Sun 8 Mar 2026 03:30 EDT"
    assert when("2026-11-01 01:30", zone=NEW_YORK) == utc(2026, 11, 1, 5, 30)
    assert format_when(utc(2026, 11, 1, 5, 30), NEW_YORK) == "Sun 1 Nov 2026 01:30 EDT"
    assert when("2026-11-01 01:30 UTC", zone=NEW_YORK) == utc(2026, 11, 1, 1, 30)


# --------------------------------------------------------------------------- refusals


def test_garbage_message_is_exact() -> None:
    assert (
        refused(parse_datetime, "blah", NOW, BERLIN)
        == f"could not read 'blah' as a date and time; {DATETIME_HINT}"
    )


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("someday", "could not read 'someday' as a date and time"),
        ("  soon  ", "could not read 'soon' as a date and time"),
        ("next friday", "could not read 'next friday'"),
        ("friday afternoon", "could not read 'friday afternoon'"),
        ("tomorrow friday", "could not read 'tomorrow friday'"),
        ("today tomorrow", "could not read 'today tomorrow'"),
        ("17:00 18:00", "could not read '17:00 18:00'"),
        ("2026-12-01 2026-12-02", "could not read '2026-12-01 2026-12-02'"),
        ("2026-12-01 tomorrow", "could not read '2026-12-01 tomorrow'"),
        ("tomorrow +02:00", "could not read 'tomorrow +02:00'"),
        ("17", "could not read '17'"),
        ("1700", "could not read '1700'"),
        ("5 o'clock", "could not read"),
        ("12/01/2026", "could not read '12/01/2026'"),
        ("01.12.2026", "could not read '01.12.2026'"),
        ("2026-12-1", "could not read '2026-12-1'"),
        ("2026-12-01T", "could not read '2026-12-01T'"),
        ("2026-12-01T17", "could not read '2026-12-01T17'"),
        ("20261201T1700Z", "could not read '20261201T1700Z'"),
        ("UTC", "could not read 'UTC'"),
        ("Europe/Berlin", "could not read 'Europe/Berlin'"),
        ("at", "could not read 'at'"),
        ("at UTC", "could not read 'at UTC'"),
        ("in", "could not read 'in'"),
        ("in UTC", "could not read 'in UTC'"),
        ("", "no date or time given"),
        ("   ", "no date or time given"),
        ("2026-13-01", "'2026-13-01' is not a real date"),
        ("2026-02-30", "'2026-02-30' is not a real date"),
        ("2026-02-29 12:00", "'2026-02-29' is not a real date"),  # 2026 is not a leap year
        ("0000-01-01", "'0000-01-01' is not a real date"),
        ("25:00", "'25:00' is not a real time of day"),
        ("24:00", "'24:00' is not a real time of day"),
        ("17:60", "'17:60' is not a real time of day"),
        ("tomorrow 13pm", "'13pm' is not a real time of day"),
        ("0am", "'0am' is not a real time of day"),
        ("2026-12-01 17:00+25:00", "'+25:00' is not a real UTC offset"),
        ("2026-12-01 17:00 Europe/Berln", "unknown time zone 'Europe/Berln'; did you mean "),
        ("tomorrow 17:00 Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("17:00 CEST", "'CEST' is an abbreviation, not a time zone name"),
        ("tomorrow 17:00 PST", "'PST' is an abbreviation"),
        ("2026-12-01T17:00Z Europe/Berlin", "gives both a UTC offset and a time zone"),
        ("2026-12-01T17:00+02:00 UTC", "'2026-12-01T17:00+02:00 UTC' gives both"),
        ("in 3x", "'3x' is not a duration"),
        ("in 0m", "'0m' is zero"),
        ("in -3h", "'-3h' is negative"),
        ("in 9999999d", "'in 9999999d' is too far in the future"),
        ("9999-12-31 23:59 America/Los_Angeles", "is out of the range of dates"),
        ("0001-01-01 00:00 Asia/Tokyo", "is out of the range of dates"),
    ],
)
def test_parse_datetime_refuses(text: str, fragment: str) -> None:
    message = refused(parse_datetime, text, NOW, BERLIN)
    assert fragment in message


def test_parse_datetime_refusal_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_datetime("whenever", NOW, BERLIN)


# --------------------------------------------------------------------------- properties

ZONES = [
    BERLIN,
    NEW_YORK,
    ZoneInfo("UTC"),
    ZoneInfo("Australia/Lord_Howe"),  # half-hour DST shift
    ZoneInfo("Asia/Kathmandu"),  # +05:45
    ZoneInfo("America/Santiago"),  # DST in the southern summer
]
INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2090, 12, 30), timezones=st.just(UTC)
)


@given(INSTANTS, st.sampled_from(ZONES))
def test_iso_local_wall_clock_round_trip(instant: datetime, zone: ZoneInfo) -> None:
    instant = instant.replace(microsecond=0)
    local = instant.astimezone(zone)
    text = local.strftime("%Y-%m-%d %H:%M:%S")
    result = parse_datetime(text, NOW, zone)
    # The typed wall-clock time comes back; in a repeated hour the first one is chosen.
    assert result.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)
    assert result <= instant
    assert result == instant or local.fold == 1


@given(INSTANTS, st.sampled_from(ZONES))
def test_iso_with_offset_is_exact_whatever_the_zone(instant: datetime, zone: ZoneInfo) -> None:
    instant = instant.replace(microsecond=0)
    local = instant.astimezone(zone)
    assert parse_datetime(local.isoformat(), NOW, BERLIN) == instant
    assert parse_datetime(local.isoformat(timespec="seconds"), NOW, zone) == instant


@given(
    INSTANTS,
    st.sampled_from(ZONES),
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=59),
)
def test_bare_time_is_the_next_occurrence(
    now: datetime, zone: ZoneInfo, hour: int, minute: int
) -> None:
    result = parse_datetime(f"{hour}:{minute:02d}", now, zone)
    assert now < result <= now + timedelta(hours=26)
    local = result.astimezone(zone)
    # Only a time swallowed by a spring-forward gap shows a different wall-clock time.
    if (local.hour, local.minute) != (hour, minute):
        shifted = datetime.combine(local.date(), datetime.min.time()).replace(
            hour=hour, minute=minute
        )
        assert shifted.replace(tzinfo=zone).astimezone(UTC) == result


@given(INSTANTS, st.sampled_from(ZONES), st.sampled_from(list(range(7))))
def test_weekday_is_within_the_next_week(now: datetime, zone: ZoneInfo, weekday: int) -> None:
    name = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][weekday]
    result = parse_datetime(f"{name} 12:00", now, zone)
    assert now < result <= now + timedelta(days=7, hours=1)
    assert result.astimezone(zone).weekday() == weekday
    end_of_day = parse_datetime(name, now, zone)
    assert now < end_of_day <= now + timedelta(days=8)
    assert end_of_day.astimezone(zone).weekday() == weekday


@given(INSTANTS, st.sampled_from(ZONES))
def test_tomorrow_is_the_next_local_date(now: datetime, zone: ZoneInfo) -> None:
    result = parse_datetime("tomorrow", now, zone).astimezone(zone)
    assert result.date() == now.astimezone(zone).date() + timedelta(days=1)
    assert (result.hour, result.minute) == (23, 59)


@given(INSTANTS, st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=3650)))
def test_in_duration_round_trip(now: datetime, span: timedelta) -> None:
    span = timedelta(seconds=round(span.total_seconds()))
    assume(span > timedelta(0))
    assert parse_datetime(f"in {format_duration(span)}", now, BERLIN) == now + span


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.sampled_from(ZONES))
def test_date_alone_is_end_of_that_local_day(day: date, zone: ZoneInfo) -> None:
    result = parse_datetime(day.isoformat(), NOW, zone).astimezone(zone)
    assert result.date() == day
    assert (result.hour, result.minute, result.second) == (23, 59, 0)
