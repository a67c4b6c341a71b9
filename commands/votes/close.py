"""Closing a vote (deadline, early, decided, cancelled), the live tally, and reminders.

close_vote is the one way a vote ends: the scheduler, `/vote close`, `/vote cancel` and
--close-when-decided all call it, inside the transaction of whatever triggered it. A
conditional update on the vote's status makes it happen once however many callers race.
"""

from __future__ import annotations

import logging
import random
import secrets
from datetime import timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import select, update

from bot import changes
from bot.context import Ctx
from bot.model import Edit
from bot.timeparse import format_left, mark_when, parse_duration
from commands.votes import render as vote_render
from commands.votes import rules as vote_rules
from commands.votes.state import (
    DEFAULT_REMINDERS,
    add_step,
    ballot_rows,
    counted_ballots,
    roster,
    roster_hash,
    rules_of,
    voted_ids,
)
from storage import repos
from storage.tables import DueWork, Outbox
from storage.vote_tables import DecisionRecord, Vote, VoteBallot

log = logging.getLogger("moot.vote")

ERASED_RECEIPT = "(secret ballot receipt, erased when the vote closed)"


def receipt_ref(vote: Vote) -> str:
    return f"vote-receipt:{vote.id}"


def safe_tally(
    rules: vote_rules.Rules, ballots: list[vote_rules.Ballot], members: dict[str, Fraction]
) -> vote_rules.Result:
    """Count with the roster when there is one. A roster that emptied since the vote opened
    (people left) falls back to the voters themselves rather than failing to close."""
    if members:
        return vote_rules.tally(rules, ballots, members)
    try:
        return vote_rules.tally(rules, ballots, None)
    except vote_rules.RuleError:
        log.warning("vote roster is empty; counting against the voters themselves")
        return vote_rules.tally(rules, ballots, {b.voter: b.weight for b in ballots} or None)


def message_for(ctx: Ctx, vote: Vote, result: vote_rules.Result | None = None) -> Edit:
    members = roster(ctx, vote)
    rules = rules_of(vote)
    if result is None and vote.status == "open" and not (vote.hide_results or vote.secret):
        result = safe_tally(rules, counted_ballots(ctx, vote, members), members)
    text, card, choices = vote_render.vote_message(
        vote,
        rules,
        ctx.zone,
        ctx.prefix,
        result=result,
        voted=len(voted_ids(ctx, vote)),
        eligible=len(members) or None,
    )
    return Edit(f"vote:{vote.id}", text, card, choices)


def refresh(ctx: Ctx, vote: Vote) -> None:
    """Show the new state on the vote message; the outbox keeps only the latest edit per
    message and paces them, so emitting one per ballot is fine."""
    ctx.emit(message_for(ctx, vote))


# ---------------------------------------------------------------- scheduling


def reminder_offsets(ctx: Ctx) -> list[timedelta]:
    raw = ctx.settings.get("vote_reminders") or list(DEFAULT_REMINDERS)
    return [parse_duration(str(r)) for r in raw]


def schedule(ctx: Ctx, vote: Vote) -> None:
    """(Re)schedule the close and the reminders for the vote's deadline."""
    ctx.schedule("vote.close", str(vote.id), vote.closes_at, {"vote_id": vote.id})
    ctx.cancel("vote.remind", key_prefix=f"{vote.id}:")
    for offset in reminder_offsets(ctx):
        at = vote.closes_at - offset
        if at > ctx.now:
            key = f"{vote.id}:{int(offset.total_seconds())}"
            ctx.schedule("vote.remind", key, at, {"vote_id": vote.id})


def on_close_due(ctx: Ctx, work: DueWork) -> None:
    vote = ctx.db.get(Vote, int(work.payload.get("vote_id", 0)))
    if vote is None or vote.status != "open":
        return
    if vote.closes_at > ctx.now:
        # Moved later after this item was claimed: put it back rather than close early.
        ctx.schedule("vote.close", str(vote.id), vote.closes_at, {"vote_id": vote.id})
        return
    close_vote(ctx, vote, by="Moot (deadline)")


