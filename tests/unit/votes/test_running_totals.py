"""The running totals always equal a full recount: after every step of random ballot
sequences (new ballots, changed ballots, withdrawals), both in the pure totals and in
storage through the dispatcher."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.model import Actor, Address, CommandInvoked
from bot.registry import Registry
from commands.votes import rules, tally, totals
from commands.votes.state import ballots_of, rules_of
from storage import repos
from storage.db import Database
from storage.vote_tables import Vote
from storage.vote_tally_tables import VoteTally

PEOPLE = [f"p{i}" for i in range(6)]
WEIGHTS = {p: Fraction(1 + i % 3, 1 + (i % 2)) for i, p in enumerate(PEOPLE)}

KIND_RULES = [
    rules.Rules("proposal", (), rule="simple"),
    rules.Rules("proposal", (), rule="super", threshold=Fraction(2, 3), quorum=Fraction(1, 2)),
    rules.Rules("proposal", (), rule="absolute", allow_block=True, quorum=3),
    rules.Rules("choice", ("A", "B", "C")),
    rules.Rules("multi", ("A", "B", "C", "D"), max_choices=2, quorum=2),
    rules.Rules("ranked", ("A", "B", "C", "D"), method="schulze"),
]


def _ballot(r: rules.Rules) -> st.SearchStrategy[tuple[str, ...] | None]:
    if r.kind in ("proposal", "choice"):
        one = st.sampled_from(r.options).map(lambda o: (o,))
    elif r.kind == "multi":
        one = st.lists(
            st.sampled_from(r.options), unique=True, min_size=1, max_size=r.choice_limit
        ).map(lambda cs: tuple(o for o in r.options if o in cs))
    else:
        one = st.lists(st.sampled_from(r.options), unique=True, min_size=1).map(tuple)
    return st.none() | one  # None: the voter withdraws


def _same(a: rules.Result, b: rules.Result) -> None:
    for name in (
        "outcome",
        "winners",
        "tallies",
        "voters",
        "weight_cast",
        "eligible",
        "eligible_weight",
        "quorum_needed",
        "quorum_reached",
        "consensus",
        "rule_text",
        "ranking",
        "pairwise",
    ):
        assert getattr(a, name) == getattr(b, name), name


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_pure_totals_equal_a_recount_after_every_step(data: st.DataObject) -> None:
    r = data.draw(st.sampled_from(KIND_RULES))
    t = totals.empty(r)
    cast: dict[str, rules.Ballot] = {}
    roster = (len(WEIGHTS), sum(WEIGHTS.values(), Fraction(0)))
    for _ in range(data.draw(st.integers(1, 15))):
        voter = data.draw(st.sampled_from(PEOPLE))
        choices = data.draw(_ballot(r))
        if choices and choices[0] == rules.BLOCK:
            choices = ("no",)
        old = cast.pop(voter, None)
        new = None
        if choices is not None:
            new = cast[voter] = rules.Ballot(voter, choices, WEIGHTS[voter])
        totals.replace(
            r,
            t,
            (old.choices, old.weight) if old else None,
            (new.choices, new.weight) if new else None,
        )
        ballots = list(cast.values())
        recount = rules.tally(r, ballots, WEIGHTS)
        fast = totals.result_from_totals(r, t, roster)
        _same(fast, recount)
        if r.kind != "ranked":
            left = roster[1] - t.weight_cast
            quick = rules.decided_from_totals(r, fast, roster[0] - t.ballots, left)
            assert quick == rules.is_decided(r, ballots, WEIGHTS)


# ---------------------------------------------------------------- in storage

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
WHERE = Address("console", "local", "votes")
STARTS = [
    "--for 1h",
    "--for 1h --rule 2/3 --quorum 50%",
    "--for 1h --kind choice --options A,B,C",
    "--for 1h --kind multi --options A,B,C --max 2",
    "--for 1h --kind ranked --options A,B,C",
    "--for 1h --kind ranked --options A,B,C --method irv",
    "--for 1h --kind choice --options A,B,C --secret",
]


def _app(db: Database) -> App:
    import commands

    app = App(db, commands.register_all(Registry()), FakeClock(T0))
    with db.transaction() as s:
        community = app.core.community(s, "console", "local")
        for p in PEOPLE:
            repos.upsert_member(
                s,
                community.id or 0,
                p,
                display=p,
                roles=["maint"] if p in ("p0", "p1") else [],
                is_admin=p == "p0",
                now=T0,
                channels=["votes"],
            )
        community.settings = {"weights": {"maint": 2}}
        s.add(community)
    return app


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_stored_totals_equal_a_recount_after_every_ballot(
    db: Database, data: st.DataObject
) -> None:
    app = _app(db)
    flags = data.draw(st.sampled_from(STARTS))
    n = [0]

    def send(actor: str, args: str, direct: bool = False) -> str:
        n[0] += 1
        where = Address("console", "local", f"dm:{actor}") if direct else WHERE
        event = CommandInvoked(
            event_id=f"e{n[0]}-{uuid.uuid4().hex}",
            actor=Actor("console", actor, actor),
            address=where,
            is_direct=direct,
            name="vote",
            args=args,
            raw_text="",
        )
        return app.dispatcher.handle_now(event)

    assert send("p0", f'start "Q?" {flags}') == "ok"
    with db.transaction() as s:
        vote_id = s.execute(select(Vote.id).order_by(Vote.id.desc())).scalars().first()
    secret = "--secret" in flags
    for _ in range(data.draw(st.integers(1, 10))):
        voter = data.draw(st.sampled_from(PEOPLE))
        with db.transaction() as s:
            vote = s.get(Vote, vote_id)
            assert vote is not None
            options = list(vote.options)
        pick = data.draw(st.lists(st.sampled_from(options), unique=True, min_size=0, max_size=3))
        if not pick:
            send(voter, f"retract {vote_id}", direct=secret)
        elif "ranked" in flags:
            send(voter, f"rank {vote_id} {' '.join(pick)}", direct=secret)
        else:
            send(voter, f"cast {vote_id} {','.join(pick)}", direct=secret)
        with db.transaction() as s:
            vote = s.get(Vote, vote_id)
            row = s.get(VoteTally, vote_id)
            assert vote is not None and row is not None
            r = rules_of(vote)
            stored = tally.current(vote, row)
            fresh = totals.empty(r)
            for b in ballots_of(s, vote_id or 0):
                totals.replace(r, fresh, None, (b.choices, b.weight))
            assert stored == fresh
