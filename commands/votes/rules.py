"""Counting rules for Moot's timed votes: pure functions, no I/O, exact arithmetic.

Every weight and share is a `Fraction`: a vote decided by a float rounding error (2/3 of 3
voters is not 0.666…) would be indistinguishable from a bug, so nothing here touches floats.

Decisions taken where the product issue left room, kept in one place so callers can quote
them:

* Proposals under a simple majority: yes > no passes, yes == no > 0 is "tied", and a vote
  with no yes and no no at all (only abstentions, or nothing) "failed". Only the simple
  majority reports ties; the other rules compare yes against a fixed bar, so they pass or fail.
* Abstentions and blocks count toward quorum, never toward a majority.
* With `allow_block`, one block defeats a proposal under every rule ("blocked"), provided the
  quorum was reached; without quorum the vote is void whatever was cast.
* Quorum given as an `int` counts ballots (people); given as a `Fraction` it is a share of the
  roster's total weight and is reached at exactly that share.
* Choice, multi and ranked votes with no ballot at all "failed": there is nobody to elect.
* Consensus is the share of the weight cast behind the leading side: max(yes, no) over
  yes + no + abstain for proposals; the leader's weight over the weight cast for choice and
  multi; the winner's final-round weight for IRV; the winner's narrowest head-to-head support
  (min over rivals of d[winner][rival]) for Schulze. It is None when there is no count to
  speak of (no quorum, blocked, nothing cast, or a Schulze tie).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import combinations_with_replacement, permutations
from typing import Any

from bot import i18n
from bot.i18n import N_, NP_, _, ngettext, pgettext
from bot.text import fold

PROPOSAL_OPTIONS: tuple[str, ...] = ("yes", "no", "abstain")
BLOCK = "block"

KINDS = ("proposal", "choice", "multi", "ranked")
RULES = ("simple", "absolute", "super", "unanimous")
METHODS = ("schulze", "irv")

PASSED = "passed"
FAILED = "failed"
TIED = "tied"
NO_QUORUM = "no quorum"
BLOCKED = "blocked"
CANCELLED = "cancelled"  # set by callers when a vote is withdrawn; tally never returns it
OUTCOMES = (PASSED, FAILED, TIED, NO_QUORUM, BLOCKED, CANCELLED)

_HALF = Fraction(1, 2)
_ZERO = Fraction(0)

# Past this many completions is_decided stops brute-forcing ranked votes and answers False:
# closing a vote a little late is harmless, stalling the scheduler is not.
_BRUTE_FORCE_BUDGET = 3000

_ACCEPTED_RULES = (
    "simple, absolute, unanimous, or a supermajority such as 2/3, 3/4, 75% or super:2/3"
)


class RuleError(ValueError):
    """The rule or quorum cannot be applied; the message is one line meant for humans."""


class BallotError(ValueError):
    """A ballot that the rules do not accept; the message is one line meant for humans."""


# --------------------------------------------------------------------------- formatting


def format_number(value: Fraction) -> str:
    """Weights for humans: 5, 2.5, 10/3. Exact, because people check the arithmetic."""
    if value.denominator == 1:
        return str(value.numerator)
    if 100 % value.denominator == 0:
        return f"{Decimal(value.numerator) / Decimal(value.denominator):f}".rstrip("0")
    return f"{value.numerator}/{value.denominator}"


def format_share(share: Fraction) -> str:
    """Shares as people write them: whole percentages as "75%", thirds and the like as "2/3"
    (a percentage would have to be rounded), anything else as a rounded percentage."""
    percent = share * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    if share.denominator <= 12:
        return f"{share.numerator}/{share.denominator}"
    return f"{round(float(percent), 2):g}%"


def bar(share: Fraction, width: int = 10) -> str:
    """A text bar such as "████████░░". A share strictly between 0 and 1 never draws an
    empty or a full bar, so 1% never looks like nothing and 99% never looks unanimous."""
    if width < 1:
        raise ValueError("a bar needs a width of at least 1")
    share = min(max(Fraction(share), _ZERO), Fraction(1))
    filled = math.floor(share * width + _HALF)
    if 0 < share < 1:
        filled = min(max(filled, 1), width - 1) if width > 1 else filled
    return "█" * filled + "░" * (width - filled)


# --------------------------------------------------------------------------- numbers


def _exact(value: object, what: str, error: type[ValueError]) -> Fraction:
    """Weights arrive from config and storage; floats are refused rather than converted so a
    binary approximation can never tip a decision."""
    if isinstance(value, bool | float):
        raise error(f"{what} must be a whole number or a fraction, not {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int | Decimal):
        return Fraction(value)
    raise error(f"{what} must be a whole number or a fraction, not {value!r}")


def _positive(value: object, what: str, error: type[ValueError]) -> Fraction:
    exact = _exact(value, what, error)
    if exact <= 0:
        raise error(f"{what} must be more than 0, not {format_number(exact)}")
    return exact


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rules:
    """How a vote is counted. Construction validates everything that does not depend on the
    roster (see check_rules for the rest), so a Rules value is always countable."""

    kind: str  # "proposal" | "choice" | "multi" | "ranked"
    options: tuple[str, ...]  # proposal: normalised to PROPOSAL_OPTIONS (+ BLOCK)
    rule: str = "simple"  # proposals only; the other kinds ignore it
    threshold: Fraction | None = None  # "super" only
    quorum: int | Fraction | None = None  # int: ballots; Fraction: share of roster weight
    allow_block: bool = False  # proposals only; ignored elsewhere
    max_choices: int | None = None  # multi only; None means every option
    method: str = "schulze"  # ranked: "schulze" | "irv"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise RuleError(
                _("unknown vote kind {kind!r}: use {value}").format(
                    kind=self.kind, value=", ".join(KINDS)
                )
            )
        if self.rule not in RULES:
            raise RuleError(
                _("unknown rule {rule!r}: use {ACCEPTED_RULES}").format(
                    rule=self.rule, ACCEPTED_RULES=_ACCEPTED_RULES
                )
            )
        if self.method not in METHODS:
            raise RuleError(
                _("unknown ranking method {method!r}: use schulze or irv").format(
                    method=self.method
                )
            )
        self._check_threshold()
        self._check_quorum()
        # Frozen, but callers pass lists and loose option tuples; normalising here means every
        # later comparison can trust the canonical form.
        object.__setattr__(self, "options", self._canonical_options())
        if self.kind == "multi" and self.max_choices is not None:
            if isinstance(self.max_choices, bool) or not isinstance(self.max_choices, int):
                raise RuleError(_("the number of choices must be a whole number"))
            if not 1 <= self.max_choices <= len(self.options):
                raise RuleError(
                    _("the number of choices must be between 1 and {value}").format(
                        value=len(self.options)
                    )
                )

    def _check_threshold(self) -> None:
        if self.rule != "super":
            if self.threshold is not None:
                raise RuleError(_("a threshold only applies to a supermajority"))
            return
        if self.threshold is None:
            raise RuleError(_("a supermajority needs a threshold such as 2/3 or 75%"))
        threshold = _exact(self.threshold, "the supermajority threshold", RuleError)
        _check_super_threshold(threshold)
        object.__setattr__(self, "threshold", threshold)

    def _check_quorum(self) -> None:
        quorum = self.quorum
        if quorum is None:
            return
        if isinstance(quorum, bool | float):
            raise RuleError(_("a quorum is a number of voters or a percentage of the weight"))
        if isinstance(quorum, int):
            if quorum < 1:
                raise RuleError(_("a quorum must be at least 1 voter"))
            return
        if not isinstance(quorum, Fraction):
            raise RuleError(_("a quorum is a number of voters or a percentage of the weight"))
        if not 0 < quorum <= 1:
            raise RuleError(_("a quorum percentage must be more than 0% and at most 100%"))

    def _canonical_options(self) -> tuple[str, ...]:
        if self.kind == "proposal":
            canonical = PROPOSAL_OPTIONS + ((BLOCK,) if self.allow_block else ())
            given = tuple(str(o).strip().casefold() for o in self.options)
            # A proposal's options are fixed; accept either spelling of them (with or without
            # "block") so callers need not mirror allow_block themselves.
            if given not in ((), PROPOSAL_OPTIONS, (*PROPOSAL_OPTIONS, BLOCK)):
                raise RuleError(_("a proposal's options are always yes, no and abstain"))
            return canonical
        options = tuple(str(o).strip() for o in self.options)
        if any(not fold(o) for o in options):
            raise RuleError(_("options cannot be empty"))
        # Compared as people read them: "Café" typed two ways, or "Ｆox" and "Fox", are one.
        folded = [fold(o) for o in options]
        if len(set(folded)) != len(folded):
            dup = next(o for o in options if folded.count(fold(o)) > 1)
            raise RuleError(_("the option {dup!r} is listed twice").format(dup=dup))
        if len(options) < 2:
            raise RuleError(_("a {kind} vote needs at least two options").format(kind=self.kind))
        return options

    @property
    def choice_limit(self) -> int:
        """How many options one ballot may name."""
        if self.kind == "multi":
            return self.max_choices or len(self.options)
        if self.kind == "ranked":
            return len(self.options)
        return 1


def _check_super_threshold(threshold: Fraction) -> None:
    # At or below one half a "supermajority" would let a tie (or a minority) pass.
    if not _HALF < threshold <= 1:
        raise RuleError(
            _("a supermajority must be more than half and at most all, not {value}").format(
                value=format_share(threshold)
            )
        )


_FRACTION_RE = re.compile(r"(\d+)\s*/\s*(\d+)")
_PERCENT_RE = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_SUPER_PREFIX_RE = re.compile(r"(?:super(?:majority)?)\s*[:=]?\s*")
_NAMED_RULES = {
    "simple": "simple",
    "majority": "simple",
    "simple majority": "simple",
    "absolute": "absolute",
    "absolute majority": "absolute",
    "unanimous": "unanimous",
    "unanimity": "unanimous",
}


def parse_rule(text: str) -> tuple[str, Fraction | None]:
    """Read a rule as typed: simple -> ("simple", None); 2/3, 75% or super:2/3 ->
    ("super", Fraction(2, 3)). Anything else raises RuleError listing the accepted forms."""
    cleaned = " ".join(text.strip().casefold().split())
    if cleaned in _NAMED_RULES:
        return _NAMED_RULES[cleaned], None
    number = cleaned
    prefix = _SUPER_PREFIX_RE.match(cleaned)
    if prefix:
        number = cleaned[prefix.end() :]
    threshold: Fraction | None = None
    if m := _FRACTION_RE.fullmatch(number):
        if int(m.group(2)) == 0:
            raise RuleError(
                _("{value!r} divides by zero: use {ACCEPTED_RULES}").format(
                    value=text.strip(), ACCEPTED_RULES=_ACCEPTED_RULES
                )
            )
        threshold = Fraction(int(m.group(1)), int(m.group(2)))
    elif m := _PERCENT_RE.fullmatch(number):
        threshold = Fraction(m.group(1)) / 100
    if threshold is None:
        raise RuleError(
            _("unknown rule {value!r}: use {ACCEPTED_RULES}").format(
                value=text.strip(), ACCEPTED_RULES=_ACCEPTED_RULES
            )
        )
    _check_super_threshold(threshold)
    return "super", threshold


def describe(rules: Rules) -> str:
    """The rule in words, as shown with results: "2/3 supermajority", "Schulze method"."""
    if rules.kind == "choice":
        return _("most votes")
    if rules.kind == "multi":
        limit = rules.choice_limit
        return ngettext("approval, up to {n} choice", "approval, up to {n} choices", limit).format(
            n=limit
        )
    if rules.kind == "ranked":
        return _("Schulze method") if rules.method == "schulze" else _("instant-runoff")
    named = {
        "simple": N_("simple majority"),
        "absolute": N_("absolute majority"),
        "unanimous": N_("unanimous"),
    }.get(rules.rule or "")
    text = (
        _(named)
        if named
        else _("{share} supermajority").format(share=format_share(rules.threshold or _ZERO))
    )
    return _("{rule} with blocks").format(rule=text) if rules.allow_block else text


def _roster_totals(
    roster: Mapping[str, object] | Fraction | int | None,
) -> tuple[int | None, Fraction | None, dict[str, Fraction] | None]:
    """(eligible count, eligible weight, normalised roster). A bare number is accepted as the
    total weight of an unknown set of voters, for callers that only know the total."""
    if roster is None:
        return None, None, None
    if isinstance(roster, Mapping):
        # Rosters repeat a few weights: check each distinct (type, value) once. The type is
        # part of the key so a float equal to a checked int is still refused.
        known: dict[tuple[type, object], Fraction] = {}
        weights: dict[str, Fraction] = {}
        for v, w in roster.items():
            exact = known.get((type(w), w))
            if exact is None:
                exact = known[(type(w), w)] = _positive(w, f"the weight of {v}", RuleError)
            weights[str(v)] = exact
        return len(weights), _weight_sum(weights.values()), weights
    return None, _exact(roster, "the eligible weight", RuleError), None


def _require_roster(rules: Rules, eligible_weight: Fraction | None) -> None:
    """The failures that make a count meaningless, as opposed to merely unmeetable."""
    if eligible_weight is not None:
        return
    if rules.kind == "proposal" and rules.rule == "absolute":
        raise RuleError(_("an absolute majority needs the list of eligible voters"))
    if isinstance(rules.quorum, Fraction):
        raise RuleError(_("a quorum in percent needs the list of eligible voters"))


def check_rules(
    rules: Rules, roster: Mapping[str, Fraction] | Fraction | int | None = None
) -> None:
    """Raise RuleError when the vote could never be decided as configured: an absolute
    majority or a percentage quorum without a roster, an empty roster, or a quorum of more
    voters than the roster holds. Call it when a vote is opened; tally() only re-checks what
    would make the count meaningless, so a vote whose roster shrank still closes (as
    "no quorum") instead of failing to close."""
    eligible, eligible_weight, _roster = _roster_totals(roster)
    _require_roster(rules, eligible_weight)
    if eligible_weight is not None and eligible_weight <= 0:
        raise RuleError(_("nobody is eligible to vote"))
    if eligible is not None and isinstance(rules.quorum, int) and rules.quorum > eligible:
        raise RuleError(
            _("a quorum of {quorum} voters can never be met: only {eligible} may vote").format(
                quorum=rules.quorum, eligible=eligible
            )
        )


# --------------------------------------------------------------------------- ballots


@dataclass(frozen=True)
class Ballot:
    voter: str
    choices: tuple[str, ...]  # proposal/choice: one; multi: 1..max; ranked: best first
    weight: Fraction = Fraction(1)
    reason: str | None = None  # required for a block

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", tuple(self.choices))
        object.__setattr__(
            self, "weight", _positive(self.weight, f"the weight of {self.voter}", BallotError)
        )


PROPOSAL_LABELS = (
    NP_("option", "yes"),
    NP_("option", "no"),
    NP_("option", "abstain"),
    NP_("option", "block"),
)


def option_label(option: str) -> str:
    """A proposal's yes/no/abstain/block in the reader's words; other options as typed."""
    return pgettext("option", option) if option in PROPOSAL_LABELS else option


def validate_ballot(
    rules: Rules, choices: Sequence[str], reason: str | None = None
) -> tuple[str, ...]:
    """Match choices to the canonical option names (case and surrounding space ignored) and
    enforce the per-kind limits. Multi ballots come back in option order so equal ballots
    compare equal; ranked ballots keep their order, which is the whole point of them."""
    if isinstance(choices, str):
        choices = (choices,)
    if not choices:
        raise BallotError(_("the ballot names no option"))
    lookup = {fold(o): o for o in rules.options}
    matched: list[str] = []
    for raw in choices:
        option = lookup.get(fold(str(raw)))
        if option is None:
            if rules.kind == "proposal" and fold(str(raw)) == BLOCK:
                raise BallotError(_("this vote does not allow blocks"))
            raise BallotError(
                _("{value!r} is not an option: use {value2}").format(
                    value=str(raw).strip(),
                    value2=i18n.joined([option_label(o) for o in rules.options]),
                )
            )
        if option in matched:
            twice = (
                _("{option!r} is ranked twice")
                if rules.kind == "ranked"
                else _("{option!r} is chosen twice")
            )
            raise BallotError(twice.format(option=option))
        matched.append(option)
    limit = rules.choice_limit
    if len(matched) > limit:
        if rules.kind == "multi":
            raise BallotError(
                ngettext(
                    "choose at most {limit} option", "choose at most {limit} options", limit
                ).format(limit=limit)
            )
        raise BallotError(_("choose exactly one option"))
    if rules.kind == "proposal" and matched[0] == BLOCK and not (reason and reason.strip()):
        raise BallotError(_("a block needs a reason"))
    if rules.kind == "multi":
        return tuple(o for o in rules.options if o in matched)
    return tuple(matched)


def _normalise(rules: Rules, ballots: Sequence[Ballot]) -> list[Ballot]:
    seen: set[str] = set()
    clean: list[Ballot] = []
    # Ballots repeat the same few choices: validate each distinct one once.
    checked: dict[tuple[tuple[str, ...], str | None], tuple[str, ...]] = {}
    for ballot in ballots:
        if ballot.voter in seen:
            raise BallotError(_("{voter} has two ballots").format(voter=ballot.voter))
        seen.add(ballot.voter)
        key = (ballot.choices, ballot.reason)
        choices = checked.get(key)
        if choices is None:
            choices = checked[key] = validate_ballot(rules, ballot.choices, ballot.reason)
        if choices == ballot.choices:
            clean.append(ballot)
        else:
            clean.append(Ballot(ballot.voter, choices, ballot.weight, ballot.reason))
    return clean


def _weight_sum(weights: Iterable[Fraction]) -> Fraction:
    """An exact sum: whole weights added as ints, the others once per distinct value."""
    whole = 0
    parts: Counter[tuple[int, int]] = Counter()
    for w in weights:
        if w.denominator == 1:
            whole += w.numerator
        else:
            parts[(w.numerator, w.denominator)] += 1
    return Fraction(whole) + sum((Fraction(a, b) * n for (a, b), n in parts.items()), _ZERO)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class OptionTally:
    option: str
    count: int
    weight: Fraction


@dataclass(frozen=True)
class Result:
    outcome: str
    winners: tuple[str, ...]  # passed: ("yes",) or (winner,); tied: the tied options
    tallies: tuple[OptionTally, ...]  # option order; ranked: first preferences
    voters: int
    weight_cast: Fraction
    eligible: int | None
    eligible_weight: Fraction | None
    quorum_needed: str | None  # "50% of eligible weight (5)", "3 voters"
    quorum_reached: bool
    consensus: Fraction | None
    rule_text: str
    blocks: tuple[tuple[str, str], ...] = ()  # (voter, reason), sorted by reason
    ranking: tuple[tuple[str, ...], ...] = ()  # ranked: tiers, best first
    pairwise: dict[str, dict[str, Fraction]] = field(default_factory=dict)  # Schulze d
    rounds: tuple[dict[str, Fraction], ...] = ()  # IRV: continuing option -> weight


def _quorum(
    rules: Rules,
    voters: int,
    weight_cast: Fraction,
    eligible_weight: Fraction | None,
) -> tuple[str | None, bool]:
    quorum = rules.quorum
    if quorum is None:
        return None, True
    if isinstance(quorum, int):
        return f"{quorum} voter{'s' if quorum != 1 else ''}", voters >= quorum
    assert eligible_weight is not None  # _require_roster ran first
    needed = quorum * eligible_weight
    text = _("{value} of eligible weight ({value2})").format(
        value=format_share(quorum), value2=format_number(needed)
    )
    return text, weight_cast >= needed


def _option_tallies(
    options: Sequence[str], ballots: Iterable[Ballot], first_only: bool = False
) -> tuple[OptionTally, ...]:
    counts: Counter[str] = Counter()
    weights: dict[str, Fraction] = dict.fromkeys(options, _ZERO)
    # Identical (choices, weight) pairs merged first: one addition per distinct pair.
    merged = Counter(
        (b.choices[:1] if first_only else b.choices, b.weight.numerator, b.weight.denominator)
        for b in ballots
    )
    for (choices, num, den), n in merged.items():
        for option in choices:
            counts[option] += n
            weights[option] += Fraction(num * n, den)
    return tuple(OptionTally(o, counts[o], weights[o]) for o in options)


def proposal_decision(
    rules: Rules, yes: Fraction, no: Fraction, eligible_weight: Fraction | None
) -> str:
    """The majority decision from yes and no weight alone (blocks and quorum aside), shared
    by tally and is_decided so the two can never disagree."""
    if rules.rule == "simple":
        if yes > no:
            return PASSED
        return TIED if yes == no and yes > 0 else FAILED
    if rules.rule == "absolute":
        if eligible_weight is None:
            raise RuleError(_("an absolute majority needs the list of eligible voters"))
        return PASSED if yes > eligible_weight / 2 else FAILED
    if rules.rule == "super":
        assert rules.threshold is not None  # Rules guarantees it
        cast = yes + no
        return PASSED if cast > 0 and yes >= rules.threshold * cast else FAILED
    return PASSED if yes > 0 and no == 0 else FAILED  # unanimous


def tally(
    rules: Rules,
    ballots: Sequence[Ballot],
    roster: Mapping[str, Fraction] | Fraction | int | None = None,
) -> Result:
    """Count the ballots. The roster (voter -> weight of every eligible voter, None when
    unknown) only supplies the eligible totals; ballots are counted as given, one per voter."""
    eligible, eligible_weight, _ = _roster_totals(roster)
    _require_roster(rules, eligible_weight)
    clean = _normalise(rules, ballots)
    base = result_base(
        rules, len(clean), _weight_sum(b.weight for b in clean), eligible, eligible_weight
    )
    if rules.kind == "proposal":
        # Sorted by reason rather than ballot order: results must not depend on arrival
        # order, and for secret votes the order must not hint at who blocked.
        blocks = tuple(
            sorted(
                ((b.voter, (b.reason or "").strip()) for b in clean if b.choices[0] == BLOCK),
                key=lambda vr: (vr[1].casefold(), vr[1], vr[0]),
            )
        )
        return decide_proposal(rules, _option_tallies(rules.options, clean), base, blocks)
    if rules.kind in ("choice", "multi"):
        return decide_plurality(_option_tallies(rules.options, clean), base)
    return _tally_ranked(rules, clean, base)


def result_base(
    rules: Rules,
    voters: int,
    weight_cast: Fraction,
    eligible: int | None,
    eligible_weight: Fraction | None,
) -> dict[str, Any]:
    """The part of a Result every kind shares: participation, quorum and the rule."""
    quorum_needed, quorum_reached = _quorum(rules, voters, weight_cast, eligible_weight)
    return {
        "voters": voters,
        "weight_cast": weight_cast,
        "eligible": eligible,
        "eligible_weight": eligible_weight,
        "quorum_needed": quorum_needed,
        "quorum_reached": quorum_reached,
        "rule_text": describe(rules),
    }


def decide_proposal(
    rules: Rules,
    tallies: tuple[OptionTally, ...],
    base: dict[str, Any],
    blocks: tuple[tuple[str, str], ...],
    blocked: bool | None = None,
) -> Result:
    """A proposal's result from its per-option totals. `blocked` says whether any block was
    cast when the list of blocks itself is not known (running totals)."""
    weight = {t.option: t.weight for t in tallies}
    yes, no, abstain = weight["yes"], weight["no"], weight["abstain"]
    consensus: Fraction | None = None
    if not base["quorum_reached"]:
        outcome = NO_QUORUM
    elif blocks or blocked:
        outcome = BLOCKED
    else:
        outcome = proposal_decision(rules, yes, no, base["eligible_weight"])
        if yes + no > 0:
            consensus = max(yes, no) / (yes + no + abstain)
    winners = {PASSED: ("yes",), TIED: ("yes", "no")}.get(outcome, ())
    return Result(outcome, winners, tallies, consensus=consensus, blocks=blocks, **base)


def decide_plurality(tallies: tuple[OptionTally, ...], base: dict[str, Any]) -> Result:
    """A choice or multi vote's result from its per-option totals."""
    if not base["quorum_reached"]:
        return Result(NO_QUORUM, (), tallies, consensus=None, **base)
    if not base["voters"]:
        return Result(FAILED, (), tallies, consensus=None, **base)
    top = max(t.weight for t in tallies)
    leaders = tuple(t.option for t in tallies if t.weight == top)
    outcome = PASSED if len(leaders) == 1 else TIED
    return Result(outcome, leaders, tallies, consensus=top / base["weight_cast"], **base)


