"""Role arguments must name a real role of the platform (issue 10): every role-typed
parameter, `/config role`'s role and `/config ticket level-role`. Unknown ones are a one-line
error with the usage and nothing is written; an empty directory is accepted with a note."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.model import Actor, Address, CommandInvoked
from bot.registry import Registry
from storage import repos, role_tables
from storage.db import Database
from storage.tables import Outbox, RoleBinding
from storage.vote_tables import Vote
from tests.conftest import Script

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
PEOPLE = "roles alice=admin bob=tc carol="


def count(db: Database, table: type) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(table)).scalar_one()


def last_line(s: object) -> str:
    block = s.adapter.blocks[-1]  # type: ignore[attr-defined]
    return block.split("\n", 1)[1].strip()


@pytest.mark.parametrize(
    "line",
    [
        '/vote start "Q?" --eligible @ghost',
        '/vote start "Q?" --eligible @tc @ghost',
        "/config role moderator @ghost",
        "/config role voter-group core @ghost",
        "/config weight @ghost 2",
        '/config vote-type gov --eligible @ghost',
        '/event create "X" --at "2026-01-09 18:00" --role ghost',
    ],
)
async def test_a_role_the_console_does_not_have_is_refused(
    script: Script, db: Database, line: str
) -> None:
    s = await script(PEOPLE, f"@alice {line}")
    text = last_line(s)
    assert "@ghost is not a role here" in text and "Usage: /" in text, text
    assert "\n" not in text
    assert count(db, Vote) == 0 and count(db, RoleBinding) == 0
    with db.transaction() as ses:
        community = repos.get_or_create_community(ses, "console", "local", NOW)
        assert "weights" not in community.settings and "vote_types" not in community.settings


async def test_real_roles_voter_groups_and_removals_pass(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        "@alice /config role voter-group core @tc",
        "expect /tc now counts as voter group core/",
        # A voter group's name is not a platform role, and means its bound roles.
        '@alice /vote start "Q?" --eligible core',
        "expect /Vote #1/",
        "@alice /config weight @tc 2",
        "expect /weight 2/",
        # Unbinding a role that is gone from the platform must stay possible.
        "@alice /config role voter-group core @tc --remove",
        "expect /no longer bound/",
    )
    with db.transaction() as s:
        cid = repos.get_or_create_community(s, "console", "local", NOW).id or 0
        role_tables.replace(s, cid, {"moderator": "moderator"}, NOW)
        repos.bind_role(s, cid, "support", "", "old")
    await script(PEOPLE, "@alice /config role support @old --remove", "expect /no longer bound/")


async def test_a_role_given_out_later_becomes_real(script: Script) -> None:
    await script(
        PEOPLE,
        "@alice /config role moderator @stewards",
        "expect /@stewards is not a role here/",
        "roles dave=stewards",
        "@alice /config role moderator @stewards",
        "expect /stewards now counts as moderator/",
    )


async def test_level_roles_are_checked_but_people_pass(script: Script) -> None:
    await script(
        PEOPLE,
        "@alice /config ticket level-role premium @ghost",
        "expect /@ghost is not a role here/",
        "@alice /config ticket level-role premium @carol",
        "expect /carol now gets premium support/",
    )


# ---- a platform whose roles are ids (Slack), through the dispatcher


def slack(eid: str, text: str) -> CommandInvoked:
    name, _, args = text.partition(" ")
    return CommandInvoked(
        event_id=eid,
        actor=Actor("slack", "U1", "ann", is_admin=True),
        address=Address("slack", "T1", "C1"),
        name=name,
        args=args,
        raw_text="/" + text,
    )


def texts(db: Database) -> list[str]:
    with db.transaction() as s:
        return [r.payload["text"] for r in s.execute(select(Outbox).order_by(Outbox.id)).scalars()]


async def test_an_empty_directory_accepts_with_a_note(db: Database, registry: Registry) -> None:
    app = App(db, registry, FakeClock(NOW))
    assert await app.dispatcher.handle(slack("e1", "config role moderator <!subteam^S01|@mods>"))
    said = texts(db)
    assert "S01 now counts as moderator" in said[0]
    assert "have not seen this workspace's roles yet" in said[1] and "@S01" in said[1]
    assert count(db, RoleBinding) == 1


async def test_slack_ids_are_checked_and_handles_get_a_hint(
    db: Database, registry: Registry
) -> None:
    app = App(db, registry, FakeClock(NOW))
    with db.transaction() as s:
        cid = repos.get_or_create_community(s, "slack", "T1", NOW).id or 0
        role_tables.replace(s, cid, {"S01": "mods", "S02": "tc"}, NOW)
    d = app.dispatcher
    assert await d.handle(slack("e1", "config role moderator <!subteam^S09|@gone>")) == "refused"
    assert await d.handle(slack("e2", 'vote start "Q?" --eligible <!subteam^S09>')) == "refused"
    assert await d.handle(slack("e3", 'vote start "Q?" --eligible <!subteam^S02|@tc>')) == "ok"
    said = texts(db)
    assert "@S09 is not a role here (roles: mods, tc)" in said[0]
    assert "Usage: /vote start" in said[1]
    assert not any("not checked" in t for t in said)
    assert count(db, RoleBinding) == 0 and count(db, Vote) == 1


def test_replace_drops_gone_roles_and_put_renames(db: Database) -> None:
    with db.transaction() as s:
        cid = repos.get_or_create_community(s, "discord", "G1", NOW).id or 0
        role_tables.replace(s, cid, {"1": "a", "2": "b"}, NOW)
        role_tables.put(s, cid, {"2": "bee", "3": "c"}, NOW)
        assert role_tables.known(s, cid) == {"1": "a", "2": "bee", "3": "c"}
        role_tables.replace(s, cid, {"3": "c"}, NOW)
        role_tables.drop(s, cid, "nope")
        assert role_tables.known(s, cid) == {"3": "c"}
        role_tables.put(s, cid, {"3": "c"}, NOW)  # the same list twice changes nothing
        assert role_tables.known(s, cid) == {"3": "c"}
