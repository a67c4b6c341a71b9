"""Closing a vote (deadline, early, decided, cancelled), the live tally, and reminders.

close_vote is the one way a vote ends: the scheduler, `/vote close`, `/vote cancel` and
--close-when-decided all call it, inside the transaction of whatever triggered it. A
conditional update on the vote's status makes it happen once however many callers race.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update
from sqlalchemy import text as sql_text
from sqlmodel import Session

from bot import changes
from bot.context import Ctx
from bot.i18n import N_, _
from bot.model import Edit
from bot.timeparse import format_left, mark_when, parse_duration
from commands.votes import close_batch, tally
from commands.votes import render as vote_render
from commands.votes import rules as vote_rules
from commands.votes.state import (
    DEFAULT_REMINDERS,
    add_step,
    ballots_of,
    directory_roster_of,
    roster_hash,
    rules_of,
    voted_ids,
)
from storage import repos
from storage.db import erase_traces
from storage.prepared import add_row, inserter
from storage.tables import Community, DueWork, Member
from storage.vote_tables import DecisionRecord, Vote
from storage.vote_tally_tables import VoteTally

log = logging.getLogger("moot.vote")

ERASED_RECEIPT = N_("(secret ballot receipt, erased when the vote closed)")


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
    return render_message(
        ctx.db, ctx.community, vote, tally.totals_row(ctx, vote), ctx.zone, ctx.prefix, result
    )


def render_message(
    s: Session,
    community: Community,
    vote: Vote,
    row: VoteTally,
    zone: ZoneInfo,
    prefix: str,
    result: vote_rules.Result | None = None,
) -> Edit:
    """The vote message from the vote's row and its running totals: a few rows, whatever
    the roster size (instant-runoff live tallies and unfrozen rosters read more)."""
    rules = rules_of(vote)
    unfrozen = None if row.roster_size else directory_roster_of(s, community, vote)
    if result is None and vote.status == "open" and not (vote.hide_results or vote.secret):
        result = tally.live_result(vote, row, unfrozen)
        if result is None:
            members = unfrozen or tally.roster_rows(s, vote.id or 0)
            result = safe_tally(rules, ballots_of(s, vote.id or 0), members)
    text, card, choices = vote_render.vote_message(
        vote,
        rules,
        zone,
        prefix,
        result=result,
        voted=row.ballots,
        eligible=(row.roster_size or len(unfrozen or ())) or None,
    )
    return Edit(f"vote:{vote.id}", text, card, choices)


def live_card(s: Session, ref: str, prefix: str) -> Edit | None:
    """reg.live_card("vote"): the vote message as it stands, rendered by the outbox when it
    delivers an edit, so a burst of ballots costs one render per delivered edit."""
    _, _, number = ref.partition(":")
    vote = s.get(Vote, int(number)) if number.isdigit() else None
    row = s.get(VoteTally, vote.id) if vote is not None else None
    community = s.get(Community, vote.community_id) if vote is not None else None
    if vote is None or row is None or community is None:
        return None
    zone = ZoneInfo(community.timezone or "UTC")
    return render_message(s, community, vote, row, zone, prefix)


def refresh(ctx: Ctx, vote: Vote, pending: bool | None = None) -> None:
    """Mark the vote message stale. The outbox renders it when it delivers the edit (see
    live_card) and keeps one edit per message pending, so a ballot adds at most one row
    here and usually none. `pending`: whether an edit waits, when the caller read it."""
    ref = f"vote:{vote.id}"
    if repos.pending_edit(ctx.db, ref) if pending is None else pending:
        return
    ctx.emit(Edit(ref, f"🗳️ Vote #{vote.id}: {vote.question}"))


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
    close_vote(ctx, vote, by=_("Moot (deadline)"), why="deadline", due_claimed=True)


def prefetch_due(s: Session, works: list[DueWork]) -> None:
    """reg.due_prefetch: the votes and running totals a batch of closes or reminders reads,
    in two queries for the batch; the handlers then find them in the session."""
    ids = sorted({int(w.payload.get("vote_id", 0)) for w in works})
    votes = list(s.execute(select(Vote).where(Vote.id.in_(ids))).scalars())
    rows = list(s.execute(select(VoteTally).where(VoteTally.vote_id.in_(ids))).scalars())
    # The session holds loaded rows only weakly: keep them until the transaction ends.
    s.info.setdefault("moot_prefetched", []).extend([*votes, *rows])
    closing = {int(w.payload.get("vote_id", 0)) for w in works if w.kind == "vote.close"}
    if closing:
        close_batch.prefetch(s, [v for v in votes if v.id in closing], {r.vote_id: r for r in rows})


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
    members = tally.roster(ctx, vote)
    voted = set(voted_ids(ctx, vote))

    def when() -> str:
        return _("in {left} ({when})").format(
            left=format_left(vote.closes_at - ctx.now), when=mark_when(vote.closes_at, ctx.zone)
        )

    if members:
        missing = [uid for uid in members if uid not in voted]
        for uid in missing:
            with ctx.speaking_to(uid):
                text = _(
                    '⏰ Reminder: vote #{id} "{question}" in #{channel} closes {when} and you '
                    "have not voted yet. {how}"
                ).format(
                    id=vote.id,
                    question=vote.question,
                    channel=vote.channel,
                    when=when(),
                    how=vote_render.how_to_cast(vote, ctx.prefix),
                )
            ctx.dm(uid, text)
        return len(missing)
    with ctx.public():
        text = _('⏰ Vote #{id} "{question}" closes {when}. {participation} so far.').format(
            id=vote.id,
            question=vote.question,
            when=when(),
            participation=vote_render.participation_line(len(voted), None),
        )
    ctx.post(vote.channel, text, thread_ref=f"vote:{vote.id}")
    return 1


# ---------------------------------------------------------------- closing


def close_vote(
    ctx: Ctx,
    vote: Vote,
    *,
    by: str,
    cancelled: bool = False,
    reason: str | None = None,
    why: str | None = None,
    due_claimed: bool = False,
) -> DecisionRecord | None:
    """End the vote, count it, write its decision record and post the result. Returns None
    when someone else already ended it. `due_claimed`: called by the vote's own close item,
    which the scheduler has already marked done."""
    if ctx.db.execute(_CLAIM_VOTE, {"b_id": vote.id}).rowcount != 1:
        return None
    if not due_claimed:
        ctx.cancel("vote.close", key=str(vote.id))
    ctx.cancel("vote.remind", key_prefix=f"{vote.id}:")

    row = tally.totals_row(ctx, vote)
    # A deadline close in a batch finds its reads done for the whole batch (close_batch).
    pre = close_batch.take(ctx.db, vote.id or 0) if due_claimed else None
    members = pre.roster if pre else tally.roster(ctx, vote)
    rules = rules_of(vote)
    # Every ballot read once, as plain rows; secret ones under their HMACs, which nothing
    # here needs to map back.
    ballots = pre.ballots if pre else ballots_of(ctx.db, vote.id or 0)
    result = safe_tally(rules, ballots, members)
    outcome = vote_rules.CANCELLED if cancelled else result.outcome
    voted = pre.voted if pre else voted_ids(ctx, vote)

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

    # One directory read for everyone named, not one query per voter; a secret vote names
    # nobody.
    known: dict[str, str] = {}
    if not vote.secret:
        known = pre.names if pre and pre.names is not None else display_names(ctx, vote)
    display = {uid: known.get(uid) or uid for uid in {*voted, *members}} if known else {}
    if cancelled:
        with ctx.public():
            text = _("🚫 Vote #{id} was cancelled by {by}: {reason}. {question}").format(
                id=vote.id, by=by, reason=reason, question=vote.question
            )
    else:
        with ctx.public():
            text = vote_render.result_text(
                vote, result, voted=len(voted), eligible=len(members) or None, display=display
            )
    data = record_data(vote, result, ballots, len(voted), members, display, text)
    data["closed_by"] = by
    data["close_reason"] = why or ("cancelled" if cancelled else "closed")
    if reason:
        data["close_note"] = reason
    # Inserted at once, as a Core statement: the unit of work costs a close more than the
    # insert. The unique vote_id still refuses a second record for the vote.
    record = add_row(
        ctx.db,
        _ADD_RECORD,
        DecisionRecord,
        community_id=ctx.community.id or 0,
        vote_id=vote.id or 0,
        rfc_id=vote.rfc_id,
        question=vote.question,
        outcome=outcome,
        secret=vote.secret,
        roster_size=len(members),
        # The frozen roster's hash, as `/vote roster` showed it while the vote was open.
        roster_hash=tally.current_hash(ctx, vote, row)
        if row.roster_size
        else roster_hash(list(members)),
        closed_at=ctx.now,
        data=data,
    )
    # The order of ballots matters no more, and for a secret vote it must not outlive it.
    changes.forget(ctx, f"vote:{vote.id}")
    if vote.secret:
        anonymise(ctx, vote)
    ctx.db.add(vote)
    ctx.db.flush()

    refresh(ctx, vote, pre.edit_pending if pre else None)
    ctx.post(vote.channel, text, thread_ref=f"vote:{vote.id}", ref=f"vote-result:{vote.id}")
    log.info("vote %s %s: %s", vote.id, vote.status, outcome)
    ctx.fire(
        "vote.closed",
        vote_id=vote.id,
        rfc_id=vote.rfc_id,
        outcome=outcome,
        record_id=record.id,
        # Made just now, in this transaction: nothing can have been filed from it yet.
        new_record=True,
    )
    return record


# The conditional update that lets one caller end a vote, built once (see close_vote).
_VOTES = Vote.__table__  # type: ignore[attr-defined]
_ADD_RECORD = inserter(
    DecisionRecord,
    "community_id",
    "vote_id",
    "rfc_id",
    "question",
    "outcome",
    "secret",
    "roster_size",
    "roster_hash",
    "closed_at",
    "data",
)
_CLAIM_VOTE = (
    update(_VOTES)
    .where(_VOTES.c.id == bindparam("b_id"), _VOTES.c.status == "open")
    .values(status="closing")
)


def display_names(ctx: Ctx, vote: Vote) -> dict[str, str]:
    """Display names of the community's members: two plain columns, no JSON to decode."""
    rows = ctx.db.execute(
        select(Member.user_id, Member.display).where(Member.community_id == ctx.community.id)
    ).all()
    return {user_id: display for user_id, display in rows}


