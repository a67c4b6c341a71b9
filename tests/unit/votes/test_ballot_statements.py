"""What one ballot costs the database: each row it needs read once, no read before a write
that a unique key can decide, and a bounded number of statements at any roster size."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.model import ActionInvoked, Actor, Address, CommandInvoked
from bot.registry import Registry
from storage import repos
from storage.db import Database
from storage.vote_tables import Vote, VoteBallot, VoteVoter
from tests.unit.sql_statements import statements

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
WHERE = Address("console", "local", "votes")
# A changed ballot by button: the event's own rows (processed, community, actor, their
# settings, the message), the vote with its totals, the change history (2), the ballot,
# the roster entry, the two updates, the pending-edit check and the outbox insert.
CHANGED_BALLOT_STATEMENTS = 14


def _app(db: Database, voters: int) -> App:
    import commands

    app = App(db, commands.register_all(Registry()), FakeClock(T0))
    with db.transaction() as s:
        community = app.core.community(s, "console", "local")
        for i in range(voters):
            repos.upsert_member(
                s, community.id or 0, f"v{i}", display=f"v{i}", roles=[], is_admin=i == 0,
                now=T0, channels=["votes"],
            )  # fmt: skip
    start = CommandInvoked(
        event_id="start",
        actor=Actor("console", "v0", "v0", is_admin=True),
        address=WHERE,
        name="vote",
        args='start "Q?" --for 1h',
        raw_text="",
    )
    assert app.dispatcher.handle_now(start) == "ok"
    return app


def _vote_id(app: App) -> int:
    with app.db.transaction() as s:
        return int(s.execute(select(func.max(Vote.id))).scalar_one())


def _press(app: App, vote_id: int, who: str, option: str, eid: str) -> str:
    return app.dispatcher.handle_now(
        ActionInvoked(
            event_id=eid,
            actor=Actor("console", who, who),
            address=WHERE,
            action="vote.cast",
            value=f"{vote_id}:{option}",
            message=WHERE.at_message("1"),
        )
    )


@pytest.mark.parametrize("voters", [5, 300])
def test_a_changed_ballot_reads_the_voters_ballot_once(db: Database, voters: int) -> None:
    app = _app(db, voters)
    vote_id = _vote_id(app)
    assert _press(app, vote_id, "v1", "yes", "a") == "ok"
    with statements(db, with_begin=False) as seen:
        assert _press(app, vote_id, "v1", "no", "b") == "ok"
    ballot_reads = [s for s in seen if s.startswith("SELECT") and "FROM vote_ballot" in s]
    assert len(ballot_reads) == 1, ballot_reads
    assert len(seen) <= CHANGED_BALLOT_STATEMENTS, "\n".join(seen)


def test_a_first_ballot_writes_its_voter_row_without_reading_first(db: Database) -> None:
    app = _app(db, 5)
    vote_id = _vote_id(app)
    with statements(db, with_begin=False) as seen:
        assert _press(app, vote_id, "v2", "yes", "first") == "ok"
    assert not [s for s in seen if s.startswith("SELECT") and "FROM vote_voter" in s], seen
    # Withdrawn and cast again: one ballot and one voter row, holding the last choice.
    retract = CommandInvoked(
        event_id="retract",
        actor=Actor("console", "v2", "v2"),
        address=WHERE,
        name="vote",
        args=f"retract {vote_id}",
        raw_text="",
    )
    assert app.dispatcher.handle_now(retract) == "ok"
    assert _press(app, vote_id, "v2", "no", "again") == "ok"
    with db.transaction() as s:
        ballots = s.execute(select(VoteBallot.voter, VoteBallot.choices)).all()
        voters = s.execute(select(VoteVoter.user_id)).scalars().all()
    assert [(v, list(c)) for v, c in ballots] == [("v2", ["no"])]
    assert voters == ["v2"]
