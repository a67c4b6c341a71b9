"""Tables that keep a ballot's cost flat: the roster frozen when a vote opens, and the
vote's running totals, updated from the one changed ballot."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class VoteRosterEntry(SQLModel, table=True):
    """One eligible voter of one vote and their weight, as they stood when the vote opened
    (or when a moderator refreshed the roster before the first ballot)."""

    __tablename__ = "vote_roster"
    __table_args__ = (UniqueConstraint("vote_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    user_id: str = Field(max_length=255)
    # Exact weight as a fraction string ("1", "3/2"), never a float.
    weight: str = Field(default="1", max_length=32)


class VoteTally(SQLModel, table=True):
    """The running totals of one vote. The full recount at close is the authority; these
    only draw the live tally and answer --close-when-decided without reading every ballot."""

    __tablename__ = "vote_tally"
    vote_id: int = Field(foreign_key="vote.id", primary_key=True)
    ballots: int = 0
    weight_cast: str = Field(default="0", max_length=64)
    # option -> [ballots naming it, their weight as a fraction string]; ranked: first
    # preferences only.
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Ranked votes: a -> b -> weight of ballots ranking a above b (fraction strings).
    pairwise: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The frozen roster: 0 when the directory knew nobody eligible at open (the vote then
    # counts whoever is eligible when they vote, as before rosters were frozen).
    roster_size: int = 0
    roster_weight: str = Field(default="0", max_length=64)
    # "" while a late entry (below) has changed the roster since the hash was taken.
    roster_hash: str = Field(default="", max_length=64)
    # The highest member row id when the roster was frozen: someone whose directory entry
    # is newer was unknown then (the adapter had not reported them yet), so they are judged
    # by the vote's rule when they first vote and added to the roster ("late entry"); a
    # member known then and not on the roster stays ineligible.
    known_upto: int = 0
