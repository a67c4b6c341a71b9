"""Effects -> Discord message JSON: content, an embed for the card, buttons or selects, and
allowed_mentions. Pure, so the exact payload is testable.

Discord's limits are kept by truncating (content 2000, embed title 256, 25 fields of
name 256 / value 1024, footer 2048, button label 80, 25 components a message), since a
rejected message would otherwise be lost after the outbox's retries."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from adapters.discord.events import custom_id
from bot.model import FORM_PREFIX, Card, Choice

CONTENT_MAX = 2000
TITLE_MAX = 256
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
LABEL_MAX = 80
BUTTONS_PER_ROW = 5
ROWS_MAX = 5
SELECT_OPTIONS_MAX = 25
BUTTONS_MAX = BUTTONS_PER_ROW * ROWS_MAX
EPHEMERAL = 1 << 6
EMBED_COLOUR = 0x5865F2
STYLES = {"primary": 1, "default": 2, "danger": 4}

_USER_MENTION = re.compile(r"<@!?(\d{5,25})>")

# The core writes instants as "Tue 1 Dec 2026 17:00 CET" (bot.timeparse.format_when); on
# Discord each reader should see their own zone, so those become <t:UNIX:F> (<t:UNIX:R>).
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WHEN = re.compile(
    rf"\b(?:{'|'.join(_DAYS)}) (\d{{1,2}}) ({'|'.join(_MONTHS)}) (\d{{4}}) (\d{{2}}):(\d{{2}}) "
    r"([A-Z]{2,6}|[+-]\d{2}(?::?\d{2})?)(?![\w:])"
)


# The core names channels "#<id>"; on Discord "<#id>" is a link showing the channel's name.
_CHANNEL = re.compile(r"(?<![<\w&@])#(\d{15,25})\b")


def channel_links(text: str) -> str:
    return _CHANNEL.sub(r"<#\1>", text)


def timestamp(unix: int) -> str:
    return f"<t:{unix}:F> (<t:{unix}:R>)"


def _unix(m: re.Match[str], zone: ZoneInfo) -> int | None:
    day, month, year, hour, minute, abbrev = m.groups()
    try:
        naive = datetime(int(year), _MONTHS.index(month) + 1, int(day), int(hour), int(minute))
    except ValueError:
        return None
    for fold in (0, 1):  # the hour that repeats when clocks go back is told apart by name
        local = naive.replace(tzinfo=zone, fold=fold)
        if local.tzname() == abbrev:
            return int(local.timestamp())
    return None


def native_times(text: str, zone: ZoneInfo) -> str:
    """Instants the core wrote in the community's zone, as Discord timestamps. Anything that
    does not name an instant in that zone is left as written."""

    def sub(m: re.Match[str]) -> str:
        unix = _unix(m, zone)
        return timestamp(unix) if unix is not None else m.group(0)

    return _WHEN.sub(sub, text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mentioned_users(text: str) -> list[str]:
    """Users named in Moot's own line: the only ones a message may ping (cards, which hold
    people's words, never ping)."""
    seen: list[str] = []
    for uid in _USER_MENTION.findall(text):
        if uid not in seen:
            seen.append(uid)
    return seen[:100]


def allowed_mentions(text: str, recipient: str | None = None) -> dict[str, Any]:
    """No @everyone, @here or role pings ever; users only where Moot names them."""
    users = mentioned_users(text)
    if recipient and recipient.isdigit() and recipient not in users:
        users.append(recipient)
    return {"parse": [], "users": users[:100], "roles": [], "replied_user": False}


def embed(card: Card, zone: ZoneInfo) -> dict[str, Any]:
    out: dict[str, Any] = {"title": _cut(card.title, TITLE_MAX), "color": EMBED_COLOUR}
    if card.fields:
        out["fields"] = [
            {
                "name": _cut(k or "\u200b", FIELD_NAME_MAX),
                "value": _cut(channel_links(native_times(v, zone)) or "\u200b", FIELD_VALUE_MAX),
                "inline": len(v) <= 40,
            }
            for k, v in card.fields[:FIELDS_MAX]
        ]
    if card.footer:
        out["footer"] = {"text": _cut(card.footer, FOOTER_MAX)}
    return out


def _label(c: Choice) -> str:
    return _cut(c.label or c.value, LABEL_MAX)


def button(c: Choice, index: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": 2,
        "style": STYLES.get(c.style, 2),
        "label": _label(c),
        "custom_id": custom_id(c.action, c.value, index),
    }
    if c.emoji and not c.emoji.startswith("<"):
        out["emoji"] = {"name": c.emoji}
    return out


def select(choices: list[tuple[int, Choice]], n: int) -> dict[str, Any]:
    return {
        "type": 3,
        "custom_id": f"moot:sel:{n}",
        "placeholder": "Choose…",
        "min_values": 1,
        "max_values": 1,
        "options": [
            {"label": _label(c), "value": custom_id(c.action, c.value, i)} for i, c in choices
        ],
    }


def components(choices: tuple[Choice, ...]) -> list[dict[str, Any]]:
    """Up to 25 choices as buttons, five a row; more as select menus of 25 (at most 125)."""
    indexed = list(enumerate(choices))
    if len(indexed) <= BUTTONS_MAX:
        rows = [indexed[i : i + BUTTONS_PER_ROW] for i in range(0, len(indexed), BUTTONS_PER_ROW)]
        return [{"type": 1, "components": [button(c, i) for i, c in row]} for row in rows]
    chunks = [
        indexed[i : i + SELECT_OPTIONS_MAX] for i in range(0, len(indexed), SELECT_OPTIONS_MAX)
    ]
    return [
        {"type": 1, "components": [select(chunk, n)]} for n, chunk in enumerate(chunks[:ROWS_MAX])
    ]


def message(
    text: str,
    card: Card | None,
    choices: tuple[Choice, ...],
    zone: ZoneInfo,
    *,
    recipient: str | None = None,
) -> dict[str, Any]:
    """The JSON body of a message create or edit (edits with no choices drop the buttons)."""
    # Forms other than /vote start are not drawn on Discord yet: a secret vote is cast in a
    # DM there, as its message says.
    choices = tuple(c for c in choices if not c.action.startswith(FORM_PREFIX))
    content = _cut(channel_links(native_times(text, zone)), CONTENT_MAX)
    body: dict[str, Any] = {
        "content": content,
        "embeds": [embed(card, zone)] if card is not None else [],
        "components": components(choices),
        "allowed_mentions": allowed_mentions(text, recipient),
    }
    return body


def nonce(key: str) -> str:
    """A message nonce (at most 25 characters) from the outbox key: with enforce_nonce,
    Discord answers a repeat within minutes with the first message instead of a second."""
    return hashlib.sha256(key.encode()).hexdigest()[:25]
