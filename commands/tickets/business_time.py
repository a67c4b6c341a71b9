"""Business time, pure: support hours like "Mon-Fri 09:00-17:00" in a zone, holidays, the
business seconds between two instants, the instant a business duration ends, and an SLA
clock that pauses and resumes without losing or gaining a second.

All instants in and out are UTC-aware. Hours are read in local wall-clock time of the zone,
so "09:00-17:00" is eight hours on the day the clocks change too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_EXAMPLE = '"Mon-Fri 09:00-17:00" (several parts: "Mon-Fri 09:00-17:00, Sat 10:00-14:00")'
# How far ahead a deadline is looked for before the hours are judged never open.
SEARCH_DAYS = 800


class HoursError(ValueError):
    """Malformed support hours. str() is the one line shown to the user."""


@dataclass(frozen=True)
class Hours:
    """Open windows per weekday (0 = Monday), minutes from local midnight, end exclusive."""

    windows: tuple[tuple[tuple[int, int], ...], ...]

    @property
    def always(self) -> bool:
        return all(w == ((0, 1440),) for w in self.windows)

    def describe(
        self,
        day_names: tuple[str, ...] | None = None,
        join: Callable[[list[str]], str] = ", ".join,
    ) -> str:
        """The hours as "Mon 09:00-17:00, Tue ...", with the reader's names for the days
        (Monday first) and list separator when given."""
        if self.always:
            return "24/7"
        names = day_names or tuple(d.title() for d in DAYS)
        parts = []
        for d, wins in enumerate(self.windows):
            for s, e in wins:
                parts.append(f"{names[d]} {_hm(s)}-{_hm(e)}")
        return join(parts) or "-"


UTC_ZONE = ZoneInfo("UTC")
ALWAYS = Hours(tuple(((0, 1440),) for _ in DAYS))


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_PART = re.compile(r"^([A-Za-z]+)(?:\s*-\s*([A-Za-z]+))?\s+(\S+)\s*-\s*(\S+)$")


FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(word: str, part: str) -> int:
    w = word.lower()
    for i, full in enumerate(FULL_DAYS):
        if w in (full, full[:3]):
            return i
    raise HoursError(
        _("'{word}' in '{part}' is not a weekday (Mon, Tue, ... Sun)").format(word=word, part=part)
    )


def _minutes(text: str, part: str, *, end: bool) -> int:
    m = _TIME.match(text)
    if not m:
        raise HoursError(
            _("'{text}' in '{part}' is not a time like 09:00").format(text=text, part=part)
        )
    h, mi = int(m.group(1)), int(m.group(2))
    if end and h == 24 and mi == 0:
        return 1440
    if h > 23 or mi > 59:
        raise HoursError(
            _("'{text}' in '{part}' is not a time of day (00:00 to 23:59, or 24:00)").format(
                text=text, part=part
            )
        )
    return h * 60 + mi


def parse_hours(text: str) -> Hours:
    """'Mon-Fri 09:00-17:00', several parts joined by commas or semicolons, or '24/7'."""
    raw = (text or "").strip()
    if not raw:
        raise HoursError(
            _("the support hours are empty; write them like {HOURS_EXAMPLE}").format(
                HOURS_EXAMPLE=HOURS_EXAMPLE
            )
        )
    if raw.lower() in ("24/7", "always"):
        return ALWAYS
    days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    for part in re.split(r"[,;]", raw):
        part = part.strip()
        if not part:
            raise HoursError(
                _("an empty part in '{raw}'; write them like {HOURS_EXAMPLE}").format(
                    raw=raw, HOURS_EXAMPLE=HOURS_EXAMPLE
                )
            )
        m = _PART.match(part)
        if not m:
            raise HoursError(
                _(
                    "'{part}' should be days then times, like 'Mon-Fri 09:00-17:00' or 'Sat "
                    "10:00-14:00'"
                ).format(part=part)
            )
        first = _day(m.group(1), part)
        last = _day(m.group(2), part) if m.group(2) else first
        start = _minutes(m.group(3), part, end=False)
        stop = _minutes(m.group(4), part, end=True)
        if stop <= start:
            raise HoursError(
                _("in '{part}' the closing time is not after the opening time").format(part=part)
            )
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        for d in span:
            for s, e in days[d]:
                if start < e and s < stop:
                    raise HoursError(
                        _("'{part}' overlaps other hours on {value}").format(
                            part=part, value=DAYS[d].title()
                        )
                    )
            days[d].append((start, stop))
    return Hours(tuple(tuple(sorted(d)) for d in days))


def parse_holiday(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise HoursError(_("'{text}' is not a date like 2026-12-25").format(text=text)) from None


@dataclass(frozen=True)
class Schedule:
    hours: Hours = ALWAYS
    zone: ZoneInfo = UTC_ZONE
    holidays: frozenset[date] = frozenset()

    def intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open stretches that overlap [start, end), clipped to it, in order."""
        if end <= start:
            return
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date() + timedelta(days=1)
        while day <= last:
            for s, e in self._day_windows(day):
                lo, hi = max(s, start), min(e, end)
                if lo < hi:
                    yield lo, hi
            day += timedelta(days=1)

    def _day_windows(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        out = []
        for s, e in self.hours.windows[day.weekday()]:
            lo = _local(day, s, self.zone)
            hi = _local(day, e, self.zone)
            if lo < hi:
                out.append((lo, hi))
        return out

    def is_open(self, at: datetime) -> bool:
        return any(True for _ in self.intervals(at, at + timedelta(microseconds=1)))

    def seconds_between(self, start: datetime, end: datetime) -> float:
        # Summed as timedeltas (exact microseconds), converted once.
        return sum((hi - lo for lo, hi in self.intervals(start, end)), timedelta(0)).total_seconds()

    def add(self, start: datetime, seconds: float) -> datetime | None:
        """The instant `seconds` of business time after `start`; None if the hours never open
        again within SEARCH_DAYS."""
        left = timedelta(seconds=seconds)
        if left <= timedelta(0):
            return start
        cursor = start
        horizon = start + timedelta(days=SEARCH_DAYS)
        while cursor < horizon:
            chunk_end = min(cursor + timedelta(days=14), horizon)
            for lo, hi in self.intervals(cursor, chunk_end):
                if hi - lo >= left:
                    return lo + left
                left -= hi - lo
            cursor = chunk_end
        return None


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """Local wall-clock minutes of a day as UTC. 24:00 is the next midnight; a time that a DST
    jump skips counts from the first wall-clock minute that exists after it."""
    base = datetime.combine(day + timedelta(days=minutes // 1440), time(0), tzinfo=zone)
    wall = base.replace(hour=(minutes % 1440) // 60, minute=minutes % 60)
    for _minute in range(24 * 60):
        utc = wall.astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
            return utc
        wall = (wall.replace(tzinfo=None) + timedelta(minutes=1)).replace(tzinfo=zone)
    return wall.astimezone(UTC)


# ---------------------------------------------------------------- the SLA clock


@dataclass(frozen=True)
class SlaClock:
    """A target in business seconds, the business seconds used up to `since` (exclusive of
    the running stretch), and whether it runs from `since` on. Stopped means met or ended."""

    target: float
    used: float = 0.0
    since: datetime | None = None
    running: bool = True
    stopped_at: datetime | None = None

    def elapsed(self, sched: Schedule, now: datetime) -> float:
        if self.running and self.since is not None and now > self.since:
            return self.used + sched.seconds_between(self.since, now)
        return self.used

    def pause(self, sched: Schedule, now: datetime) -> SlaClock:
        if not self.running:
            return self
        return replace(self, used=self.elapsed(sched, now), since=now, running=False)

    def resume(self, now: datetime) -> SlaClock:
        if self.running or self.stopped_at is not None:
            return self
        return replace(self, since=now, running=True)

    def stop(self, sched: Schedule, now: datetime) -> SlaClock:
        done = self.pause(sched, now)
        return replace(done, stopped_at=now)

    def reached_at(self, sched: Schedule, fraction: float) -> datetime | None:
        """When the clock reaches `fraction` of its target if it keeps running; None while
        paused or stopped, or if the hours never open."""
        if not self.running or self.since is None or self.stopped_at is not None:
            return None
        left = self.target * fraction - self.used
        return self.since if left <= 0 else sched.add(self.since, left)

    def fraction(self, sched: Schedule, now: datetime) -> float:
        return self.elapsed(sched, now) / self.target if self.target > 0 else 0.0
