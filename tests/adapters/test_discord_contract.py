"""Discord contract: recorded payload shapes -> neutral events, and effects -> the JSON the
adapter sends, with no client and no network."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from adapters.discord import events, messages, modal, tree
from adapters.discord.events import GuildInfo
from adapters.discord.settings import DiscordSettings
from bot.config import ConfigError
from bot.model import (
    ActionInvoked,
    Card,
    ChannelMessage,
    Choice,
    CommandInvoked,
    MessageReceived,
)
from bot.parser import ParseContext, parse_command
from bot.registry import Registry
from bot.timeparse import format_when
from tests.adapters import discord_payloads as p

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def guild(threads: dict[str, str] | None = None) -> GuildInfo:
    roles = {r["id"]: (r["name"], int(r["permissions"])) for r in p.ROLES}
    return GuildInfo(p.GUILD, p.OWNER, roles, threads or {})


def ctx(zone: ZoneInfo = UTC_ZONE) -> ParseContext:
    return ParseContext(NOW, zone, "/")


# ------------------------------------------------------------------ the tree


def test_every_command_becomes_one_top_level_slash_command(registry: Registry) -> None:
    cmds = tree.commands(registry)
    assert [c["name"] for c in cmds] == sorted(registry.commands)
    name_ok = re.compile(r"^[-_a-z0-9]{1,32}$")
    for c in cmds:
        assert 1 <= len(c["description"]) <= 100
        for sub in c["options"]:
            assert name_ok.match(sub["name"])
            assert len(sub.get("options", [])) <= 25
            required = [o.get("required", False) for o in sub.get("options", [])]
            assert required == sorted(required, reverse=True), f"{c['name']} {sub['name']}"
            for o in sub.get("options", []):
                assert name_ok.match(o["name"]) and 1 <= len(o["description"]) <= 100


def test_options_are_typed_from_the_specs(registry: Registry) -> None:
    cmds = {c["name"]: c for c in tree.commands(registry)}
    subs = {o["name"]: o for o in cmds["vote"]["options"]}
    start = {o["name"]: o for o in subs["start"]["options"]}
    assert start["secret"]["type"] == tree.BOOLEAN
    assert start["max"]["type"] == tree.INTEGER and start["max"]["min_value"] == 0
    assert start["kind"]["choices"][0] == {"name": "proposal", "value": "proposal"}
    assert start["for"]["type"] == tree.STRING  # durations are read by the parser
    # The form opens when nothing is given, so nothing is required on Discord.
    assert not any(o["required"] for o in start.values())
    cast = {o["name"]: o for o in subs["cast"]["options"]}
    assert cast["id"] == {
        "name": "id",
        "description": "id",
        "description_localizations": {"zh-CN": "编号"},
        "required": True,
        "type": tree.INTEGER,
        "min_value": 1,
        "max_value": 2**31 - 1,
        "autocomplete": True,
    }
    config = {o["name"]: o for o in cmds["config"]["options"]}
    channel = {o["name"]: o for o in config["channel"]["options"]}
    assert channel["channel"]["type"] == tree.CHANNEL
    weight = {o["name"]: o for o in config["weight"]["options"]}
    assert weight["role"]["type"] == tree.ROLE
    rfc = {o["name"]: o for o in cmds["rfc"]["options"]}
    reviewers = {o["name"]: o for o in rfc["reviewers"]["options"]}
    assert reviewers["users"]["type"] == tree.STRING  # several users: mentions as text
    assert reviewers["rfc"]["autocomplete"] is True


def test_a_new_command_appears_without_declaring_it_again() -> None:
    reg = Registry()

    @reg.command("poll", "ask", help="Ask.", params=[])
    def ask(ctx: object) -> None: ...

    assert [c["name"] for c in tree.commands(reg)] == ["poll"]


# ------------------------------------------------------------------ slash commands


def test_slash_command_with_options_reads_as_the_typed_line(registry: Registry) -> None:
    payload = p.slash(
        p.ALICE,
        p.VOTES,
        "vote",
        "start",
        [
            p.opt("question", 'Adopt "v2"?'),
            p.opt("options", "red, green"),
            p.opt("for", "72h"),
            p.opt("secret", True, tree.BOOLEAN),
            p.opt("max", 2, tree.INTEGER),
            p.opt("eligible", f"<@&{p.ROLE_TC}> mods"),
        ],
    )
    name, sub, given = tree.invoked(payload["data"])
    spec = registry.find(name, sub)
    assert spec is not None
    line = tree.line(spec, given)
    event = events.command(payload, guild(), p.GUILD, name, line)
    assert isinstance(event, CommandInvoked)
    assert event.event_id == payload["id"] and event.name == "vote"
    assert event.actor.user_id == p.ALICE and event.actor.is_admin  # Manage Server
    assert event.address.workspace == p.GUILD and event.address.channel == p.VOTES
    parsed = parse_command(registry, event.name, event.args, ctx())
    assert parsed.spec.sub == "start"
    assert parsed.args["question"] == "Adopt 'v2'?"
    assert parsed.args["options"] == ["red", "green"]
    assert parsed.args["secret"] is True and parsed.args["max"] == 2
    assert parsed.args["eligible"] == [p.ROLE_TC, "mods"]


def test_user_role_and_channel_options_become_mentions(registry: Registry) -> None:
    payload = p.slash(
        p.ALICE,
        p.GENERAL,
        "config",
        "channel",
        [p.opt("purpose", "votes"), p.opt("channel", p.VOTES, tree.CHANNEL)],
    )
    name, sub, given = tree.invoked(payload["data"])
    spec = registry.find(name, sub)
    assert spec is not None
    parsed = parse_command(registry, name, tree.line(spec, given), ctx())
    assert parsed.args == {"purpose": "votes", "channel": p.VOTES}
    spec = registry.find("config", "weight")
    assert spec is not None
    line = tree.line(spec, [p.opt("role", p.ROLE_TC, tree.ROLE), p.opt("weight", 3, 4)])
    assert parse_command(registry, "config", line, ctx()).args == {"role": p.ROLE_TC, "weight": 3}


def test_rest_of_line_and_repeated_values(registry: Registry) -> None:
    spec = registry.find("vote", "cast")
    assert spec is not None
    given = [p.opt("id", 3, 4), p.opt("option", "block"), p.opt("reason", "it breaks  the build")]
    parsed = parse_command(registry, "vote", tree.line(spec, given), ctx())
    assert parsed.args["reason"] == "it breaks the build" and parsed.args["id"] == 3
    spec = registry.find("vote", "rank")
    assert spec is not None
    parsed = parse_command(
        registry, "vote", tree.line(spec, [p.opt("id", 1, 4), p.opt("ranking", "b a c")]), ctx()
    )
    assert parsed.args["ranking"] == ["b", "a", "c"]


def test_a_slash_command_in_a_dm_belongs_to_the_home_guild() -> None:
    payload = p.slash(p.BOB, None, "vote", "cast", [p.opt("id", 1, 4)], dm_channel="555")
    event = events.command(payload, None, p.GUILD, "vote", "cast 1 yes")
    assert event.is_direct and event.address.workspace == p.GUILD
    assert event.address.channel == "555" and event.actor.user_id == p.BOB


def test_a_slash_command_in_a_thread_names_the_parent_and_the_thread() -> None:
    payload = p.slash(p.BOB, "777", "help")
    payload["channel"] = {"id": "777", "type": 11, "parent_id": p.VOTES}
    event = events.command(payload, guild(), p.GUILD, "help", "")
    assert (event.address.channel, event.address.thread) == (p.VOTES, "777")


# ------------------------------------------------------------------ components


def test_button_press_and_back() -> None:
    choice = Choice("vote.cast", "12:yes", "yes", "primary", "👍")
    rendered = messages.button(choice, 0)
    assert rendered == {
        "type": 2,
        "style": 1,
        "label": "yes",
        "custom_id": "moot:vote.cast:12:yes",
        "emoji": {"name": "👍"},
    }
    payload = p.button(p.BOB, p.VOTES, "4242", rendered["custom_id"], [])
    event = events.component(payload, guild(), p.GUILD)
    assert isinstance(event, ActionInvoked)
    assert (event.action, event.value) == ("vote.cast", "12:yes")
    assert event.message is not None and event.message.message == "4242"
    assert event.message.channel == p.VOTES and not event.actor.is_admin
    assert "tc" in event.actor.roles and p.ROLE_TC in event.actor.roles


def test_a_long_value_is_named_by_position_and_resolved_by_the_adapter() -> None:
    long = Choice("poll.vote", "x" * 120, "long")
    cid = messages.button(long, 7)["custom_id"]
    assert cid == "moot:#7" and len(cid) <= 100
    payload = p.button(p.BOB, p.VOTES, "4242", cid)
    assert events.component(payload, guild(), p.GUILD) is None  # not resolved: ignored
    event = events.component(payload, guild(), p.GUILD, resolved=("poll.vote", "x" * 120))
    assert event is not None and event.value == "x" * 120


def test_foreign_custom_ids_are_ignored() -> None:
    for cid in ("other-bot:1", "moot:sel:0", "moot:", "moot:#x"):
        assert events.component(p.button(p.BOB, p.VOTES, "1", cid), guild(), p.GUILD) is None


def test_select_choice() -> None:
    choices = tuple(Choice("vote.cast", f"5:o{i}", f"option {i}") for i in range(30))
    rows = messages.components(choices)
    assert len(rows) == 2 and all(r["components"][0]["type"] == 3 for r in rows)
    assert [len(r["components"][0]["options"]) for r in rows] == [25, 5]
    value = rows[1]["components"][0]["options"][2]["value"]
    event = events.component(p.select(p.CAROL, p.VOTES, "99", "moot:sel:1", value), guild(), "g")
    assert event is not None and (event.action, event.value) == ("vote.cast", "5:o27")


def test_buttons_go_five_a_row_up_to_twenty_five() -> None:
    rows = messages.components(tuple(Choice("a.b", str(i), str(i)) for i in range(25)))
    assert [len(r["components"]) for r in rows] == [5] * 5
    ids = [c["custom_id"] for r in rows for c in r["components"]]
    assert len(set(ids)) == 25 and all(len(i) <= 100 for i in ids)


# ------------------------------------------------------------------ the form


def test_modal_submit_is_read_by_the_same_parser(registry: Registry) -> None:
    spec = registry.find("vote", "start")
    assert spec is not None
    form = modal.form(spec)
    assert form["custom_id"] == "moot:modal:vote:start" and len(form["components"]) == 5
    good = p.modal_submit(
        p.ALICE,
        p.VOTES,
        form["custom_id"],
        {"question": "Lunch?", "options": "pizza\nsushi\n", "for": "2h", "rule": "", "quorum": ""},
    )
    result = modal.submission(registry, good["data"], ctx())
    assert result.error == ""
    args = parse_command(registry, "vote", result.line, ctx()).args
    assert args["question"] == "Lunch?" and args["options"] == ["pizza", "sushi"]
    bad = p.modal_submit(p.ALICE, p.VOTES, form["custom_id"], {"question": "Q", "quorum": "lots"})
    result = modal.submission(registry, bad["data"], ctx())
    assert "lots" in result.error and "Usage: /vote start" in result.error
    stale = p.modal_submit(p.ALICE, p.VOTES, "moot:modal:gone:away", {})
    assert modal.submission(registry, stale["data"], ctx()).error


def test_autocomplete_request_names_the_focused_option() -> None:
    payload = p.autocomplete(
        p.BOB, p.VOTES, "vote", "cast", [p.opt("id", "ado", 4, True), p.opt("option", "")]
    )
    name, sub, given = tree.invoked(payload["data"])
    assert (name, sub) == ("vote", "cast") and tree.focused(given) == ("id", "ado")
    assert tree.AUTOCOMPLETE[(name, "id")] == "vote"


# ------------------------------------------------------------------ messages


def test_message_in_a_thread_is_a_reply_to_its_root() -> None:
    root = "4242"  # a thread started on a message has the message's id
    payload = p.message_create(p.CAROL, root, "Builds take longer, though.")
    event = events.message(payload, guild({root: p.GENERAL}), p.GUILD, "!")
    assert isinstance(event, MessageReceived)
    assert event.text == "Builds take longer, though."
    assert event.reply_to is not None
    assert (event.reply_to.channel, event.reply_to.message) == (p.GENERAL, root)
    assert (event.address.channel, event.address.thread) == (p.GENERAL, root)


def test_text_commands() -> None:
    g = guild()
    cmd = events.message(p.message_create(p.BOB, p.VOTES, "!vote cast 2 yes"), g, p.GUILD, "!")
    assert isinstance(cmd, CommandInvoked) and (cmd.name, cmd.args) == ("vote", "cast 2 yes")
    dm = events.message(p.message_create(p.BOB, "5", "vote cast 2 yes", guild=False), g, "G", "!")
    assert isinstance(dm, CommandInvoked) and dm.is_direct and dm.address.workspace == "G"
    # Chatter is no command: a plain channel message, which the adapter's gate drops unless
    # a capability asked for that channel.
    for text in ("! look at this", "just chatting", "!!!"):
        chat = events.message(p.message_create(p.BOB, p.VOTES, text), g, p.GUILD, "!")
        assert isinstance(chat, ChannelMessage) and chat.text == text
    mine = p.message_create(p.BOT, p.VOTES, "!vote list")
    mine["author"]["bot"] = True
    assert events.message(mine, g, p.GUILD, "!") is None


def test_plain_channel_messages() -> None:
    g = guild()
    payload = p.message_create(p.CAROL, p.GENERAL, "How do I get commit rights?")
    ev = events.message(payload, g, p.GUILD, "!")
    assert isinstance(ev, ChannelMessage)
    assert ev.event_id == payload["id"] and ev.actor.user_id == p.CAROL
    assert (ev.address.workspace, ev.address.channel, ev.address.thread) == (
        p.GUILD,
        p.GENERAL,
        None,
    )
    assert "tc" in ev.actor.roles  # the member object's roles, as for commands
    dropped = []
    own = p.message_create(p.BOT, p.GENERAL, "Vote #1 closed")
    dropped.append((own, p.BOT))
    hook = p.message_create(p.CAROL, p.GENERAL, "deploy done")
    hook["webhook_id"] = "99"
    dropped.append((hook, p.BOT))
    join = p.message_create(p.CAROL, p.GENERAL, "")
    join["type"] = 7  # a member-join system message
    dropped.append((join, p.BOT))
    dropped.append((p.message_create(p.CAROL, p.GENERAL, "   "), p.BOT))
    # A DM is read as a command (unknown ones are refused by the core), never as chatter.
    dm = events.message(p.message_create(p.CAROL, "5", "hello there", guild=False), g, "G", "!")
    assert isinstance(dm, CommandInvoked)
    for body, bot in dropped:
        assert events.message(body, g, p.GUILD, "!", bot) is None, body


def test_reaction_add_and_remove() -> None:
    added = events.reaction(
        p.reaction_add(p.BOB, p.VOTES, "4242", "👍"), True, guild(), "g", "r:s:4"
    )
    assert added is not None and added.added and added.key == "👍"
    assert added.target is not None and added.target.message == "4242"
    assert "tc" in added.actor.roles
    removed = events.reaction(
        p.reaction_remove(p.BOB, p.VOTES, "4242", "👍"), False, guild(), "g", "r:s:5"
    )
    assert removed is not None and not removed.added and removed.event_id == "r:s:5"
    assert removed.actor.roles == frozenset()  # the adapter fills them from its cache
    custom = p.reaction_add(p.BOB, p.VOTES, "1", "party")
    custom["emoji"] = {"id": "123", "name": "party", "animated": True}
    assert events.reaction(custom, True, guild(), "g", "x").key == "<a:party:123>"  # type: ignore[union-attr]
    own = p.reaction_add(p.BOT, p.VOTES, "1", "👍")
    assert events.reaction(own, True, guild(), "g", "x", bot_id=p.BOT) is None


def test_guild_member_update_maps_roles_and_admin() -> None:
    entry = events.member_entry(p.member_update(p.DAVE, [p.ROLE_MODS], nick="Dee"), guild())
    assert entry.user_id == p.DAVE and entry.display == "Dee"
    assert entry.is_admin and "mods" in entry.roles and p.ROLE_MODS in entry.roles
    plain = events.member_entry(p.member_update(p.DAVE, [p.ROLE_TC]), guild())
    assert not plain.is_admin and "tc" in plain.roles and plain.display == "Dave"
    owner = events.member_entry(p.member_update(p.OWNER, []), guild())
    assert owner.is_admin
    admin_role = GuildInfo(p.GUILD, "", {"9": ("Root", 1 << 3)})
    assert events.member_entry(p.member_update(p.DAVE, ["9"]), admin_role).is_admin


# ------------------------------------------------------------------ sending


def test_times_render_in_each_readers_zone() -> None:
    when = datetime(2026, 3, 29, 9, 30, tzinfo=UTC)
    text = f"Closes {format_when(when, BERLIN)}."
    unix = int(when.timestamp())
    assert messages.native_times(text, BERLIN) == f"Closes <t:{unix}:F> (<t:{unix}:R>)."
    # The hour that repeats when clocks go back is told apart by its zone name.
    for h in (0, 1):
        fold = datetime(2026, 10, 25, h, 30, tzinfo=UTC)
        unix = int(fold.timestamp())
        assert messages.native_times(format_when(fold, BERLIN), BERLIN) == messages.timestamp(unix)
    # A time written in another zone than the community's is left alone.
    assert messages.native_times(format_when(when, UTC_ZONE), BERLIN) == format_when(when, UTC_ZONE)


def test_channels_become_links() -> None:
    text = f"Vote #12 is open in #{p.VOTES} (see <#{p.GENERAL}>)"
    assert messages.channel_links(text) == f"Vote #12 is open in <#{p.VOTES}> (see <#{p.GENERAL}>)"


def test_allowed_mentions_only_for_users_moot_names() -> None:
    body = messages.message(
        f"<@{p.BOB}> please review; @everyone <@&{p.ROLE_TC}>",
        Card("Title <@123456789012345678>", (("By", f"<@{p.CAROL}>"),)),
        (),
        UTC_ZONE,
        recipient=p.DAVE,
    )
    assert body["allowed_mentions"] == {
        "parse": [],
        "users": [p.BOB, p.DAVE],
        "roles": [],
        "replied_user": False,
    }


def test_limits_are_kept() -> None:
    card = Card("t" * 300, tuple((f"k{i}", "v" * 2000) for i in range(30)), "f" * 3000)
    body = messages.message("x" * 5000, card, (Choice("a.b", "1", "l" * 200),), UTC_ZONE)
    assert len(body["content"]) == 2000
    embed = body["embeds"][0]
    assert len(embed["title"]) == 256 and len(embed["fields"]) == 25
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    assert len(embed["footer"]["text"]) == 2048
    assert len(body["components"][0]["components"][0]["label"]) == 80


def test_nonce_is_stable_and_short() -> None:
    assert messages.nonce("ev:discord:1:0") == messages.nonce("ev:discord:1:0")
    assert messages.nonce("ev:discord:1:0") != messages.nonce("ev:discord:1:1")
    assert len(messages.nonce("k" * 500)) <= 25


# ------------------------------------------------------------------ config


def test_settings_are_checked() -> None:
    ok = DiscordSettings.from_section({"token": "a.b.c", "guild_id": "123"})
    assert ok.guild_id == "123" and ok.message_content and ok.members
    assert "a.b.c" not in repr(ok)
    with pytest.raises(ConfigError, match="token"):
        DiscordSettings.from_section({"token": "nope"})
    with pytest.raises(ConfigError, match="guild_id"):
        DiscordSettings.from_section({"token": "a.b.c", "guild_id": "general"})
    with pytest.raises(ConfigError, match="prefix"):
        DiscordSettings.from_section({"token": "a.b.c", "prefix": "go "})
    with pytest.raises(ConfigError, match="message_content"):
        DiscordSettings.from_section({"token": "a.b.c", "message_content": "yes"})


def test_guild_roles_become_the_role_directory() -> None:
    # GUILD_CREATE's roles: each by its snowflake, and by its lower-cased name (names count
    # as roles on Discord); @everyone by its id only.
    roles = events.directory_roles(guild())
    assert roles == {
        p.EVERYONE: "@everyone",
        p.ROLE_TC: "TC",
        "tc": "TC",
        p.ROLE_MODS: "Mods",
        "mods": "Mods",
    }
    assert "@everyone" not in roles and "everyone" not in roles
