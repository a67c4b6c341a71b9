"""Decision support, pure: an RFC's consensus, complexity and risk from what Moot recorded,
and the recommendations the governance model attaches to them. No I/O, no clock.

Each score is a weighted mean of the components that have data: a component without data
(no reviews yet, no meta given) is left out and the remaining weights are renormalised, and a
score with no component at all is None ("not enough information"), never a made-up number.
docs/rfcs.md states the formulas. Words come out in the language in force (`bot.i18n`), so
an assessment reads in its reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from bot.i18n import _, joined

EFFORTS = ("S", "M", "L", "XL")
EFFORT_SCORE = {"S": 0.0, "M": 1 / 3, "L": 2 / 3, "XL": 1.0}

# The product's thresholds: complexity above 0.7 asks for a phased rollout, risk above 0.6
# for a mitigation plan, consensus below one half for more communication.
COMPLEXITY_PHASED = 0.7
RISK_MITIGATION = 0.6
CONSENSUS_COMMUNICATE = 0.5

DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "consensus": {"reviews": 0.35, "concerns": 0.25, "vote": 0.25, "temperature": 0.15},
    "complexity": {
        "areas": 0.2,
        "breaking": 0.2,
        "migration": 0.15,
        "effort": 0.25,
        "discussion": 0.1,
        "concerns": 0.1,
    },
    "risk": {"breaking": 0.3, "unresolved": 0.3, "changes": 0.2, "missing": 0.2},
}

# A discussion this long, or this many concerns, counts as fully complex on that component.
LONG_DISCUSSION = 50
MANY_CONCERNS = 5
MANY_AREAS = 5


class WeightError(ValueError):
    pass


@dataclass(frozen=True)
class Inputs:
    """The recorded state of one RFC, reduced to counts."""

    approvals: int = 0
    change_requests: int = 0
    requested: int = 0  # reviewers asked for a review
    requested_missing: int = 0  # of those, how many have not reviewed
    open_concerns: int = 0
    resolved_concerns: int = 0
    comments: int = 0
    # The linked vote's support among yes and no, by weight, when it may be shown.
    vote_yes: Fraction | None = None
    vote_no: Fraction | None = None
    temp_up: int = 0
    temp_unsure: int = 0
    temp_down: int = 0
    areas: int | None = None
    breaking: bool | None = None
    migration: bool | None = None
    effort: str | None = None


@dataclass(frozen=True)
class Score:
    value: float | None
    # component name -> (its value in [0, 1], its weight after renormalising)
    parts: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Recommendation:
    code: str  # phased-rollout | risk-mitigation | communicate
    text: str
    why: str


@dataclass(frozen=True)
class Assessment:
    consensus: Score
    complexity: Score
    risk: Score
    recommendations: tuple[Recommendation, ...]

    @property
    def enough(self) -> bool:
        return any(s.value is not None for s in (self.consensus, self.complexity, self.risk))

    def as_dict(self) -> dict[str, object]:
        def score(s: Score) -> dict[str, object]:
            return {
                "value": None if s.value is None else round(s.value, 3),
                "parts": {k: [round(v, 3), round(w, 3)] for k, (v, w) in s.parts.items()},
            }

        return {
            "consensus": score(self.consensus),
            "complexity": score(self.complexity),
            "risk": score(self.risk),
            "recommendations": [r.code for r in self.recommendations],
        }


def check_weights(given: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Community weights over the defaults; unknown names and values outside [0, 1] refused."""
    out = {k: dict(v) for k, v in DEFAULT_WEIGHTS.items()}
    for score, parts in given.items():
        if score not in out:
            raise WeightError(
                _("unknown score '{score}' (known: {known})").format(
                    score=score, known=joined(list(out))
                )
            )
        for name, value in parts.items():
            if name not in out[score]:
                raise WeightError(
                    _("unknown {score} weight '{name}' (known: {known})").format(
                        score=score, name=name, known=joined(list(out[score]))
                    )
                )
            if not 0 <= float(value) <= 1:
                raise WeightError(
                    _("{score} weight {name}={value} is outside 0..1").format(
                        score=score, name=name, value=value
                    )
                )
            out[score][name] = float(value)
        if sum(out[score].values()) <= 0:
            raise WeightError(_("the {score} weights add up to 0").format(score=score))
    return out


