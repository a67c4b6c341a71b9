"""Priorities (tickets, feedback) as the reader names them. The stored and typed values
stay the English words (`--priority high`); only what is shown is translated."""

from __future__ import annotations

from bot.i18n import NP_, pgettext

_NAMES = frozenset(
    (
        NP_("priority", "low"),
        NP_("priority", "normal"),
        NP_("priority", "high"),
        NP_("priority", "urgent"),
    )
)


def shown(priority: str) -> str:
    return pgettext("priority", priority) if priority in _NAMES else priority
