"""Issue 20 item 10 on any adapter: a reaction taken off, with the removal delivered before
the add, must leave no ballot. The events come from the adapter's own pure translation of
recorded payloads; the vote is a real one, opened on that platform through the core."""

from __future__ import annotations

from sqlalchemy import select

from bot.adapter import Adapter, Target
from bot.app import App
from bot.clock import FakeClock
from bot.model import (
    Actor,
    Address,
    Capabilities,
    CommandInvoked,
    Delivered,
    Edit,
    ReactionChanged,
    Send,
)
from bot.registry import Registry
from storage.db import Database
from storage.vote_tables import VoteBallot


class PostsAs(Adapter):
    """Delivers the first public post (the vote message) under the given platform id."""

    min_edit_interval = 0.0
    capabilities = Capabilities()

    def __init__(self, platform: str, vote_message: str) -> None:
        self.platform = platform
        self.ids = iter([vote_message])
        self.n = 0

    async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered:
        self.n += 1
        public = msg.visibility == "public" and not msg.thread_ref
        message_id = next(self.ids, None) if public else None
        return Delivered(message_id or f"other-{self.n}", msg.address.channel, thread_root)

    async def edit(self, target: Target, msg: Edit, key: str) -> None:
        return None

    async def react(self, target: Target, emoji: str, key: str) -> None:
        return None


async def check_late_add(
    db: Database,
    registry: Registry,
    where: Address,
    admin: Actor,
    added: ReactionChanged,
    removed: ReactionChanged,
) -> None:
    assert added.target is not None and added.target.message
    assert added.cast_at and removed.cast_at and added.cast_at < removed.cast_at
    clock = FakeClock(added.cast_at)
    adapter = PostsAs(where.platform, added.target.message)
    app = App(db, registry, clock, {where.platform: adapter})
    start = CommandInvoked(
        event_id="start-1",
        actor=admin,
        address=where,
        name="vote",
        args='start "Ship it?" --for 1h',
        raw_text='/vote start "Ship it?" --for 1h',
    )
    assert await app.dispatcher.handle(start) == "ok"
    await app.settle()

    assert await app.dispatcher.handle(removed) == "ok"  # arrives first, cast second
    assert await app.dispatcher.handle(added) == "ok"
    with db.transaction() as s:
        assert s.execute(select(VoteBallot.voter)).all() == []

    # The control: the same add on its own is a ballot (so the check above can fail).
    alone = ReactionChanged(
        event_id=added.event_id + "-other",
        actor=Actor(where.platform, "someone-else", "Someone"),
        address=added.address,
        cast_at=added.cast_at,
        key=added.key,
        added=True,
        target=added.target,
    )
    assert await app.dispatcher.handle(alone) == "ok"
    with db.transaction() as s:
        assert [v for (v,) in s.execute(select(VoteBallot.voter)).all()] == ["someone-else"]
