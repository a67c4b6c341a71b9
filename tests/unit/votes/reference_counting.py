"""The ranked counting of Moot before it was made fast (the plain per-ballot loops), kept
as the reference the fast code must equal exactly, in tests and in bench/votes.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

from commands.votes.rules import (
    _ZERO,
    Ballot,
    _elimination_loser,
    _grouped,
    _tiers_by_weight,
)


def pairwise_preferences(
    options: Sequence[str], ballots: Iterable[Ballot]
) -> dict[str, dict[str, Fraction]]:
    """d[a][b]: the weight of ballots ranking a above b. Unranked options sit below every
    ranked one and are tied among themselves, so they add nothing to each other's counts."""
    d = {a: {b: _ZERO for b in options if b != a} for a in options}
    for ranking, weight in _grouped(options, ballots).items():
        position = {option: i for i, option in enumerate(ranking)}
        bottom = len(ranking)
        for a in options:
            pa = position.get(a, bottom)
            if pa == bottom:
                continue
            for b in options:
                if b != a and pa < position.get(b, bottom):
                    d[a][b] += weight
    return d


def schulze(
    options: Sequence[str], ballots: Sequence[Ballot]
) -> tuple[list[tuple[str, ...]], dict[str, dict[str, Fraction]]]:
    """Schulze ranking (winning votes) as tiers, best first, plus the pairwise matrix d.

    a is better than b when the strongest path a->b beats the strongest path b->a; Schulze
    proves that relation transitive, so peeling off the options nobody remaining beats gives
    a well-defined ranking. Options in one tier are tied and listed in option order."""
    options = list(options)
    d = pairwise_preferences(options, ballots)
    p = {a: {b: d[a][b] if d[a][b] > d[b][a] else _ZERO for b in d[a]} for a in options}
    for k in options:
        for i in options:
            if i == k:
                continue
            for j in options:
                if j in (i, k):
                    continue
                p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))
    tiers: list[tuple[str, ...]] = []
    remaining = options
    while remaining:
        top = tuple(a for a in remaining if not any(p[b][a] > p[a][b] for b in remaining if b != a))
        if not top:  # impossible by Schulze's transitivity proof; never loop forever
            raise RuntimeError("Schulze relation is not transitive")
        tiers.append(top)
        remaining = [a for a in remaining if a not in top]
    return tiers, d


def irv(
    options: Sequence[str], ballots: Sequence[Ballot]
) -> tuple[list[tuple[str, ...]], list[dict[str, Fraction]]]:
    """Instant-runoff: each round, every ballot counts for its highest continuing option; an
    option with more than half of the continuing (not exhausted) weight wins, otherwise the
    weakest is eliminated. Options with no weight at all go together, since dropping them
    moves no ballot. When every continuing option has the same weight the vote is tied
    between them: any tie-break there would pick the winner rather than the voters.

    Returns the ranking as tiers (winner, then the rest by final-round weight, then the
    eliminated in reverse order) and the rounds, each mapping continuing option -> weight."""
    groups = _grouped(options, ballots)
    continuing = list(options)
    rounds: list[dict[str, Fraction]] = []
    eliminated: list[tuple[str, ...]] = []
    while True:
        totals = dict.fromkeys(continuing, _ZERO)
        for ranking, weight in groups.items():
            for option in ranking:
                if option in totals:
                    totals[option] += weight
                    break
        rounds.append(totals)
        active = sum(totals.values(), _ZERO)
        top = max(totals.values())
        if len(continuing) == 1 or top * 2 > active:
            leader = next(o for o in continuing if totals[o] == top)
            rest = [o for o in continuing if o != leader]
            tiers = [(leader,), *_tiers_by_weight(rest, totals)]
            break
        if all(totals[o] == top for o in continuing):
            tiers = [tuple(continuing)]
            break
        zero = tuple(o for o in continuing if totals[o] == 0)
        if zero:
            losers = zero
        else:
            low = min(totals.values())
            lowest = [o for o in continuing if totals[o] == low]
            losers = (_elimination_loser(lowest, rounds),)
        eliminated.append(losers)
        continuing = [o for o in continuing if o not in losers]
    tiers.extend(reversed(eliminated))
    return tiers, rounds
