"""Fitting an effect to what a platform can do, decided once in the core: ephemeral falls
back to a DM, buttons to numbered lines and reactions. This is also the one last step where
text from people is made safe to show: mentions defused and bidirectional overrides removed,
in every field a platform displays (text, card, choice labels)."""

from __future__ import annotations

from dataclasses import replace

from bot import files
from bot.mentions import neutralise
from bot.model import FORM_PREFIX, Capabilities, Card, Choice, Edit, Send
from bot.text import without_bidi
from bot.timeparse import unmark

NUMBERS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
LETTERS = tuple(chr(0x1F1E6 + i) for i in range(26))  # regional indicators 🇦..🇿


def with_emoji(choices: tuple[Choice, ...]) -> tuple[Choice, ...]:
    """Every choice gets a reaction that means it, so a reaction is a vote on any platform."""
    pool = NUMBERS if len(choices) <= len(NUMBERS) else LETTERS
    used = {c.emoji for c in choices if c.emoji}
    out: list[Choice] = []
    spare = (e for e in pool if e not in used)
    for c in choices:
        out.append(c if c.emoji else replace(c, emoji=next(spare, None)))
    return tuple(out)


def safe(text: str, caps: Capabilities | None = None) -> str:
    """Text as a platform may show it: marked times stay marked only where the platform
    shows times in each reader's own zone."""
    if caps is None or not caps.native_timestamps:
        text = unmark(text)
    return neutralise(without_bidi(text))


def _card(card: Card | None, caps: Capabilities) -> Card | None:
    if card is None:
        return None
    return Card(
        safe(card.title),
        tuple((safe(k), safe(v, caps)) for k, v in card.fields),
        safe(card.footer, caps) if card.footer else None,
    )


def _usable(choices: tuple[Choice, ...], caps: Capabilities) -> tuple[Choice, ...]:
    """A form opens only from a button: without buttons the message's text says what to type."""
    forms = [c for c in choices if c.action.startswith(FORM_PREFIX)]
    if not forms:
        return with_emoji(choices)
    if not caps.buttons:
        return with_emoji(tuple(c for c in choices if c not in forms))
    # no reaction stands for a form: a reaction cannot open one
    others = iter(with_emoji(tuple(c for c in choices if c not in forms)))
    return tuple(c if c in forms else next(others) for c in choices)


def _choices(choices: tuple[Choice, ...], caps: Capabilities) -> tuple[Choice, ...]:
    # Values are opaque ids the platform hands back on a press and never shows anyone; they
    # must come back exactly as sent, so only the label is made safe.
    return tuple(replace(c, label=safe(c.label)) for c in _usable(choices, caps))


def choice_lines(choices: tuple[Choice, ...]) -> str:
    return "\n".join(f"{c.emoji} {c.label}" for c in choices)


def _text(text: str, choices: tuple[Choice, ...], caps: Capabilities) -> str:
    # Labels are made safe before they join the text, so no path skips the step.
    if choices and not caps.buttons:
        return f"{safe(text, caps)}\n{choice_lines(choices)}"
    return safe(text, caps)


def fit_send(msg: Send, caps: Capabilities) -> Send:
    msg = files.fit(msg, caps)
    choices = _choices(msg.choices, caps)
    text = _text(msg.text, choices, caps)
    visibility = msg.visibility
    if visibility == "ephemeral" and not caps.ephemeral:
        visibility = "dm"
    return replace(
        msg, text=text, card=_card(msg.card, caps), choices=choices, visibility=visibility
    )


def fit_edit(msg: Edit, caps: Capabilities) -> Edit:
    choices = _choices(msg.choices, caps)
    text = _text(msg.text, choices, caps)
    return replace(msg, text=text, card=_card(msg.card, caps), choices=choices)


def reactions_to_add(msg: Send, caps: Capabilities) -> list[str]:
    """Where there are no buttons, the bot adds each choice's reaction first so people can
    click it."""
    if caps.buttons or not caps.reactions:
        return []
    return [c.emoji for c in msg.choices if c.emoji]
