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
    BLOCKED,
    FAILED,
    NO_QUORUM,
    PASSED,
    TIED,
    OptionTally,
    Result,
    Rules,
    _quorum,
    _require_roster,
    describe,
    proposal_decision,
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
    quorum_needed, quorum_reached = _quorum(rules, t.ballots, t.weight_cast, eligible_weight)
    base: dict[str, Any] = {
        "voters": t.ballots,
        "weight_cast": t.weight_cast,
        "eligible": eligible,
        "eligible_weight": eligible_weight,
        "quorum_needed": quorum_needed,
        "quorum_reached": quorum_reached,
        "rule_text": describe(rules),
    }
    tallies = tuple(OptionTally(o, t.counts[o], t.weights[o]) for o in rules.options)
    consensus: Fraction | None = None
    if rules.kind == "proposal":
        yes, no, abstain = t.weights["yes"], t.weights["no"], t.weights["abstain"]
        if not quorum_reached:
            outcome = NO_QUORUM
        elif t.counts.get(BLOCK, 0):
            outcome = BLOCKED
        else:
            outcome = proposal_decision(rules, yes, no, eligible_weight)
            if yes + no > 0:
                consensus = max(yes, no) / (yes + no + abstain)
        winners = {PASSED: ("yes",), TIED: ("yes", "no")}.get(outcome, ())
        return Result(outcome, winners, tallies, consensus=consensus, **base)
    if rules.kind in ("choice", "multi"):
        if not quorum_reached:
            return Result(NO_QUORUM, (), tallies, consensus=None, **base)
        if not t.ballots:
            return Result(FAILED, (), tallies, consensus=None, **base)
        top = max(x.weight for x in tallies)
        leaders = tuple(x.option for x in tallies if x.weight == top)
        outcome = PASSED if len(leaders) == 1 else TIED
        return Result(outcome, leaders, tallies, consensus=top / t.weight_cast, **base)
    ranking = schulze_ranking(rules.options, t.pairwise)
    top_tier = ranking[0]
    pairwise = {a: dict(row) for a, row in t.pairwise.items()}
    if len(top_tier) == 1 and t.weight_cast:
        leader = top_tier[0]
        consensus = min(pairwise[leader][o] for o in rules.options if o != leader) / t.weight_cast
    extra = {"ranking": tuple(ranking), "pairwise": pairwise}
    if not quorum_reached:
        return Result(NO_QUORUM, (), tallies, consensus=None, **extra, **base)
    if not t.ballots:
        return Result(FAILED, (), tallies, consensus=None, **extra, **base)
    outcome = PASSED if len(top_tier) == 1 else TIED
    return Result(outcome, tuple(top_tier), tallies, consensus=consensus, **extra, **base)


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
