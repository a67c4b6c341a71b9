"""The pure rules of events: seats, the waitlist, promotion and expiring offers, who may
answer, go/no-go, reminders and recurrence. No I/O, no clock, no database: the flow reads
the rows, asks these functions what happens, and writes what they say.

An answer costs constant time: the rules see the one person's previous state and the
event's running totals, never the whole list of answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from bot import i18n
from bot.i18n import NP_, _, pgettext
from bot.timeparse import TimeParseError, parse_duration, wall_time_exists

ANSWERS = ("going", "maybe", "no")
# Where an answer can leave someone. "offered": promoted from the waitlist with a seat held
# until the offer expires (only with --claim-within).
STATES = ("going", "offered", "waitlist", "maybe", "no")
SEATED = frozenset({"going", "offered"})
# How many future occurrences of a series exist as rows at once.
MATERIALISE = 4
DEFAULT_REMINDERS = (timedelta(days=1), timedelta(hours=1))
MAX_REMINDERS = 5
# A series may not repeat more often than daily: an RRULE of FREQ=MINUTELY would be a
# way to flood a channel with reminders.
ALLOWED_FREQ = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
# The presets as the reader names them ("weekly" is typed as it is).
_PRESET_NAMES = (
    NP_("repeat", "weekly"),
    NP_("repeat", "biweekly"),
    NP_("repeat", "monthly"),
    NP_("repeat", "daily"),
)
PRESETS = {
    "weekly": "FREQ=WEEKLY",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY",
    "daily": "FREQ=DAILY",
}


class EventRuleError(ValueError):
    """Input the rules cannot accept; the message says why, for the person who gave it."""


# ---------------------------------------------------------------- seats and the waitlist


@dataclass(frozen=True)
class Placement:
    """Where an answer puts someone, and how many seats it gives back."""

    state: str
    freed: int = 0
    # Took a place at the end of the waitlist (needs a new arrival number).
    queued: bool = False


def seats_free(capacity: int | None, taken: int) -> int | None:
    """Free seats, or None when there is no limit."""
    if capacity is None:
        return None
    return max(0, capacity - taken)


def place(previous: str | None, answer: str, capacity: int | None, taken: int) -> Placement:
    """The new state for one answer. `taken` counts seats held (going + offered),
    including the person's own if they hold one."""
    if answer not in ANSWERS:
        raise EventRuleError(_("'{answer}' is not going, maybe or no").format(answer=answer))
    holds_seat = previous in SEATED
    if answer != "going":
        return Placement(answer, freed=1 if holds_seat else 0)
    if holds_seat:
        # Saying going again keeps the seat; on an offer it is the confirmation.
        return Placement("going")
    free = seats_free(capacity, taken)
    if free is None or free > 0:
        return Placement("going")
    if previous == "waitlist":
        # Keep the place in the queue: answering again must not send you to the back.
        return Placement("waitlist")
    return Placement("waitlist", queued=True)


def promotion_state(claim_within: timedelta | None) -> str:
    """The first on the waitlist gets the seat outright, or an offer to confirm in time."""
    return "offered" if claim_within else "going"


def offer_expires(now: datetime, claim_within: timedelta | None) -> datetime | None:
    return now + claim_within if claim_within else None


def promotions(capacity: int | None, taken: int, waiting: int) -> int:
    """How many of the waitlist move up now (a freed seat, a raised capacity)."""
    free = seats_free(capacity, taken)
    if free is None:
        return waiting
    return min(free, waiting)


@dataclass
class Roster:
    """Every answer of one occurrence in memory, moved by the same functions the flow uses.
    The reference model for tests and the authority for a full recount."""

    capacity: int | None = None
    claim_within: timedelta | None = None
    states: dict[str, str] = field(default_factory=dict)
    queue: dict[str, int] = field(default_factory=dict)
    offers: dict[str, datetime] = field(default_factory=dict)
    next_wait: int = 1
    # Who was promoted, in order (the flow DMs each).
    promoted: list[str] = field(default_factory=list)

    def taken(self) -> int:
        return sum(1 for s in self.states.values() if s in SEATED)

    def waiting(self) -> list[str]:
        return sorted(self.queue, key=self.queue.__getitem__)

    def answer(self, user: str, answer: str, now: datetime) -> Placement:
        previous = self.states.get(user)
        p = place(previous, answer, self.capacity, self.taken())
        self.states[user] = p.state
        if p.queued:
            self.queue[user] = self.next_wait
            self.next_wait += 1
        elif p.state != "waitlist":
            self.queue.pop(user, None)
        if p.state != "offered":
            self.offers.pop(user, None)
        self.fill(now)
        return p

    def set_capacity(self, capacity: int | None, now: datetime) -> None:
        self.capacity = capacity
        self.fill(now)

    def expire(self, now: datetime) -> list[str]:
        """Offers past their time lapse to `no`; their seats go to the next in line."""
        lapsed = [u for u, at in self.offers.items() if at <= now]
        for user in lapsed:
            del self.offers[user]
            self.states[user] = "no"
        self.fill(now)
        return lapsed

    def fill(self, now: datetime) -> None:
        for _step in range(promotions(self.capacity, self.taken(), len(self.queue))):
            user = self.waiting()[0]
            del self.queue[user]
            self.states[user] = promotion_state(self.claim_within)
            expires = offer_expires(now, self.claim_within)
            if expires is not None:
                self.offers[user] = expires
            self.promoted.append(user)

    def count(self, state: str) -> int:
        return sum(1 for s in self.states.values() if s == state)