def decide_ranked(
    tallies: tuple[OptionTally, ...],
    base: dict[str, Any],
    ranking: list[tuple[str, ...]],
    consensus: Fraction | None,
    pairwise: dict[str, dict[str, Fraction]],
    rounds: tuple[dict[str, Fraction], ...] = (),
) -> Result:
    top = ranking[0]
    extra = {"ranking": tuple(ranking), "pairwise": pairwise, "rounds": rounds}
    if not base["quorum_reached"]:
        return Result(NO_QUORUM, (), tallies, consensus=None, **extra, **base)
    if not base["voters"]:
        return Result(FAILED, (), tallies, consensus=None, **extra, **base)
    outcome = PASSED if len(top) == 1 else TIED
    return Result(outcome, tuple(top), tallies, consensus=consensus, **extra, **base)


def schulze_consensus(
    options: Sequence[str],
    ranking: list[tuple[str, ...]],
    pairwise: Mapping[str, Mapping[str, Fraction]],
    weight_cast: Fraction,
) -> Fraction | None:
    """The Schulze winner's narrowest head-to-head support, as a share of the weight cast."""
    top = ranking[0]
    if len(top) != 1 or not weight_cast:
        return None
    return min(pairwise[top[0]][o] for o in options if o != top[0]) / weight_cast


