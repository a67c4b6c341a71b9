"""The words and bars of a vote: its message (live or closed), the result, receipts. Pure:
everything it shows is passed in."""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.i18n import NP_, _, ngettext, pgettext
from bot.model import FORM_PREFIX, Card, Choice
from bot.timeparse import format_when, mark_when
from commands.votes import rules as vote_rules
from commands.votes.rules import Result, bar, format_number, format_share
from commands.votes.state import PROPOSAL_EMOJI
from storage.vote_tables import Vote


def percent(share: Fraction) -> str:
    return f"{round(float(share) * 100)}%"


# The words shown for a proposal's fixed options, a vote's kinds and its outcomes.
PROPOSAL_LABELS = vote_rules.PROPOSAL_LABELS
_SHOWN = (
    NP_("vote kind", "proposal"),
    NP_("vote kind", "choice"),
    NP_("vote kind", "multi"),
    NP_("vote kind", "ranked"),
    NP_("outcome", "passed"),
    NP_("outcome", "failed"),
    NP_("outcome", "tied"),
    NP_("outcome", "no quorum"),
    NP_("outcome", "blocked"),
    NP_("outcome", "cancelled"),
    NP_("vote status", "open"),
    NP_("vote status", "closing"),
    NP_("vote status", "closed"),
    NP_("vote status", "cancelled"),
    NP_("vote action", "close"),
    NP_("vote action", "cancel"),
    NP_("vote action", "extend"),
)


option_label = vote_rules.option_label


def voted_count(voted: int, eligible: int | None) -> str:
    if eligible:
        share = percent(Fraction(voted, eligible))
        return _("{voted} of {eligible} eligible voted ({share})").format(
            voted=voted, eligible=eligible, share=share
        )
    return _("{voted} voted").format(voted=voted)


def rule_line(vote: Vote, rules: vote_rules.Rules) -> str:
    return vote_rules.describe(rules)


def quorum_line(vote: Vote) -> str:
    if not vote.quorum:
        return _("none")
    if "/" in vote.quorum:
        return _("{share} of the eligible weight").format(share=format_share(Fraction(vote.quorum)))
    n = int(vote.quorum)
    return ngettext("{n} voter", "{n} voters", n).format(n=n)


def eligibility_line(vote: Vote) -> str:
    if vote.eligible_roles:
        return _("holders of {roles}").format(roles=", ".join("@" + r for r in vote.eligible_roles))
    return _("everyone in #{channel}").format(channel=vote.channel)


def proposal_options(vote: Vote) -> list[str]:
    return ["yes", "no", "abstain"] + (["block"] if vote.allow_block else [])


def choices_for(vote: Vote) -> tuple[Choice, ...]:
    """Buttons (and reactions) that cast. A secret vote has one button only, "Vote
    privately", which opens the cast form for the presser alone (a reaction is public on some
    platforms; elsewhere secret ballots are cast by command in a direct chat). Ranked votes
    need an order, which one press cannot give."""
    if vote.status != "open" or vote.kind == "ranked":
        return ()
    if vote.secret:
        names = proposal_options(vote) if vote.kind == "proposal" else list(vote.options)
        pick: dict[str, object] = {"id": str(vote.id)}
        if vote.kind != "multi":
            pick["option"] = names
        value = json.dumps(pick, separators=(",", ":"))
        return (Choice(f"{FORM_PREFIX}vote cast", value, _("🔒 Vote privately"), "primary"),)
    if vote.kind == "proposal":
        names = proposal_options(vote)
        return tuple(
            Choice(
                "vote.cast",
                f"{vote.id}:{n}",
                option_label(n),
                style="primary" if n == "yes" else "danger" if n == "block" else "default",
                emoji=PROPOSAL_EMOJI[n],
            )
            for n in names
        )
    return tuple(Choice("vote.cast", f"{vote.id}:{o}", o) for o in vote.options)


def tally_lines(result: Result) -> list[str]:
    cast = result.weight_cast
    width = max((len(t.option) for t in result.tallies), default=0)
    lines = []
    for t in result.tallies:
        share = t.weight / cast if cast else Fraction(0)
        amount = format_number(t.weight)
        if Fraction(t.count) != t.weight:
            amount += " " + ngettext("({n} ballot)", "({n} ballots)", t.count).format(n=t.count)
        label = option_label(t.option)
        lines.append(f"{label.ljust(width)} {bar(share)} {amount} · {percent(share)}")
    return lines


def participation_line(voted: int, eligible: int | None) -> str:
    if eligible:
        share = percent(Fraction(voted, eligible))
        return _("Participation: {voted} of {eligible} eligible voted ({share})").format(
            voted=voted, eligible=eligible, share=share
        )
    return _("Participation: {voted} voted").format(voted=voted)


def how_to_cast(vote: Vote, prefix: str) -> str:
    if vote.secret:
        return _("🔒 Secret ballot: cast privately: DM the bot `{command}`").format(
            command=f"{prefix}vote cast {vote.id} {pgettext('metavar', 'OPTION')}"
        )
    if vote.kind == "ranked":
        return _("Rank with `{command}`").format(
            command=f"{prefix}vote rank {vote.id} {' '.join(vote.options[:3])} ..."
        )
    if vote.kind == "multi":
        limit = vote.max_choices or len(vote.options)
        return _("Press up to {limit}, or `{command}`").format(
            limit=limit, command=f"{prefix}vote cast {vote.id} A,B"
        )
    return _("Press a choice, react, or `{command}`").format(
        command=f"{prefix}vote cast {vote.id} {pgettext('metavar', 'OPTION')}"
    )


