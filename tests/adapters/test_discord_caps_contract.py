"""Discord contract for the capabilities: message context menus, member joins and role
grants, from recorded payload shapes to neutral events, with no client and no network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.discord import context_menus, members, scheduled_events, tree
from adapters.discord.events import GuildInfo
from bot import codec
from bot.adapter import PermanentFailure
from bot.model import MemberJoined, MessageActionInvoked, MirrorEvent
from bot.parser import ParseContext, parse_command
from bot.registry import Registry
from tests.adapters import discord_payloads as p

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def guild(threads: dict[str, str] | None = None) -> GuildInfo:
    roles = {r["id"]: (r["name"], int(r["permissions"])) for r in p.ROLES}
    return GuildInfo(p.GUILD, p.OWNER, roles, threads or {})


def target(content: str, author: str = p.CAROL, mentions: tuple[str, ...] = ()) -> dict[str, Any]:
    out = p.message_create(author, p.GENERAL, content)
    out["mentions"] = [p.user(u, p.NAMES[u]) for u in mentions]
    return out


def test_the_menus_are_message_commands_for_the_registered_actions(registry: Registry) -> None:
    menus = context_menus.commands(registry)
    assert [m["name"] for m in menus] == ["Open a ticket", "Capture as feedback"]
    for m in menus:
        # Message commands have no description or options; the name may hold spaces.
        assert m["type"] == 3 and "description" not in m and "options" not in m
        assert 1 <= len(m["name"]) <= 32 and m["contexts"] == [0]
    # A menu for an action nobody registered is not offered.
    assert context_menus.commands(Registry()) == []


def test_a_menu_invocation_is_the_neutral_message_action() -> None:
    text = f"Crash on <@{p.BOB}> and <@!{p.ALICE}> <@&{p.ROLE_TC}> @everyone"
    msg = target(text, mentions=(p.BOB, p.ALICE))
    payload = p.message_menu(p.DAVE, p.GENERAL, "Open a ticket", msg)
    event = context_menus.invocation(payload, guild(), p.GUILD)
    assert isinstance(event, MessageActionInvoked)
    assert event.event_id == payload["id"] and event.action == "ticket.from_message"
    assert event.actor.user_id == p.DAVE and not event.is_direct
    quoted = event.target
    assert quoted is not None
    assert quoted.author == p.CAROL
    # Pings become names; the renderer silences @everyone at the last step.
    assert quoted.text == "Crash on @Bob and @Alice @TC @everyone"
    assert quoted.address.channel == p.GENERAL and quoted.address.message == msg["id"]
    assert quoted.link == f"https://discord.com/channels/{p.GUILD}/{p.GENERAL}/{msg['id']}"


def test_a_menu_in_a_thread_quotes_into_that_thread() -> None:
    thread = p.snowflake()
    msg = target("In a thread")
    msg["channel_id"] = thread
    payload = p.message_menu(p.DAVE, thread, "Capture as feedback", msg)
    payload["channel"] = {"id": thread, "type": 11, "guild_id": p.GUILD, "parent_id": p.GENERAL}
    event = context_menus.invocation(payload, guild(), p.GUILD)
    assert event is not None and event.target is not None
    assert event.action == "feedback.capture"
    assert (event.target.address.channel, event.target.address.thread) == (p.GENERAL, thread)
    assert event.target.link.endswith(f"/{p.GUILD}/{thread}/{msg['id']}")


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(name="Translate"),  # not one of Moot's menus
        lambda d: d.pop("resolved"),  # no message to quote
        lambda d: d.update(target_id=p.snowflake()),  # resolved holds another message
        lambda d: d.update(resolved={"messages": {d["target_id"]: "junk"}}),
    ],
)
def test_a_menu_that_cannot_be_read_is_no_event(change: Any) -> None:
    payload = p.message_menu(p.DAVE, p.GENERAL, "Open a ticket", target("hi"))
    change(payload["data"])
    assert context_menus.invocation(payload, guild(), p.GUILD) is None


def test_an_unknown_mention_is_named_but_never_kept_as_a_ping() -> None:
    text = context_menus.quoted_text({"content": "<@999> and <@&888>", "mentions": []}, guild())
    assert text == "@someone and @role"


def test_a_member_add_is_a_join_with_a_stable_id() -> None:
    payload = p.member_add("1180000000000000105", "erin")
    first = members.joined(payload, guild())
    again = members.joined(dict(payload), guild())
    assert isinstance(first, MemberJoined) and first == again
    assert first.actor.user_id == "1180000000000000105" and first.actor.display == "Erin"
    assert first.address.workspace == p.GUILD
    rejoin = members.joined({**payload, "joined_at": "2026-03-01T00:00:00+00:00"}, guild())
    assert rejoin is not None and rejoin.event_id != first.event_id
    bot = p.member_add("1180000000000000199", "robot")
    bot["user"]["bot"] = True
    assert members.joined(bot, guild()) is None


@pytest.mark.parametrize(
    ("role", "found"),
    [
        ("TC", p.ROLE_TC),
        ("tc", p.ROLE_TC),
        ("@Mods", p.ROLE_MODS),
        (f"<@&{p.ROLE_MODS}>", p.ROLE_MODS),
        (p.ROLE_TC, p.ROLE_TC),
        ("@everyone", None),  # never granted: everyone has it
        (p.GUILD, None),
        ("champions", None),
        ("", None),
    ],
)
def test_a_configured_role_names_a_guild_role(role: str, found: str | None) -> None:
    assert members.role_id(role, guild()) == found


class Rest:
    def __init__(self, error: PermanentFailure | None = None) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.error = error

    async def _request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        self.calls.append((method, path.format(**params), params))
        if self.error:
            raise self.error
        return None


async def test_a_grant_is_one_put_and_a_refusal_a_notice() -> None:
    rest = Rest()
    assert await members.grant(rest, guild(), p.DAVE, "Dave", "tc") is None
    assert rest.calls == [
        ("PUT", f"/guilds/{p.GUILD}/members/{p.DAVE}/roles/{p.ROLE_TC}", rest.calls[0][2])
    ]
    denied = PermanentFailure("discord 403")
    denied.status, denied.code = 403, 50013  # type: ignore[attr-defined]
    notice = await members.grant(Rest(denied), guild(), p.DAVE, "Dave", "Mods")
    assert notice and "Manage Roles" in notice and "@Dave the role Mods" in notice
    missing = Rest()
    notice = await members.grant(missing, guild(), p.DAVE, "Dave", "champions")
    assert notice and "no such role" in notice and missing.calls == []
    assert await members.grant(Rest(), None, p.DAVE, "Dave", "tc") is None


def mirrored(**kw: Any) -> MirrorEvent:
    base = {
        "platform": "discord",
        "workspace": p.GUILD,
        "source": "event:12",
        "title": "Community call",
        "starts_at": "2026-03-03T16:00:00+00:00",
        "ends_at": "2026-03-03T17:00:00+00:00",
    }
    return MirrorEvent(**{**base, **kw})


def test_a_mirrored_event_is_an_external_scheduled_event_with_its_marker() -> None:
    body = scheduled_events.body(mirrored(description="All  welcome"), "https://x/1")
    assert body == {
        "name": "Community call",
        "privacy_level": 2,
        "entity_type": 3,
        "entity_metadata": {"location": "https://x/1"},
        "scheduled_start_time": "2026-03-03T16:00:00+00:00",
        "scheduled_end_time": "2026-03-03T17:00:00+00:00",
        "description": "All welcome\n\nMoot event #12",
    }
    # Discord's limits hold, and the marker survives a long description.
    long = scheduled_events.body(
        mirrored(title="t" * 300, where="w" * 300, description="d" * 5000), ""
    )
    assert len(long["name"]) == 100 and len(long["entity_metadata"]["location"]) == 100
    assert len(long["description"]) <= 1000 and long["description"].endswith("Moot event #12")
    assert scheduled_events.find([{"id": "9", "description": long["description"]}], "event:12")
    assert scheduled_events.body(mirrored(), "")["entity_metadata"]["location"] == "Discord"


def test_a_copy_is_found_only_by_its_own_marker() -> None:
    listed = [
        {"id": "1", "description": "x\n\nMoot event #1"},
        {"id": "2", "description": "Moot event #12 is mentioned here\nbut not last"},
        {"id": "3", "description": None},
        {"id": "4", "description": "y\n\nMoot event #12"},
    ]
    assert scheduled_events.find(listed, "event:12") == "4"
    assert scheduled_events.find(listed, "event:2") is None


def test_the_effect_survives_the_outbox() -> None:
    effect = mirrored(where="Room 1", cancelled=True, channel=p.GENERAL)
    assert codec.decode(codec.kind_of(effect), codec.encode(effect)) == effect


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ('commit "rights* NEAR', "commit 'rights* NEAR"),
        ("don't  panic", "don't panic"),
        ("“curly” and ‘single", "'curly' and 'single"),
        ("plain words", "plain words"),
    ],
)
def test_a_quote_typed_in_a_free_text_field_is_just_text(
    registry: Registry, typed: str, read: str
) -> None:
    spec = registry.find("kb", "search")
    assert spec is not None
    line = tree.line(spec, [{"name": "query", "value": typed}])
    parsed = parse_command(registry, "kb", line, ParseContext(NOW, ZoneInfo("UTC"), "/"))
    assert parsed.args["query"] == read