def _tally_ranked(rules: Rules, ballots: list[Ballot], base: dict[str, Any]) -> Result:
    tallies = _option_tallies(rules.options, ballots, first_only=True)
    weight_cast: Fraction = base["weight_cast"]
    if rules.method == "schulze":
        ranking, pairwise = schulze(rules.options, ballots)
        consensus = schulze_consensus(rules.options, ranking, pairwise, weight_cast)
        return decide_ranked(tallies, base, ranking, consensus, pairwise)
    ranking, round_list = irv(rules.options, ballots)
    consensus = round_list[-1][ranking[0][0]] / weight_cast if weight_cast else None
    return decide_ranked(tallies, base, ranking, consensus, {}, tuple(round_list))


# --------------------------------------------------------------------------- ranked methods


def _grouped(options: Sequence[str], ballots: Iterable[Ballot]) -> dict[tuple[str, ...], Fraction]:
    """Identical rankings merged, so the per-ballot work scales with distinct rankings."""
    known = set(options)
    groups: dict[tuple[str, ...], Fraction] = {}
    for ballot in ballots:
        if len(set(ballot.choices)) != len(ballot.choices):
            raise BallotError(_("{voter} ranks an option twice").format(voter=ballot.voter))
        unknown = [c for c in ballot.choices if c not in known]
        if unknown:
            raise BallotError(_("{value!r} is not an option").format(value=unknown[0]))
        groups[ballot.choices] = groups.get(ballot.choices, _ZERO) + ballot.weight
    return groups


