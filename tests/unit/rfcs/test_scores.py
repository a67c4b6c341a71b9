"""Decision-support arithmetic: fixed cases with known scores, the product's thresholds on
and around each edge, and properties (every score in [0, 1]; resolving a concern never
lowers consensus; no data, no number)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.rfcs import scores
from commands.rfcs.scores import Inputs, assess


def codes(i: Inputs, **w: dict[str, float]) -> list[str]:
    return [r.code for r in assess(i, w or None).recommendations]


def test_no_data_is_not_enough_information() -> None:
    a = assess(Inputs())
    assert (a.consensus.value, a.complexity.value, a.risk.value) == (None, None, None)
    assert not a.enough
    assert a.recommendations == ()


def test_consensus_fixed_case() -> None:
    # reviews 2/3, concerns 1/2 resolved, vote 3/(3+1) = 0.75, temperature (2 + 0.5)/4.
    i = Inputs(
        approvals=2,
        change_requests=1,
        open_concerns=1,
        resolved_concerns=1,
        vote_yes=Fraction(3),
        vote_no=Fraction(1),
        temp_up=2,
        temp_unsure=1,
        temp_down=1,
    )
    c = assess(i).consensus
    expected = 0.35 * (2 / 3) + 0.25 * 0.5 + 0.25 * 0.75 + 0.15 * (2.5 / 4)
    assert c.value == pytest.approx(expected)
    assert set(c.parts) == {"reviews", "concerns", "vote", "temperature"}


def test_missing_components_renormalise() -> None:
    c = assess(Inputs(approvals=1, change_requests=1)).consensus
    assert c.value == pytest.approx(0.5)
    assert c.parts == {"reviews": (0.5, 1.0)}


def test_complexity_and_risk_fixed_case() -> None:
    i = Inputs(areas=5, breaking=True, migration=True, effort="XL", comments=50, open_concerns=5)
    assert assess(i).complexity.value == pytest.approx(1.0)
    # breaking 1, unresolved 5/5: risk 1 with no reviews requested yet.
    assert assess(i).risk.value == pytest.approx(1.0)
    small = Inputs(areas=1, breaking=False, migration=False, effort="S")
    assert assess(small).complexity.value == pytest.approx(0.0)
    assert assess(small).risk.value == pytest.approx(0.0)


def test_discussion_alone_is_not_complexity() -> None:
    assert assess(Inputs(comments=400)).complexity.value is None


@pytest.mark.parametrize(
    ("effort", "phased"),
    [("XL", True), ("L", False)],
)
def test_phased_rollout_exactly_above_0_7(effort: str, phased: bool) -> None:
    # Effort alone weighs the whole score: XL = 1.0 (> 0.7), L = 0.667 (<= 0.7).
    w = {"areas": 0, "breaking": 0, "migration": 0, "discussion": 0, "concerns": 0}
    i = Inputs(effort=effort)
    assert ("phased-rollout" in codes(i, complexity=w)) is phased


def test_threshold_edges_are_strict() -> None:
    x = scores.Score(0.7, {})
    r = scores.Score(0.6, {})
    c = scores.Score(0.5, {})
    assert scores.recommend(c, x, r) == ()
    above = scores.recommend(scores.Score(0.49, {}), scores.Score(0.71, {}), scores.Score(0.61, {}))
    assert [a.code for a in above] == ["phased-rollout", "risk-mitigation", "communicate"]


def test_risk_mitigation_and_communication() -> None:
    # 3 of 4 concerns open, 2 of 2 reviewers asked for changes, breaking.
    i = Inputs(change_requests=2, open_concerns=3, resolved_concerns=1, breaking=True)
    got = codes(i)
    assert "risk-mitigation" in got
    assert "communicate" in got  # consensus: reviews 0, concerns 0.25


def test_weights_are_validated() -> None:
    with pytest.raises(scores.WeightError, match="unknown consensus weight 'votes'"):
        scores.check_weights({"consensus": {"votes": 1}})
    with pytest.raises(scores.WeightError, match=r"outside 0\.\.1"):
        scores.check_weights({"risk": {"breaking": 2}})
    with pytest.raises(scores.WeightError, match="add up to 0"):
        scores.check_weights({"risk": {"breaking": 0, "unresolved": 0, "changes": 0, "missing": 0}})
    with pytest.raises(scores.WeightError, match="unknown score"):
        scores.check_weights({"joy": {}})


def test_timeline_ends_at_the_deadline() -> None:
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    steps = scores.timeline(now, now + timedelta(days=4))
    assert steps[0][0] == now
    assert steps[-1][0] == now + timedelta(days=4)
    assert [t for t, _ in steps] == sorted(t for t, _ in steps)
    assert len(scores.timeline(now, None)) == 2


counts = st.integers(min_value=0, max_value=50)
inputs = st.builds(
    Inputs,
    approvals=counts,
    change_requests=counts,
    requested=st.just(0),
    requested_missing=st.just(0),
    open_concerns=counts,
    resolved_concerns=counts,
    comments=st.integers(0, 500),
    vote_yes=st.none() | st.fractions(min_value=0, max_value=100),
    vote_no=st.none() | st.fractions(min_value=0, max_value=100),
    temp_up=counts,
    temp_unsure=counts,
    temp_down=counts,
    areas=st.none() | st.integers(1, 1000),
    breaking=st.none() | st.booleans(),
    migration=st.none() | st.booleans(),
    effort=st.none() | st.sampled_from(scores.EFFORTS),
)


@given(inputs, st.integers(0, 10), st.integers(0, 10))
def test_every_score_is_in_unit_interval(i: Inputs, requested: int, missing: int) -> None:
    from dataclasses import replace

    i = replace(i, requested=requested, requested_missing=min(missing, requested))
    a = assess(i)
    for s in (a.consensus, a.complexity, a.risk):
        assert s.value is None or 0.0 <= s.value <= 1.0 + 1e-12
        assert s.value is None or sum(w for _, w in s.parts.values()) == pytest.approx(1.0)


@given(inputs)
def test_resolving_a_concern_never_lowers_consensus(i: Inputs) -> None:
    from dataclasses import replace

    if i.open_concerns == 0:
        return
    after = replace(i, open_concerns=i.open_concerns - 1, resolved_concerns=i.resolved_concerns + 1)
    before_v, after_v = assess(i).consensus.value, assess(after).consensus.value
    assert before_v is not None and after_v is not None
    assert after_v >= before_v - 1e-12