def vote_message(
    vote: Vote,
    rules: vote_rules.Rules,
    zone: ZoneInfo,
    prefix: str,
    *,
    result: Result | None,
    voted: int,
    eligible: int | None,
) -> tuple[str, Card, tuple[Choice, ...]]:
    """The vote message: open (with a live tally unless hidden) or closed."""
    head = _("🗳️ Vote #{id}: {question}").format(id=vote.id, question=vote.question)
    fields: list[tuple[str, str]] = []
    if vote.kind != "proposal":
        fields.append((_("Options"), ", ".join(vote.options)))
    kind = pgettext("vote kind", vote.kind) + (f" ({vote.vote_type})" if vote.vote_type else "")
    fields += [
        (_("Kind"), kind),
        (_("Rule"), rule_line(vote, rules)),
        (_("Quorum"), quorum_line(vote)),
        (_("Eligible"), eligibility_line(vote)),
    ]
    voted_line = voted_count(voted, eligible)
    if vote.status == "open":
        fields.append((_("Closes"), mark_when(vote.closes_at, zone)))
        text = head
        if vote.hide_results or vote.secret:
            fields.append((_("Tally"), _("hidden until the vote closes")))
        elif result is not None:
            fields.append((_("Tally"), "\n".join(tally_lines(result))))
        fields.append((_("Voted"), voted_line))
        footer = how_to_cast(vote, prefix)
    else:
        closed = format_when(vote.closed_at or vote.closes_at, zone)
        state = _("🚫 Cancelled {when}") if vote.status == "cancelled" else _("🔒 Closed {when}")
        text = f"{head}\n{state.format(when=closed)}"
        if vote.outcome:
            winners = result.winners if result is not None else ()
            fields.append((_("Outcome"), outcome_label(vote.kind, vote.outcome, winners)))
        fields.append((_("Voted"), voted_line))
        footer = _("See the result in this message's thread.")
    return text, Card(vote.question, tuple(fields), footer), choices_for(vote)


def outcome_label(kind: str, outcome: str, winners: tuple[str, ...] | list[str]) -> str:
    """An outcome as people say it: a proposal passes or fails; a choice, multi or ranked
    vote is won by someone ("won by Red"); a tie keeps its word (the result names who)."""
    if kind == "proposal" or not winners or outcome != "passed":
        return pgettext("outcome", outcome)
    return _("won by {winners}").format(winners=", ".join(winners))


def result_text(
    vote: Vote,
    result: Result,
    *,
    voted: int,
    eligible: int | None,
    display: dict[str, str],
) -> str:
    """The result message posted in the vote's thread."""
    shown = outcome_label(vote.kind, result.outcome, result.winners)
    lines = [
        _("🗳️ Vote #{id} closed: **{outcome}**. {question}").format(
            id=vote.id, outcome=shown, question=vote.question
        )
    ]
    if vote.kind == "ranked":
        lines.append(_("First preferences:"))
    lines += tally_lines(result)
    lines.append(participation_line(voted, eligible))
    if result.quorum_needed:
        line = (
            _("Quorum: {needed}, reached")
            if result.quorum_reached
            else _("Quorum: {needed}, not reached")
        )
        lines.append(line.format(needed=result.quorum_needed))
    else:
        lines.append(_("Quorum: none"))
    lines.append(_("Rule: {rule}").format(rule=result.rule_text))
    if result.consensus is not None:
        lines.append(
            _("Consensus: {share} of the weight cast").format(share=percent(result.consensus))
        )
    if result.winners and vote.kind != "proposal":
        line = _("Winner: {names}") if len(result.winners) == 1 else _("Tied: {names}")
        lines.append(line.format(names=", ".join(result.winners)))
    for voter, reason in result.blocks:
        who = _("a voter") if vote.secret else display.get(voter, voter)
        lines.append(_("⛔ Blocked by {who}: {reason}").format(who=who, reason=reason))
    if result.ranking:
        lines.append(_("Ranking: {ranking}").format(ranking=ranking_text(result.ranking)))
    if result.pairwise:
        wins = pairwise_wins(result.pairwise)
        if wins:
            lines.append(_("Pairwise wins: {wins}").format(wins="; ".join(wins)))
    return "\n".join(lines)


def ranking_text(ranking: tuple[tuple[str, ...], ...]) -> str:
    return "  ".join(f"{i}. {' = '.join(tier)}" for i, tier in enumerate(ranking, 1))


def pairwise_wins(d: dict[str, dict[str, Fraction]]) -> list[str]:
    out = []
    for a in d:
        for b, w in d[a].items():
            if w > d[b][a]:
                out.append(
                    _("{a} beats {b} {score}").format(
                        a=a, b=b, score=f"{format_number(w)}–{format_number(d[b][a])}"
                    )
                )
    return out


def receipt(
    vote: Vote, choices: tuple[str, ...], weight: Fraction, until: datetime, zone: ZoneInfo
) -> str:
    shown = [option_label(c) for c in choices]
    what = " > ".join(shown) if vote.kind == "ranked" else ", ".join(shown)
    return _(
        "✅ Your vote on #{id} is **{what}** (weight {weight}). You can change it until {until}."
    ).format(id=vote.id, what=what, weight=format_number(weight), until=format_when(until, zone))