def _mean(components: dict[str, float | None], weights: Mapping[str, float]) -> Score:
    present = {k: v for k, v in components.items() if v is not None and weights.get(k, 0) > 0}
    total = sum(weights[k] for k in present)
    if not present or total <= 0:
        return Score(None, {})
    parts = {k: (min(1.0, max(0.0, v)), weights[k] / total) for k, v in present.items()}
    return Score(sum(v * w for v, w in parts.values()), parts)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def consensus(i: Inputs, weights: Mapping[str, float]) -> Score:
    vote = None
    if i.vote_yes is not None and i.vote_no is not None and i.vote_yes + i.vote_no > 0:
        vote = float(i.vote_yes / (i.vote_yes + i.vote_no))
    temps = i.temp_up + i.temp_unsure + i.temp_down
    return _mean(
        {
            "reviews": _share(i.approvals, i.approvals + i.change_requests),
            "concerns": _share(i.resolved_concerns, i.open_concerns + i.resolved_concerns),
            "vote": vote,
            # Unsure counts half: heard, not yet convinced.
            "temperature": _share(i.temp_up + 0.5 * i.temp_unsure, temps),
        },
        weights,
    )


def _area_share(areas: int) -> float:
    return min(1.0, (max(areas, 1) - 1) / (MANY_AREAS - 1))


def complexity(i: Inputs, weights: Mapping[str, float]) -> Score:
    given = (i.areas, i.breaking, i.migration, i.effort)
    if all(g is None for g in given):
        # Discussion length alone says too little to call a change complex.
        return Score(None, {})
    concerns = i.open_concerns + i.resolved_concerns
    return _mean(
        {
            "areas": None if i.areas is None else _area_share(i.areas),
            "breaking": None if i.breaking is None else float(i.breaking),
            "migration": None if i.migration is None else float(i.migration),
            "effort": None if i.effort is None else EFFORT_SCORE[i.effort],
            "discussion": min(1.0, i.comments / LONG_DISCUSSION),
            "concerns": min(1.0, concerns / MANY_CONCERNS),
        },
        weights,
    )


def risk(i: Inputs, weights: Mapping[str, float]) -> Score:
    return _mean(
        {
            "breaking": None if i.breaking is None else float(i.breaking),
            "unresolved": _share(i.open_concerns, i.open_concerns + i.resolved_concerns),
            "changes": _share(i.change_requests, i.approvals + i.change_requests),
            "missing": _share(i.requested_missing, i.requested),
        },
        weights,
    )


def recommend(c: Score, x: Score, r: Score) -> tuple[Recommendation, ...]:
    out: list[Recommendation] = []
    if x.value is not None and x.value > COMPLEXITY_PHASED:
        out.append(
            Recommendation(
                "phased-rollout",
                _(
                    "Plan a phased rollout: split the change into steps that can ship and be "
                    "reverted one at a time."
                ),
                _("complexity {value} is above {limit}").format(
                    value=f"{x.value:.2f}", limit=COMPLEXITY_PHASED
                ),
            )
        )
    if r.value is not None and r.value > RISK_MITIGATION:
        out.append(
            Recommendation(
                "risk-mitigation",
                _(
                    "Write a risk-mitigation plan (rollback, migration path, who is affected) "
                    "before the vote."
                ),
                _("risk {value} is above {limit}").format(
                    value=f"{r.value:.2f}", limit=RISK_MITIGATION
                ),
            )
        )
    if c.value is not None and c.value < CONSENSUS_COMMUNICATE:
        out.append(
            Recommendation(
                "communicate",
                _(
                    "Talk to the stakeholders more before deciding: reach the people not yet "
                    "heard from and address the open concerns."
                ),
                _("consensus {value} is below {limit}").format(
                    value=f"{c.value:.2f}", limit=CONSENSUS_COMMUNICATE
                ),
            )
        )
    return tuple(out)


def assess(i: Inputs, weights: Mapping[str, Mapping[str, float]] | None = None) -> Assessment:
    w = check_weights(weights or {})
    c, x, r = consensus(i, w["consensus"]), complexity(i, w["complexity"]), risk(i, w["risk"])
    return Assessment(c, x, r, recommend(c, x, r))


def timeline(now: datetime, deadline: datetime | None) -> list[tuple[datetime, str]]:
    """A suggested communication timeline up to the FCP's end or the vote's close; without a
    deadline yet, up to the moment one is called."""
    summary = _("post a summary of the discussion in the thread and ask the people above")
    if deadline is None or deadline <= now:
        return [
            (now, summary),
            (now + timedelta(days=3), _("ask once more in the channel, then call the FCP or vote")),
        ]
    span = deadline - now
    last_call = deadline - min(timedelta(days=1), span / 4)
    return [
        (now, summary),
        (now + span / 2, _("remind those not yet heard from")),
        (last_call, _("last call in the channel")),
        (deadline, _("the decision")),
    ]