def anonymise(ctx: Ctx, vote: Vote) -> None:
    """Cut every stored link between a voter and a choice, in a few set-based statements:
    forget the HMAC key; replace the ballots by fresh rows in random order under random
    voter ids, and the voter list by fresh rows in random order (row ids and heap order
    would otherwise follow the order people voted in); erase the text of the private
    receipts. After the commit, storage.db.erase_traces scrubs what the database engine
    keeps of the old rows (the SQLite WAL, PostgreSQL's dead tuples)."""
    pg = ctx.db.get_bind().dialect.name == "postgresql"
    # A fresh random id per row, and the rows inserted in the order of those ids: a
    # permutation nobody can relate to the order of voting.
    fresh_id = "replace(gen_random_uuid()::text, '-', '')" if pg else "lower(hex(randomblob(16)))"
    params = {"v": vote.id}
    top = ctx.db.execute(
        sql_text("SELECT max(id) FROM vote_ballot WHERE vote_id = :v"), params
    ).scalar()
    if top is not None:
        ctx.db.execute(
            sql_text(
                "INSERT INTO vote_ballot (vote_id, voter, choices, weight, reason, cast_at) "
                f"SELECT vote_id, {fresh_id} AS fresh, choices, weight, reason, NULL "
                "FROM vote_ballot WHERE vote_id = :v ORDER BY fresh"
            ),
            params,
        )
        ctx.db.execute(
            sql_text("DELETE FROM vote_ballot WHERE vote_id = :v AND id <= :top"),
            {**params, "top": top},
        )
    top = ctx.db.execute(
        sql_text("SELECT max(id) FROM vote_voter WHERE vote_id = :v"), params
    ).scalar()
    if top is not None:
        # Old rows step aside first (one vote, one row per person is a unique key).
        ctx.db.execute(
            sql_text("UPDATE vote_voter SET user_id = '~' || user_id WHERE vote_id = :v"), params
        )
        ctx.db.execute(
            sql_text(
                "INSERT INTO vote_voter (vote_id, user_id) "
                f"SELECT vote_id, substr(user_id, 2) FROM vote_voter WHERE vote_id = :v "
                f"ORDER BY {fresh_id}"
            ),
            params,
        )
        ctx.db.execute(
            sql_text("DELETE FROM vote_voter WHERE vote_id = :v AND id <= :top"),
            {**params, "top": top},
        )
    vote.secret_key = None
    _erase_receipts(ctx, vote)
    scrub_after_commit(ctx)
    # A transaction still open elsewhere when the scrub runs keeps the old row versions
    # alive past it (PostgreSQL may not remove what a snapshot can still see): scrub again
    # a minute and an hour later.
    for minutes in (1, 60):
        ctx.schedule("vote.scrub", f"{vote.id}:{minutes}", ctx.now + timedelta(minutes=minutes))


SCRUBBED_TABLES = ("vote_ballot", "vote_voter", "vote", "vote_tally", "outbox")


def scrub_after_commit(ctx: Ctx) -> None:
    engine = ctx.db.get_bind()
    ctx.after_commit.append(lambda: erase_traces(engine, SCRUBBED_TABLES))


def on_scrub_due(ctx: Ctx, work: DueWork) -> None:
    scrub_after_commit(ctx)


def _erase_receipts(ctx: Ctx, vote: Vote) -> None:
    """One UPDATE for every receipt of the vote, whatever their number."""
    if ctx.db.get_bind().dialect.name == "postgresql":
        sql = (
            "UPDATE outbox SET payload = jsonb_set(payload::jsonb, '{text}', to_jsonb("
            "CAST(:text AS text)))::json WHERE ref = :ref"
        )
    else:
        sql = "UPDATE outbox SET payload = json_set(payload, '$.text', :text) WHERE ref = :ref"
    ctx.db.execute(sql_text(sql), {"text": _(ERASED_RECEIPT), "ref": receipt_ref(vote)})


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