def _weights_as_numbers(groups: dict[tuple[str, ...], Fraction]) -> dict[tuple[str, ...], Any]:
    """Whole weights as ints: the inner loops of ranked counting then add machine integers
    instead of Fractions, which is most of their cost. Exactness is unchanged."""
    if all(w.denominator == 1 for w in groups.values()):
        return {r: w.numerator for r, w in groups.items()}
    return dict(groups)


def pairwise_preferences(
    options: Sequence[str], ballots: Iterable[Ballot]
) -> dict[str, dict[str, Fraction]]:
    """d[a][b]: the weight of ballots ranking a above b. Unranked options sit below every
    ranked one and are tied among themselves, so they add nothing to each other's counts.

    O(B·C²) over distinct rankings, on an index matrix."""
    options = list(options)
    index = {o: i for i, o in enumerate(options)}
    n = len(options)
    m: list[list[Any]] = [[0] * n for _ in range(n)]
    everyone = range(n)
    for ranking, weight in _weights_as_numbers(_grouped(options, ballots)).items():
        ranked = [index[o] for o in ranking]
        seen = set(ranked)
        below = [i for i in everyone if i not in seen]
        for pos, a in enumerate(ranked):
            row = m[a]
            for b in ranked[pos + 1 :]:
                row[b] += weight
            for b in below:
                row[b] += weight
    return {
        a: {b: Fraction(m[i][j]) for j, b in enumerate(options) if j != i}
        for i, a in enumerate(options)
    }


