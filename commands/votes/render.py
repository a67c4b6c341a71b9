"""The words and bars of a vote: its message (live or closed), the result, receipts. Pure:
everything it shows is passed in."""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.model import FORM_PREFIX, Card, Choice
from bot.timeparse import format_when, mark_when
from commands.votes import rules as vote_rules
from commands.votes.rules import Result, bar, format_number, format_share
from commands.votes.state import PROPOSAL_EMOJI
from storage.vote_tables import Vote


def percent(share: Fraction) -> str:
    return f"{round(float(share) * 100)}%"


def rule_line(vote: Vote, rules: vote_rules.Rules) -> str:
    return vote_rules.describe(rules)


def quorum_line(vote: Vote) -> str:
    if not vote.quorum:
        return "none"
    if "/" in vote.quorum:
        return f"{format_share(Fraction(vote.quorum))} of the eligible weight"
    n = int(vote.quorum)
    return f"{n} voter{'s' if n != 1 else ''}"


def eligibility_line(vote: Vote) -> str:
    if vote.eligible_roles:
        return "holders of " + ", ".join("@" + r for r in vote.eligible_roles)
    return f"everyone in #{vote.channel}"


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
        return (Choice(f"{FORM_PREFIX}vote cast", value, "🔒 Vote privately", "primary"),)
    if vote.kind == "proposal":
        names = proposal_options(vote)
        return tuple(
            Choice(
                "vote.cast",
                f"{vote.id}:{n}",
                n,
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
            amount += f" ({t.count} ballot{'s' if t.count != 1 else ''})"
        lines.append(f"{t.option.ljust(width)} {bar(share)} {amount} · {percent(share)}")
    return lines


def participation_line(voted: int, eligible: int | None) -> str:
    if eligible:
        share = percent(Fraction(voted, eligible))
        return f"Participation: {voted} of {eligible} eligible voted ({share})"
    return f"Participation: {voted} voted"


def how_to_cast(vote: Vote, prefix: str) -> str:
    if vote.secret:
        return f"🔒 Secret ballot: cast privately: DM the bot `{prefix}vote cast {vote.id} OPTION`"
    if vote.kind == "ranked":
        return f"Rank with `{prefix}vote rank {vote.id} {' '.join(vote.options[:3])} ...`"
    if vote.kind == "multi":
        limit = vote.max_choices or len(vote.options)
        return f"Press up to {limit}, or `{prefix}vote cast {vote.id} A,B`"
    return f"Press a choice, react, or `{prefix}vote cast {vote.id} OPTION`"


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
    head = f"🗳️ Vote #{vote.id}: {vote.question}"
    fields: list[tuple[str, str]] = []
    if vote.kind != "proposal":
        fields.append(("Options", ", ".join(vote.options)))
    fields += [
        ("Kind", vote.kind + (f" ({vote.vote_type})" if vote.vote_type else "")),
        ("Rule", rule_line(vote, rules)),
        ("Quorum", quorum_line(vote)),
        ("Eligible", eligibility_line(vote)),
    ]
    if vote.status == "open":
        fields.append(("Closes", mark_when(vote.closes_at, zone)))
        text = head
        if vote.hide_results or vote.secret:
            fields.append(("Tally", "hidden until the vote closes"))
        elif result is not None:
            fields.append(("Tally", "\n".join(tally_lines(result))))
        fields.append(("Voted", participation_line(voted, eligible).split(": ", 1)[1]))
        footer = how_to_cast(vote, prefix)
    else:
        closed = format_when(vote.closed_at or vote.closes_at, zone)
        text = f"{head}\n{'🚫 Cancelled' if vote.status == 'cancelled' else '🔒 Closed'} {closed}"
        if vote.outcome:
            winners = result.winners if result is not None else ()
            fields.append(("Outcome", outcome_label(vote.kind, vote.outcome, winners)))
        fields.append(("Voted", participation_line(voted, eligible).split(": ", 1)[1]))
        footer = "See the result in this message's thread."
    return text, Card(vote.question, tuple(fields), footer), choices_for(vote)


def outcome_label(kind: str, outcome: str, winners: tuple[str, ...] | list[str]) -> str:
    """An outcome as people say it: a proposal passes or fails; a choice, multi or ranked
    vote is won by someone ("won by Red"); a tie keeps its word (the result names who)."""
    if kind == "proposal" or not winners or outcome != "passed":
        return outcome
    return f"won by {', '.join(winners)}"


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
    lines = [f"🗳️ Vote #{vote.id} closed: **{shown}**. {vote.question}"]
    if vote.kind == "ranked":
        lines.append("First preferences:")
    lines += tally_lines(result)
    lines.append(participation_line(voted, eligible))
    if result.quorum_needed:
        reached = "reached" if result.quorum_reached else "not reached"
        lines.append(f"Quorum: {result.quorum_needed}, {reached}")
    else:
        lines.append("Quorum: none")
    lines.append(f"Rule: {result.rule_text}")
    if result.consensus is not None:
        lines.append(f"Consensus: {percent(result.consensus)} of the weight cast")
    if result.winners and vote.kind != "proposal":
        lines.append(
            ("Winner: " if len(result.winners) == 1 else "Tied: ") + ", ".join(result.winners)
        )
    for voter, reason in result.blocks:
        who = "a voter" if vote.secret else display.get(voter, voter)
        lines.append(f"⛔ Blocked by {who}: {reason}")
    if result.ranking:
        lines.append("Ranking: " + ranking_text(result.ranking))
    if result.pairwise:
        wins = pairwise_wins(result.pairwise)
        if wins:
            lines.append("Pairwise wins: " + "; ".join(wins))
    return "\n".join(lines)


def ranking_text(ranking: tuple[tuple[str, ...], ...]) -> str:
    return "  ".join(f"{i}. {' = '.join(tier)}" for i, tier in enumerate(ranking, 1))


def pairwise_wins(d: dict[str, dict[str, Fraction]]) -> list[str]:
    out = []
    for a in d:
        for b, w in d[a].items():
            if w > d[b][a]:
                out.append(f"{a} beats {b} {format_number(w)}–{format_number(d[b][a])}")
    return out


def receipt(
    vote: Vote, choices: tuple[str, ...], weight: Fraction, until: datetime, zone: ZoneInfo
) -> str:
    what = " > ".join(choices) if vote.kind == "ranked" else ", ".join(choices)
    return (
        f"✅ Your vote on #{vote.id} is **{what}** (weight {format_number(weight)}). "
        f"You can change it until {format_when(until, zone)}."
    )
