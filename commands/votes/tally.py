"""A vote's frozen roster and running totals in storage: written when the vote opens, moved
by each ballot in the ballot's own transaction, read by the live tally and the close.

A ballot reads and writes a fixed number of rows here (the voter's roster entry and the
vote's totals row), whatever the size of the roster."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from bot.context import Ctx
from commands.votes import rules as vote_rules
from commands.votes import totals as vote_totals
from commands.votes.state import (
    OldBallot,
    counted_ballots,
    directory_roster,
    is_eligible,
    role_weights,
    roster_hash,
    rules_of,
    weight_of,
)
from storage.prepared import Prepared, core, orm, placeholders, values
from storage.tables import Member
from storage.vote_tables import Vote
from storage.vote_tally_tables import VoteRosterEntry, VoteTally


def freeze(ctx: Ctx, vote: Vote, members: dict[str, Fraction]) -> VoteTally:
    """Write the roster snapshot and zeroed totals of a vote that has no ballots yet."""
    if members:
        ctx.db.execute(
            insert(VoteRosterEntry),
            [{"vote_id": vote.id, "user_id": u, "weight": str(w)} for u, w in members.items()],
        )
    t = vote_totals.empty(rules_of(vote))
    options, pairwise = vote_totals.dump(t)
    known_upto = ctx.db.execute(
        select(func.max(Member.id)).where(Member.community_id == ctx.community.id)
    ).scalar()
    row = VoteTally(
        vote_id=vote.id or 0,
        options=options,
        pairwise=pairwise,
        roster_size=len(members),
        roster_weight=str(sum(members.values(), Fraction(0))),
        roster_hash=roster_hash(list(members)),
        known_upto=known_upto or 0,
    )
    ctx.db.add(row)
    ctx.db.flush()
    return row


def refreeze(ctx: Ctx, vote: Vote) -> VoteTally:
    """Take the roster from the directory again (before any ballot only: the caller checks)."""
    row = totals_row(ctx, vote)
    ctx.db.query(VoteRosterEntry).filter(VoteRosterEntry.vote_id == vote.id).delete()
    ctx.db.delete(row)
    ctx.db.flush()
    return freeze(ctx, vote, directory_roster(ctx, vote))


_TALLY = Prepared(lambda _d: select(VoteTally).where(VoteTally.vote_id == bindparam("vote_id")))


def totals_row(ctx: Ctx, vote: Vote) -> VoteTally:
    """The vote's totals, built on first use for a vote opened before rosters were frozen
    (its roster is the directory as it stands then, its totals a recount)."""
    loaded = ctx.db.identity_map.get(identity_key(VoteTally, vote.id))
    if loaded is not None:
        return loaded  # type: ignore[no-any-return]
    row = orm(ctx.db, _TALLY, {"vote_id": vote.id}).scalar_one_or_none()
    if row is not None:
        return row
    row = freeze(ctx, vote, directory_roster(ctx, vote))
    rules = rules_of(vote)
    t = vote_totals.empty(rules)
    for b in counted_ballots(ctx, vote):
        vote_totals.replace(rules, t, None, (b.choices, b.weight))
    _store(row, t)
    return row


def current(vote: Vote, row: VoteTally) -> vote_totals.Totals:
    return vote_totals.load(rules_of(vote), row.options, row.pairwise, row.ballots, row.weight_cast)


def _store(row: VoteTally, t: vote_totals.Totals) -> None:
    row.options, row.pairwise = vote_totals.dump(t)
    row.ballots, row.weight_cast = t.ballots, str(t.weight_cast)


_MOVE = Prepared(
    lambda _d: (
        update(VoteTally)
        .where(VoteTally.vote_id == bindparam("tally_of"))
        .values(**placeholders(VoteTally, "options", "pairwise", "ballots", "weight_cast"))
    )
)


def move(ctx: Ctx, vote: Vote, row: VoteTally, old: OldBallot, new: OldBallot) -> None:
    """One voter's ballot went from old to new (None: none): move the totals to match, in
    one UPDATE now; the loaded row takes the new values as committed ones, so the ORM has
    no flush of them left to do (its other columns still flush as usual)."""
    t = current(vote, row)
    vote_totals.replace(rules_of(vote), t, old, new)
    options, pairwise = vote_totals.dump(t)
    new = {
        "options": options,
        "pairwise": pairwise,
        "ballots": t.ballots,
        "weight_cast": str(t.weight_cast),
    }
    core(ctx.db, _MOVE, {"tally_of": row.vote_id, **values(**new)})
    for name, value in new.items():
        set_committed_value(row, name, value)


_ROSTER_WEIGHT = Prepared(
    lambda _d: select(VoteRosterEntry.weight).where(
        VoteRosterEntry.vote_id == bindparam("vote_id"),
        VoteRosterEntry.user_id == bindparam("user_id"),
    )
)


def weight_if_eligible(ctx: Ctx, vote: Vote, row: VoteTally, user_id: str) -> Fraction | None:
    """The voter's weight from the frozen roster; None when they are not on it. A vote whose
    directory knew nobody eligible at open has no snapshot and asks the directory."""
    if row.roster_size:
        where = {"vote_id": vote.id, "user_id": user_id}
        weight = core(ctx.db, _ROSTER_WEIGHT, where).scalar_one_or_none()
        if weight is not None:
            return Fraction(weight)
        return _late_entry(ctx, vote, row, user_id)
    member = ctx.member(user_id)
    if not is_eligible(member, vote):
        return None
    assert member is not None
    return weight_of(member.roles, role_weights(ctx))


def _late_entry(ctx: Ctx, vote: Vote, row: VoteTally, user_id: str) -> Fraction | None:
    """Someone the directory did not know when the roster was frozen (their member row is
    newer) votes: judged by the vote's rule now, and added to the roster if eligible."""
    member = ctx.member(user_id)
    if member is None or (member.id or 0) <= row.known_upto or not is_eligible(member, vote):
        return None
    weight = weight_of(member.roles, role_weights(ctx))
    ctx.db.add(VoteRosterEntry(vote_id=vote.id or 0, user_id=user_id, weight=str(weight)))
    row.roster_size += 1
    row.roster_weight = str(Fraction(row.roster_weight) + weight)
    row.roster_hash = ""
    ctx.db.add(row)
    return weight