def schulze(
    options: Sequence[str], ballots: Sequence[Ballot]
) -> tuple[list[tuple[str, ...]], dict[str, dict[str, Fraction]]]:
    """Schulze ranking (winning votes) as tiers, best first, plus the pairwise matrix d."""
    d = pairwise_preferences(options, ballots)
    return schulze_ranking(options, d), d


def schulze_ranking(
    options: Sequence[str], d: Mapping[str, Mapping[str, Fraction]]
) -> list[tuple[str, ...]]:
    """The Schulze tiers from a pairwise matrix: Floyd–Warshall strongest paths, O(C³).

    a is better than b when the strongest path a->b beats the strongest path b->a; Schulze
    proves that relation transitive, so peeling off the options nobody remaining beats gives
    a well-defined ranking. Options in one tier are tied and listed in option order."""
    options = list(options)
    n = len(options)
    p = [
        [d[a][b] if i != j and d[a][b] > d[b][a] else _ZERO for j, b in enumerate(options)]
        for i, a in enumerate(options)
    ]
    for k in range(n):
        pk = p[k]
        for i in range(n):
            if i == k:
                continue
            pi = p[i]
            pik = pi[k]
            if not pik:
                continue
            for j in range(n):
                if j != i and j != k:
                    via = pik if pik < pk[j] else pk[j]
                    if via > pi[j]:
                        pi[j] = via
    tiers: list[tuple[str, ...]] = []
    remaining = list(range(n))
    while remaining:
        top = [a for a in remaining if not any(p[b][a] > p[a][b] for b in remaining if b != a)]
        if not top:  # impossible by Schulze's transitivity proof; never loop forever
            raise RuntimeError("Schulze relation is not transitive")
        tiers.append(tuple(options[a] for a in top))
        remaining = [a for a in remaining if a not in top]
    return tiers


