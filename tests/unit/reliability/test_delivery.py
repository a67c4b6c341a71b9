"""Delivery as platforms do it: every event 1-4 times, in any order, people changing their
minds. The final ballots, tallies and results must be those of in-order delivery, with each
result posted once (issue 11, "Delivery"; SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.console_script import ConsoleSession
from bot.model import ActionInvoked, CommandInvoked, InboundEvent, ReactionChanged
from commands.votes.state import PROPOSAL_EMOJI
from storage.db import Database
from storage.tables import Outbox
from storage.vote_tables import DecisionRecord, VoteBallot
from tests.conftest import Script

VOTERS = [f"v{i:02d}" for i in range(30)]
PROPOSAL = ("yes", "no", "abstain")
MULTI = ("a", "b", "c")


def plan(rng: random.Random, kind: str) -> list[tuple[str, str, str]]:
    """(voter, verb, option) in the order people did them; several changes each."""
    options = PROPOSAL if kind == "proposal" else MULTI
    verbs = ["click", "cast", "retract"] + (["react", "unreact"] if kind == "proposal" else [])
    steps = [
        (voter, rng.choice(verbs), rng.choice(options))
        for voter in VOTERS
        for _ in range(rng.randint(1, 6))
    ]
    rng.shuffle(steps)  # people act interleaved; this is the order they were cast in
    return steps


def events_for(
    session: ConsoleSession, vote_id: int, steps: list[tuple[str, str, str]], multi_pick: Any
) -> list[InboundEvent]:
    _, message = session._message(f"/Vote #{vote_id}:/")
    here = message.at_message(None)
    start = session.clock.now()
    out: list[InboundEvent] = []
    for i, (voter, verb, option) in enumerate(steps):
        common: dict[str, Any] = {
            "event_id": f"v{vote_id}-{i}",
            "actor": session.actor(voter),
            "address": here,
            "cast_at": start + timedelta(milliseconds=i + 1),
        }
        if verb == "click":
            out.append(
                ActionInvoked(
                    **common, action="vote.cast", value=f"{vote_id}:{option}", message=message
                )
            )
        elif verb in ("react", "unreact"):
            out.append(
                ReactionChanged(
                    **common, key=PROPOSAL_EMOJI[option], added=verb == "react", target=message
                )
            )
        elif verb == "cast":
            choice = multi_pick(i, option)
            out.append(command(common, f"cast {vote_id} {choice}"))
        else:
            out.append(command(common, f"retract {vote_id}"))
    return out


def command(common: dict[str, Any], args: str) -> CommandInvoked:
    return CommandInvoked(**common, name="vote", args=args, raw_text=f"/vote {args}")


def ballots(db: Database, vote_id: int) -> dict[str, list[str]]:
    with db.transaction() as s:
        rows = s.execute(
            select(VoteBallot.voter, VoteBallot.choices).where(VoteBallot.vote_id == vote_id)
        ).all()
    return {voter: list(choices) for voter, choices in rows}


@pytest.mark.parametrize("kind", ["proposal", "multi"])
@pytest.mark.parametrize("seed", range(4))
async def test_repeated_shuffled_delivery_equals_in_order(
    script: Script, db: Database, kind: str, seed: int
) -> None:
    rng = random.Random(f"{kind}-{seed}")
    extra = " --kind multi --options a,b,c" if kind == "multi" else ""
    session = await script(
        "roles alice=admin " + " ".join(f"{v}=" for v in VOTERS),
        "channel #votes",
        f'@alice /vote start "In order?"{extra} --for 1h',
        f'@alice /vote start "Shuffled?"{extra} --for 1h',
    )
    steps = plan(rng, kind)
    picks = {i: ",".join(sorted(rng.sample(MULTI, rng.randint(1, 3)))) for i in range(len(steps))}

    def pick(i: int, option: str) -> str:
        return picks[i] if kind == "multi" else option

    dispatcher = session.app.dispatcher
    for event in events_for(session, 1, steps, pick):
        dispatcher.handle_now(event)
    copies = [e for e in events_for(session, 2, steps, pick) for _ in range(rng.randint(1, 4))]
    rng.shuffle(copies)
    outcomes = [dispatcher.handle_now(e) for e in copies]
    await session.app.settle()

    assert "error" not in outcomes
    assert outcomes.count("duplicate") == len(copies) - len(steps)
    in_order, shuffled = ballots(db, 1), ballots(db, 2)
    assert shuffled == in_order
    assert len(in_order) >= 5  # the plan really leaves ballots to compare

    await script("advance 1h", session=session)
    with db.transaction() as s:
        records = {r.vote_id: r for r in s.execute(select(DecisionRecord)).scalars()}
        for vote_id in (1, 2):
            posted = s.execute(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.ref == f"vote-result:{vote_id}")
            ).scalar_one()
            assert posted == 1
    assert records[1].outcome == records[2].outcome
    assert records[1].data["tallies"] == records[2].data["tallies"]
