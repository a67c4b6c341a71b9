"""The fast ranked counting equals the plain per-ballot reference exactly, on random
profiles (ties, partial rankings, fractional and whole weights, many identical ballots)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from commands.votes import rules
from tests.unit.votes import reference_counting as ref

OPTIONS = ("A", "B", "C", "D", "E")


@st.composite
def profiles(draw: st.DrawFn) -> tuple[tuple[str, ...], list[rules.Ballot]]:
    n = draw(st.integers(2, len(OPTIONS)))
    options = OPTIONS[:n]
    fractional = draw(st.booleans())
    weights = (
        st.fractions(Fraction(1, 4), Fraction(5), max_denominator=4)
        if fractional
        else st.integers(1, 3).map(Fraction)
    )
    rankings = st.lists(st.sampled_from(options), unique=True, min_size=1, max_size=n)
    # Few distinct rankings, many ballots each: ties between options are common.
    pool = draw(st.lists(rankings, min_size=1, max_size=6))
    count = draw(st.integers(0, 25))
    ballots = [
        rules.Ballot(f"v{i}", tuple(draw(st.sampled_from(pool))), draw(weights))
        for i in range(count)
    ]
    return options, ballots


@settings(max_examples=400, deadline=None)
@given(profiles())
def test_schulze_equals_the_reference(profile: tuple[tuple[str, ...], list[rules.Ballot]]) -> None:
    options, ballots = profile
    assert rules.schulze(options, ballots) == ref.schulze(options, ballots)
    assert rules.pairwise_preferences(options, ballots) == ref.pairwise_preferences(
        options, ballots
    )


@settings(max_examples=400, deadline=None)
@given(profiles())
def test_irv_equals_the_reference(profile: tuple[tuple[str, ...], list[rules.Ballot]]) -> None:
    options, ballots = profile
    assert rules.irv(options, ballots) == ref.irv(options, ballots)


def test_schulze_from_a_matrix_equals_schulze_from_ballots() -> None:
    ballots = [rules.Ballot(f"v{i}", r) for i, r in enumerate(["ABC", "BCA", "CAB", "ACB"])]
    ranking, d = rules.schulze("ABC", [rules.Ballot(b.voter, tuple(b.choices)) for b in ballots])
    assert rules.schulze_ranking("ABC", d) == ranking == ref.schulze("ABC", ballots)[0]
