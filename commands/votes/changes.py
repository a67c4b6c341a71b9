"""One voter's ballot as the fold of their changes in cast order. Pure.

The ops a vote records (bot.changes keeps them ordered by cast time):
    {"op": "set", "choices": [...], "reason": ...}   a cast, a button press, a reaction
    {"op": "clear"}                                   a retraction
    {"op": "add" | "remove" | "toggle", "choice": X}  multi votes: one option at a time
    {"op": "unset", "choice": X}                      a reaction taken off: withdraws the
                                                      ballot only if it was just X
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Standing:
    choices: tuple[str, ...]  # empty: no ballot
    reason: str | None = None


def set_op(choices: Iterable[str], reason: str | None = None) -> dict[str, Any]:
    return {"op": "set", "choices": list(choices), "reason": reason}


def one_op(op: str, choice: str) -> dict[str, Any]:
    return {"op": op, "choice": choice}


CLEAR: dict[str, Any] = {"op": "clear"}


def fold(ops: Iterable[dict[str, Any]]) -> Standing:
    choices: list[str] = []
    reason: str | None = None
    for op in ops:
        kind, choice = op.get("op"), op.get("choice")
        if kind == "set":
            choices, reason = [str(c) for c in op.get("choices") or ()], op.get("reason")
        elif kind == "clear":
            choices, reason = [], None
        elif kind == "add" and choice not in choices:
            choices.append(str(choice))
        elif kind == "remove":
            choices = [c for c in choices if c != choice]
        elif kind == "toggle":
            choices = (
                [c for c in choices if c != choice] if choice in choices else [*choices, choice]
            )
        elif kind == "unset" and choices == [choice]:
            choices, reason = [], None
    return Standing(tuple(choices), reason if choices else None)