# ---------------------------------------------------------------- who may answer


def refusal(
    *,
    now: datetime,
    status: str,
    starts_at: datetime,
    rsvp_until: datetime | None,
    roles: Iterable[str],
    actor_roles: Iterable[str],
) -> str | None:
    """Why this person may not answer now, or None if they may."""
    if status == "cancelled":
        return _("this event is cancelled")
    if now >= starts_at:
        return _("this event has already started")
    if rsvp_until is not None and now > rsvp_until:
        return _("answers closed at the RSVP cutoff")
    wanted = set(roles)
    if wanted and not wanted & set(actor_roles):
        return _("only holders of {roles} may answer").format(
            roles=i18n.joined([f"@{r}" for r in sorted(wanted)])
        )
    return None


# ---------------------------------------------------------------- go/no-go


def decision_at(starts_at: datetime, decide_before: timedelta) -> datetime:
    return starts_at - decide_before


def go_no_go(going: int, min_going: int) -> str:
    return "go" if going >= min_going else "no-go"


# ---------------------------------------------------------------- reminders


def parse_reminders(text: str) -> tuple[timedelta, ...]:
    """ "1d,1h" -> lead times, largest first; "none" -> no reminders."""
    if text.strip().lower() in ("none", "off", "0"):
        return ()
    leads: set[timedelta] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise EventRuleError(_("a reminder lead time is empty"))
        try:
            lead = parse_duration(part)
        except TimeParseError as exc:
            raise EventRuleError(str(exc)) from None
        if lead <= timedelta(0) or lead > timedelta(days=30):
            raise EventRuleError(
                _("a reminder comes 1 minute to 30 days before, not '{part}'").format(part=part)
            )
        leads.add(lead)
    if len(leads) > MAX_REMINDERS:
        raise EventRuleError(
            _("at most {MAX_REMINDERS} reminders").format(MAX_REMINDERS=MAX_REMINDERS)
        )
    return tuple(sorted(leads, reverse=True))


def reminder_times(
    starts_at: datetime, leads: Iterable[timedelta], now: datetime
) -> list[tuple[timedelta, datetime]]:
    """The reminders still ahead of now: (lead, when)."""
    return [(lead, starts_at - lead) for lead in leads if starts_at - lead > now]


def late_reminder(now: datetime, starts_at: datetime) -> bool:
    """A reminder that fell due while the bot was down still goes out if the event has not
    started; after that it would only be noise."""
    return now < starts_at


# ---------------------------------------------------------------- time and recurrence


def local_time(naive: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in a zone as UTC, refusing one that does not exist (DST gap)."""
    local = naive.replace(tzinfo=zone, fold=0)
    if not wall_time_exists(local):
        raise EventRuleError(
            _(
                "{naive:%Y-%m-%d %H:%M} does not exist in {key}: the clocks skip that hour for "
                "daylight saving time; pick a time outside the gap"
            ).format(naive=naive, key=zone.key)
        )
    return local.astimezone(UTC)


def parse_repeat(text: str) -> str:
    """weekly / biweekly / monthly / daily or an RRULE ("FREQ=WEEKLY;BYDAY=TU,TH"), as the
    RRULE body to store. Refuses anything more often than daily and a DTSTART of its own."""
    shown = text.strip()
    preset = PRESETS.get(shown.lower())
    if preset:
        return preset
    body = shown[6:] if shown.upper().startswith("RRULE:") else shown
    body = body.upper()
    if "DTSTART" in body or "\n" in body:
        raise EventRuleError(_("give the rule alone (FREQ=...); the start is --at"))
    try:
        rule = rrulestr(body, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise EventRuleError(
            _(
                "'{shown}' is not weekly, biweekly, monthly or an RRULE like "
                "FREQ=WEEKLY;BYDAY=TU ({exc})"
            ).format(shown=shown, exc=exc)
        ) from None
    parts = dict(part.partition("=")[::2] for part in body.split(";"))
    if not isinstance(rule, rrule) or parts.get("FREQ") not in ALLOWED_FREQ:
        raise EventRuleError(_("an event repeats at most daily"))
    return body


def occurrences(
    rule: str,
    local_start: datetime,
    zone: ZoneInfo,
    *,
    until: datetime | None = None,
    after: datetime | None = None,
    limit: int = MATERIALISE,
) -> list[datetime]:
    """UTC starts of a series: the rule is expanded in wall-clock time (so 17:00 stays
    17:00 across DST) and each time is then placed in the zone. Only starts strictly after
    `after` (UTC) are returned, at most `limit`. A wall time that falls in a DST gap on some
    date is moved forward by the gap (PEP 495), as a calendar does."""
    naive_start = local_start.replace(tzinfo=None)
    expanded = rrulestr(rule, dtstart=naive_start)
    out: list[datetime] = []
    for naive in expanded:
        at = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if until is not None and at > until:
            break
        if after is not None and at <= after:
            continue
        out.append(at)
        if len(out) >= limit:
            break
    return out


def describe_repeat(rule: str | None) -> str | None:
    if not rule:
        return None
    for name, body in PRESETS.items():
        if body == rule:
            return pgettext("repeat", name)
    return rule
