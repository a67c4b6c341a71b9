"""Counting rules of timed votes: hand-computed cases for every rule, the published Schulze
examples, and property tests that compare is_decided against an exhaustive oracle."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from commands.votes.rules import (
    BLOCK,
    BLOCKED,
    FAILED,
    NO_QUORUM,
    OUTCOMES,
    PASSED,
    PROPOSAL_OPTIONS,
    TIED,
    Ballot,
    BallotError,
    OptionTally,
    Result,
    RuleError,
    Rules,
    bar,
    check_rules,
    describe,
    format_number,
    format_share,
    irv,
    is_decided,
    pairwise_preferences,
    parse_rule,
    schulze,
    tally,
    validate_ballot,
)

# --------------------------------------------------------------------------- helpers


def proposal(**kw: object) -> Rules:
    return Rules("proposal", PROPOSAL_OPTIONS, **kw)  # type: ignore[arg-type]


def votes(
    *groups: tuple[int, str | Sequence[str]], weight: F = F(1), start: int = 0
) -> list[Ballot]:
    """(count, choice) groups -> ballots from distinct voters v{start}, v{start+1}, ..."""
    out: list[Ballot] = []
    for count, choice in groups:
        choices = (choice,) if isinstance(choice, str) else tuple(choice)
        for _ in range(count):
            out.append(Ballot(f"v{start + len(out)}", choices, weight))
    return out


def ranked_votes(*groups: tuple[int, str]) -> list[Ballot]:
    """(count, "ACBED") groups, one letter per option, best first."""
    return votes(*((n, tuple(order)) for n, order in groups))


def roster(n: int, weight: F = F(1)) -> dict[str, F]:
    return {f"v{i}": weight for i in range(n)}


def weights_of(result: Result) -> dict[str, F]:
    return {t.option: t.weight for t in result.tallies}


# --------------------------------------------------------------------------- parse_rule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("simple", ("simple", None)),
        ("  Simple ", ("simple", None)),
        ("majority", ("simple", None)),
        ("simple majority", ("simple", None)),
        ("absolute", ("absolute", None)),
        ("Absolute  Majority", ("absolute", None)),
        ("unanimous", ("unanimous", None)),
        ("unanimity", ("unanimous", None)),
        ("2/3", ("super", F(2, 3))),
        ("3/4", ("super", F(3, 4))),
        ("75%", ("super", F(3, 4))),
        ("66.67%", ("super", F(6667, 10000))),
        ("100%", ("super", F(1))),
        ("1/1", ("super", F(1))),
        ("super:2/3", ("super", F(2, 3))),
        ("super 2/3", ("super", F(2, 3))),
        ("Supermajority: 60%", ("super", F(3, 5))),
        ("2 / 3", ("super", F(2, 3))),
    ],
)
def test_parse_rule_accepts(text: str, expected: tuple[str, F | None]) -> None:
    assert parse_rule(text) == expected


@pytest.mark.parametrize(
    "text", ["", "super", "1/2", "50%", "120%", "4/3", "2/0", "0.75", "most", "-2/3", "2/3 ish"]
)
def test_parse_rule_rejects_with_one_line_message(text: str) -> None:
    with pytest.raises(RuleError) as err:
        parse_rule(text)
    assert "\n" not in str(err.value)


def test_parse_rule_error_lists_accepted_forms() -> None:
    with pytest.raises(RuleError, match=r"simple, absolute, unanimous.*2/3.*75%"):
        parse_rule("plurality")


# --------------------------------------------------------------------------- Rules


def test_proposal_options_are_normalised() -> None:
    assert proposal().options == PROPOSAL_OPTIONS
    assert proposal(allow_block=True).options == (*PROPOSAL_OPTIONS, BLOCK)
    assert Rules("proposal", ()).options == PROPOSAL_OPTIONS
    assert Rules("proposal", ("Yes", "No", "Abstain", "Block")).options == PROPOSAL_OPTIONS
    with pytest.raises(RuleError):
        Rules("proposal", ("yes", "no"))


def test_choice_options_are_stripped_and_kept_in_order() -> None:
    assert Rules("choice", [" Tea", "coffee "]).options == ("Tea", "coffee")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Rules("poll", ("a", "b")),
        lambda: proposal(rule="plurality"),
        lambda: Rules("ranked", ("a", "b"), method="borda"),
        lambda: proposal(rule="super"),
        lambda: proposal(rule="super", threshold=F(1, 2)),
        lambda: proposal(rule="super", threshold=F(3, 2)),
        lambda: proposal(rule="super", threshold=0.75),
        lambda: proposal(rule="simple", threshold=F(2, 3)),
        lambda: proposal(quorum=0),
        lambda: proposal(quorum=True),
        lambda: proposal(quorum=0.5),
        lambda: proposal(quorum=F(3, 2)),
        lambda: proposal(quorum=F(0)),
        lambda: Rules("multi", ("a", "b", "c"), max_choices=0),
        lambda: Rules("multi", ("a", "b", "c"), max_choices=4),
        lambda: Rules("choice", ("only",)),
        lambda: Rules("choice", ("Tea", "tea")),
        lambda: Rules("choice", ("Tea", " ")),
    ],
)
def test_bad_rules_raise_rule_error(build: object) -> None:
    with pytest.raises(RuleError):
        build()  # type: ignore[operator]


def test_integer_threshold_is_exact() -> None:
    assert proposal(rule="super", threshold=1).threshold == F(1)


def test_describe() -> None:
    assert describe(proposal()) == "simple majority"
    assert describe(proposal(rule="absolute")) == "absolute majority"
    assert describe(proposal(rule="super", threshold=F(2, 3))) == "2/3 supermajority"
    assert describe(proposal(rule="super", threshold=F(3, 4))) == "75% supermajority"
    assert describe(proposal(rule="unanimous", allow_block=True)) == "unanimous with blocks"
    assert describe(proposal(allow_block=True)) == "simple majority with blocks"
    assert describe(Rules("choice", ("a", "b"))) == "most votes"
    assert describe(Rules("multi", ("a", "b", "c"), max_choices=2)) == "approval, up to 2 choices"
    assert describe(Rules("multi", ("a", "b"), max_choices=1)) == "approval, up to 1 choice"
    assert describe(Rules("ranked", ("a", "b"))) == "Schulze method"
    assert describe(Rules("ranked", ("a", "b"), method="irv")) == "instant-runoff"


def test_kinds_other_than_proposal_ignore_rule_and_blocks() -> None:
    rules = Rules("choice", ("a", "b"), rule="absolute", allow_block=True)
    result = tally(rules, votes((2, "a"), (1, "b")))  # no roster needed: rule is ignored
    assert (result.outcome, result.winners) == (PASSED, ("a",))
    with pytest.raises(BallotError):
        validate_ballot(rules, ["block"], "no")


# --------------------------------------------------------------------------- check_rules


def test_check_rules_accepts_what_can_be_met() -> None:
    check_rules(proposal(), None)
    check_rules(proposal(rule="absolute", quorum=F(1, 2)), roster(3))
    check_rules(proposal(quorum=3), roster(3))
    check_rules(proposal(quorum=3), None)  # a count without roster is checked at close
    check_rules(proposal(rule="absolute"), F(10))  # a bare total weight is enough


def test_check_rules_absolute_without_roster() -> None:
    with pytest.raises(RuleError, match="absolute majority needs"):
        check_rules(proposal(rule="absolute"), None)


def test_check_rules_percent_quorum_without_roster() -> None:
    with pytest.raises(RuleError, match="percent"):
        check_rules(Rules("choice", ("a", "b"), quorum=F(1, 2)), None)


def test_check_rules_quorum_count_larger_than_roster() -> None:
    with pytest.raises(RuleError, match="only 3 may vote"):
        check_rules(proposal(quorum=4), roster(3))


def test_check_rules_empty_roster_and_bad_weights() -> None:
    with pytest.raises(RuleError, match="nobody"):
        check_rules(proposal(), {})
    with pytest.raises(RuleError):
        check_rules(proposal(), {"a": 0.5})  # type: ignore[dict-item]
    with pytest.raises(RuleError):
        check_rules(proposal(), {"a": F(0)})


# --------------------------------------------------------------------------- ballots


def test_validate_ballot_matches_case_insensitively() -> None:
    assert validate_ballot(proposal(), [" YES "]) == ("yes",)
    assert validate_ballot(proposal(), "Abstain") == ("abstain",)
    assert validate_ballot(Rules("choice", ("Tea", "Coffee")), ["coffee"]) == ("Coffee",)


def test_validate_ballot_rejects_unknown_and_empty() -> None:
    with pytest.raises(BallotError, match="not an option"):
        validate_ballot(proposal(), ["maybe"])
    with pytest.raises(BallotError):
        validate_ballot(proposal(), [])
    with pytest.raises(BallotError, match="exactly one"):
        validate_ballot(proposal(), ["yes", "no"])
    with pytest.raises(BallotError, match="exactly one"):
        validate_ballot(Rules("choice", ("a", "b")), ["a", "b"])


def test_block_needs_permission_and_reason() -> None:
    with pytest.raises(BallotError, match="does not allow blocks"):
        validate_ballot(proposal(), ["block"], "unsafe")
    rules = proposal(allow_block=True)
    for reason in (None, "", "   "):
        with pytest.raises(BallotError, match="needs a reason"):
            validate_ballot(rules, ["block"], reason)
    assert validate_ballot(rules, ["Block"], "breaks the build") == ("block",)


def test_multi_ballots_are_limited_and_sorted_into_option_order() -> None:
    rules = Rules("multi", ("a", "b", "c", "d"), max_choices=2)
    assert validate_ballot(rules, ["c", "A"]) == ("a", "c")
    with pytest.raises(BallotError, match="at most 2 options"):
        validate_ballot(rules, ["a", "b", "c"])
    with pytest.raises(BallotError, match="twice"):
        validate_ballot(rules, ["a", "A"])
    assert validate_ballot(Rules("multi", ("a", "b", "c")), ["a", "b", "c"]) == ("a", "b", "c")


def test_ranked_ballots_keep_order_allow_partial_and_reject_duplicates() -> None:
    rules = Rules("ranked", ("a", "b", "c"))
    assert validate_ballot(rules, ["C", "a"]) == ("c", "a")
    assert validate_ballot(rules, ["b", "c", "a"]) == ("b", "c", "a")
    with pytest.raises(BallotError, match="ranked twice"):
        validate_ballot(rules, ["a", "b", "a"])


def test_ballot_weights_are_exact_and_positive() -> None:
    assert Ballot("a", ("yes",), 2).weight == F(2)
    assert isinstance(Ballot("a", ("yes",), 2).weight, F)
    assert Ballot("a", ["yes"]).choices == ("yes",)  # type: ignore[arg-type]
    for bad in (0.5, F(0), -1, True, "2"):
        with pytest.raises(BallotError):
            Ballot("a", ("yes",), bad)  # type: ignore[arg-type]


def test_tally_rejects_invalid_and_duplicate_ballots() -> None:
    with pytest.raises(BallotError):
        tally(proposal(), [Ballot("a", ("maybe",))])
    with pytest.raises(BallotError, match="two ballots"):
        tally(proposal(), [Ballot("a", ("yes",)), Ballot("a", ("no",))])
    with pytest.raises(BallotError, match="at most 1"):
        tally(Rules("multi", ("a", "b"), max_choices=1), [Ballot("a", ("a", "b"))])


def test_tally_normalises_choice_case() -> None:
    result = tally(proposal(), [Ballot("a", ("YES",)), Ballot("b", ("No",))])
    assert [(t.option, t.count) for t in result.tallies] == [("yes", 1), ("no", 1), ("abstain", 0)]


# --------------------------------------------------------------------------- simple majority


def test_simple_majority_passes() -> None:
    result = tally(proposal(), votes((3, "yes"), (2, "no")))
    assert result.outcome == PASSED
    assert result.winners == ("yes",)
    assert result.tallies == (
        OptionTally("yes", 3, F(3)),
        OptionTally("no", 2, F(2)),
        OptionTally("abstain", 0, F(0)),
    )
    assert (result.voters, result.weight_cast) == (5, F(5))
    assert result.consensus == F(3, 5)
    assert result.rule_text == "simple majority"
    assert (result.eligible, result.eligible_weight) == (None, None)
    assert (result.quorum_needed, result.quorum_reached) == (None, True)


def test_simple_majority_fails() -> None:
    result = tally(proposal(), votes((2, "yes"), (3, "no")))
    assert (result.outcome, result.winners, result.consensus) == (FAILED, (), F(3, 5))


def test_simple_majority_tie() -> None:
    result = tally(proposal(), votes((2, "yes"), (2, "no"), (1, "abstain")))
    assert result.outcome == TIED
    assert result.winners == ("yes", "no")
    assert result.consensus == F(2, 5)


def test_abstentions_do_not_count_toward_the_majority() -> None:
    result = tally(proposal(), votes((2, "yes"), (1, "no"), (5, "abstain")))
    assert result.outcome == PASSED
    assert result.consensus == F(2, 8)  # but they do dilute the consensus level


def test_only_abstentions_or_nothing_fails_without_consensus() -> None:
    for ballots in (votes((3, "abstain")), []):
        result = tally(proposal(), ballots)
        assert (result.outcome, result.consensus) == (FAILED, None)


def test_weights_beat_headcount() -> None:
    # One maintainer of weight 4 against three members of weight 1.
    ballots = [Ballot("lead", ("yes",), F(4)), *votes((3, "no"))]
    result = tally(proposal(), ballots)
    assert result.outcome == PASSED
    assert [(t.count, t.weight) for t in result.tallies[:2]] == [(1, F(4)), (3, F(3))]
    assert result.weight_cast == F(7)
    tied = tally(proposal(), [Ballot("lead", ("yes",), F(3)), *votes((3, "no"))])
    assert tied.outcome == TIED


def test_fractional_weights() -> None:
    ballots = [
        Ballot("a", ("yes",), F(1, 3)),
        Ballot("b", ("yes",), F(1, 3)),
        Ballot("c", ("no",), F(2, 3)),
    ]
    assert tally(proposal(), ballots).outcome == TIED
    assert tally(proposal(rule="super", threshold=F(1, 2) + F(1, 1000)), ballots).outcome == FAILED


# --------------------------------------------------------------------------- absolute majority


def test_absolute_majority_counts_the_whole_roster() -> None:
    rules = proposal(rule="absolute")
    assert tally(rules, votes((3, "yes")), roster(5)).outcome == PASSED  # 3 > 5/2
    # A simple majority of those who voted is not enough: 2 of 5 eligible is not half.
    result = tally(rules, votes((2, "yes")), roster(5))
    assert result.outcome == FAILED
    assert (result.eligible, result.eligible_weight) == (5, F(5))


def test_absolute_majority_exactly_half_fails() -> None:
    rules = proposal(rule="absolute")
    assert tally(rules, votes((2, "yes"), (2, "no")), roster(4)).outcome == FAILED
    assert tally(rules, votes((3, "yes"), (1, "no")), roster(4)).outcome == PASSED


def test_absolute_majority_by_weight() -> None:
    rules = proposal(rule="absolute")
    members = {"a": F(3), "b": F(1), "c": F(1), "d": F(1)}
    assert tally(rules, [Ballot("a", ("yes",), F(3))], members).outcome == FAILED  # 3 = 6/2
    two = [Ballot("a", ("yes",), F(3)), Ballot("b", ("yes",))]
    assert tally(rules, two, members).outcome == PASSED


def test_absolute_majority_without_roster_raises() -> None:
    with pytest.raises(RuleError, match="absolute majority needs"):
        tally(proposal(rule="absolute"), votes((3, "yes")))


# --------------------------------------------------------------------------- supermajority


def test_two_thirds_exactly_passes() -> None:
    rules = proposal(rule="super", threshold=F(2, 3))
    result = tally(rules, votes((2, "yes"), (1, "no")))
    assert result.outcome == PASSED
    assert result.rule_text == "2/3 supermajority"
    assert tally(rules, votes((4, "yes"), (2, "no"))).outcome == PASSED


def test_just_below_two_thirds_fails() -> None:
    rules = proposal(rule="super", threshold=F(2, 3))
    assert tally(rules, votes((3, "yes"), (2, "no"))).outcome == FAILED
    weighted = [Ballot("a", ("yes",), F(199, 100)), Ballot("b", ("no",))]
    assert tally(rules, weighted).outcome == FAILED  # 1.99 / 2.99 < 2/3
    weighted = [Ballot("a", ("yes",), F(2)), Ballot("b", ("no",))]
    assert tally(rules, weighted).outcome == PASSED


def test_seventy_five_percent() -> None:
    rules = proposal(rule="super", threshold=parse_rule("75%")[1])
    assert tally(rules, votes((3, "yes"), (1, "no"))).outcome == PASSED
    assert tally(rules, votes((5, "yes"), (2, "no"))).outcome == FAILED  # 71%


def test_supermajority_ignores_abstentions() -> None:
    rules = proposal(rule="super", threshold=F(2, 3))
    assert tally(rules, votes((2, "yes"), (1, "no"), (10, "abstain"))).outcome == PASSED
    assert tally(rules, votes((4, "abstain"))).outcome == FAILED
    assert tally(rules, votes((2, "yes"), (1, "no"), (10, "abstain"))).outcome != TIED


def test_hundred_percent_supermajority() -> None:
    rules = proposal(rule="super", threshold=F(1))
    assert tally(rules, votes((1, "yes"), (3, "abstain"))).outcome == PASSED
    assert tally(rules, votes((9, "yes"), (1, "no"))).outcome == FAILED


# --------------------------------------------------------------------------- unanimity, blocks


def test_unanimous() -> None:
    rules = proposal(rule="unanimous")
    assert tally(rules, votes((3, "yes"))).outcome == PASSED
    assert tally(rules, votes((3, "yes"), (1, "abstain"))).outcome == PASSED
    assert tally(rules, votes((50, "yes"), (1, "no"))).outcome == FAILED
    assert tally(rules, votes((3, "abstain"))).outcome == FAILED
    assert tally(rules, []).outcome == FAILED


def test_unanimous_with_a_block() -> None:
    rules = proposal(rule="unanimous", allow_block=True)
    ballots = [*votes((3, "yes")), Ballot("zed", ("block",), reason=" breaks backups ")]
    result = tally(rules, ballots)
    assert result.outcome == BLOCKED
    assert result.winners == ()
    assert result.blocks == (("zed", "breaks backups"),)
    assert result.rule_text == "unanimous with blocks"
    assert result.consensus is None
    assert weights_of(result) == {"yes": 3, "no": 0, "abstain": 0, "block": 1}


def test_one_block_defeats_every_rule() -> None:
    blocker = Ballot("zed", ("block",), reason="licence problem")
    for rule, threshold in [("simple", None), ("super", F(2, 3)), ("absolute", None)]:
        rules = proposal(rule=rule, threshold=threshold, allow_block=True)
        result = tally(rules, [*votes((10, "yes")), blocker], roster(10) | {"zed": F(1)})
        assert result.outcome == BLOCKED, rule


def test_blocks_are_listed_by_reason_not_by_arrival() -> None:
    rules = proposal(allow_block=True)
    ballots = [
        Ballot("b", ("block",), reason="security"),
        Ballot("a", ("block",), reason="Cost"),
        Ballot("c", ("yes",)),
    ]
    assert tally(rules, ballots).blocks == (("a", "Cost"), ("b", "security"))


def test_reason_on_a_normal_ballot_is_not_a_block() -> None:
    rules = proposal(allow_block=True)
    result = tally(rules, [Ballot("a", ("yes",), reason="love it")])
    assert (result.outcome, result.blocks) == (PASSED, ())


# --------------------------------------------------------------------------- quorum


def test_quorum_by_count() -> None:
    rules = proposal(quorum=3)
    short = tally(rules, votes((2, "yes")))
    assert (short.outcome, short.winners, short.quorum_reached) == (NO_QUORUM, (), False)
    assert short.quorum_needed == "3 voters"
    assert short.consensus is None
    met = tally(rules, votes((1, "yes"), (2, "abstain")))  # abstentions make up the quorum
    assert (met.outcome, met.quorum_reached) == (PASSED, True)
    assert tally(proposal(quorum=1), []).quorum_needed == "1 voter"


def test_quorum_counts_people_not_weight() -> None:
    result = tally(proposal(quorum=2), [Ballot("a", ("yes",), F(10))])
    assert result.outcome == NO_QUORUM


def test_quorum_by_percent_of_eligible_weight() -> None:
    rules = proposal(quorum=F(1, 2))
    short = tally(rules, votes((4, "yes")), roster(10))
    assert (short.outcome, short.quorum_needed) == (NO_QUORUM, "50% of eligible weight (5)")
    exact = tally(rules, votes((3, "no"), (2, "abstain")), roster(10))
    assert (exact.outcome, exact.quorum_reached) == (FAILED, True)  # exactly 50% is enough


def test_quorum_by_percent_uses_weight() -> None:
    members = {"boss": F(5), **roster(5)}
    result = tally(proposal(quorum=F(1, 2)), [Ballot("boss", ("yes",), F(5))], members)
    assert (result.outcome, result.voters) == (PASSED, 1)
    third = tally(proposal(quorum=F(1, 3)), votes((3, "yes")), roster(10))
    assert third.quorum_needed == "1/3 of eligible weight (10/3)"
    assert third.outcome == NO_QUORUM


def test_percent_quorum_without_roster_raises() -> None:
    with pytest.raises(RuleError, match="percent"):
        tally(proposal(quorum=F(1, 2)), votes((3, "yes")))


def test_blocks_count_toward_quorum_but_quorum_comes_first() -> None:
    rules = proposal(quorum=3, allow_block=True)
    blocker = Ballot("zed", ("block",), reason="no tests")
    short = tally(rules, [*votes((1, "yes")), blocker])
    assert short.outcome == NO_QUORUM
    assert short.blocks == (("zed", "no tests"),)  # still reported
    assert tally(rules, [*votes((2, "abstain")), blocker]).outcome == BLOCKED


def test_quorum_count_above_roster_is_only_no_quorum_at_close() -> None:
    # check_rules refuses to open this vote, but closing it must not crash.
    result = tally(proposal(quorum=5), votes((3, "yes")), roster(3))
    assert result.outcome == NO_QUORUM


def test_quorum_applies_to_every_kind() -> None:
    for rules, ballot in [
        (Rules("choice", ("a", "b"), quorum=2), ("a",)),
        (Rules("multi", ("a", "b"), quorum=2), ("a",)),
        (Rules("ranked", ("a", "b"), quorum=2), ("a",)),
        (Rules("ranked", ("a", "b"), quorum=2, method="irv"), ("a",)),
    ]:
        assert tally(rules, [Ballot("x", ballot)]).outcome == NO_QUORUM
        two = [Ballot("x", ballot), Ballot("y", ballot)]
        assert (tally(rules, two).outcome, tally(rules, two).winners) == (PASSED, ("a",))


# --------------------------------------------------------------------------- choice


def test_choice_clear_winner() -> None:
    rules = Rules("choice", ("Tea", "Coffee", "Water"))
    result = tally(rules, votes((3, "Tea"), (2, "Coffee"), (1, "Water")))
    assert (result.outcome, result.winners) == (PASSED, ("Tea",))
    assert result.consensus == F(1, 2)
    assert [t.option for t in result.tallies] == ["Tea", "Coffee", "Water"]


def test_choice_tie_lists_the_tied_options_in_option_order() -> None:
    rules = Rules("choice", ("Tea", "Coffee", "Water"))
    result = tally(rules, votes((2, "Water"), (2, "Tea"), (1, "Coffee")))
    assert (result.outcome, result.winners) == (TIED, ("Tea", "Water"))
    assert result.consensus == F(2, 5)


def test_choice_weighted() -> None:
    rules = Rules("choice", ("a", "b"))
    ballots = [Ballot("x", ("b",), F(5, 2)), *votes((2, "a"))]
    assert tally(rules, ballots).winners == ("b",)


def test_choice_without_ballots_fails() -> None:
    result = tally(Rules("choice", ("a", "b")), [])
    assert (result.outcome, result.winners, result.consensus) == (FAILED, (), None)


# --------------------------------------------------------------------------- multi (approval)


def test_approval_gives_full_weight_to_every_selection() -> None:
    rules = Rules("multi", ("a", "b", "c"), max_choices=2)
    ballots = votes((1, ("a", "b")), (1, "a"), (1, ("b", "c")), (1, ("a", "c")))
    ballots.append(Ballot("heavy", ("c",), F(3, 2)))
    result = tally(rules, ballots)
    assert weights_of(result) == {"a": F(3), "b": F(2), "c": F(7, 2)}
    assert [t.count for t in result.tallies] == [3, 2, 3]
    assert (result.outcome, result.winners) == (PASSED, ("c",))
    assert result.weight_cast == F(11, 2)
    assert result.consensus == F(7, 11)


def test_approval_tie() -> None:
    rules = Rules("multi", ("a", "b", "c"))
    result = tally(rules, votes((2, ("a", "b")), (1, "c")))
    assert (result.outcome, result.winners) == (TIED, ("a", "b"))


def test_approval_over_max_is_invalid() -> None:
    rules = Rules("multi", ("a", "b", "c"), max_choices=2)
    with pytest.raises(BallotError):
        tally(rules, votes((1, ("a", "b", "c"))))


# --------------------------------------------------------------------------- Schulze

SCHULZE_45 = ranked_votes(
    (5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"),
    (7, "CAEBD"), (2, "CBADE"), (7, "DCEBA"), (8, "EBADC"),
)  # fmt: skip

SCHULZE_30 = ranked_votes(
    (5, "ACBD"), (2, "ACDB"), (3, "ADCB"), (4, "BACD"), (3, "CBDA"),
    (3, "CDBA"), (1, "DACB"), (5, "DBAC"), (4, "DCBA"),
)  # fmt: skip


def matrix(options: str, rows: list[list[int]]) -> dict[str, dict[str, F]]:
    """Published d tables, diagonal included as 0 and dropped here."""
    return {
        a: {b: F(rows[i][j]) for j, b in enumerate(options) if b != a}
        for i, a in enumerate(options)
    }


def test_schulze_45_voter_example() -> None:
    # Schulze's first worked example; d matches the published table row by row.
    ranking, d = schulze("ABCDE", SCHULZE_45)
    assert d == matrix(
        "ABCDE",
        [
            [0, 20, 26, 30, 22],
            [25, 0, 16, 33, 18],
            [19, 29, 0, 17, 24],
            [15, 12, 28, 0, 14],
            [23, 27, 21, 31, 0],
        ],
    )
    assert ranking == [("E",), ("A",), ("C",), ("B",), ("D",)]
    result = tally(Rules("ranked", tuple("ABCDE")), SCHULZE_45)
    assert (result.outcome, result.winners) == (PASSED, ("E",))
    assert result.ranking == (("E",), ("A",), ("C",), ("B",), ("D",))
    assert result.pairwise == d
    assert result.rule_text == "Schulze method"
    assert result.consensus == F(21, 45)  # E's narrowest head-to-head: 21 over C
    assert [t.weight for t in result.tallies] == [F(10), F(8), F(12), F(7), F(8)]


def test_schulze_30_voter_example() -> None:
    # Schulze's second example (4 candidates): D wins although A beats D head to head.
    ranking, d = schulze("ABCD", SCHULZE_30)
    assert d == matrix(
        "ABCD",
        [
            [0, 11, 20, 14],
            [19, 0, 9, 12],
            [10, 21, 0, 17],
            [16, 18, 13, 0],
        ],
    )
    assert ranking == [("D",), ("A",), ("C",), ("B",)]
    assert tally(Rules("ranked", tuple("ABCD")), SCHULZE_30).winners == ("D",)


def test_schulze_tie_between_potential_winners() -> None:
    # 9 voters: the strongest paths between B and D are equal (5 each way).
    ballots = ranked_votes((3, "ABDC"), (2, "DABC"), (2, "DBCA"), (2, "CBDA"))
    ranking, d = schulze("ABCD", ballots)
    assert d["A"] == {"B": 5, "C": 5, "D": 3}
    assert d["D"] == {"A": 6, "B": 4, "C": 7}
    assert ranking == [("B", "D"), ("A",), ("C",)]
    result = tally(Rules("ranked", tuple("ABCD")), ballots)
    assert (result.outcome, result.winners, result.consensus) == (TIED, ("B", "D"), None)


def test_schulze_partial_rankings() -> None:
    # Unranked options sit below the ranked ones and tie among themselves.
    ballots = [Ballot("x", ("a",)), Ballot("y", ("c", "b"))]
    d = pairwise_preferences(("a", "b", "c"), ballots)
    assert d == {
        "a": {"b": F(1), "c": F(1)},
        "b": {"a": F(1), "c": F(0)},
        "c": {"a": F(1), "b": F(1)},
    }
    ranking, _ = schulze(("a", "b", "c"), ballots)
    assert ranking == [("a", "c"), ("b",)]


def test_schulze_weighted_and_condorcet() -> None:
    ballots = [
        Ballot("x", ("a", "b", "c"), F(5, 2)),
        Ballot("y", ("b", "c", "a"), F(2)),
        Ballot("z", ("c", "b", "a"), F(1)),
    ]
    ranking, d = schulze(("a", "b", "c"), ballots)
    assert d["b"] == {"a": F(3), "c": F(9, 2)}
    assert d["c"]["a"] == F(3)
    assert ranking == [("b",), ("c",), ("a",)]  # b beats both, c beats a (3 > 5/2)


def test_schulze_without_ballots() -> None:
    ranking, d = schulze(("a", "b"), [])
    assert ranking == [("a", "b")]
    assert d == {"a": {"b": 0}, "b": {"a": 0}}
    assert tally(Rules("ranked", ("a", "b")), []).outcome == FAILED


def test_schulze_rejects_bad_ballots() -> None:
    with pytest.raises(BallotError):
        schulze(("a", "b"), [Ballot("x", ("a", "z"))])
    with pytest.raises(BallotError):
        schulze(("a", "b"), [Ballot("x", ("a", "a"))])


# --------------------------------------------------------------------------- IRV


IRV_RULES = Rules("ranked", ("A", "B", "C", "D"), method="irv")


def test_irv_multi_round_with_backward_tie_break() -> None:
    ballots = ranked_votes((8, "ABC"), (7, "BCA"), (5, "CBA"), (2, "DCB"))
    result = tally(IRV_RULES, ballots)
    # Round 1: nobody above 11 of 22; D out. Round 2: B and C tie at 7 for last; B had more
    # in round 1, so C goes and its ballots carry B to 14.
    assert result.rounds == (
        {"A": F(8), "B": F(7), "C": F(5), "D": F(2)},
        {"A": F(8), "B": F(7), "C": F(7)},
        {"A": F(8), "B": F(14)},
    )
    assert (result.outcome, result.winners) == (PASSED, ("B",))
    assert result.ranking == (("B",), ("A",), ("C",), ("D",))
    assert result.consensus == F(14, 22)
    assert result.rule_text == "instant-runoff"
    assert result.pairwise == {}
    assert [t.weight for t in result.tallies] == [F(8), F(7), F(5), F(2)]


def test_irv_tie_break_looks_at_the_latest_earlier_round_first() -> None:
    rules = Rules("ranked", ("A", "V", "W", "X", "Y"), method="irv")
    ballots = ranked_votes((7, "A"), (5, "XY"), (4, "Y"), (1, "WX"), (2, "W"), (2, "VY"))
    result = tally(rules, ballots)
    # X and Y tie for last in round 3. Round 2 had X behind (5 < 6) although round 1 had
    # X ahead (5 > 4) and alphabetical order would drop Y: the latest round decides, X
    # goes, and its ballots elect Y.
    assert result.rounds == (
        {"A": 7, "V": 2, "W": 3, "X": 5, "Y": 4},
        {"A": 7, "W": 3, "X": 5, "Y": 6},
        {"A": 7, "X": 6, "Y": 6},
        {"A": 7, "Y": 11},
    )
    assert result.winners == ("Y",)
    assert result.ranking == (("Y",), ("A",), ("X",), ("W",), ("V",))


def test_irv_alphabetical_tie_break_when_no_round_separates() -> None:
    rules = Rules("ranked", ("A", "C", "B"), method="irv")  # option order must not matter
    ballots = ranked_votes((4, "A"), (2, "BC"), (2, "CA"))
    tiers, rounds = irv(rules.options, ballots)
    # B and C tie at 2 in the first round; C sorts last so C is dropped, and its ballots
    # go to A, who then has 6 of 8.
    assert rounds == [{"A": 4, "C": 2, "B": 2}, {"A": 6, "B": 2}]
    assert tiers == [("A",), ("B",), ("C",)]


def test_irv_majority_of_continuing_ballots_after_exhaustion() -> None:
    rules = Rules("ranked", ("A", "B", "C"), method="irv")
    result = tally(rules, ranked_votes((3, "A"), (2, "B"), (2, "C")))
    # C goes (tie with B, alphabetical); its ballots rank nothing else and exhaust, leaving
    # A with 3 of the 5 continuing ballots.
    assert result.rounds == ({"A": 3, "B": 2, "C": 2}, {"A": 3, "B": 2})
    assert result.winners == ("A",)
    assert result.consensus == F(3, 7)


def test_irv_drops_all_options_without_votes_together() -> None:
    rules = Rules("ranked", tuple("ABCDE"), method="irv")
    ballots = ranked_votes((2, "A"), (2, "B"), (1, "CA"))
    tiers, rounds = irv(rules.options, ballots)
    assert rounds == [
        {"A": 2, "B": 2, "C": 1, "D": 0, "E": 0},
        {"A": 2, "B": 2, "C": 1},
        {"A": 3, "B": 2},
    ]
    assert tiers == [("A",), ("B",), ("C",), ("D", "E")]


def test_irv_final_tie_is_reported_not_broken() -> None:
    rules = Rules("ranked", ("A", "B", "C"), method="irv")
    result = tally(rules, ranked_votes((3, "AC"), (3, "BC"), (1, "CA"), (1, "CB")))
    # C is out first; its ballots split evenly, leaving A and B at 4 each.
    assert result.rounds[-1] == {"A": 4, "B": 4}
    assert (result.outcome, result.winners) == (TIED, ("A", "B"))
    assert result.ranking == (("A", "B"), ("C",))


def test_irv_first_round_majority() -> None:
    tiers, rounds = irv(("A", "B", "C"), ranked_votes((3, "A"), (1, "B"), (1, "CB")))
    assert len(rounds) == 1
    assert tiers == [("A",), ("B", "C")]


# --------------------------------------------------------------------------- display helpers


def test_bar() -> None:
    assert bar(F(0)) == "░" * 10
    assert bar(F(1)) == "█" * 10
    assert bar(F(4, 5)) == "████████░░"
    assert bar(F(1, 2), width=4) == "██░░"
    assert bar(F(1, 100)) == "█" + "░" * 9  # small but not nothing
    assert bar(F(99, 100)) == "█" * 9 + "░"  # large but not unanimous
    assert bar(F(3, 2)) == "█" * 10
    assert bar(F(1, 3), width=1) == "░"
    with pytest.raises(ValueError):
        bar(F(1, 2), width=0)


def test_format_helpers() -> None:
    assert format_number(F(5)) == "5"
    assert format_number(F(5, 2)) == "2.5"
    assert format_number(F(1, 4)) == "0.25"
    assert format_number(F(10, 3)) == "10/3"
    assert format_share(F(1, 2)) == "50%"
    assert format_share(F(2, 3)) == "2/3"
    assert format_share(F(667, 1000)) == "66.7%"
    assert format_share(F(1, 200)) == "0.5%"


def test_outcome_constants() -> None:
    assert OUTCOMES == ("passed", "failed", "tied", "no quorum", "blocked", "cancelled")


# --------------------------------------------------------------------------- is_decided


def test_decided_when_nobody_is_left() -> None:
    assert is_decided(proposal(), votes((1, "yes"), (1, "no")), roster(2))


def test_decided_simple_majority() -> None:
    rules = proposal()
    assert is_decided(rules, votes((3, "yes")), roster(5))  # 3 > 0 + 2
    assert not is_decided(rules, votes((2, "yes")), roster(5))  # 3 no would win
    assert not is_decided(rules, votes((3, "yes"), (1, "no")), roster(6))  # 2 no ties it
    assert is_decided(rules, votes((1, "yes"), (4, "no")), roster(6))
    # One heavy voter left can still turn it.
    members = {**roster(4), "lead": F(3)}
    assert not is_decided(rules, votes((3, "yes")), members)


def test_decided_absolute_majority() -> None:
    rules = proposal(rule="absolute")
    assert is_decided(rules, votes((3, "yes")), roster(5))
    assert not is_decided(rules, votes((2, "yes"), (2, "no")), roster(5))
    assert is_decided(rules, votes((3, "no")), roster(5))  # yes can reach 2 of 5 at most


def test_decided_supermajority() -> None:
    rules = proposal(rule="super", threshold=F(2, 3))
    assert is_decided(rules, votes((4, "yes")), roster(6))  # 4 of 6 is exactly 2/3
    assert not is_decided(rules, votes((3, "yes")), roster(6))
    assert is_decided(rules, votes((3, "no")), roster(6))  # 3 yes against 3 no at best
    assert not is_decided(rules, votes((2, "no")), roster(6))  # 4 yes to 2 no is 2/3


def test_decided_unanimous() -> None:
    rules = proposal(rule="unanimous")
    assert not is_decided(rules, votes((5, "yes")), roster(6))  # the last one may say no
    assert is_decided(rules, votes((5, "yes"), (1, "no")), roster(9))


def test_decided_with_blocks_allowed() -> None:
    rules = proposal(allow_block=True)
    members = {**roster(9), "zed": F(1)}
    assert not is_decided(rules, votes((9, "yes")), members)  # zed may still block
    blocked = [*votes((1, "yes")), Ballot("zed", ("block",), reason="unsafe")]
    assert is_decided(rules, blocked, members)
    assert not is_decided(proposal(allow_block=True, quorum=3), blocked, members)


def test_decided_quorum() -> None:
    members = roster(3)
    assert is_decided(proposal(quorum=4), votes((1, "yes")), members)  # quorum out of reach
    assert not is_decided(proposal(quorum=2), votes((1, "yes")), members)
    assert is_decided(proposal(quorum=F(1, 2)), votes((2, "yes")), roster(3))
    assert not is_decided(proposal(quorum=F(1, 2)), votes((1, "yes")), roster(3))


def test_decided_choice_and_multi() -> None:
    rules = Rules("choice", ("a", "b", "c"))
    assert is_decided(rules, votes((3, "a"), (1, "b")), roster(5))  # 3 > 1 + 1
    assert not is_decided(rules, votes((3, "a"), (1, "b")), roster(6))  # 3 = 1 + 2
    assert not is_decided(rules, votes((2, "a"), (2, "b")), roster(5))
    approval = Rules("multi", ("a", "b", "c"))
    assert not is_decided(approval, votes((2, ("a", "b"))), roster(3))  # tied: never decided
    assert is_decided(approval, votes((4, "a"), (1, ("b", "c"))), roster(7))
    assert not is_decided(approval, votes((4, "a"), (2, ("b", "c"))), roster(8))


def test_decided_ranked() -> None:
    schulze_rules = Rules("ranked", ("a", "b", "c"))
    # a beats b and c by 5 to 0 with 4 voters left: a Condorcet winner whatever they do.
    assert is_decided(schulze_rules, ranked_votes((5, "abc")), roster(9))
    assert not is_decided(schulze_rules, ranked_votes((5, "abc")), roster(11))
    irv_rules = Rules("ranked", ("a", "b", "c"), method="irv")
    assert is_decided(irv_rules, ranked_votes((5, "a")), roster(9))
    assert not is_decided(irv_rules, ranked_votes((5, "a")), roster(10))
    # Small enough to try every completion: one voter left cannot undo a 3-1 lead...
    assert is_decided(schulze_rules, ranked_votes((3, "abc"), (1, "cba")), roster(5))
    # ...but two can.
    assert not is_decided(schulze_rules, ranked_votes((3, "abc"), (1, "cba")), roster(6))


def test_decided_ranked_gives_up_beyond_the_search_budget() -> None:
    rules = Rules("ranked", tuple("abcd"))
    ballots = ranked_votes((10, "abcd"), (9, "bacd"))
    # a leads b by one with 8 voters left: no shortcut applies and there are too many
    # completions to try, so the answer is the safe one (here also the right one).
    assert not is_decided(rules, ballots, roster(27))


# --------------------------------------------------------------------------- properties

WEIGHTS = st.sampled_from([F(1), F(1), F(2), F(3), F(1, 2), F(3, 2)])
OPTION_SETS = [("a", "b"), ("a", "b", "c"), ("a", "b", "c", "d")]


@st.composite
def rules_strategy(draw: st.DrawFn, kind: str, size: int) -> Rules:
    quorum = draw(
        st.one_of(
            st.none(),
            st.integers(1, size + 1),
            st.sampled_from([F(1, 4), F(1, 2), F(2, 3), F(1)]),
        )
    )
    if kind == "proposal":
        rule = draw(st.sampled_from(["simple", "absolute", "super", "unanimous"]))
        threshold = draw(st.sampled_from([F(2, 3), F(3, 4), F(3, 5), F(1)]))
        return Rules(
            "proposal",
            PROPOSAL_OPTIONS,
            rule=rule,
            threshold=threshold if rule == "super" else None,
            quorum=quorum,
            allow_block=draw(st.booleans()),
        )
    options = draw(st.sampled_from(OPTION_SETS))
    if kind == "multi":
        limit = draw(st.one_of(st.none(), st.integers(1, len(options))))
        return Rules("multi", options, quorum=quorum, max_choices=limit)
    method = draw(st.sampled_from(["schulze", "irv"]))
    return Rules(kind, options, quorum=quorum, method=method)


def ballot_choices(rules: Rules) -> st.SearchStrategy[tuple[tuple[str, ...], str | None]]:
    """Any valid (choices, reason) for these rules."""
    if rules.kind in ("proposal", "choice"):
        return st.sampled_from(rules.options).map(
            lambda o: ((o,), "a reason" if o == BLOCK else None)
        )
    if rules.kind == "multi":
        return st.sets(st.sampled_from(rules.options), min_size=1, max_size=rules.choice_limit).map(
            lambda s: (tuple(o for o in rules.options if o in s), None)
        )
    return st.permutations(rules.options).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda n: (tuple(order[:n]), None))
    )


@st.composite
def vote_state(
    draw: st.DrawFn, kind: str | None = None, max_voters: int = 7, max_left: int | None = None
) -> tuple[Rules, list[Ballot], dict[str, F]]:
    kind = kind or draw(st.sampled_from(["proposal", "choice", "multi", "ranked"]))
    size = draw(st.integers(1, max_voters))
    members = {f"m{i}": draw(WEIGHTS) for i in range(size)}
    rules = draw(rules_strategy(kind, size))
    least = size - max_left if max_left is not None else 0
    voted = draw(st.lists(st.sampled_from(sorted(members)), unique=True, min_size=max(least, 0)))
    ballots = []
    for voter in voted:
        choices, reason = draw(ballot_choices(rules))
        ballots.append(Ballot(voter, choices, members[voter], reason))
    return rules, ballots, members


def key(result: Result) -> tuple[str, tuple[str, ...]]:
    return result.outcome, result.winners


def every_completion(
    rules: Rules, ballots: list[Ballot], members: Mapping[str, F]
) -> Iterable[list[Ballot]]:
    """The test's own oracle: every way (including not voting) the rest could vote."""
    voted = {b.voter for b in ballots}
    left = [v for v in members if v not in voted]
    if rules.kind in ("proposal", "choice"):
        menu: list[tuple[str, ...]] = [(o,) for o in rules.options]
    elif rules.kind == "multi":
        menu = [
            combo
            for n in range(1, rules.choice_limit + 1)
            for combo in itertools.combinations(rules.options, n)
        ]
    else:
        menu = [
            perm
            for n in range(1, len(rules.options) + 1)
            for perm in itertools.permutations(rules.options, n)
        ]
    for picks in itertools.product([None, *menu], repeat=len(left)):
        extra = [
            Ballot(v, c, members[v], "a reason" if c == (BLOCK,) else None)
            for v, c in zip(left, picks, strict=True)
            if c is not None
        ]
        yield [*ballots, *extra]


