"""The channel gate: plain messages reach the core only from channels a capability asked
for, or as a person's first message seen by this process; a duplicate delivery of one is
dropped by the dispatcher like any event."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot import codec
from bot.app import App
from bot.channel_gate import ANY_CHANNEL, ChannelGate
from bot.clock import FakeClock
from bot.context import Ctx
from bot.model import Actor, Address, ChannelMessage
from bot.registry import Registry
from storage import repos
from storage.db import Database
from storage.kb_tables import KbSuggestion

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def configure(db: Database, purpose: str, channel: str) -> None:
    with db.transaction() as s:
        cid = repos.get_or_create_community(s, "slack", "T1", NOW).id or 0
        repos.set_channel(s, cid, purpose, channel)


def test_only_asked_for_channels_and_first_messages_pass(db: Database) -> None:
    reg = Registry()
    t = [0.0]
    gate = ChannelGate(db, reg, ttl=30, monotonic=lambda: t[0])
    assert not gate.wants("slack", "T1", "C1", "U1")  # nobody asked for anything
    reg.channel_message("support")(lambda ctx, text: None)
    configure(db, "support", "CHELP")
    assert gate.wants("slack", "T1", "CHELP", "U1") and gate.wants("slack", "T1", "CHELP", "U1")
    assert not gate.wants("slack", "T1", "CGENERAL", "U1")
    assert not gate.wants("slack", "T2", "CHELP", "U1")  # another workspace's channel
    assert not gate.wants("slack", "T1", "CHELP", "")  # no author: no person to answer
    # A changed channel is read again once the cached one is older than the ttl.
    configure(db, "support", "CNEW")
    assert gate.wants("slack", "T1", "CHELP", "U1")
    t[0] = 31.0
    assert gate.wants("slack", "T1", "CNEW", "U1") and not gate.wants("slack", "T1", "CHELP", "U1")
    # Someone's first message anywhere, once per person per process.
    reg.channel_message(ANY_CHANNEL)(lambda ctx, text: None)
    assert gate.wants("slack", "T1", "CGENERAL", "U2")
    assert not gate.wants("slack", "T1", "CGENERAL", "U2")
    assert not gate.wants("slack", "T1", "CRANDOM", "U2")
    assert gate.wants("slack", "T1", "CGENERAL", "U3")
    assert ChannelGate(db, reg).wants("slack", "T1", "CGENERAL", "U2")  # a new process


def message(eid: str, channel: str, text: str) -> ChannelMessage:
    return ChannelMessage(
        event_id=eid,
        actor=Actor("slack", "U1", "ann"),
        address=Address("slack", "T1", channel, None, eid),
        text=text,
    )


async def test_routing_duplicates_and_the_inbox_codec(db: Database, registry: Registry) -> None:
    heard: list[tuple[str, str]] = []

    @registry.channel_message("feedback")
    def on_feedback(ctx: Ctx, text: str) -> None:
        heard.append((ctx.address.channel, text))

    app = App(db, registry, FakeClock(NOW))
    configure(db, "feedback", "CFB")
    ev = message("Ev1", "CFB", "the docs are great")
    assert codec.decode_event(codec.encode_event(ev)) == ev
    assert await app.dispatcher.handle(ev) == "ok"
    assert await app.dispatcher.handle(ev) == "duplicate"
    # Elsewhere only the ANY_CHANNEL listener (onboarding) runs.
    assert await app.dispatcher.handle(message("Ev2", "COTHER", "hi")) == "ok"
    assert heard == [("CFB", "the docs are great")]
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(KbSuggestion)).scalar_one() == 0