def _elimination_loser(candidates: list[str], rounds: list[dict[str, Fraction]]) -> str:
    """Among options tied for fewest votes, drop the one that did worst in the latest earlier
    round that separates them; if no round does, drop the one sorting last alphabetically
    (case-insensitively), so the outcome never depends on how the vote listed its options."""
    for earlier in reversed(rounds[:-1]):
        low = min(earlier[c] for c in candidates)
        candidates = [c for c in candidates if earlier[c] == low]
        if len(candidates) == 1:
            return candidates[0]
    return max(candidates, key=lambda o: (o.casefold(), o))


def irv(
    options: Sequence[str], ballots: Sequence[Ballot]
) -> tuple[list[tuple[str, ...]], list[dict[str, Fraction]]]:
    """Instant-runoff: each round, every ballot counts for its highest continuing option; an
    option with more than half of the continuing (not exhausted) weight wins, otherwise the
    weakest is eliminated. Options with no weight at all go together, since dropping them
    moves no ballot. When every continuing option has the same weight the vote is tied
    between them: any tie-break there would pick the winner rather than the voters.

    Returns the ranking as tiers (winner, then the rest by final-round weight, then the
    eliminated in reverse order) and the rounds, each mapping continuing option -> weight.

    Identical rankings are counted once, and each round moves only the rankings whose
    option was just eliminated, so the whole count is O(B·C) over distinct rankings."""
    groups = list(_weights_as_numbers(_grouped(options, ballots)).items())
    continuing = list(options)
    alive = set(continuing)
    # Each ranking sits on the pile of its highest continuing option.
    piles: dict[str, list[int]] = {o: [] for o in continuing}
    totals_now: dict[str, Any] = dict.fromkeys(continuing, 0)
    at = [0] * len(groups)
    for g, (ranking, weight) in enumerate(groups):
        if ranking:
            piles[ranking[0]].append(g)
            totals_now[ranking[0]] += weight
    rounds: list[dict[str, Fraction]] = []
    eliminated: list[tuple[str, ...]] = []
    while True:
        totals = {o: Fraction(totals_now[o]) for o in continuing}
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
        alive.difference_update(losers)
        for loser in losers:
            for g in piles.pop(loser):
                ranking, weight = groups[g]
                i = at[g] + 1
                while i < len(ranking) and ranking[i] not in alive:
                    i += 1
                at[g] = i
                if i < len(ranking):
                    piles[ranking[i]].append(g)
                    totals_now[ranking[i]] += weight
            del totals_now[loser]
    tiers.extend(reversed(eliminated))
    return tiers, rounds


