"""Feedback, pure: the status machine, the categories, merging backers and crossing the RFC
threshold exactly once. No I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot import i18n
from bot.i18n import NP_, _, pgettext

DEFAULT_CATEGORIES = ("bug", "idea", "docs", "question", "other")
PRIORITIES = ("low", "normal", "high")
MAX_TEXT = 2000
MAX_COMMENT = 500
CATEGORY = re.compile(r"^[a-z][a-z0-9-]{0,31}$")

OPEN = ("new", "under-review", "planned", "in-progress")
CLOSED = ("done", "declined", "duplicate")
STATUSES = OPEN + CLOSED
# The forward path; declined and duplicate are allowed from any open status.
FORWARD: dict[str, tuple[str, ...]] = {
    "new": ("under-review",),
    "under-review": ("planned",),
    "planned": ("in-progress",),
    "in-progress": ("done",),
}
SHOWN = {
    "new": NP_("feedback status", "new"),
    "under-review": NP_("feedback status", "under review"),
    "planned": NP_("feedback status", "planned"),
    "in-progress": NP_("feedback status", "in progress"),
    "done": NP_("feedback status", "done"),
    "declined": NP_("feedback status", "declined"),
    "duplicate": NP_("feedback status", "duplicate"),
}


def shown(status: str) -> str:
    """A status in the reader's words."""
    return pgettext("feedback status", SHOWN.get(status, status))


class IllegalMove(ValueError):
    pass


def moves(status: str) -> tuple[str, ...]:
    if status in CLOSED:
        return ()
    return (*FORWARD.get(status, ()), "declined", "duplicate")


def move(status: str, to: str) -> str:
    if to not in STATUSES:
        raise IllegalMove(
            _("unknown status '{to}' (statuses: {value})").format(
                to=to, value=i18n.joined(list(STATUSES))
            )
        )
    allowed = moves(status)
    if to not in allowed:
        if not allowed:
            raise IllegalMove(_("it is {status}: no move is possible").format(status=shown(status)))
        raise IllegalMove(
            _("it is {status}; from there it can move to {moves}").format(
                status=shown(status), moves=i18n.joined(list(allowed))
            )
        )
    return to


def check_categories(names: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for n in names:
        name = n.strip().lower()
        if not CATEGORY.match(name):
            raise ValueError(
                _("category '{n}' must be lower-case letters, digits and -").format(n=n)
            )
        if name not in out:
            out.append(name)
    if not out:
        raise ValueError(_("give at least one category"))
    return tuple(out)


@dataclass(frozen=True)
class Merged:
    backers: frozenset[str]  # the target's backers after the merge
    added: frozenset[str]  # those who were only behind the duplicate


def merge(target: Iterable[str], duplicate: Iterable[str]) -> Merged:
    """The duplicate's backers become the target's, each person once (the duplicate's
    submitter among them, as the person who asked)."""
    t, d = frozenset(target), frozenset(duplicate)
    return Merged(t | d, d - t)


def crosses(backers: int, threshold: int | None, already: bool) -> bool:
    """True the one time an item's backing reaches the threshold: never again once an RFC was
    proposed, however backers come and go around it."""
    return bool(threshold) and not already and backers >= (threshold or 0)
