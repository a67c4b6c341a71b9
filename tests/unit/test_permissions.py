"""The core's permission rules, attacked: a role name anyone can choose grants nothing where
the platform lets people name roles, a binding must name an id there, and a room outside the
community runs nothing but help."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import permissions
from bot.app import App
from bot.clock import FakeClock
from bot.model import Actor, Address, CommandInvoked, ReactionChanged
from bot.registry import Registry
from storage import repos
from storage.db import Database

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def community(db: Database, platform: str) -> int:
    with db.transaction() as s:
        return repos.get_or_create_community(s, platform, "w", NOW).id or 0


@pytest.mark.parametrize("handle", ["moderator", "mod"])
def test_a_group_named_moderator_is_no_moderator_on_slack_or_discord(
    db: Database, handle: str
) -> None:
    for platform in ("slack", "discord"):
        community(db, platform)
        with db.transaction() as s:
            c = repos.get_or_create_community(s, platform, "w", NOW)
            evil = Actor(platform, "u1", "carol", roles=frozenset({handle, "support"}))
            assert not permissions.is_moderator(s, c, evil)
            assert not permissions.is_support(s, c, evil)
            assert not permissions.allowed(s, c, evil, "moderator")


def test_builtin_names_hold_where_the_adapter_derives_them(db: Database) -> None:
    for platform in ("console", "matrix"):
        community(db, platform)
        with db.transaction() as s:
            c = repos.get_or_create_community(s, platform, "w", NOW)
            assert permissions.is_moderator(
                s, c, Actor(platform, "u1", "a", roles=frozenset({"moderator"}))
            )


def test_an_explicit_binding_by_id_makes_a_moderator_on_slack(db: Database) -> None:
    cid = community(db, "slack")
    with db.transaction() as s:
        repos.bind_role(s, cid, "moderator", "", "S0STEER01")
    with db.transaction() as s:
        c = repos.get_or_create_community(s, "slack", "w", NOW)
        assert permissions.is_moderator(s, c, Actor("slack", "u", "b", frozenset({"S0STEER01"})))
        assert not permissions.is_moderator(s, c, Actor("slack", "u", "b", frozenset({"S0X"})))


@pytest.mark.parametrize(
    ("platform", "role", "ok"),
    [
        ("slack", "S0TC00001", True),
        ("slack", "tc", False),
        ("slack", "moderator", False),
        ("slack", "s0tc00001", False),
        ("discord", "112233445566778899", True),
        ("discord", "mods", False),
        ("matrix", "moderator", True),
        ("console", "steering", True),
    ],
)
def test_role_bindings_by_id_where_names_are_chosen_by_anyone(
    platform: str, role: str, ok: bool
) -> None:
    assert (permissions.role_id_problem(platform, role) is None) is ok


OUTSIDE = Address("matrix", "w", "!bobs:room")
BOB = Actor("matrix", "@bob:x", "bob", roles=frozenset({"admin", "moderator"}), is_admin=True)


def command(name: str, args: str = "", **kw: object) -> CommandInvoked:
    return CommandInvoked(
        event_id=f"e-{name}-{args}", actor=BOB, address=OUTSIDE, name=name, args=args, **kw
    )  # type: ignore[arg-type]


def test_outside_the_community_only_help_runs() -> None:
    assert permissions.place_refusal(command("help", in_community=False)) is None
    refusal = permissions.place_refusal(command("config", "timezone X", in_community=False))
    assert refusal and "not one of the community's rooms" in refusal
    reaction = ReactionChanged(event_id="r", actor=BOB, address=OUTSIDE, in_community=False)
    assert permissions.place_refusal(reaction) is not None
    # a direct chat is the person's own, wherever the room sits
    assert permissions.place_refusal(command("vote", in_community=False, is_direct=True)) is None
    assert permissions.place_refusal(command("vote")) is None


async def test_a_command_from_outside_changes_nothing_even_for_that_rooms_admin(
    db: Database, registry: Registry
) -> None:
    app = App(db, registry, FakeClock(NOW))
    event = command("config", "timezone Asia/Tokyo", in_community=False)
    assert await app.dispatcher.handle(event) == "refused"
    with db.transaction() as s:
        c = repos.get_or_create_community(s, "matrix", "w", NOW)
        assert c.timezone == "UTC"
        assert repos.members(s, c.id or 0) == []
        rows = repos.pending_outbox(s)
    assert len(rows) == 1 and "not one of the community's rooms" in rows[0].payload["text"]