def on_remind_due(ctx: Ctx, work: DueWork) -> None:
    vote = ctx.db.get(Vote, int(work.payload.get("vote_id", 0)))
    if vote is None or vote.status != "open":
        return
    if ctx.now >= vote.closes_at:
        log.info(
            "reminder %s for vote %s skipped: the vote is already due to close", work.key, vote.id
        )
        return
    if repos.later_due_pending(ctx.db, work, f"{vote.id}:", ctx.now):
        log.info(
            "reminder %s for vote %s skipped: a later reminder is due as well", work.key, vote.id
        )
        return
    send_reminder(ctx, vote)


def send_reminder(ctx: Ctx, vote: Vote) -> int:
    """DM each eligible non-voter when the roster is known, else one channel reminder.
    Returns how many people (or channels) were reminded."""
    members = roster(ctx, vote)
    voted = set(voted_ids(ctx, vote))
    left = format_left(vote.closes_at - ctx.now)
    when = f"in {left} ({mark_when(vote.closes_at, ctx.zone)})"
    if members:
        missing = [uid for uid in members if uid not in voted]
        for uid in missing:
            ctx.dm(
                uid,
                f'⏰ Reminder: vote #{vote.id} "{vote.question}" in #{vote.channel} closes '
                f"{when} and you have not voted yet. {vote_render.how_to_cast(vote, ctx.prefix)}",
            )
        return len(missing)
    ctx.post(
        vote.channel,
        f'⏰ Vote #{vote.id} "{vote.question}" closes {when}. '
        f"{vote_render.participation_line(len(voted), None)} so far.",
        thread_ref=f"vote:{vote.id}",
    )
    return 1


# ---------------------------------------------------------------- closing


