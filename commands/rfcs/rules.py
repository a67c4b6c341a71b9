"""The RFC stage machine, pure: which moves exist from which stage, and the message that says
what is possible now when a move is not.

    discussion -> fcp | voting -> accepted | rejected | postponed | withdrawn
    accepted   -> implemented

Moves people make by command: fcp, vote, withdraw, postpone, implemented. Moves the bot
makes itself: accept / reject / postpone when a final comment period ends or a vote closes,
and reopen when a postponement with an end date runs out.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import i18n
from bot.i18n import N_, _, pgettext

STAGES = (
    "discussion",
    "fcp",
    "voting",
    "accepted",
    "rejected",
    "postponed",
    "withdrawn",
    "implemented",
)
FINAL = frozenset({"rejected", "withdrawn", "implemented"})
# Stages in which the RFC is still being talked about: reviews and concerns are welcome,
# and a quiet thread gets a nudge.
OPEN = frozenset({"discussion", "fcp", "voting"})
DISPOSITIONS = ("accept", "reject", "postpone")

# (stage, move) -> next stage
_MOVES: dict[tuple[str, str], str] = {
    ("discussion", "fcp"): "fcp",
    ("discussion", "vote"): "voting",
    ("discussion", "withdraw"): "withdrawn",
    ("discussion", "postpone"): "postponed",
    ("fcp", "withdraw"): "withdrawn",
    ("fcp", "postpone"): "postponed",
    ("fcp", "accept"): "accepted",
    ("fcp", "reject"): "rejected",
    ("voting", "accept"): "accepted",
    ("voting", "reject"): "rejected",
    ("postponed", "withdraw"): "withdrawn",
    ("postponed", "reopen"): "discussion",
    ("accepted", "implemented"): "implemented",
}
# Moves only the bot makes, never offered to people. (Reopening a postponed RFC is both: it
# happens by itself when --until runs out, and the author or a moderator may do it sooner.)
SYSTEM_MOVES = frozenset({"accept", "reject"})
# What the bot is waiting for in a stage, said alongside the moves people can make.
_WAITING = {
    "fcp": N_("or the final comment period ends by itself"),
    "voting": N_("the RFC moves by itself when its vote closes"),
    "postponed": N_("or it reopens by itself at the end of the postponement, if one was set"),
}


class IllegalMove(ValueError):
    """A move the stage does not allow. str() is the one line shown to the person."""


@dataclass(frozen=True)
class Move:
    before: str
    move: str
    after: str


def moves(stage: str, *, system: bool = False) -> tuple[str, ...]:
    """The moves allowed from a stage, in a stable order; people's moves only by default."""
    return tuple(m for (s, m) in _MOVES if s == stage and (system or m not in SYSTEM_MOVES))


def possible_now(stage: str) -> str:
    """A sentence naming the moves people can make from this stage."""
    people = moves(stage)
    waiting = _(_WAITING[stage]) if stage in _WAITING else None
    if people:
        text = _("possible now: {moves}").format(moves=i18n.joined(list(people)))
        return _("{text} ({waiting})").format(text=text, waiting=waiting) if waiting else text
    if waiting:
        return _("nothing to do by command now; {waiting}").format(waiting=waiting)
    return _("it is decided; nothing more can be done with it")


def apply(stage: str, move: str, *, system: bool = False) -> Move:
    """The stage after a move, or IllegalMove naming what is possible now."""
    if stage not in STAGES:
        raise IllegalMove(_("unknown stage '{stage}'").format(stage=stage))
    after = _MOVES.get((stage, move))
    if after is None or (move in SYSTEM_MOVES and not system):
        raise IllegalMove(
            _("'{move}' is not possible in stage {stage}; {possible}").format(
                move=move, stage=pgettext("rfc stage", stage), possible=possible_now(stage)
            )
        )
    return Move(stage, move, after)


def disposition_move(disposition: str) -> str:
    """The move a final comment period's disposition makes when it ends."""
    if disposition not in DISPOSITIONS:
        raise IllegalMove(
            _("'{text}' is not one of {choices}").format(
                text=disposition, choices=", ".join(DISPOSITIONS)
            )
        )
    return disposition


def vote_move(outcome: str) -> str:
    """A closed vote moves its RFC: passed accepts it, every other outcome rejects it."""
    return "accept" if outcome == "passed" else "reject"
