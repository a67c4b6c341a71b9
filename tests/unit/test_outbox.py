"""The outbox sender, through a recording fake adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.adapter import Adapter, RetryAfter, Target
from bot.app import App
from bot.clock import FakeClock
from bot.context import Ctx
from bot.model import (
    Actor,
    Address,
    Capabilities,
    Choice,
    CommandInvoked,
    Delivered,
    Edit,
    ReactionChanged,
    Send,
)
from bot.registry import Registry
from bot.specs import Param
from storage.db import Database
from storage.tables import Outbox, PostedMessage

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


class Recorder(Adapter):
    platform = "fake"
    min_edit_interval = 0.0

    def __init__(self, caps: Capabilities | None = None) -> None:
        self.capabilities = caps or Capabilities()
        self.calls: list[tuple[str, object, str]] = []
        self.fail: dict[str, list[Exception]] = {}
        self.n = 0

    def _maybe_fail(self, kind: str) -> None:
        queue = self.fail.get(kind)
        if queue:
            raise queue.pop(0)

    async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered:
        self._maybe_fail("send")
        self.n += 1
        self.calls.append(("send", (msg, thread_root), key))
        channel = f"dm-{msg.recipient}" if msg.visibility == "dm" else msg.address.channel
        return Delivered(f"m{self.n}", channel, thread_root)

    async def edit(self, target: Target, msg: Edit, key: str) -> None:
        self._maybe_fail("edit")
        self.calls.append(("edit", (target, msg), key))

    async def react(self, target: Target, emoji: str, key: str) -> None:
        self.calls.append(("react", (target, emoji), key))


ACTOR = Actor("fake", "u1", "Uma", is_admin=True)
HERE = Address("fake", "w", "c1")


def make_registry() -> Registry:
    reg = Registry()

    @reg.command("say", help="say things", params=[Param("text", positional=True, rest=True)])
    def say(ctx: Ctx, text: str) -> None:
        for part in (text or "").split("|"):
            ctx.reply(part)

    @reg.command("poll", help="a poll")
    def poll(ctx: Ctx) -> None:
        choices = (Choice("poll.pick", "a", "A"), Choice("poll.pick", "b", "B"))
        ctx.reply("Pick one", choices=choices, ref="poll:1")
        ctx.post("c1", "first reply in the poll's thread", thread_ref="poll:1")
        ctx.private("only you")

    @reg.command("tally", help="edit the poll", params=[Param("n", "int", positional=True)])
    def tally(ctx: Ctx, n: int) -> None:
        ctx.emit(Edit("poll:1", f"Pick one ({n} votes)"))

    @reg.action("poll.pick")
    def pick(ctx: Ctx, value: str, added: bool) -> None:
        ctx.private(f"{'picked' if added else 'unpicked'} {value}")

    return reg


def cmd(eid: str, text: str) -> CommandInvoked:
    name, _, args = text.partition(" ")
    return CommandInvoked(
        event_id=eid, actor=ACTOR, address=HERE, name=name, args=args, raw_text=text
    )


@pytest.fixture
def setup(db: Database) -> tuple[App, Recorder, FakeClock]:
    adapter = Recorder()
    clock = FakeClock(T0)
    return App(db, make_registry(), clock, {"fake": adapter}), adapter, clock


async def test_delivers_in_order_with_idempotency_keys(
    setup: tuple[App, Recorder, FakeClock],
) -> None:
    app, adapter, _ = setup
    await app.dispatcher.handle(cmd("e1", "say one|two|three"))
    await app.settle()
    assert [c[1][0].text for c in adapter.calls] == ["one", "two", "three"]
    assert [c[2] for c in adapter.calls] == ["ev:fake:e1:0", "ev:fake:e1:1", "ev:fake:e1:2"]


async def test_failure_retries_with_backoff_and_keeps_channel_order(
    setup: tuple[App, Recorder, FakeClock], db: Database
) -> None:
    app, adapter, clock = setup
    adapter.fail["send"] = [ConnectionError("down")]
    await app.dispatcher.handle(cmd("e1", "say one|two"))
    await app.settle()
    assert adapter.calls == []  # "two" must not overtake "one"
    with db.transaction() as s:
        first = s.execute(select(Outbox).order_by(Outbox.id)).scalars().first()
        assert first is not None and first.attempts == 1 and first.next_attempt_at > T0
    clock.advance(timedelta(seconds=5))
    await app.settle()
    assert [c[1][0].text for c in adapter.calls] == ["one", "two"]


async def test_retry_after_waits_the_time_asked(setup: tuple[App, Recorder, FakeClock]) -> None:
    app, adapter, clock = setup
    adapter.fail["send"] = [RetryAfter(30)]
    await app.dispatcher.handle(cmd("e1", "say hi"))
    await app.settle()
    assert adapter.calls == []
    clock.advance(timedelta(seconds=29))
    await app.settle()
    assert adapter.calls == []
    clock.advance(timedelta(seconds=2))
    await app.settle()
    assert [c[1][0].text for c in adapter.calls] == ["hi"]


async def test_threads_refs_and_ephemeral(
    setup: tuple[App, Recorder, FakeClock], db: Database
) -> None:
    app, adapter, _ = setup
    await app.dispatcher.handle(cmd("e1", "poll"))
    await app.settle()
    (poll, _), (reply, root), (private, _) = (c[1] for c in adapter.calls)
    assert poll.choices[0].emoji == "1️⃣"
    assert root == "m1" and reply.text.startswith("first reply")
    assert private.visibility == "ephemeral" and private.recipient == "u1"
    with db.transaction() as s:
        posted = s.execute(select(PostedMessage).where(PostedMessage.ref == "poll:1")).scalar_one()
        assert posted.message_id == "m1" and posted.choices[1]["emoji"] == "2️⃣"


async def test_a_reaction_matching_a_choice_is_that_choice(
    setup: tuple[App, Recorder, FakeClock],
) -> None:
    app, adapter, _ = setup
    await app.dispatcher.handle(cmd("e1", "poll"))
    await app.settle()
    target = Address("fake", "w", "c1", None, "m1")
    r = ReactionChanged(
        event_id="e2", actor=ACTOR, address=HERE, key="2️⃣", added=True, target=target
    )
    assert await app.dispatcher.handle(r) == "ok"
    await app.settle()
    assert adapter.calls[-1][1][0].text == "picked b"
    other = ReactionChanged(event_id="e3", actor=ACTOR, address=HERE, key="🎉", target=target)
    assert await app.dispatcher.handle(other) == "ignored"


async def test_superseded_edits_are_coalesced(setup: tuple[App, Recorder, FakeClock]) -> None:
    app, adapter, _ = setup
    await app.dispatcher.handle(cmd("e1", "poll"))
    await app.settle()
    adapter.calls.clear()
    for i in range(5):
        await app.dispatcher.handle(cmd(f"t{i}", f"tally {i}"))
    await app.settle()
    edits = [c for c in adapter.calls if c[0] == "edit"]
    assert len(edits) == 1 and edits[0][1][1].text.startswith("Pick one (4 votes)")


async def test_fallbacks_without_buttons_or_ephemeral(db: Database) -> None:
    adapter = Recorder(Capabilities(buttons=False, ephemeral=False))
    app = App(db, make_registry(), FakeClock(T0), {"fake": adapter})
    await app.dispatcher.handle(cmd("e1", "poll"))
    await app.settle()
    sends = [c[1][0] for c in adapter.calls if c[0] == "send"]
    reacts = [c[1][1] for c in adapter.calls if c[0] == "react"]
    assert "1️⃣ A" in sends[0].text and "2️⃣ B" in sends[0].text
    assert reacts == ["1️⃣", "2️⃣"]
    assert sends[2].visibility == "dm"


async def test_mass_mentions_from_user_text_are_neutralised(
    setup: tuple[App, Recorder, FakeClock],
) -> None:
    app, adapter, _ = setup
    await app.dispatcher.handle(cmd("e1", "say hey @everyone @here <!channel> @room"))
    await app.settle()
    text = adapter.calls[0][1][0].text
    for word in ("@everyone", "@here", "<!channel>", "@room"):
        assert word not in text
    assert "everyone" in text and "room" in text


async def test_a_reaction_while_the_bot_still_adds_its_own_is_counted(db: Database) -> None:
    """Without buttons the bot adds one reaction per choice after posting; a person who
    clicks the first before the last is added must be counted, not dropped."""
    adapter = Recorder(Capabilities(buttons=False, ephemeral=False))
    app = App(db, make_registry(), FakeClock(T0), {"fake": adapter})
    seen: list[str] = []
    plain_react = adapter.react

    async def react_then_someone_clicks(target: Target, emoji: str, key: str) -> None:
        await plain_react(target, emoji, key)
        if emoji == "1️⃣":
            at = Address("fake", "w", "c1", None, target.message_id)
            click = ReactionChanged(
                event_id="early", actor=ACTOR, address=HERE, key="1️⃣", added=True, target=at
            )
            seen.append(await app.dispatcher.handle(click))

    adapter.react = react_then_someone_clicks  # type: ignore[method-assign]
    await app.dispatcher.handle(cmd("e1", "poll"))
    await app.settle()
    assert seen == ["ok"]
    assert any(c[0] == "send" and c[1][0].text == "picked a" for c in adapter.calls)
    with db.transaction() as s:
        assert len(list(s.execute(select(PostedMessage)).scalars())) >= 1
