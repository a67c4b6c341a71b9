"""What a batch of deadline closes reads, read for the whole batch in a few queries.

A catch-up after downtime closes thousands of votes, twenty to a transaction. Read one vote
at a time, each close costs a query for its roster, its ballots, its voters, the display
names of its community and its card's pending edit; read for the batch, those are five
queries per twenty closes. The scheduler's prefetch (close.prefetch_due) fills the cache
in the batch's own transaction; close_vote takes a vote's entry once, when the vote's own
close item runs it. Nothing else in a batch of due work casts ballots or edits rosters,
so what was read at the start of the transaction is what the close would have read.

Only votes whose running totals say they are small are read this way: a vote of 10,000
ballots is read on its own, so a batch of them never holds 200,000 ballots at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import Text, cast, select
from sqlmodel import Session

from commands.votes import rules as vote_rules
from commands.votes.state import parsed_ballot
from storage import repos
from storage.tables import Member
from storage.vote_tables import Vote, VoteBallot, VoteVoter
from storage.vote_tally_tables import VoteRosterEntry, VoteTally

CACHE = "moot_close_batch"
# Above this many ballots or roster entries a vote is read on its own (see above).
SMALL = 500


@dataclass
class Reads:
    roster: dict[str, Fraction]
    ballots: list[vote_rules.Ballot]
    voted: list[str]
    # Display names of the community's members; None for a secret vote, which names nobody.
    names: dict[str, str] | None
    edit_pending: bool


def prefetch(s: Session, votes: list[Vote], rows: dict[int, VoteTally]) -> None:
    """Read what closing `votes` needs, for the small open ones with a frozen roster."""
    small = [
        v
        for v in votes
        if v.status == "open"
        and (row := rows.get(v.id or 0)) is not None
        and 0 < row.roster_size <= SMALL
        and row.ballots <= SMALL
    ]
    if not small:
        return
    ids = [v.id or 0 for v in small]
    rosters = _rosters(s, ids)
    ballots = _ballots(s, ids)
    voted = _voters(s, ids)
    communities = sorted({v.community_id for v in small if not v.secret})
    names = _names(s, communities)
    pending = repos.pending_edits(s, [f"vote:{i}" for i in ids])
    cache: dict[int, Reads] = s.info.setdefault(CACHE, {})
    for v in small:
        vid = v.id or 0
        cache[vid] = Reads(
            roster=rosters.get(vid, {}),
            ballots=ballots.get(vid, []),
            voted=voted.get(vid, []),
            names=None if v.secret else names.get(v.community_id, {}),
            edit_pending=f"vote:{vid}" in pending,
        )


def take(s: Session, vote_id: int) -> Reads | None:
    """The vote's prefetched reads, once; None when they were not prefetched."""
    cache: dict[int, Reads] | None = s.info.get(CACHE)
    return cache.pop(vote_id, None) if cache else None


def _rosters(s: Session, ids: list[int]) -> dict[int, dict[str, Fraction]]:
    out: dict[int, dict[str, Fraction]] = {}
    weights: dict[str, Fraction] = {}
    rows = s.execute(
        select(VoteRosterEntry.vote_id, VoteRosterEntry.user_id, VoteRosterEntry.weight)
        .where(VoteRosterEntry.vote_id.in_(ids))
        .order_by(VoteRosterEntry.vote_id, VoteRosterEntry.user_id)
    ).all()
    for vote_id, user_id, weight in rows:
        w = weights.get(weight)
        if w is None:
            w = weights[weight] = Fraction(weight)
        out.setdefault(vote_id, {})[user_id] = w
    return out


def _ballots(s: Session, ids: list[int]) -> dict[int, list[vote_rules.Ballot]]:
    out: dict[int, list[vote_rules.Ballot]] = {}
    seen: dict[str, Any] = {}
    rows = s.execute(
        select(
            VoteBallot.vote_id,
            VoteBallot.voter,
            cast(VoteBallot.choices, Text),
            VoteBallot.weight,
            VoteBallot.reason,
        )
        .where(VoteBallot.vote_id.in_(ids))
        .order_by(VoteBallot.vote_id, VoteBallot.id)
    ).all()
    for vote_id, voter, choices, weight, reason in rows:
        out.setdefault(vote_id, []).append(parsed_ballot(seen, voter, choices, weight, reason))
    return out


def _voters(s: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    rows = s.execute(
        select(VoteVoter.vote_id, VoteVoter.user_id)
        .where(VoteVoter.vote_id.in_(ids))
        .order_by(VoteVoter.vote_id, VoteVoter.user_id)
    ).all()
    for vote_id, user_id in rows:
        out.setdefault(vote_id, []).append(user_id)
    return out


def _names(s: Session, communities: list[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {c: {} for c in communities}
    if not communities:
        return out
    rows = s.execute(
        select(Member.community_id, Member.user_id, Member.display).where(
            Member.community_id.in_(communities)
        )
    ).all()
    for community_id, user_id, display in rows:
        out[community_id][user_id] = display
    return out
