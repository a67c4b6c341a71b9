"""What the event tests share."""

from __future__ import annotations

import re

from adapters.console_script import ConsoleSession


def dms(session: ConsoleSession, user: str, pattern: str) -> int:
    """How many direct messages to `user` match the regular expression."""
    rx = re.compile(pattern)
    return sum(
        1
        for m in session.adapter.messages.values()
        if m.channel == f"dm:{user}" and rx.search(m.text)
    )