def oracle_decided(rules: Rules, ballots: list[Ballot], members: Mapping[str, F]) -> bool:
    expected = key(tally(rules, ballots, members))
    return all(
        key(tally(rules, full, members)) == expected
        for full in every_completion(rules, ballots, members)
    )


@settings(max_examples=300)
@given(vote_state(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_ballot_order(
    state: tuple[Rules, list[Ballot], dict[str, F]], rnd: random.Random
) -> None:
    rules, ballots, members = state
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert tally(rules, shuffled, members) == tally(rules, ballots, members)


@settings(max_examples=300)
@given(vote_state("proposal"), st.data())
def test_turning_a_no_into_a_yes_never_hurts(
    state: tuple[Rules, list[Ballot], dict[str, F]], data: st.DataObject
) -> None:
    rules, ballots, members = state
    noes = [i for i, b in enumerate(ballots) if b.choices == ("no",)]
    assume(noes)
    i = data.draw(st.sampled_from(noes))
    changed = list(ballots)
    changed[i] = Ballot(ballots[i].voter, ("yes",), ballots[i].weight)
    before, after = tally(rules, ballots, members), tally(rules, changed, members)
    if before.outcome == PASSED:
        assert after.outcome == PASSED
    assert not (before.outcome == PASSED and after.outcome == FAILED)
    if before.outcome == TIED:
        assert after.outcome == PASSED


@settings(max_examples=300)
@given(vote_state())
def test_doubling_every_weight_changes_no_outcome(
    state: tuple[Rules, list[Ballot], dict[str, F]],
) -> None:
    rules, ballots, members = state
    doubled = [Ballot(b.voter, b.choices, b.weight * 2, b.reason) for b in ballots]
    twice = {v: w * 2 for v, w in members.items()}
    before, after = tally(rules, ballots, members), tally(rules, doubled, twice)
    assert key(after) == key(before)
    assert after.consensus == before.consensus
    assert after.ranking == before.ranking


@settings(max_examples=300)
@given(
    st.sampled_from([*OPTION_SETS[1:], ("a", "b", "c", "d", "e")]).flatmap(
        lambda options: st.tuples(
            st.just(options),
            st.lists(
                st.tuples(
                    st.permutations(options).flatmap(
                        lambda order: st.integers(1, len(order)).map(lambda n: order[:n])
                    ),
                    WEIGHTS,
                ),
                max_size=12,
            ),
        )
    )
)
def test_schulze_elects_the_condorcet_winner(
    drawn: tuple[tuple[str, ...], list[tuple[list[str], F]]],
) -> None:
    options, raw = drawn
    ballots = [Ballot(f"v{i}", tuple(order), w) for i, (order, w) in enumerate(raw)]
    # Pairwise counts computed independently of the module.
    d = {(a, b): F(0) for a in options for b in options}
    for ballot in ballots:
        rank = {o: i for i, o in enumerate(ballot.choices)}
        for a in options:
            for b in options:
                if a != b and rank.get(a, len(options)) < rank.get(b, len(options)):
                    d[a, b] += ballot.weight
    winners = [a for a in options if all(d[a, b] > d[b, a] for b in options if b != a)]
    ranking, pairwise = schulze(options, ballots)
    assert pairwise == {a: {b: d[a, b] for b in options if b != a} for a in options}
    assert sorted(o for tier in ranking for o in tier) == sorted(options)
    if winners:
        assert ranking[0] == (winners[0],)


@settings(max_examples=200)
@given(vote_state(kind="ranked"))
def test_irv_first_preference_majority_wins(
    state: tuple[Rules, list[Ballot], dict[str, F]],
) -> None:
    rules, ballots, _ = state
    tiers, rounds = irv(rules.options, ballots)
    total = sum((b.weight for b in ballots), F(0))
    first = rounds[0]
    for option, weight in first.items():
        if weight * 2 > total:
            assert tiers[0] == (option,)
            assert len(rounds) == 1
    assert sorted(o for tier in tiers for o in tier) == sorted(rules.options)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(vote_state(), st.data())
def test_decided_holds_for_random_completions(
    state: tuple[Rules, list[Ballot], dict[str, F]], data: st.DataObject
) -> None:
    rules, ballots, members = state
    assume(is_decided(rules, ballots, members))
    expected = key(tally(rules, ballots, members))
    voted = {b.voter for b in ballots}
    for _ in range(5):
        extra = []
        for voter in sorted(members):
            if voter in voted or not data.draw(st.booleans()):
                continue
            choices, reason = data.draw(ballot_choices(rules))
            extra.append(Ballot(voter, choices, members[voter], reason))
        assert key(tally(rules, [*ballots, *extra], members)) == expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["proposal", "choice", "multi"]).flatmap(
        lambda kind: vote_state(kind, max_voters=6, max_left=3)
    )
)
def test_decided_is_exact_for_proposals_choice_and_multi(
    state: tuple[Rules, list[Ballot], dict[str, F]],
) -> None:
    rules, ballots, members = state
    # Keep the oracle's product small: multi menus grow fast with the number of options.
    menu = 16 if rules.kind == "multi" else 5
    assume(menu ** (len(members) - len(ballots)) <= 1000)
    assert is_decided(rules, ballots, members) == oracle_decided(rules, ballots, members)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vote_state("ranked", max_voters=6, max_left=2))
def test_decided_ranked_is_sound_and_exact_when_small(
    state: tuple[Rules, list[Ballot], dict[str, F]],
) -> None:
    rules, ballots, members = state
    assume(len(rules.options) <= 3)
    # Two voters left with three options is within the brute-force budget, so the answer
    # must be exact, not merely safe.
    assert is_decided(rules, ballots, members) == oracle_decided(rules, ballots, members)


def test_oracle_agrees_on_a_hand_case() -> None:
    # Guards the oracle itself: a case whose answer is obvious both ways.
    rules = proposal()
    assert oracle_decided(rules, votes((3, "yes")), roster(5))
    assert not oracle_decided(rules, votes((2, "yes")), roster(5))
