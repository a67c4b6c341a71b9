"""Reading and showing the times, durations and shares people type into chat.

Everything here is pure: the current time and the community's zone are passed in, so the
same text always gives the same answer and tests need no clock. Every refusal is a
TimeParseError whose message is one short sentence that quotes what the user typed, with
no trailing full stop, because callers append their own usage hint after it.

Times that come out of this module are always aware and in UTC; zones only matter when
reading text and when showing a time back to people.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from fractions import Fraction
from typing import Final
from zoneinfo import ZoneInfo, available_timezones

from bot import i18n, zhparse
from bot.i18n import N_, NP_, _, ngettext, pgettext

__all__ = [
    "TimeParseError",
    "compact_duration",
    "format_duration",
    "format_when",
    "load_zone",
    "parse_count_or_fraction",
    "parse_datetime",
    "parse_duration",
    "parse_fraction",
    "to_utc",
]


class TimeParseError(ValueError):
    """The user's text could not be read; str() is the sentence to show them."""


# --------------------------------------------------------------------------- durations

_UNIT_SECONDS: Final[dict[str, int]] = {
    "w": 7 * 24 * 3600,
    "d": 24 * 3600,
    "h": 3600,
    "m": 60,
    "s": 1,
}

_UNIT_ALIASES: Final[dict[str, str]] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "m"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("d", "day", "days"), "d"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "w"),
}

# Months and years have no fixed length, so "3mo" would silently mean different spans
# depending on when it is read; naming them in the refusal saves a confused retry.
_CALENDAR_UNITS: Final[frozenset[str]] = frozenset(
    ("mo", "mos", "mon", "mons", "month", "months", "y", "yr", "yrs", "year", "years")
)

# Far beyond any real span or count, and well inside int()'s 4300-digit safety limit,
# which would otherwise surface as a bare ValueError with an unhelpful message.
_MAX_DIGITS: Final = 30

_DURATION_HINT: Final = N_("use a number with m, h, d or w, like 90m, 72h, 3d, 1w or 1d12h")

# re.ASCII: \d would otherwise accept digits from other scripts that int() happily reads,
# letting look-alike characters through.
_DURATION_PART: Final = re.compile(r"\s*(\d+)\s*([a-z]*)\s*", re.ASCII)
_DURATION_FILLER: Final = re.compile(r",|\band\b")


def parse_duration(text: str) -> timedelta:
    """Read a positive span such as "90m", "72h", "1d12h", "2d 6h" or "1 hour 30 minutes".

    Units are s, m (minutes), h, d and w, plus their long forms; case and spacing do not
    matter, parts may come in any order, commas and "and" between parts are ignored.
    Each unit may appear once, numbers are whole, and the total must be more than zero.
    """
    shown = text.strip()
    # str.split() also splits on Unicode spaces (chat clients like to insert no-break
    # spaces), which the ASCII-only patterns below would not recognise. Chinese units and
    # full-width digits (３天, 1个半小时) read as their English forms.
    body = " ".join(_DURATION_FILLER.sub(" ", zhparse.duration(shown).lower()).split())
    if not body:
        raise TimeParseError(
            _("no duration given; {duration_hint}").format(duration_hint=_(_DURATION_HINT))
        )
    if body.startswith("-"):
        raise TimeParseError(
            _("'{shown}' is negative; a duration must be more than zero").format(shown=shown)
        )
    if re.search(r"\d[.,]\d", shown, re.ASCII):
        raise TimeParseError(
            _("'{shown}' uses a fraction; use whole numbers, like 1h30m").format(shown=shown)
        )
    # Matched part by part from where the last one ended, rather than with one repeated
    # pattern over the whole text, which backtracks exponentially on long digit runs.
    parts: list[tuple[str, str]] = []
    position = 0
    while position < len(body):
        part = _DURATION_PART.match(body, position)
        if part is None:
            raise TimeParseError(
                _("'{shown}' is not a duration; {duration_hint}").format(
                    shown=shown, duration_hint=_(_DURATION_HINT)
                )
            )
        parts.append((part.group(1), part.group(2)))
        position = part.end()

    seconds = 0
    seen: set[str] = set()
    for number, word in parts:
        if len(number) > _MAX_DIGITS:
            raise TimeParseError(_("'{shown}' is too long to be a duration").format(shown=shown))
        if not word:
            raise TimeParseError(
                _("'{shown}' has a number without a unit; add m, h, d or w, like {number}m").format(
                    shown=shown, number=number
                )
            )
        if word in _CALENDAR_UNITS:
            raise TimeParseError(
                _(
                    "'{shown}' uses months or years, which vary in length; use d or w, like 30d"
                ).format(shown=shown)
            )
        unit = _UNIT_ALIASES.get(word)
        if unit is None:
            raise TimeParseError(
                _("'{shown}' is not a duration; {duration_hint}").format(
                    shown=shown, duration_hint=_(_DURATION_HINT)
                )
            )
        if unit in seen:
            raise TimeParseError(
                _("'{shown}' gives the same unit twice; use each unit once, like 1d12h").format(
                    shown=shown
                )
            )
        seen.add(unit)
        seconds += int(number) * _UNIT_SECONDS[unit]

    if seconds == 0:
        raise TimeParseError(
            _("'{shown}' is zero; a duration must be more than zero").format(shown=shown)
        )
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise TimeParseError(
            _("'{shown}' is too long to be a duration").format(shown=shown)
        ) from None