def _tiers_by_weight(options: list[str], totals: Mapping[str, Fraction]) -> list[tuple[str, ...]]:
    levels = sorted({totals[o] for o in options}, reverse=True)
    return [tuple(o for o in options if totals[o] == level) for level in levels]


# --------------------------------------------------------------------------- early close


def is_decided(rules: Rules, ballots: Sequence[Ballot], roster: Mapping[str, Fraction]) -> bool:
    """True when no set of ballots from the roster voters who have not voted yet (any of
    them voting, any way) can change the outcome or the winners; drives
    --close-when-decided.

    Proposals, choice and multi votes are answered exactly, by reasoning on the extreme
    completions. Ranked votes are answered exactly when a sufficient condition holds or the
    remaining completions are few enough to try them all; otherwise the answer is False, so a
    True is always safe."""
    current = tally(rules, ballots, roster)
    _, _, weights = _roster_totals(roster)
    assert weights is not None
    voted = {b.voter for b in ballots}
    remaining = [(v, w) for v, w in weights.items() if v not in voted]
    left = sum((w for _, w in remaining), _ZERO)
    quick = decided_from_totals(rules, current, len(remaining), left)
    if quick is not None:
        return quick
    return _ranked_decided(rules, ballots, current, remaining, left)


def decided_from_totals(
    rules: Rules, current: Result, remaining: int, left: Fraction
) -> bool | None:
    """is_decided from the current result, how many roster voters have not voted and their
    weight alone; None when only the ranked search over the ballots can tell."""
    if not remaining:
        return True
    _, reachable = _quorum(
        rules,
        current.voters + remaining,
        current.weight_cast + left,
        current.eligible_weight,
    )
    if not reachable:
        return True  # quorum grows with every ballot, so it stays out of reach for good
    if not current.quorum_reached:
        return False  # "no quorum" now, something else if the rest vote
    if rules.kind == "proposal":
        return _proposal_decided(rules, current, left)
    if rules.kind in ("choice", "multi"):
        if current.outcome != PASSED:
            return False  # one more ballot for a tied option (or any option) changes it
        leader = current.winners[0]
        best_rival = max(t.weight for t in current.tallies if t.option != leader)
        lead = next(t.weight for t in current.tallies if t.option == leader)
        return lead > best_rival + left
    return None


