"""Fitting an effect to what a platform can do, decided once in the core: ephemeral falls
back to a DM, buttons to numbered lines and reactions, and mass mentions are defused."""

from __future__ import annotations

from dataclasses import replace

from bot.mentions import neutralise
from bot.model import FORM_PREFIX, Capabilities, Card, Choice, Edit, Send

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


def _card(card: Card | None) -> Card | None:
    if card is None:
        return None
    return Card(
        neutralise(card.title),
        tuple((neutralise(k), neutralise(v)) for k, v in card.fields),
        neutralise(card.footer) if card.footer else None,
    )


def choice_lines(choices: tuple[Choice, ...]) -> str:
    return "\n".join(f"{c.emoji} {c.label}" for c in choices)


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


def fit_send(msg: Send, caps: Capabilities) -> Send:
    choices = _usable(msg.choices, caps)
    text = neutralise(msg.text)
    if choices and not caps.buttons:
        text = f"{text}\n{choice_lines(choices)}"
    visibility = msg.visibility
    if visibility == "ephemeral" and not caps.ephemeral:
        visibility = "dm"
    return replace(msg, text=text, card=_card(msg.card), choices=choices, visibility=visibility)


def fit_edit(msg: Edit, caps: Capabilities) -> Edit:
    choices = _usable(msg.choices, caps)
    text = neutralise(msg.text)
    if choices and not caps.buttons:
        text = f"{text}\n{choice_lines(choices)}"
    return replace(msg, text=text, card=_card(msg.card), choices=choices)


def reactions_to_add(msg: Send, caps: Capabilities) -> list[str]:
    """Where there are no buttons, the bot adds each choice's reaction first so people can
    click it."""
    if caps.buttons or not caps.reactions:
        return []
    return [c.emoji for c in msg.choices if c.emoji]
