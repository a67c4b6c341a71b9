from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.context import Ctx
from bot.errors import UserError
from bot.model import Actor, Address, CommandInvoked
from bot.registry import Registry
from storage.db import Database
from storage.tables import AuditLog, ChannelPurpose, Outbox, ProcessedEvent

HERE = Address("console", "local", "general")
ALICE = Actor("console", "alice", "alice", is_admin=True)
BOB = Actor("console", "bob", "bob")


def cmd(eid: str, text: str, actor: Actor = ALICE) -> CommandInvoked:
    name, _, args = text.lstrip("/").partition(" ")
    return CommandInvoked(
        event_id=eid, actor=actor, address=HERE, name=name, args=args, raw_text=text
    )


def count(db: Database, table: type) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(table)).scalar_one()


def outbox(db: Database) -> list[Outbox]:
    with db.transaction() as s:
        return list(s.execute(select(Outbox).order_by(Outbox.id)).scalars())


@pytest.fixture
def app(db: Database, registry: Registry) -> App:
    @registry.command("boom", help="writes, then fails")
    def boom(ctx: Ctx) -> None:
        ctx.audit("boom.before")
        ctx.reply("you should never see this")
        raise RuntimeError("kaput")

    @registry.command("nope", help="refuses after writing")
    def nope(ctx: Ctx) -> None:
        ctx.audit("nope.before")
        raise UserError("not today")

    return App(db, registry, FakeClock(datetime(2026, 1, 5, 9, tzinfo=UTC)))


async def test_a_command_runs_and_its_reply_goes_to_the_outbox(app: App, db: Database) -> None:
    assert await app.dispatcher.handle(cmd("e1", "/config channel votes #votes")) == "ok"
    assert count(db, ChannelPurpose) == 1
    rows = outbox(db)
    assert len(rows) == 1 and rows[0].key == "ev:console:e1:0"
    assert rows[0].payload["visibility"] == "ephemeral"
    assert "votes channel is now #votes" in rows[0].payload["text"]
    assert count(db, AuditLog) == 1


async def test_a_duplicate_event_does_nothing(app: App, db: Database) -> None:
    event = cmd("e1", "/config channel votes #votes")
    assert await app.dispatcher.handle(event) == "ok"
    before = (count(db, Outbox), count(db, AuditLog), count(db, ProcessedEvent))
    assert await app.dispatcher.handle(event) == "duplicate"
    assert (count(db, Outbox), count(db, AuditLog), count(db, ProcessedEvent)) == before


async def test_a_refused_permission_writes_nothing(app: App, db: Database) -> None:
    assert await app.dispatcher.handle(cmd("e2", "/config channel votes #votes", BOB)) == "refused"
    assert count(db, ChannelPurpose) == 0 and count(db, AuditLog) == 0
    (row,) = outbox(db)
    assert row.payload["visibility"] == "ephemeral" and row.payload["recipient"] == "bob"
    assert "/config channel is for moderators and admins only" in row.payload["text"]


async def test_a_failing_handler_leaves_no_state_and_no_outbox_rows(
    app: App, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="moot.dispatch"):
        assert await app.dispatcher.handle(cmd("e3", "/boom")) == "error"
    assert count(db, AuditLog) == 0
    (row,) = outbox(db)
    assert "never see this" not in row.payload["text"]
    assert row.payload["text"].startswith("Sorry, something went wrong")
    assert "Traceback" not in row.payload["text"]
    assert any("e3" in r.getMessage() for r in caplog.records)


async def test_a_user_error_rolls_back_and_answers_privately(app: App, db: Database) -> None:
    assert await app.dispatcher.handle(cmd("e4", "/nope")) == "refused"
    assert count(db, AuditLog) == 0
    (row,) = outbox(db)
    assert row.payload["text"] == "not today"


async def test_bad_input_writes_nothing_but_the_answer(app: App, db: Database) -> None:
    assert await app.dispatcher.handle(cmd("e5", "/config chanel votes #x")) == "refused"
    assert count(db, ChannelPurpose) == 0 and count(db, AuditLog) == 0
    (row,) = outbox(db)
    assert "did you mean 'channel'" in row.payload["text"]
    assert "Usage: /config" in row.payload["text"]


async def test_a_retried_refusal_is_answered_once(app: App, db: Database) -> None:
    event = cmd("e6", "/config channel votes #votes", BOB)
    await app.dispatcher.handle(event)
    assert await app.dispatcher.handle(event) == "duplicate"
    assert count(db, Outbox) == 1


async def test_refusals_and_the_apology_speak_the_actors_language(app: App, db: Database) -> None:
    assert await app.dispatcher.handle(cmd("z1", "/config language zh-Hans")) == "ok"
    assert await app.dispatcher.handle(cmd("z2", "/boom")) == "error"
    assert await app.dispatcher.handle(cmd("z3", "/config channel votes #votes", BOB)) == "refused"
    assert await app.dispatcher.handle(cmd("z4", "/me language en", BOB)) == "ok"
    assert await app.dispatcher.handle(cmd("z5", "/config show", BOB)) == "refused"
    texts = [r.payload["text"] for r in outbox(db)]
    assert texts[0] == "✅ Moot 现在在本社区使用简体中文。"
    assert texts[1].startswith("抱歉，我这边出了问题")
    assert texts[2] == "/config channel 仅限管理员和平台管理员。"
    assert texts[4] == "/config show is for moderators and admins only"


async def test_a_room_outside_the_community_is_refused_in_the_actors_language(
    app: App, db: Database
) -> None:
    assert await app.dispatcher.handle(cmd("e1", "/config language zh-Hans")) == "ok"
    outside = CommandInvoked(
        event_id="e2",
        actor=ALICE,
        address=Address("console", "local", "elsewhere"),
        name="vote",
        args="list",
        in_community=False,
    )
    assert await app.dispatcher.handle(outside) == "refused"
    text = outbox(db)[-1].payload["text"]
    assert "此房间不属于社区的房间" in text and "/help" in text, text
