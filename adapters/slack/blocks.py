"""Effects -> Block Kit JSON. Pure: no client, no I/O, so the exact JSON is testable.

Slack limits are enforced here (section text 3000, header 150, 10 fields of 2000, button
label 75, value 2000, 25 elements an actions block) by truncating, since a rejected message
would otherwise be lost after the outbox's retries."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.model import Card, Choice
from bot.render import safe
from bot.text import outside
from bot.timeparse import native_times

ACTION_PREFIX = "moot"
# One static pattern for every button, so a message posted before a restart still routes.
ACTION_ID = re.compile(rf"^{ACTION_PREFIX}(:.*)?$")
VALUE_SEP = "|"

SECTION_MAX = 3000
HEADER_MAX = 150
FIELD_MAX = 2000
FIELDS_MAX = 10
BUTTON_TEXT_MAX = 75
VALUE_MAX = 2000
ACTIONS_MAX = 25
FALLBACK_MAX = 4000

Block = dict[str, Any]

# Slack markup that is safe to pass through: channel links, dates and links. Everything else
# with <, > or & is escaped so user text cannot forge markup; user and user-group mentions
# (<@U...>, <!subteam^...>) ping even from a bot, and the core's renderer has already turned
# any a person typed into plain text, so one that reaches here is escaped too.
_SAFE_MARKUP = re.compile(
    r"<(?:#[CG][A-Z0-9]+|!date\^[^<>]+"
    r"|(?:https?|mailto):[^<>\s|]+)(?:\|[^<>]*)?>"
)


def _escape_plain(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _reader_date(unix: int, fallback: str) -> str:
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{fallback}>"


def escape(text: str) -> str:
    """Escape &, < and > for mrkdwn, keeping channel links, dates and links working; times
    the core marked are shown in each reader's own zone."""
    return outside(native_times(text, _reader_date), _SAFE_MARKUP, _escape_plain)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def date(
    when: datetime, fallback: str | None = None, fmt: str = "{date_short_pretty} {time}"
) -> str:
    """`<!date^unix^format|fallback>`: each reader sees the time in their own zone."""
    unix = int(when.timestamp())
    shown = fallback or when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{unix}^{fmt}|{shown}>"


def text_section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(escape(text), SECTION_MAX)}}


def card_blocks(card: Card) -> list[Block]:
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(card.title, HEADER_MAX), "emoji": True},
        }
    ]
    if card.fields:
        fields = [
            {"type": "mrkdwn", "text": _cut(f"*{escape(k)}*\n{escape(v)}", FIELD_MAX)}
            for k, v in card.fields[:FIELDS_MAX]
        ]
        blocks.append({"type": "section", "fields": fields})
    if card.footer:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(card.footer)}]}
        )
    return blocks


def button_value(choice: Choice) -> str:
    return f"{choice.action}{VALUE_SEP}{choice.value}"[:VALUE_MAX]


def parse_value(value: str) -> tuple[str, str]:
    action, _, rest = value.partition(VALUE_SEP)
    return action, rest


def button(choice: Choice, index: int) -> Block:
    label = f"{choice.emoji} {choice.label}" if choice.emoji else choice.label
    b: Block = {
        "type": "button",
        "action_id": f"{ACTION_PREFIX}:{index}",
        "text": {"type": "plain_text", "text": _cut(label, BUTTON_TEXT_MAX), "emoji": True},
        "value": button_value(choice),
    }
    if choice.style in ("primary", "danger"):
        b["style"] = choice.style
    return b


def choices_block(choices: tuple[Choice, ...]) -> Block:
    return {
        "type": "actions",
        "block_id": "moot_choices",
        "elements": [button(c, i) for i, c in enumerate(choices[:ACTIONS_MAX])],
    }


def message_blocks(text: str, card: Card | None, choices: tuple[Choice, ...]) -> list[Block]:
    blocks: list[Block] = []
    if text.strip():
        blocks.append(text_section(text))
    if card is not None:
        blocks += card_blocks(card)
    if choices:
        blocks.append(choices_block(choices))
    return blocks


def fallback_text(text: str, card: Card | None) -> str:
    """The notification and screen-reader text sent beside the blocks."""
    shown = text.strip() or (card.title if card else "")
    return _cut(escape(shown), FALLBACK_MAX)


def message(text: str, card: Card | None, choices: tuple[Choice, ...]) -> dict[str, Any]:
    """The keyword arguments for chat.postMessage / postEphemeral / update."""
    return {"text": fallback_text(text, card), "blocks": message_blocks(text, card, choices)}


def home_view(sections: list[tuple[str, list[str]]], help_text: str) -> dict[str, Any]:
    """The App Home tab: one header and a bulleted section per capability's section."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Moot", "emoji": True}}
    ]
    shown = [(title, items) for title, items in sections if items]
    if not shown:
        blocks.append(
            text_section("Welcome to Moot: RFCs, votes and decisions, right here in Slack.")
        )
        blocks.append({"type": "divider"})
        blocks.append(text_section(help_text))
    for title, items in shown:
        blocks.append({"type": "divider"})
        blocks.append(
            {
                "type": "header",
                "text": {"type": "plain_text", "text": _cut(safe(title), HEADER_MAX)},
            }
        )
        body = "\n".join(f"• {safe(item)}" for item in items)
        blocks.append(text_section(body))
    return {"type": "home", "blocks": blocks[:100]}