# The longest span a person may type anywhere (a vote's extension, a script's advance):
# longer is always a typo, and a date plus a bigger span can overflow the calendar.
MAX_USER_SPAN: Final = timedelta(days=3660)


def check_span(td: timedelta, shown: str) -> timedelta:
    """A span typed by a person, refused when it is longer than MAX_USER_SPAN."""
    if td > MAX_USER_SPAN:
        raise TimeParseError(
            _("'{value}' is longer than 10 years, the longest span allowed").format(
                value=shown.strip()
            )
        )
    return td


def ascii_digits(text: str) -> str:
    """Decimal digits of any script (٣, ३, ３) as ASCII, so every number a person types is
    read the same whatever their keyboard; other characters are left alone."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        value = unicodedata.decimal(ch, None)
        out.append(str(value) if value is not None else ch)
    return "".join(out)


# A time the platform may show in each reader's own zone (Slack <!date^...>, Discord
# <t:...>): the instant and the community-zone text, between two invisible separators. The
# renderer turns it into the fallback text on platforms without native times.
_MARK = "\u2063"
_MARKED = re.compile(f"{_MARK}t:(\\d{{1,12}})\\|([^{_MARK}<>]*){_MARK}")


def mark_when(dt: datetime, zone: ZoneInfo) -> str:
    """format_when, marked so a platform with native times shows it in the reader's zone."""
    return f"{_MARK}t:{int(to_utc(dt).timestamp())}|{format_when(dt, zone)}{_MARK}"


def unmark(text: str) -> str:
    """Marked times as their community-zone text."""
    return _MARKED.sub(lambda m: m.group(2), text) if _MARK in text else text


def native_times(text: str, render: Callable[[int, str], str]) -> str:
    """Marked times through a platform's own syntax: render(unix, fallback)."""
    if _MARK not in text:
        return text
    return _MARKED.sub(lambda m: render(int(m.group(1)), m.group(2)), text)


def format_left(td: timedelta) -> str:
    """A time left as people say it, rounded to the unit that matters: "1 hour",
    "24 hours", "3 days", "45 minutes", "less than a minute"."""
    seconds = int(td.total_seconds())
    if seconds < 60:
        return _("less than a minute")
    for unit, size, limit in (("day", 86400, 3 * 86400), ("hour", 3600, 3600), ("minute", 60, 60)):
        if seconds >= limit:
            n = round(seconds / size)
            if unit == "minute" and n == 60:
                unit, n = "hour", 1
            if unit == "day":
                return ngettext("{n} day", "{n} days", n).format(n=n)
            if unit == "hour":
                return ngettext("{n} hour", "{n} hours", n).format(n=n)
            return ngettext("{n} minute", "{n} minutes", n).format(n=n)
    raise AssertionError("unreachable")


def compact_duration(td: timedelta) -> str:
    """Show a span compactly in the typed form: "3d", "1d 12h", "1h 30m", "45s", "2w".

    Rounded to whole seconds (half a second rounds up). Weeks are used only when the span
    is a whole number of weeks, otherwise days ("9d", not "1w 2d"), because people count
    deadlines in days and "1w 2d" makes them do arithmetic. Zero components are left
    out, zero itself is "0m", and a negative span gets a leading "-". The result always
    reads back through parse_duration to the same (rounded) value, in any language: this
    is the form settings and audit details store.
    """
    sign, parts = _duration_parts(td)
    return sign + " ".join(f"{count}{unit}" for count, unit in parts)


