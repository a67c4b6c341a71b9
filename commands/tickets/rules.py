"""The ticket rules, pure: which status moves are allowed, who may make them, the open-ticket
limit and cooldown, support levels and their targets, and the statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from bot import i18n
from bot.i18n import NP_, _, pgettext

STATUSES = ("open", "waiting", "closing", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
LEVELS = ("basic", "standard", "premium", "enterprise")
# Business-time targets per built-in level: (first response, resolution).
DEFAULT_TARGETS: dict[str, tuple[timedelta, timedelta]] = {
    "basic": (timedelta(hours=16), timedelta(hours=80)),
    "standard": (timedelta(hours=8), timedelta(hours=40)),
    "premium": (timedelta(hours=4), timedelta(hours=16)),
    "enterprise": (timedelta(hours=1), timedelta(hours=8)),
}
DEFAULT_LEVEL = "basic"
DEFAULT_LIMIT = 3
DEFAULT_COOLDOWN = timedelta(minutes=5)
DEFAULT_IDLE_WARN = timedelta(days=3)
DEFAULT_IDLE_CLOSE = timedelta(days=2)
CONFIRM_WINDOW = timedelta(days=1)
WARN_AT = 0.8

# status -> move -> new status. "close" by staff goes through "closing" (the requester is
# asked to confirm); by the requester it closes at once (flow decides which).
MOVES: dict[str, dict[str, str]] = {
    "open": {"waiting": "waiting", "close": "closed", "request_close": "closing"},
    "waiting": {"open": "open", "close": "closed", "request_close": "closing"},
    "closing": {"open": "open", "close": "closed", "request_close": "closing"},
    "closed": {"reopen": "open"},
}


# The moves as the refusal names them (the keys of MOVES, "_" read as a space).
_MOVE_NAMES = (
    NP_("ticket move", "close"),
    NP_("ticket move", "open"),
    NP_("ticket move", "reopen"),
    NP_("ticket move", "request close"),
    NP_("ticket move", "waiting"),
)
_CLOSING = NP_("ticket status", "closing")


class MoveError(ValueError):
    pass


def next_status(status: str, move: str) -> str:
    new = MOVES.get(status, {}).get(move)
    if new is None:
        moves = [
            pgettext("ticket move", m.replace("_", " ")) for m in sorted(MOVES.get(status, {}))
        ]
        raise MoveError(
            _("the ticket is {status}; from there it can {value}").format(
                status=pgettext("ticket status", status), value=i18n.joined(moves) or _("nothing")
            )
        )
    return new


def is_active(status: str) -> bool:
    return status != "closed"


def clock_runs(status: str) -> bool:
    """Both clocks pause while the ticket waits on the requester or on their confirmation."""
    return status == "open"


def limit_refusal(
    open_count: int,
    limit: int,
    last_opened: datetime | None,
    now: datetime,
    cooldown: timedelta,
) -> str | None:
    """Why a person may not open another ticket now, or None."""
    if limit > 0 and open_count >= limit:
        return _(
            "you already have {open_count} open tickets (the limit is {limit}); close one or "
            "wait for an answer first"
        ).format(open_count=open_count, limit=limit)
    if last_opened is not None and now < last_opened + cooldown:
        left = last_opened + cooldown - now
        secs = max(1, int(left.total_seconds()))
        shown = (
            _("{minutes} min {seconds} s").format(minutes=secs // 60, seconds=secs % 60)
            if secs >= 60
            else _("{seconds} s").format(seconds=secs)
        )
        return _("you opened a ticket a moment ago; you can open another in {shown}").format(
            shown=shown
        )
    return None


def level_for(
    user_id: str, roles: frozenset[str] | set[str], mapping: dict[str, str], levels: list[str]
) -> str:
    """The best level a person has through their user id or any role; the built-in order
    (basic < standard < premium < enterprise), then custom levels in the order defined."""
    order = {name: i for i, name in enumerate(levels)}
    found = [mapping[k] for k in (user_id, *roles) if k in mapping and mapping[k] in order]
    return max(found, key=lambda n: order[n]) if found else DEFAULT_LEVEL


@dataclass(frozen=True)
class Closed:
    """What the statistics need of one ticket."""

    level: str
    assignee: str | None
    first_response_s: float | None
    first_response_target: float
    resolution_s: float | None
    resolution_target: float
    rating: int | None
    closed: bool


@dataclass(frozen=True)
class Stats:
    opened: int
    closed: int
    median_first_response_s: float | None
    median_resolution_s: float | None
    sla_met_pct: float | None
    rating_avg: float | None
    ratings: int


def stats(rows: list[Closed]) -> Stats:
    fr = [r.first_response_s for r in rows if r.first_response_s is not None]
    res = [r.resolution_s for r in rows if r.closed and r.resolution_s is not None]
    judged = [r for r in rows if r.closed]
    met = [
        r
        for r in judged
        if (r.first_response_s is not None and r.first_response_s <= r.first_response_target)
        and (r.resolution_s is not None and r.resolution_s <= r.resolution_target)
    ]
    rated = [r.rating for r in rows if r.rating is not None]
    return Stats(
        opened=len(rows),
        closed=len(judged),
        median_first_response_s=median(fr) if fr else None,
        median_resolution_s=median(res) if res else None,
        sla_met_pct=100.0 * len(met) / len(judged) if judged else None,
        rating_avg=sum(rated) / len(rated) if rated else None,
        ratings=len(rated),
    )
