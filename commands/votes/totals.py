"""Running totals of a vote, moved by one voter's old and new ballot: pure, no I/O, exact.

What a ballot changes is a handful of numbers (one option's count and weight, the ballots and
weight cast, and for ranked votes the rows of the pairwise matrix it touches), so a ballot
costs the same whether ten or ten thousand people may vote. The full recount in
rules.tally stays the authority at close; result_from_totals answers the same questions
from these numbers for the live tally and --close-when-decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from commands.votes.rules import (
    BLOCK,
    OptionTally,
    Result,
    Rules,
    _require_roster,
    decide_plurality,
    decide_proposal,
    decide_ranked,
    result_base,
    schulze_consensus,
    schulze_ranking,
)

_ZERO = Fraction(0)


@dataclass
class Totals:
    counts: dict[str, int]
    weights: dict[str, Fraction]
    ballots: int = 0
    weight_cast: Fraction = _ZERO
    # Ranked votes only: pairwise[a][b], the weight ranking a above b.
    pairwise: dict[str, dict[str, Fraction]] = field(default_factory=dict)


def empty(rules: Rules) -> Totals:
    pairwise = (
        {a: {b: _ZERO for b in rules.options if b != a} for a in rules.options}
        if rules.kind == "ranked"
        else {}
    )
    return Totals(
        counts=dict.fromkeys(rules.options, 0),
        weights=dict.fromkeys(rules.options, _ZERO),
        pairwise=pairwise,
    )


def _move(rules: Rules, t: Totals, choices: Sequence[str], weight: Fraction, sign: int) -> None:
    w = weight * sign
    t.ballots += sign
    t.weight_cast += w
    named = choices[:1] if rules.kind == "ranked" else choices
    for option in named:
        t.counts[option] += sign
        t.weights[option] += w
    if rules.kind != "ranked":
        return
    # As rules.pairwise_preferences: unranked options sit below every ranked one.
    ranked = set(choices)
    below = [o for o in rules.options if o not in ranked]
    for pos, a in enumerate(choices):
        row = t.pairwise[a]
        for b in (*choices[pos + 1 :], *below):
            row[b] += w


def replace(
    rules: Rules,
    t: Totals,
    old: tuple[Sequence[str], Fraction] | None,
    new: tuple[Sequence[str], Fraction] | None,
) -> None:
    """One voter's ballot changed from old to new (None: no ballot), both already valid."""
    if old is not None:
        _move(rules, t, old[0], old[1], -1)
    if new is not None:
        _move(rules, t, new[0], new[1], +1)


def result_from_totals(rules: Rules, t: Totals, roster: tuple[int, Fraction] | None) -> Result:
    """What rules.tally would say, from the totals. The roster is (size, weight), or None
    when unknown. Two things need the ballots and are left out: the list of blocks (only
    whether there is one) and the instant-runoff rounds, so IRV votes are refused here."""
    if rules.kind == "ranked" and rules.method != "schulze":
        raise ValueError("instant-runoff needs the ballots; count them with rules.tally")
    eligible, eligible_weight = roster if roster is not None else (None, None)
    _require_roster(rules, eligible_weight)
    base = result_base(rules, t.ballots, t.weight_cast, eligible, eligible_weight)
    tallies = tuple(OptionTally(o, t.counts[o], t.weights[o]) for o in rules.options)
    if rules.kind == "proposal":
        return decide_proposal(rules, tallies, base, (), blocked=t.counts.get(BLOCK, 0) > 0)
    if rules.kind in ("choice", "multi"):
        return decide_plurality(tallies, base)
    pairwise = {a: dict(row) for a, row in t.pairwise.items()}
    ranking = schulze_ranking(rules.options, pairwise)
    consensus = schulze_consensus(rules.options, ranking, pairwise, t.weight_cast)
    return decide_ranked(tallies, base, ranking, consensus, pairwise)


# ---------------------------------------------------------------- storage form


def _f(value: Fraction) -> str:
    return str(value)


def dump(t: Totals) -> tuple[dict[str, Any], dict[str, Any]]:
    """(options, pairwise) as JSON: fraction strings, never floats."""
    options = {o: [t.counts[o], _f(t.weights[o])] for o in t.counts}
    pairwise = {a: {b: _f(w) for b, w in row.items()} for a, row in t.pairwise.items()}
    return options, pairwise


def load(
    rules: Rules, options: dict[str, Any], pairwise: dict[str, Any], ballots: int, weight: str
) -> Totals:
    t = empty(rules)
    for o, (count, w) in options.items():
        if o in t.counts:
            t.counts[o], t.weights[o] = int(count), Fraction(w)
    for a, row in pairwise.items():
        for b, w in row.items():
            if a in t.pairwise and b in t.pairwise[a]:
                t.pairwise[a][b] = Fraction(w)
    t.ballots, t.weight_cast = ballots, Fraction(weight)
    return t
