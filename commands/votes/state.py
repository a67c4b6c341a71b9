"""What the vote modules share: loading a vote, its rules, its roster and weights, and its
ballots as the counting rules want them. No effects are emitted here."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import Text, bindparam, cast, delete, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _, pgettext
from commands.votes import rules as vote_rules
from storage import repos
from storage.prepared import Prepared, core, orm, placeholders, values
from storage.tables import Community, Member
from storage.vote_tables import Vote, VoteBallot, VoteVoter
from storage.vote_tally_tables import VoteTally

PROPOSAL_EMOJI = {"yes": "👍", "no": "👎", "abstain": "🤷", "block": "⛔"}
MAX_OPTIONS = 20
MAX_OPTION_LENGTH = 80
DEFAULT_REMINDERS = ("24h", "1h")
BUILTIN_TYPES: dict[str, dict[str, Any]] = {
    "technical": {},
    "governance": {},
    "community": {},
    "emergency": {"duration": "24h"},
}
DEFAULT_DURATION = "72h"


def find_vote(ctx: Ctx, vote_id: int) -> Vote:
    vote = ctx.db.get(Vote, vote_id)
    if vote is None or vote.community_id != ctx.community.id:
        raise UserError(_("there is no vote #{vote_id}").format(vote_id=vote_id))
    return vote


def _lock(dialect: str) -> Any:
    # The running totals come along in the same read: a ballot needs them next, and the
    # session then finds them loaded (tally.totals_row).
    stmt = (
        select(Vote, VoteTally)
        .outerjoin(VoteTally, VoteTally.vote_id == Vote.id)
        .where(Vote.id == bindparam("id"))
    )
    return stmt.with_for_update(of=Vote) if dialect == "postgresql" else stmt


_LOCK_VOTE = Prepared(_lock)
_KEPT = "moot.votes.kept"


def lock_vote(ctx: Ctx, vote_id: int) -> Vote:
    """The vote row, locked for this transaction on PostgreSQL, so two ballots or a ballot and
    a close on the same vote are applied one after the other (SQLite already serialises
    writers with BEGIN IMMEDIATE)."""
    found = orm(ctx.db, _LOCK_VOTE, {"id": vote_id}).first()
    vote = found[0] if found is not None else None
    if found is not None and found[1] is not None:
        # The session's identity map holds objects weakly: keep the totals alive for the
        # rest of the transaction, so totals_row finds them there.
        ctx.db.info.setdefault(_KEPT, []).append(found[1])
    if vote is None or vote.community_id != ctx.community.id:
        raise UserError(_("there is no vote #{vote_id}").format(vote_id=vote_id))
    return vote


def require_open(ctx: Ctx, vote: Vote) -> None:
    if vote.status != "open":
        raise UserError(
            _("vote #{id} is {status}; nothing was changed").format(
                id=vote.id, status=pgettext("vote status", vote.status)
            )
        )


def parse_quorum(text: str | None) -> int | Fraction | None:
    if not text:
        return None
    if "/" in text:
        return Fraction(text)
    return int(text)


def quorum_text(q: int | Fraction | None) -> str | None:
    if q is None:
        return None
    if isinstance(q, Fraction):
        return f"{q.numerator}/{q.denominator}"
    return str(q)


def rules_of(vote: Vote) -> vote_rules.Rules:
    return vote_rules.Rules(
        kind=vote.kind,
        options=tuple(vote.options),
        rule=vote.rule if vote.kind == "proposal" else "simple",
        threshold=Fraction(vote.threshold) if vote.threshold else None,
        quorum=parse_quorum(vote.quorum),
        allow_block=vote.allow_block,
        max_choices=vote.max_choices,
        method=vote.method,
    )


# ---------------------------------------------------------------- roster and weights


def role_weights(ctx: Ctx) -> dict[str, int]:
    return {str(k): int(v) for k, v in (ctx.settings.get("weights") or {}).items()}


def weight_of(roles: list[str] | frozenset[str], weights: dict[str, int]) -> Fraction:
    held = [weights[r] for r in roles if r in weights]
    return Fraction(max(held)) if held else Fraction(1)


def is_eligible(member: Member | None, vote: Vote) -> bool:
    if member is None:
        return False
    if vote.eligible_roles:
        return bool(set(member.roles) & set(vote.eligible_roles))
    # Everyone in the channel.
    return "*" in member.channels or vote.channel in member.channels


def eligible_members(s: Session, community: Community, vote: Vote) -> list[repos.MemberView]:
    if vote.eligible_roles:
        wanted = set(vote.eligible_roles)
        return [m for m in repos.members(s, community.id or 0) if set(m.roles) & wanted]
    return repos.members(s, community.id or 0, vote.channel)


def directory_roster_of(s: Session, community: Community, vote: Vote) -> dict[str, Fraction]:
    weights = {str(k): int(v) for k, v in (community.settings.get("weights") or {}).items()}
    return {m.user_id: weight_of(m.roles, weights) for m in eligible_members(s, community, vote)}


def directory_roster(ctx: Ctx, vote: Vote) -> dict[str, Fraction]:
    """Eligible voter id -> weight, from the directory as adapters last reported it. Read
    when a vote opens (to freeze its roster); afterwards commands/votes/tally.py's roster
    is the one that counts."""
    return directory_roster_of(ctx.db, ctx.community, vote)


def roster_hash(members: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(members)).encode()).hexdigest()


# ---------------------------------------------------------------- ballots


def voter_key(vote: Vote, user_id: str) -> str:
    """How a ballot row names its voter: the id for open votes, an HMAC for secret ones."""
    if not vote.secret:
        return user_id
    if not vote.secret_key:
        raise UserError(_("vote #{id} is closed").format(id=vote.id))
    return hmac.new(bytes.fromhex(vote.secret_key), user_id.encode(), hashlib.sha256).hexdigest()


def ballot_rows(ctx: Ctx, vote: Vote) -> list[VoteBallot]:
    return list(
        ctx.db.execute(
            select(VoteBallot).where(VoteBallot.vote_id == vote.id).order_by(VoteBallot.id)
        ).scalars()
    )


_BALLOT_OF = Prepared(
    lambda _d: select(VoteBallot).where(
        VoteBallot.vote_id == bindparam("vote_id"), VoteBallot.voter == bindparam("voter")
    )
)
_BALLOT_VALUES = ("choices", "weight", "reason", "cast_at")
_REPLACE_BALLOT = Prepared(
    lambda _d: (
        update(VoteBallot)
        .where(VoteBallot.id == bindparam("row_id"))
        .values(**placeholders(VoteBallot, *_BALLOT_VALUES))
    )
)
_NEW_BALLOT = Prepared(
    lambda _d: insert(VoteBallot).values(
        **placeholders(VoteBallot, "vote_id", "voter", *_BALLOT_VALUES)
    )
)
# A ballot row and a voter row come and go together; the unique key makes a voter row that
# is already there (a ballot retracted and cast again) a no-op, with no read first.
_VOTED = Prepared(
    lambda d: (
        repos.dialect_insert(d)(VoteVoter)
        .values(vote_id=bindparam("vote_id"), user_id=bindparam("user_id"))
        .on_conflict_do_nothing()
    )
)
# session.info key: the ballot rows this transaction has read or written, by (vote, voter).
# A button press reads the voter's ballot and then replaces it; the second read is this.
_BALLOTS_SEEN = "moot.votes.ballots"


def _seen(ctx: Ctx) -> dict[tuple[int, str], VoteBallot | None]:
    return ctx.db.info.setdefault(_BALLOTS_SEEN, {})


def ballot_of(ctx: Ctx, vote: Vote, user_id: str) -> VoteBallot | None:
    key = voter_key(vote, user_id)
    seen = _seen(ctx)
    where = (vote.id or 0, key)
    if where in seen:
        return seen[where]
    row = orm(ctx.db, _BALLOT_OF, {"vote_id": vote.id, "voter": key}).scalar_one_or_none()
    seen[where] = row
    return row


def voted_ids(ctx: Ctx, vote: Vote) -> list[str]:
    return list(
        ctx.db.execute(
            select(VoteVoter.user_id)
            .where(VoteVoter.vote_id == vote.id)
            .order_by(VoteVoter.user_id)
        ).scalars()
    )


def counted_ballots(
    ctx: Ctx, vote: Vote, members: dict[str, Fraction] | None = None
) -> list[vote_rules.Ballot]:
    """Ballots for the counting rules. For an open secret vote the HMACs are mapped back to
    roster ids in memory only, so is_decided can tell who is still to vote."""
    back: dict[str, str] = {}
    if vote.secret and vote.secret_key and members:
        back = {voter_key(vote, uid): uid for uid in members}
    return ballots_of(ctx.db, vote.id or 0, back)


def ballots_of(
    s: Session, vote_id: int, back: dict[str, str] | None = None
) -> list[vote_rules.Ballot]:
    """Every ballot of a vote, read once, as plain rows (no ORM objects)."""
    back = back or {}
    # Choices as their JSON text, parsed once per distinct text: a close of 10,000 ballots
    # repeats a few rankings, and decoding each row is most of reading it.
    rows = s.execute(
        select(
            VoteBallot.voter, cast(VoteBallot.choices, Text), VoteBallot.weight, VoteBallot.reason
        )
        .where(VoteBallot.vote_id == vote_id)
        .order_by(VoteBallot.id)
    ).all()
    seen: dict[str, Any] = {}
    return [
        parsed_ballot(seen, back.get(voter, voter), choices_json, weight, reason)
        for voter, choices_json, weight, reason in rows
    ]


def parsed_ballot(
    seen: dict[str, Any], voter: str, choices_json: str, weight: str, reason: str | None
) -> vote_rules.Ballot:
    """One ballot row as the counting rules want it. `seen` memoises the parsed weights and
    choice lists across the rows of one read: they repeat, and parsing is most of the cost."""
    w = seen.get("w:" + weight)
    if w is None:
        w = seen["w:" + weight] = Fraction(weight)
    choices = seen.get("c:" + choices_json)
    if choices is None:
        choices = seen["c:" + choices_json] = tuple(json.loads(choices_json))
    return vote_rules.Ballot(voter, choices, w, reason)


OldBallot = tuple[tuple[str, ...], Fraction] | None


def put_ballot(
    ctx: Ctx,
    vote: Vote,
    user_id: str,
    choices: tuple[str, ...],
    weight: Fraction,
    reason: str | None,
) -> OldBallot:
    """Store the voter's ballot; returns what it replaced (choices, weight), if anything."""
    row = ballot_of(ctx, vote, user_id)
    # Secret votes keep no time on a ballot: it would line up with the order of voters.
    new = {
        "choices": list(choices),
        "weight": str(weight),
        "reason": reason,
        "cast_at": None if vote.secret else ctx.now,
    }
    if row is not None and row.id is not None:
        # A changed ballot: one UPDATE now, and the loaded row told its new values as
        # committed ones, so the ORM has nothing left to flush for it.
        old: OldBallot = (tuple(row.choices), Fraction(row.weight))
        core(ctx.db, _REPLACE_BALLOT, {"row_id": row.id, **values(**new)})
        for name, value in new.items():
            set_committed_value(row, name, value)
        return old
    key = voter_key(vote, user_id)
    core(ctx.db, _NEW_BALLOT, values(vote_id=vote.id, voter=key, **new))
    # Not loaded: a later read in this transaction asks the database.
    _seen(ctx).pop((vote.id or 0, key), None)
    core(ctx.db, _VOTED, {"vote_id": vote.id, "user_id": user_id})
    return None


