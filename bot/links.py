"""Links people give in commands: http(s) only, one token, a sane length."""

from __future__ import annotations

from bot.errors import UserError
from bot.i18n import _

MAX_LINK = 1000


def checked_link(value: str | None, usage: str) -> str | None:
    if value is None:
        return None
    link = value.strip()
    if not link.lower().startswith(("http://", "https://")) or len(link) > MAX_LINK or " " in link:
        raise UserError(
            _("'{value}' is not a link (http:// or https://). Usage: {usage}").format(
                value=value, usage=usage
            )
        )
    return link