def current_hash(ctx: Ctx, vote: Vote, row: VoteTally) -> str:
    """The roster's hash, taken again after late entries (once per change)."""
    if row.roster_size and not row.roster_hash:
        row.roster_hash = roster_hash(list(roster_rows(ctx.db, vote.id or 0)))
        ctx.db.add(row)
    return row.roster_hash


def roster(ctx: Ctx, vote: Vote) -> dict[str, Fraction]:
    """Eligible voter id -> weight: the frozen roster (the directory when there is none)."""
    row = totals_row(ctx, vote)
    if not row.roster_size:
        return directory_roster(ctx, vote)
    return roster_rows(ctx.db, vote.id or 0)


def roster_rows(s: Session, vote_id: int) -> dict[str, Fraction]:
    rows = s.execute(
        select(VoteRosterEntry.user_id, VoteRosterEntry.weight)
        .where(VoteRosterEntry.vote_id == vote_id)
        .order_by(VoteRosterEntry.user_id)
    ).all()
    cache: dict[str, Fraction] = {}
    out: dict[str, Fraction] = {}
    for user_id, weight in rows:
        w = cache.get(weight)
        if w is None:
            w = cache[weight] = Fraction(weight)
        out[user_id] = w
    return out


def live_result(
    vote: Vote, row: VoteTally, unfrozen: dict[str, Fraction] | None = None
) -> vote_rules.Result | None:
    """The tally the open vote's message shows, from the totals; None for instant-runoff,
    which needs the ballots (the caller recounts). `unfrozen` is the directory roster of a
    vote that has no snapshot."""
    rules = rules_of(vote)
    if vote.kind == "ranked" and vote.method != "schulze":
        return None
    t = current(vote, row)
    if row.roster_size:
        known: tuple[int, Fraction] | None = (row.roster_size, Fraction(row.roster_weight))
    elif unfrozen:
        known = (len(unfrozen), sum(unfrozen.values(), Fraction(0)))
    else:
        known = None
    try:
        return vote_totals.result_from_totals(rules, t, known)
    except vote_rules.RuleError:
        # As close.safe_tally: no roster at all counts against the voters themselves.
        return vote_totals.result_from_totals(
            rules, t, (t.ballots, t.weight_cast) if t.ballots else None
        )


def decided(ctx: Ctx, vote: Vote, row: VoteTally) -> bool:
    """is_decided, from the totals for proposals, choice and multi votes (a roster voter who
    has not voted is one who is not counted yet), and from the ballots for ranked ones."""
    rules = rules_of(vote)
    if row.roster_size and vote.kind != "ranked":
        t = current(vote, row)
        weight = Fraction(row.roster_weight)
        now = vote_totals.result_from_totals(rules, t, (row.roster_size, weight))
        quick = vote_rules.decided_from_totals(
            rules, now, row.roster_size - t.ballots, weight - t.weight_cast
        )
        if quick is not None:
            return quick
    members = roster(ctx, vote)
    ballots = counted_ballots(ctx, vote, members)
    return bool(members) and vote_rules.is_decided(rules, ballots, members)