def _proposal_decided(rules: Rules, current: Result, left: Fraction) -> bool:
    if rules.allow_block:
        # Already blocked with quorum: nothing undoes a block. Otherwise anyone left can block
        # while everyone else abstaining leaves the majority decision reachable too.
        return current.outcome == BLOCKED
    weight = {t.option: t.weight for t in current.tallies}
    yes, no = weight["yes"], weight["no"]
    ew = current.eligible_weight
    if rules.rule != "simple":
        # Monotone rules: passing only gets easier with more yes and fewer no, and every
        # completion lies between "all the rest vote no" and "all the rest vote yes". Voters
        # who abstain instead leave the decision unchanged but still count for quorum, which
        # is already reached.
        return proposal_decision(rules, yes + left, no, ew) == proposal_decision(
            rules, yes, no + left, ew
        )
    # Simple majority is not monotone (a tie sits between pass and fail), but it needs no
    # search: if the lead is at most the weight still out, all the rest voting for the
    # trailing side ties or reverses it (and with nothing cast yet, one yes already passes);
    # if the lead is larger, no split of the rest can even reach a tie.
    return abs(yes - no) > left


def _ranked_decided(
    rules: Rules,
    ballots: Sequence[Ballot],
    current: Result,
    remaining: list[tuple[str, Fraction]],
    left: Fraction,
) -> bool:
    if current.outcome == PASSED:
        leader = current.winners[0]
        if rules.method == "schulze":
            d = current.pairwise
            # A Condorcet winner by more than everything still out is the unique Schulze
            # winner of every completion.
            if all(d[leader][o] > d[o][leader] + left for o in d[leader]):
                return True
        else:
            first = next(t.weight for t in current.tallies if t.option == leader)
            # A majority of all weight that could ever be cast wins the first round.
            if first * 2 > current.weight_cast + left:
                return True
    rankings: list[tuple[str, ...] | None] = [
        perm
        for size in range(1, len(rules.options) + 1)
        for perm in permutations(rules.options, size)
    ]
    completions = _completions(remaining, [None, *rankings])
    if completions is None:
        return False
    # Quorum is reached now and only grows, so from here the outcome depends on the weight
    # behind each ranking alone; merging identical rankings keeps each trial cheap.
    merged = [
        Ballot(f"\0{i}", ranking, weight)
        for i, (ranking, weight) in enumerate(
            _grouped(rules.options, _normalise(rules, ballots)).items()
        )
    ]
    expected = (current.outcome, current.winners)
    for extra in completions:
        trial = [*merged, *extra]
        if not trial:
            outcome: tuple[str, tuple[str, ...]] = (FAILED, ())
        else:
            method = schulze if rules.method == "schulze" else irv
            top = method(rules.options, trial)[0][0]
            outcome = (PASSED if len(top) == 1 else TIED, top)
        if outcome != expected:
            return False
    return True


def _completions(
    remaining: list[tuple[str, Fraction]], choices: list[tuple[str, ...] | None]
) -> Iterator[list[Ballot]] | None:
    """Every distinct way the remaining voters can vote (None = does not vote). Voters of
    equal weight are interchangeable, so each weight class contributes multisets of choices
    rather than sequences. None when there are more than the brute-force budget."""
    classes: dict[Fraction, list[str]] = {}
    for voter, weight in remaining:
        classes.setdefault(weight, []).append(voter)
    size = 1
    for voters in classes.values():
        size *= math.comb(len(voters) + len(choices) - 1, len(voters))
        if size > _BRUTE_FORCE_BUDGET:
            return None

    def expand(items: list[tuple[Fraction, list[str]]]) -> Iterator[list[Ballot]]:
        if not items:
            yield []
            return
        (weight, voters), rest = items[0], items[1:]
        for picks in combinations_with_replacement(range(len(choices)), len(voters)):
            mine = [
                Ballot(voter, choice, weight)
                for voter, pick in zip(voters, picks, strict=True)
                if (choice := choices[pick]) is not None
            ]
            for tail in expand(rest):
                yield mine + tail

    return expand(sorted(classes.items()))
