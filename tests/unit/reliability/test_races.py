"""A handler that loses a race to another process is run again, not apologised for; and
"create if missing" never races (issue 11, "Replicas that start and run together")."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.app import App
from bot.clock import FakeClock
from bot.context import Ctx
from bot.dispatcher import APOLOGY, RACE_ATTEMPTS
from bot.model import Actor, Address, CommandInvoked
from bot.registry import Registry
from storage import repos
from storage.db import Database, is_race
from storage.tables import AuditLog, Community, Member, Outbox

HERE = Address("console", "local", "general")
ALICE = Actor("console", "alice", "alice", is_admin=True)
NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def race(n: int) -> Exception:
    return IntegrityError("INSERT INTO member ...", {}, Exception(f"duplicate key {n}"))


def texts(db: Database) -> list[str]:
    with db.transaction() as s:
        return [r.payload.get("text", "") for r in s.execute(select(Outbox)).scalars()]


async def test_a_handler_that_loses_a_race_is_run_again(db: Database, registry: Registry) -> None:
    runs: list[int] = []

    @registry.command("racy", help="loses two races, then wins")
    def racy(ctx: Ctx) -> None:
        runs.append(1)
        ctx.audit("racy.try")
        if len(runs) < 3:
            raise race(len(runs))
        ctx.reply("done")

    app = App(db, registry, FakeClock(NOW))
    event = CommandInvoked("r1", ALICE, HERE, name="racy", raw_text="/racy")
    assert await app.dispatcher.handle(event) == "ok"
    assert len(runs) == 3
    assert texts(db) == ["done"]  # no apology, and the failed tries left nothing behind
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(AuditLog)).scalar_one() == 1


async def test_a_race_lost_every_time_ends_in_the_apology(db: Database, registry: Registry) -> None:
    @registry.command("doomed", help="always loses")
    def doomed(ctx: Ctx) -> None:
        raise race(0)

    app = App(db, registry, FakeClock(NOW))
    event = CommandInvoked("d1", ALICE, HERE, name="doomed", raw_text="/doomed")
    assert await app.dispatcher.handle(event) == "error"
    assert texts(db) == [APOLOGY]
    assert RACE_ATTEMPTS == 5


def test_what_counts_as_a_race() -> None:
    assert is_race(race(1))
    for code in ("40001", "40P01", "55P03"):
        assert is_race(OperationalError("UPDATE ...", {}, PgError(code)))
    assert is_race(OperationalError("BEGIN", {}, Exception("database is locked")))
    assert not is_race(OperationalError("SELECT", {}, PgError("42P01")))  # no such table
    assert not is_race(RuntimeError("a bug"))


def test_create_if_missing_is_an_upsert(db: Database) -> None:
    with db.transaction() as s:
        first = repos.get_or_create_community(s, "slack", "T1", NOW)
        again = repos.get_or_create_community(s, "slack", "T1", NOW)
        assert first.id == again.id
        cid = first.id or 0
        a = repos.upsert_member(s, cid, "U1", display="Ann", roles=["tc"], is_admin=False, now=NOW)
        b = repos.upsert_member(s, cid, "U1", display="Ann B", roles=None, is_admin=False, now=NOW)
        assert a.id == b.id and b.display == "Ann B" and b.roles == ["tc"]
        repos.set_channel(s, cid, "votes", "C1")
        repos.set_channel(s, cid, "votes", "C2")
        assert repos.channel_for(s, cid, "votes") == "C2"
        assert repos.bind_role(s, cid, "role", "moderator", "tc") is True
        assert repos.bind_role(s, cid, "role", "moderator", "tc") is False
        repos.kv_put(s, "ns", "k", {"a": 1})
        repos.kv_put(s, "ns", "k", {"a": 2})
        assert repos.kv_get(s, "ns", "k") == {"a": 2}
        values = dict(platform="slack", channel="C1", message_id="1.0", created_at=NOW)
        assert repos.record_posted(s, **values, ref="vote:1") is True
        assert repos.record_posted(s, **values, ref="vote:1") is False
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(Community)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Member)).scalar_one() == 1