# Each unit as the reader writes it; the typed letters stay the English form.
_UNIT_SHOWN: Final = {
    "w": NP_("duration", "{n}w"),
    "d": NP_("duration", "{n}d"),
    "h": NP_("duration", "{n}h"),
    "m": NP_("duration", "{n}m"),
    "s": NP_("duration", "{n}s"),
}


def format_duration(td: timedelta) -> str:
    """A span as the reader writes it: "1d 3h" in English, "1天3小时" in Chinese (the same
    parts as compact_duration, which parse_duration reads back in either language)."""
    sign, parts = _duration_parts(td)
    shown = [pgettext("duration", _UNIT_SHOWN[unit]).format(n=count) for count, unit in parts]
    out = shown[0]
    for part in shown[1:]:
        out = pgettext("duration", "{a} {b}").format(a=out, b=part)
    return sign + out


def _duration_parts(td: timedelta) -> tuple[str, list[tuple[int, str]]]:
    one = timedelta(seconds=1)
    sign = "-" if td < timedelta(0) else ""
    whole, rest = divmod(abs(td), one)
    total = whole + (1 if rest * 2 >= one else 0)
    if total == 0:
        return "", [(0, "m")]
    week = _UNIT_SECONDS["w"]
    if total % week == 0:
        return sign, [(total // week, "w")]
    parts = []
    for unit in ("d", "h", "m", "s"):
        count, total = divmod(total, _UNIT_SECONDS[unit])
        if count:
            parts.append((count, unit))
    return sign, parts


# --------------------------------------------------------------------------- fractions

_FRACTION_HINT: Final = N_("like 50%, 2/3 or 0.5")
_NUMBER: Final = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
_PERCENT: Final = re.compile(rf"({_NUMBER})\s*%", re.ASCII)
_RATIO: Final = re.compile(r"(-?\d+)\s*/\s*(-?\d+)", re.ASCII)
_DECIMAL: Final = re.compile(_NUMBER, re.ASCII)
_COUNT: Final = re.compile(r"\d+", re.ASCII)
_NEGATIVE_COUNT: Final = re.compile(r"-\d+", re.ASCII)


def _fraction_value(shown: str) -> Fraction | None:
    """The exact value written, or None when the text is not shaped like a fraction."""
    # Fraction(str) is fed only our own validated digits: it would otherwise also take
    # exponents, underscores and "nan"-ish surprises we do not want to accept.
    if m := _PERCENT.fullmatch(shown):
        return Fraction(m.group(1)) / 100
    if m := _RATIO.fullmatch(shown):
        if int(m.group(2)) == 0:
            raise TimeParseError(
                _("'{shown}' divides by zero; use a ratio like 2/3").format(shown=shown)
            )
        return Fraction(int(m.group(1)), int(m.group(2)))
    if _DECIMAL.fullmatch(shown):
        return Fraction(shown)
    return None


def parse_fraction(text: str) -> Fraction:
    """Read a share as a percentage ("50%", "66.7%"), a ratio ("2/3") or a decimal ("0.5").

    The value is exact (66.7% is 667/1000, not a float) and must be more than 0 and at
    most 1, since it is a share of voters or votes.
    """
    shown = text.strip()
    if not shown:
        raise TimeParseError(
            _("no fraction given; use a share {fraction_hint}").format(
                fraction_hint=_(_FRACTION_HINT)
            )
        )
    if len(shown) > _MAX_DIGITS:
        raise TimeParseError(
            _("'{shown}' is too long to be a fraction; use a share {fraction_hint}").format(
                shown=shown, fraction_hint=_(_FRACTION_HINT)
            )
        )
    value = _fraction_value(" ".join(shown.split()))
    if value is None:
        raise TimeParseError(
            _("'{shown}' is not a fraction; use a share {fraction_hint}").format(
                shown=shown, fraction_hint=_(_FRACTION_HINT)
            )
        )
    if not 0 < value <= 1:
        hint = ""
        if _DECIMAL.fullmatch(shown) and 1 < value <= 100:
            # A bare "50" is almost certainly a percentage with the sign forgotten.
            hint = _("; did you mean {shown}%?").format(shown=shown)
        raise TimeParseError(
            _(
                "'{shown}' is out of range; a fraction must be more than 0% and at most 100%, "
                "{fraction_hint}{hint}"
            ).format(shown=shown, fraction_hint=_(_FRACTION_HINT), hint=hint)
        )
    return value


def parse_count_or_fraction(text: str) -> int | Fraction:
    """Read a quorum: a whole number ("5") is a count of voters, anything else is a share.

    "1" is the count one voter, not 100%; write "100%" or "1/1" for everyone.
    """
    shown = text.strip()
    if len(shown) > _MAX_DIGITS:
        raise TimeParseError(
            _(
                "'{shown}' is too long; use a number of voters like 5, or a share {fraction_hint}"
            ).format(shown=shown, fraction_hint=_(_FRACTION_HINT))
        )
    if _COUNT.fullmatch(shown) or _NEGATIVE_COUNT.fullmatch(shown):
        count = int(shown)
        if count <= 0:
            raise TimeParseError(
                _(
                    "'{shown}' is not a positive count; use a number of voters like 5, "
                    "or a share {fraction_hint}"
                ).format(shown=shown, fraction_hint=_(_FRACTION_HINT))
            )
        return count
    if not shown or _fraction_value(" ".join(shown.split())) is None:
        raise TimeParseError(
            _(
                "'{shown}' is not a count or a fraction; use a number of voters like 5, "
                "or a share {fraction_hint}"
            ).format(shown=shown, fraction_hint=_(_FRACTION_HINT))
        )
    return parse_fraction(shown)


# --------------------------------------------------------------------------- zones

_ZONE_HINT: Final = N_("use an IANA name like Europe/Berlin, America/New_York or UTC")


def _known_zones() -> dict[str, str]:
    """Lower-cased name -> canonical IANA name, for every zone this machine can load."""
    # "localtime" is the host's own setting, not a zone name; accepting it would make the
    # bot's behaviour depend on the server it runs on.
    return {name.lower(): name for name in sorted(available_timezones()) if name != "localtime"}


def _zone_suggestions(wanted: str, known: dict[str, str]) -> list[str]:
    lowered = wanted.lower()
    city = lowered.rsplit("/", 1)[-1]
    # People often type only the city ("Berlin"), which difflib scores poorly against the
    # full name, so exact city matches come first.
    by_city = [name for low, name in known.items() if low.rsplit("/", 1)[-1] == city]
    scored = [
        (difflib.SequenceMatcher(None, lowered, low).ratio(), low)
        for low in difflib.get_close_matches(lowered, list(known), n=3)
    ]
    # A near-perfect match should stand alone ("did you mean Europe/Berlin?"); weaker
    # also-rans are offered only when they score about as well as the best.
    best = max((score for score, _ in scored), default=0.0)
    close = [known[low] for score, low in scored if score >= best - 0.08]
    return list(dict.fromkeys(by_city + close))[:3]


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _find_zone(name: str) -> ZoneInfo | None:
    key = _known_zones().get(name.strip().replace(" ", "_").lower())
    return ZoneInfo(key) if key else None


def load_zone(name: str) -> ZoneInfo:
    """Load an IANA zone by name, ignoring case ("europe/berlin" works) and reading
    spaces as underscores ("America/New York"). Unknown names are refused with up to
    three suggestions.
    """
    shown = name.strip()
    if not shown:
        raise TimeParseError(_("no time zone given; {zone_hint}").format(zone_hint=_(_ZONE_HINT)))
    known = _known_zones()
    key = known.get(shown.replace(" ", "_").lower())
    if key:
        return ZoneInfo(key)
    suggestions = _zone_suggestions(shown.replace(" ", "_"), known)
    if suggestions:
        raise TimeParseError(
            _("unknown time zone '{shown}'; did you mean {value}?").format(
                shown=shown, value=_or_list(suggestions)
            )
        )
    raise TimeParseError(
        _("unknown time zone '{shown}'; {zone_hint}").format(shown=shown, zone_hint=_(_ZONE_HINT))
    )


# --------------------------------------------------------------------------- date and time

_DATETIME_HINT: Final = N_("use ISO 8601 like 2026-12-01 17:00, or 'tomorrow 17:00'")

# A date with no time means the end of that day: "until 2026-12-01" means through it.
_END_OF_DAY: Final = time(23, 59)

_WEEKDAYS: Final[dict[str, int]] = {
    **dict.fromkeys(("monday", "mon"), 0),
    **dict.fromkeys(("tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("wednesday", "wed"), 2),
    **dict.fromkeys(("thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("friday", "fri"), 4),
    **dict.fromkeys(("saturday", "sat"), 5),
    **dict.fromkeys(("sunday", "sun"), 6),
}
_RELATIVE_DAYS: Final[dict[str, int]] = {"today": 0, "tomorrow": 1}
_KEYWORDS: Final[frozenset[str]] = frozenset({*_WEEKDAYS, *_RELATIVE_DAYS, "at", "in", "am", "pm"})

_ISO_DATE: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_ISO_JOINED: Final = re.compile(r"(\d{4}-\d{2}-\d{2})t(.+)", re.ASCII)
_OFFSET: Final = r"z|[+-]\d{2}(?::?\d{2})?"
_TIME_24: Final = re.compile(
    rf"(\d{{1,2}}):(\d{{2}})(?::(\d{{2}})(?:[.,](\d{{1,6}}))?)?({_OFFSET})?", re.ASCII
)
_TIME_12: Final = re.compile(r"(\d{1,2})(?::(\d{2}))?(am|pm)", re.ASCII)
_BARE_OFFSET: Final = re.compile(r"[+-]\d{2}(?::?\d{2})?", re.ASCII)
_SPACED_AMPM: Final = re.compile(r"(\d)\s+(am|pm)\b", re.ASCII | re.IGNORECASE)
_ZONE_SHAPED: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)+", re.ASCII)
_ABBREVIATION: Final = re.compile(r"[A-Z]{2,5}", re.ASCII)


def _garbage(shown: str) -> TimeParseError:
    return TimeParseError(
        _("could not read '{shown}' as a date and time; {datetime_hint}").format(
            shown=shown, datetime_hint=_(_DATETIME_HINT)
        )
    )


def _read_offset(raw: str) -> tzinfo:
    if raw == "z":
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise TimeParseError(_("'{value}' is not a real UTC offset").format(value=raw.upper()))
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _read_time(token: str) -> tuple[time, tzinfo | None] | None:
    """A time-of-day token and any UTC offset glued to it, or None if not time-shaped."""
    if m := _TIME_24.fullmatch(token):
        hour, minute = int(m.group(1)), int(m.group(2))
        second = int(m.group(3) or 0)
        micro = int((m.group(4) or "0").ljust(6, "0"))
        offset = _read_offset(m.group(5)) if m.group(5) else None
    elif m := _TIME_12.fullmatch(token):
        hour, minute, second, micro, offset = int(m.group(1)), int(m.group(2) or 0), 0, 0, None
        if not 1 <= hour <= 12:
            raise TimeParseError(_("'{token}' is not a real time of day").format(token=token))
        # 12am is midnight and 12pm is noon; the other hours just gain 12 after noon.
        hour = hour % 12 + (12 if m.group(3) == "pm" else 0)
    else:
        return None
    try:
        return time(hour, minute, second, micro), offset
    except ValueError:
        raise TimeParseError(_("'{token}' is not a real time of day").format(token=token)) from None


def _read_date(token: str) -> date | None:
    if not (m := _ISO_DATE.fullmatch(token)):
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise TimeParseError(_("'{token}' is not a real date").format(token=token)) from None


def _trailing_zone(token: str) -> ZoneInfo | None:
    """The zone named by the last word of the text, if it names one.

    Words shaped like Area/City must be real zones (a typo there is refused with
    suggestions rather than reported as unreadable); other words count only if they are
    zone names such as UTC, so ordinary words fall through to the general refusal.
    """
    if token.lower() in _KEYWORDS or not any(c.isalpha() for c in token):
        return None
    if _ZONE_SHAPED.fullmatch(token):
        return load_zone(token)
    found = _find_zone(token)
    if found is None and _ABBREVIATION.fullmatch(token):
        # Abbreviations like CEST or PST are ambiguous and say nothing about when DST
        # changes, so they are refused with a pointer to the unambiguous form.
        raise TimeParseError(
            _("'{token}' is an abbreviation, not a time zone name; {zone_hint}").format(
                token=token, zone_hint=_(_ZONE_HINT)
            )
        )
    return found


def _at(day: date, clock: time, zone: tzinfo) -> datetime:
    """The UTC instant of a wall-clock time in zone.

    fold=0 gives the PEP 495 reading: an ambiguous time (clocks going back) is its first
    occurrence, and a time in a spring-forward gap is read with the offset from before
    the gap, which lands it that far later (02:30 in Berlin on the day clocks skip from
    02:00 to 03:00 becomes 03:30 CEST).
    """
    return datetime.combine(day, clock, tzinfo=zone).replace(fold=0).astimezone(UTC)


def wall_time_exists(local: datetime) -> bool:
    """Whether an aware wall-clock time really occurs in its zone (not in a DST gap)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def _gap_neighbours(day: date, clock: time, zone: tzinfo) -> tuple[datetime, datetime] | None:
    """For a wall-clock time that does not exist (clocks spring forward over it): the last
    minute before the jump and the first one after it, as local times; else None."""
    wall = datetime.combine(day, clock)
    before = datetime.combine(day, clock, tzinfo=zone).replace(fold=1).astimezone(UTC)
    after = datetime.combine(day, clock, tzinfo=zone).replace(fold=0).astimezone(UTC)
    if after.astimezone(zone).replace(tzinfo=None) == wall or after <= before:
        return None
    # The jump lies between the two readings (at most a few hours apart): find its minute.
    moment = before
    offset = after.astimezone(zone).utcoffset()
    while moment < after and moment.astimezone(zone).utcoffset() != offset:
        moment += timedelta(minutes=1)
    return (moment - timedelta(minutes=1)).astimezone(zone), moment.astimezone(zone)


def check_gap(day: date, clock: time, zone: tzinfo, shown: str) -> None:
    """Refuse a wall-clock time inside a daylight-saving gap, naming the two valid times on
    either side, rather than silently moving it."""
    if not isinstance(zone, ZoneInfo):
        return
    found = _gap_neighbours(day, clock, zone)
    if found:
        last, first = found
        raise TimeParseError(
            _(
                "'{shown}' does not exist in {key}: the clocks go from {last:%H:%M} straight to "
                "{first:%H:%M} that day (daylight saving time); use {last:%H:%M} or {first:%H:%M}"
            ).format(shown=shown, key=zone.key, last=last, first=first)
        )


def parse_datetime(
    text: str,
    now: datetime,
    zone: ZoneInfo,
    *,
    refuse_gaps: bool = False,
    refuse_gap: bool = False,
) -> datetime:
    """Read a point in time and return it as an aware UTC datetime.

    Wall-clock times are read in `zone` unless the text ends with an IANA zone name
    ("... Europe/Berlin", "... UTC") or carries a UTC offset ("...Z", "...+02:00").
    Accepted forms, case-insensitive, with an optional "at" before the time:

    - ISO 8601: "2026-12-01T17:00Z", "2026-12-01T17:00:00+02:00", "2026-12-01 17:00".
    - A date alone, "2026-12-01", means the END of that day, 23:59 local, because
      "until 2026-12-01" means through that day. The same rule gives "today",
      "tomorrow" and a weekday alone 23:59 on that day.
    - "today 17:00", "tomorrow 5pm": that day in the zone, even if already past.
    - "friday 17:00", "fri 5:30pm": the next occurrence of that local time on that
      weekday which is after now, so today if today is Friday and 17:00 is still ahead.
    - A time alone, "17:00" or "5pm": its next occurrence after now.
    - "in 3h", "in 2d 6h": now plus a duration (see parse_duration).

    Times are 24-hour "H:MM" or "H:MM:SS", or 12-hour "5pm" / "5:30 pm". Local times
    that fall in a DST gap or overlap are resolved as described in _at (with
    refuse_gaps, a time in a gap is refused instead, naming its neighbours). Absolute times
    in the past are returned as they are; whether that is allowed is up to the caller.
    """
    refuse_gaps = refuse_gaps or refuse_gap
    now_utc = to_utc(now)
    shown = text.strip()
    if not shown:
        raise TimeParseError(
            _("no date or time given; {datetime_hint}").format(datetime_hint=_(_DATETIME_HINT))
        )
    # Chinese dates and times (2026年12月1日 下午5点, 明天 17:00, 周五) read as English ones.
    local_today = now_utc.astimezone(zone).date()
    tokens = _SPACED_AMPM.sub(r"\1\2", zhparse.datetime_text(shown, local_today)).split()

    local_zone: tzinfo = zone
    zone_named = False
    if len(tokens) > 1 and (named := _trailing_zone(tokens[-1])) is not None:
        local_zone, zone_named, tokens = named, True, tokens[:-1]

    words = [token.lower() for token in tokens]
    if words[0] == "in":
        if len(words) == 1:
            raise _garbage(shown)
        span = parse_duration(" ".join(tokens[1:]))
        try:
            return now_utc + span
        except OverflowError:
            raise TimeParseError(
                _("'{shown}' is too far in the future").format(shown=shown)
            ) from None

    day: date | None = None
    day_word: tuple[str, int] | None = None
    clock: time | None = None
    offset: tzinfo | None = None
    pieces: list[str] = []
    for word in words:
        if joined := _ISO_JOINED.fullmatch(word):
            pieces.extend(joined.groups())
        elif word != "at":
            pieces.append(word)
    for piece in pieces:
        have_day = day is not None or day_word is not None
        if piece in _RELATIVE_DAYS and not have_day:
            day_word = ("relative", _RELATIVE_DAYS[piece])
        elif piece in _WEEKDAYS and not have_day:
            day_word = ("weekday", _WEEKDAYS[piece])
        elif not have_day and (iso_day := _read_date(piece)) is not None:
            day = iso_day
        elif clock is None and (read := _read_time(piece)) is not None:
            clock, offset = read
        elif offset is None and clock is not None and _BARE_OFFSET.fullmatch(piece):
            offset = _read_offset(piece)
        else:
            raise _garbage(shown)
    if day is None and day_word is None and clock is None:
        raise _garbage(shown)

    if offset is not None:
        if zone_named:
            raise TimeParseError(
                _("'{shown}' gives both a UTC offset and a time zone; use only one").format(
                    shown=shown
                )
            )
        local_zone = offset

    def at(on: date, wall: time) -> datetime:
        if refuse_gaps:
            check_gap(on, wall, local_zone, shown)
        return _at(on, wall, local_zone)

    try:
        today = now_utc.astimezone(local_zone).date()
        if day is not None:
            return at(day, clock or _END_OF_DAY)
        if day_word is not None and day_word[0] == "relative":
            return at(today + timedelta(days=day_word[1]), clock or _END_OF_DAY)
        # Weekday or bare time: the first matching day whose wall-clock time is still
        # ahead. Eight days covers "friday" asked on a Friday after the time has passed.
        for ahead in range(8):
            candidate_day = today + timedelta(days=ahead)
            if day_word is not None and candidate_day.weekday() != day_word[1]:
                continue
            candidate = at(candidate_day, clock or _END_OF_DAY)
            if candidate > now_utc:
                return at(candidate_day, clock or _END_OF_DAY)
    except OverflowError:
        raise TimeParseError(
            _("'{shown}' is out of the range of dates I can handle").format(shown=shown)
        ) from None
    raise AssertionError("unreachable: a later matching day always exists")


# --------------------------------------------------------------------------- showing

_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def format_when(dt: datetime, zone: ZoneInfo) -> str:
    """Show an instant in a zone, e.g. "Tue 1 Dec 2026 17:00 CET".

    Names are spelled out here rather than via strftime("%a %b"), which follows the
    process locale. Minutes are the finest unit shown (seconds are dropped, not rounded,
    so a deadline never looks later than it is). The abbreviation is the zone's own for
    that instant, so it switches between CET and CEST; some zones only have numeric ones
    like "+03".
    """
    local = to_utc(dt).astimezone(zone)
    if i18n.current() != i18n.DEFAULT:
        return i18n.when(local, zone)
    return (
        f"{_DAY_NAMES[local.weekday()]} {local.day} {_MONTH_NAMES[local.month - 1]} "
        f"{local.year} {local.hour:02d}:{local.minute:02d} {local.tzname()}"
    )


def to_utc(dt: datetime) -> datetime:
    """The same instant in UTC.

    A naive datetime is a programming error, not bad user input (stored and injected
    times are always aware), so it raises a plain ValueError rather than TimeParseError,
    which callers turn into a message for the user.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()} has no time zone; use an aware one")
    return dt.astimezone(UTC)