def drop_ballot(ctx: Ctx, vote: Vote, user_id: str) -> OldBallot:
    """Withdraw the voter's ballot; returns what it was, None when there was none."""
    row = ballot_of(ctx, vote, user_id)
    if row is None:
        return None
    old = (tuple(row.choices), Fraction(row.weight))
    ctx.db.delete(row)
    _seen(ctx)[(vote.id or 0, row.voter)] = None
    ctx.db.execute(
        delete(VoteVoter).where(VoteVoter.vote_id == vote.id, VoteVoter.user_id == user_id)
    )
    ctx.db.flush()
    return old


# ---------------------------------------------------------------- timeline


def add_step(ctx: Ctx, vote: Vote, what: str, by: str | None = None, **detail: Any) -> None:
    step = {"at": ctx.now.isoformat(), "what": what, "by": by or ctx.actor.display, **detail}
    vote.timeline = [*vote.timeline, step]
    ctx.db.add(vote)


# ---------------------------------------------------------------- for other capabilities


@dataclass(frozen=True)
class Participation:
    """Who could vote and who did; the yes/no weight of a proposal when it may be shown."""

    eligible: tuple[str, ...]
    voted: tuple[str, ...]
    yes: Fraction | None
    no: Fraction | None


def participation(ctx: Ctx, vote_id: int) -> Participation | None:
    vote = ctx.db.get(Vote, vote_id)
    if vote is None or vote.community_id != ctx.community.id:
        return None
    from commands.votes import tally  # the frozen roster; tally reads this module

    members = tally.roster(ctx, vote)
    voted = tuple(voted_ids(ctx, vote))
    yes = no = None
    # Hidden results stay hidden until the close, also from the assessment.
    shown = vote.status != "open" or not vote.hide_results
    if vote.kind == "proposal" and shown and vote.status != "cancelled":
        yes, no = Fraction(0), Fraction(0)
        for b in counted_ballots(ctx, vote, members):
            if b.choices[:1] == ("yes",):
                yes += b.weight
            elif b.choices[:1] in (("no",), ("block",)):
                no += b.weight
    return Participation(tuple(sorted(members)), voted, yes, no)
