"""Kudos, pure: categories, the daily limit, milestones crossed. No I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.i18n import _

# The product's kinds of contribution.
DEFAULT_CATEGORIES = ("code", "docs", "tests", "review", "community", "translation")
DEFAULT_DAILY_LIMIT = 5
DEFAULT_MILESTONES = (10, 25, 50)
MAX_WHY = 500
CATEGORY = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


class KudosError(ValueError):
    pass


def check_categories(names: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for n in names:
        name = n.strip().lower()
        if not CATEGORY.match(name):
            raise KudosError(
                _("category '{n}' must be lower-case letters, digits and -").format(n=n)
            )
        if name not in out:
            out.append(name)
    if not out:
        raise KudosError(_("give at least one category"))
    return tuple(out)


def check_milestones(values: Iterable[int]) -> tuple[int, ...]:
    out = sorted(set(values))
    if not out or any(v < 1 or v > 100_000 for v in out):
        raise KudosError(_("milestones are counts from 1 to 100000"))
    return tuple(out)


def over_limit(given_today: int, limit: int) -> bool:
    return given_today >= limit


def crossed(before: int, after: int, milestones: Iterable[int]) -> list[int]:
    """Milestones reached by going from `before` to `after` kudos in a category."""
    return [m for m in sorted(milestones) if before < m <= after]