def close_vote(
    ctx: Ctx,
    vote: Vote,
    *,
    by: str,
    cancelled: bool = False,
    reason: str | None = None,
) -> DecisionRecord | None:
    """End the vote, count it, write its decision record and post the result. Returns None
    when someone else already ended it."""
    claimed = ctx.db.execute(
        update(Vote)
        .where(Vote.id == vote.id, Vote.status == "open")
        .values(status="closing")
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    ctx.cancel("vote.close", key=str(vote.id))
    ctx.cancel("vote.remind", key_prefix=f"{vote.id}:")

    members = roster(ctx, vote)
    rules = rules_of(vote)
    ballots = counted_ballots(ctx, vote, members)
    result = safe_tally(rules, ballots, members)
    outcome = vote_rules.CANCELLED if cancelled else result.outcome
    voted = voted_ids(ctx, vote)

    vote.status = "cancelled" if cancelled else "closed"
    vote.outcome = outcome
    vote.closed_at = ctx.now
    add_step(
        ctx,
        vote,
        "cancelled" if cancelled else "closed",
        by=by,
        **({"reason": reason} if reason else {}),
    )

    # One directory read for everyone named, not one query per voter.
    known = {m.user_id: m.display for m in ctx.members()}
    display = {uid: known.get(uid) or uid for uid in {*voted, *members}}
    if cancelled:
        text = f"🚫 Vote #{vote.id} was cancelled by {by}: {reason}. {vote.question}"
    else:
        text = vote_render.result_text(
            vote, result, voted=len(voted), eligible=len(members) or None, display=display
        )
    record = DecisionRecord(
        community_id=ctx.community.id or 0,
        vote_id=vote.id or 0,
        rfc_id=vote.rfc_id,
        question=vote.question,
        outcome=outcome,
        secret=vote.secret,
        roster_size=len(members),
        roster_hash=roster_hash(list(members)),
        closed_at=ctx.now,
        data=record_data(vote, result, ballots, len(voted), members, display, text),
    )
    ctx.db.add(record)
    # The order of ballots matters no more, and for a secret vote it must not outlive it.
    changes.forget(ctx, f"vote:{vote.id}")
    if vote.secret:
        anonymise(ctx, vote)
    ctx.db.add(vote)
    ctx.db.flush()

    ctx.emit(message_for(ctx, vote, result))
    ctx.post(vote.channel, text, thread_ref=f"vote:{vote.id}", ref=f"vote-result:{vote.id}")
    log.info("vote %s %s: %s", vote.id, vote.status, outcome)
    ctx.fire(
        "vote.closed", vote_id=vote.id, rfc_id=vote.rfc_id, outcome=outcome, record_id=record.id
    )
    return record


def anonymise(ctx: Ctx, vote: Vote) -> None:
    """Cut every stored link between a voter and a choice: forget the HMAC key, re-insert the
    ballots in random order under random ids (row ids and ids would otherwise follow the
    order people voted in), and erase the text of the private receipts."""
    rows = ballot_rows(ctx, vote)
    kept = [(list(r.choices), r.weight, r.reason) for r in rows]
    for r in rows:
        ctx.db.delete(r)
    ctx.db.flush()
    random.SystemRandom().shuffle(kept)
    for choices, weight, reason in kept:
        ctx.db.add(
            VoteBallot(
                vote_id=vote.id or 0,
                voter=secrets.token_hex(16),
                choices=choices,
                weight=weight,
                reason=reason,
                cast_at=None,
            )
        )
    vote.secret_key = None
    for row in ctx.db.execute(select(Outbox).where(Outbox.ref == receipt_ref(vote))).scalars():
        row.payload = {**row.payload, "text": ERASED_RECEIPT}
        ctx.db.add(row)


def _frac(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def record_data(
    vote: Vote,
    result: vote_rules.Result,
    ballots: list[vote_rules.Ballot],
    voted: int,
    members: dict[str, Fraction],
    display: dict[str, str],
    text: str,
) -> dict[str, Any]:
    if vote.secret:
        # No voter ids, and a fixed order, so the list says nothing about who cast what.
        shown = sorted(
            (
                {"choices": list(b.choices), "weight": str(b.weight), "reason": b.reason}
                for b in ballots
            ),
            key=lambda d: (d["choices"], d["weight"], d["reason"] or ""),
        )
        blocks = [{"reason": r} for _, r in result.blocks]
    else:
        shown = [
            {
                "voter": b.voter,
                "display": display.get(b.voter, b.voter),
                "choices": list(b.choices),
                "weight": str(b.weight),
                "reason": b.reason,
            }
            for b in sorted(ballots, key=lambda b: b.voter)
        ]
        blocks = [{"voter": v, "reason": r} for v, r in result.blocks]
    return {
        "kind": vote.kind,
        "options": list(vote.options),
        "vote_type": vote.vote_type,
        "rule": result.rule_text,
        "rule_code": vote.rule,
        "threshold": vote.threshold,
        "method": vote.method,
        "max_choices": vote.max_choices,
        "allow_block": vote.allow_block,
        "quorum": vote.quorum,
        "quorum_needed": result.quorum_needed,
        "quorum_reached": result.quorum_reached,
        "eligibility": vote_render.eligibility_line(vote),
        "eligible_roles": list(vote.eligible_roles),
        "channel": vote.channel,
        "secret": vote.secret,
        "tallies": [
            {"option": t.option, "count": t.count, "weight": str(t.weight)} for t in result.tallies
        ],
        "winners": list(result.winners),
        "consensus": _frac(result.consensus),
        "participation": {
            "voted": voted,
            "ballots": result.voters,
            "eligible": len(members),
            "weight_cast": str(result.weight_cast),
            "eligible_weight": _frac(result.eligible_weight),
        },
        "blocks": blocks,
        "ranking": [list(t) for t in result.ranking],
        "pairwise": {a: {b: str(w) for b, w in row.items()} for a, row in result.pairwise.items()},
        "opened_at": vote.opened_at.isoformat(),
        "closes_at": vote.closes_at.isoformat(),
        "created_by": vote.created_by_display or vote.created_by,
        "timeline": list(vote.timeline),
        "ballots": shown,
        "result_text": text,
    }
