"""Lists that can grow: one page at a time, and a line saying which part is shown and how to
see the next, so a list never just stops."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.i18n import _
from bot.specs import Param

PAGE_SIZE = 30

PAGE_PARAM = Param("page", "int", metavar="N", help=f"which page to show ({PAGE_SIZE} a page)")


def page(s: Session, stmt: Any, number: int | None, size: int = PAGE_SIZE) -> tuple[list[Any], int]:
    """The rows of page `number` (from 1) of an ordered select, and the total count."""
    total = s.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    start = (max(1, number or 1) - 1) * size
    return list(s.execute(stmt.offset(start).limit(size)).scalars()), total


def note(total: int, number: int | None, shown: int, command: str, size: int = PAGE_SIZE) -> str:
    """ "showing 31-60 of 75; next: /vote list --page 3", or "" when everything fits."""
    n = max(1, number or 1)
    if total <= size and n == 1:
        return ""
    if not shown:
        pages = max(1, -(-total // size))
        return _("page {n} is past the end: there are {pages} page(s) of {total}").format(
            n=n, pages=pages, total=total
        )
    first = (n - 1) * size + 1
    last = first + shown - 1
    if last < total:
        return _("showing {first}-{last} of {total}; next: {command}").format(
            first=first, last=last, total=total, command=f"{command} --page {n + 1}"
        )
    return _("showing {first}-{last} of {total}").format(first=first, last=last, total=total)


def check(number: int | None) -> None:
    from bot.errors import UserError

    if number is not None and number < 1:
        raise UserError(_("--page counts from 1, not {number}").format(number=number))
