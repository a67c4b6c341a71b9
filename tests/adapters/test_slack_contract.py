"""Slack contract: recorded payload shapes -> neutral events, and effects -> the exact Block
Kit JSON. Pure functions only; the e2e test drives the same code through slack-bolt."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.slack import blocks, events, modal
from adapters.slack.emoji import NAME_TO_UNICODE, to_name, to_unicode
from bot import render
from bot.model import (
    ActionInvoked,
    Actor,
    Address,
    Card,
    Choice,
    CommandInvoked,
    MessageActionInvoked,
    Quoted,
    ReactionChanged,
)
from bot.parser import ParseContext
from bot.registry import Registry
from bot.specs import Param
from storage.db import Database
from tests.adapters import slack_payloads as p
from tests.adapters.late_reaction import check_late_add

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CTX = ParseContext(NOW, ZoneInfo("UTC"))


def vote_registry() -> Registry:
    """A stand-in `vote start` spec shaped like the real one (question, options, rule,
    quorum, duration, secret): the modal is built from whatever spec is registered."""
    reg = Registry()

    @reg.command(
        "vote",
        "start",
        help="Start a vote.",
        params=[
            Param("question", positional=True, required=True, help="what is decided"),
            Param("options", "list", help="the choices, comma separated"),
            Param("rule", "choice", choices=("majority", "supermajority", "consensus")),
            Param("quorum", "count_or_fraction", help="how many must take part"),
            Param("for", "duration", help="how long the vote stays open, like 72h"),
            Param("secret", "flag", help="hide who voted what"),
        ],
    )
    def start(ctx: object, **kw: object) -> None:
        return None

    return reg


# ---------------------------------------------------------------- inbound


def test_slash_command_becomes_command_invoked() -> None:
    ev = events.slash_command(p.slash_command("/vote", 'start "Adopt v2?" --for 72h'))
    assert isinstance(ev, CommandInvoked)
    assert ev.name == "vote"
    assert ev.args == 'start "Adopt v2?" --for 72h'
    assert ev.raw_text == '/vote start "Adopt v2?" --for 72h'
    assert ev.event_id == "13345224609.738474920.8088930838d88f008e0"
    assert ev.actor.user_id == "U0ALICE01" and ev.actor.display == "alice"
    assert ev.address == Address("slack", p.TEAM, p.CHANNEL)
    assert not ev.is_direct


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("", "help", ""),
        ("help", "help", ""),
        ("help vote start", "help", "vote start"),
        ("config channel votes <#C0VOTES01|votes>", "config", "channel votes <#C0VOTES01|votes>"),
        ("  Config   show ", "config", "show"),
    ],
)
def test_moot_umbrella_maps_help_and_config(text: str, name: str, args: str) -> None:
    ev = events.slash_command(p.slash_command("/moot", text))
    assert (ev.name, ev.args) == (name, args)


def test_block_action_becomes_action_invoked() -> None:
    ev = events.block_action(p.block_actions("poll.vote|yes|x"))
    assert isinstance(ev, ActionInvoked)
    assert ev.action == "poll.vote"
    assert ev.value == "yes|x"  # only the first | separates the action
    assert ev.event_id == "111.222.aaa"
    assert ev.actor.user_id == "U0BOB0001"
    assert ev.message == Address("slack", p.TEAM, p.CHANNEL, None, "1700000000.000100")


def test_block_action_in_a_thread_keeps_the_thread() -> None:
    ev = events.block_action(p.block_actions(thread_ts="1699999999.000001"))
    assert ev is not None
    assert ev.address.thread == "1699999999.000001"
    assert ev.message == Address(
        "slack", p.TEAM, p.CHANNEL, "1699999999.000001", "1700000000.000100"
    )


def test_foreign_block_actions_are_ignored() -> None:
    body = p.block_actions()
    body["actions"][0]["action_id"] = "someone_elses_button"
    assert events.block_action(body) is None
    body = p.block_actions(value="")
    assert events.block_action(body) is None


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("thumbsup", "👍"),
        ("+1", "👍"),
        ("+1::skin-tone-4", "👍"),
        ("-1", "👎"),
        ("white_check_mark", "✅"),
        ("one", "1️⃣"),
        ("keycap_ten", "🔟"),
        ("regional_indicator_c", "🇨"),
        ("partyparrot", ":partyparrot:"),
    ],
)
def test_reaction_names_become_unicode(name: str, key: str) -> None:
    ev = events.reaction(p.reaction(name))
    assert isinstance(ev, ReactionChanged)
    assert ev.key == key
    assert ev.added is True
    assert ev.event_id == "Ev0002"
    assert ev.target == Address("slack", p.TEAM, p.CHANNEL, None, "1700000000.000100")


def test_reaction_removed_and_own_reactions() -> None:
    ev = events.reaction(p.reaction("one", added=False))
    assert ev is not None and ev.added is False
    assert events.reaction(p.reaction(user=p.BOT_USER), bot_user_id=p.BOT_USER) is None


def test_every_choice_emoji_of_the_core_has_a_slack_name() -> None:
    for emoji in render.NUMBERS + render.LETTERS:
        name = to_name(emoji)
        assert name is not None, emoji
        assert to_unicode(name).replace("\ufe0f", "") == emoji.replace("\ufe0f", "")
    assert to_name("👍") == "thumbsup"
    assert to_name(":partyparrot:") == "partyparrot"
    assert to_name("🦜") is None
    assert len(NAME_TO_UNICODE) > 60


def test_thread_reply_becomes_message_received() -> None:
    ev = events.thread_message(p.thread_message("I agree"))
    assert ev is not None
    assert ev.text == "I agree"
    assert ev.event_id == "Ev0003"
    assert ev.reply_to == Address(
        "slack", p.TEAM, p.CHANNEL, "1700000000.000100", "1700000000.000100"
    )
    assert ev.address.thread == "1700000000.000100"


def test_messages_that_are_not_replies_are_ignored() -> None:
    top = p.thread_message()
    top["event"]["thread_ts"] = top["event"]["ts"]  # the root itself
    assert events.thread_message(top) is None
    bot = p.thread_message()
    bot["event"]["bot_id"] = "B0MOOT001"
    assert events.thread_message(bot) is None
    edited = p.thread_message()
    edited["event"]["subtype"] = "message_changed"
    assert events.thread_message(edited) is None
    plain = p.thread_message()
    del plain["event"]["thread_ts"]
    assert events.thread_message(plain) is None


def test_an_edited_thread_reply_names_the_message_it_replaces() -> None:
    body = p.thread_message("I agree")
    old = dict(body["event"])
    body["event"] = {
        "type": "message",
        "subtype": "message_changed",
        "channel": p.CHANNEL,
        "channel_type": "channel",
        "hidden": True,
        "ts": "1700000099.000100",
        "message": {**old, "text": "I agree, mostly", "edited": {"user": old["user"]}},
        "previous_message": old,
    }
    ev = events.thread_edit(body)
    assert ev is not None
    assert (ev.text, ev.edit_of) == ("I agree, mostly", old["ts"])
    assert ev.reply_to == Address("slack", p.TEAM, p.CHANNEL, old["thread_ts"], old["thread_ts"])
    assert events.thread_message(body) is None  # never taken as a new reply
    same = {**body, "event": {**body["event"], "message": {**old}}}
    assert events.thread_edit(same) is None  # the words did not change (an unfurl)
    # The original reply names itself the same way, so the edit finds it.
    assert events.thread_message(p.thread_message("I agree")).address.message == old["ts"]  # type: ignore[union-attr]


def test_shortcut_message_fields() -> None:
    assert events.shortcut_message(p.message_shortcut("Docs!")) == (
        p.TEAM,
        p.CHANNEL,
        "U0ALICE01",
        "1700000065.000100",
        "Docs!",
    )


def test_open_a_ticket_shortcut_is_a_message_action_quoting_and_linking() -> None:
    body = p.message_shortcut("My build fails with E42")
    body["callback_id"] = "moot_open_ticket"
    ev = events.message_action(body, "ticket.from_message")
    assert ev == MessageActionInvoked(
        event_id="2222.3333.bbbb",
        actor=events.actor("U0ALICE01", "alice"),
        address=Address("slack", p.TEAM, p.CHANNEL),
        action="ticket.from_message",
        target=Quoted(
            Address("slack", p.TEAM, p.CHANNEL, None, "1700000065.000100"),
            "My build fails with E42",
            "U0DAVE001",
            f"https://moot-test.slack.com/archives/{p.CHANNEL}/p1700000065000100",
        ),
    )


def test_a_plain_dm_is_a_candidate_relay_reply_and_other_dms_are_not() -> None:
    body = p.thread_message("It still fails")
    body["event"]["channel"] = "D0ALICE01"
    body["event"]["channel_type"] = "im"
    del body["event"]["thread_ts"]
    ev = events.direct_message(body)
    assert ev is not None and ev.is_direct and ev.reply_to is None
    # Its ts rides along, so a later edit or deletion names what it changes.
    assert ev.address == Address("slack", p.TEAM, "D0ALICE01", None, "1700000050.000300")
    assert events.thread_message(body) is None
    for change in ({"channel_type": "channel"}, {"bot_id": "B1"}, {"subtype": "message_changed"},
                   {"text": "/ticket show 1"}, {"text": "  "}):  # fmt: skip
        other = {**body, "event": {**body["event"], **change}}
        assert events.direct_message(other) is None


async def test_relayed_reply_answers_the_latest_relayed_copy(db: Database) -> None:
    from datetime import UTC, datetime

    from adapters.slack.adapter import SlackAdapter
    from storage.tables import PostedMessage

    now = datetime(2026, 1, 5, tzinfo=UTC)
    with db.transaction() as s:
        for n, ref in enumerate(("ticket:1:dm", "vote:3", "ticket:2:dm", "rfc:1")):
            s.add(PostedMessage(platform="slack", channel="D0ALICE01", message_id=f"17.{n}",
                                ref=ref, created_at=now))  # fmt: skip
    adapter = SlackAdapter.__new__(SlackAdapter)
    adapter.db = db
    body = p.thread_message("It still fails")
    body["event"].update(channel="D0ALICE01", channel_type="im")
    del body["event"]["thread_ts"]
    ev = adapter._relayed_reply(events.direct_message(body))
    assert ev is not None and ev.reply_to == Address("slack", p.TEAM, "D0ALICE01", None, "17.2")
    body["event"]["channel"] = "D0BOB0001"
    assert adapter._relayed_reply(events.direct_message(body)) is None


# ---------------------------------------------------------------- outbound


def test_text_choices_and_card_become_exact_block_kit() -> None:
    choices = render.with_emoji(
        (
            Choice("vote.cast", "yes", "Yes", "primary"),
            Choice("vote.cast", "no", "No", "danger"),
            Choice("vote.cast", "abstain", "Abstain"),
        )
    )
    card = Card("Adopt v2?", (("Closes", "Mon 12 Jan"), ("Rule", "majority")), "Secret ballot")
    assert blocks.message("Vote <now> & tell <@U0ALICE01>", card, choices) == {
        "text": "Vote &lt;now&gt; &amp; tell &lt;@U0ALICE01&gt;",
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "Vote &lt;now&gt; &amp; tell &lt;@U0ALICE01&gt;",
                },
            },
            {"type": "header", "text": {"type": "plain_text", "text": "Adopt v2?", "emoji": True}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Closes*\nMon 12 Jan"},
                    {"type": "mrkdwn", "text": "*Rule*\nmajority"},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Secret ballot"}]},
            {
                "type": "actions",
                "block_id": "moot_choices",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "moot:0",
                        "text": {"type": "plain_text", "text": "1️⃣ Yes", "emoji": True},
                        "value": "vote.cast|yes",
                        "style": "primary",
                    },
                    {
                        "type": "button",
                        "action_id": "moot:1",
                        "text": {"type": "plain_text", "text": "2️⃣ No", "emoji": True},
                        "value": "vote.cast|no",
                        "style": "danger",
                    },
                    {
                        "type": "button",
                        "action_id": "moot:2",
                        "text": {"type": "plain_text", "text": "3️⃣ Abstain", "emoji": True},
                        "value": "vote.cast|abstain",
                    },
                ],
            },
        ],
    }


def test_a_button_round_trips_to_the_same_action() -> None:
    choice = Choice("rfc.review", "12:approve", "Approve")
    el = blocks.button(choice, 0)
    body = p.block_actions(value=el["value"])
    body["actions"][0]["action_id"] = el["action_id"]
    ev = events.block_action(body)
    assert ev is not None and (ev.action, ev.value) == ("rfc.review", "12:approve")


def test_escaping_keeps_safe_markup_and_defuses_the_rest() -> None:
    assert blocks.escape("<!date^1700000000^{date}|x> <#C0VOTES01|votes>") == (
        "<!date^1700000000^{date}|x> <#C0VOTES01|votes>"
    )
    # Mentions ping even from a bot; the core has already made typed ones plain text.
    assert blocks.escape("<https://example.org|docs> <!subteam^S01|@tc> <@U01>") == (
        "<https://example.org|docs> &lt;!subteam^S01|@tc&gt; &lt;@U01&gt;"
    )
    assert blocks.escape("<javascript:alert(1)> a&b") == "&lt;javascript:alert(1)&gt; a&amp;b"
    assert blocks.escape("<!channel>") == "&lt;!channel&gt;"


def test_limits_are_enforced() -> None:
    long = "x" * 5000
    choices = tuple(Choice("a", str(i), long) for i in range(30))
    out = blocks.message(long, Card(long, tuple((str(i), long) for i in range(12))), choices)
    section, header, fields, actions = out["blocks"]
    assert len(section["text"]["text"]) == 3000
    assert len(header["text"]["text"]) == 150
    assert len(fields["fields"]) == 10 and all(len(f["text"]) <= 2000 for f in fields["fields"])
    assert len(actions["elements"]) == 25
    assert all(len(b["text"]["text"]) <= 75 for b in actions["elements"])
    assert len(blocks.button(Choice("a", long, "x"), 0)["value"]) == 2000


def test_blank_text_sends_no_empty_section() -> None:
    out = blocks.message("", Card("Title"), ())
    assert out == {
        "text": "Title",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Title", "emoji": True}}
        ],
    }


def test_date_helper() -> None:
    when = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    assert blocks.date(when) == "<!date^1768208400^{date_short_pretty} {time}|2026-01-12 09:00 UTC>"
    assert blocks.date(when, "Mon", "{date}") == "<!date^1768208400^{date}|Mon>"


def test_home_view_with_and_without_sections() -> None:
    empty = blocks.home_view([], "Moot commands")
    assert empty["type"] == "home"
    assert "Welcome" in json.dumps(empty)
    full = blocks.home_view([("Votes to cast", ["Adopt v2? <!date^1^{date}|x>"])], "help")
    assert full["blocks"][-2] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Votes to cast"},
    }
    assert full["blocks"][-1]["text"]["text"] == "• Adopt v2? <!date^1^{date}|x>"


# ---------------------------------------------------------------- modal


def test_modal_is_built_from_the_spec() -> None:
    reg = vote_registry()
    spec = modal.wants_modal(reg, "vote", "")
    assert spec is not None and modal.wants_modal(reg, "vote", "start") is spec
    assert modal.wants_modal(reg, "vote", "start Q?") is None
    assert modal.wants_modal(Registry(), "vote", "") is None
    view = modal.view(spec, "Start a vote", {"channel": p.CHANNEL})
    assert view["callback_id"] == modal.CALLBACK_ID
    by_id = {b["block_id"]: b for b in view["blocks"]}
    assert list(by_id) == ["question", "options", "rule", "quorum", "for", "secret"]
    assert by_id["question"]["optional"] is False
    assert by_id["options"]["element"]["multiline"] is True
    assert by_id["rule"]["element"]["type"] == "static_select"
    assert by_id["secret"]["element"]["type"] == "checkboxes"
    assert json.loads(view["private_metadata"]) == {"channel": p.CHANNEL}


def state(**fields: object) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in fields.items():
        if name == "rule":
            out[name] = {"value": {"type": "static_select", "selected_option": {"value": value}}}
        elif name == "secret":
            chosen = [{"value": "on"}] if value else []
            out[name] = {"value": {"type": "checkboxes", "selected_options": chosen}}
        else:
            out[name] = {"value": {"type": "plain_text_input", "value": value}}
    return out


def test_valid_submission_gives_the_same_line_as_typed() -> None:
    reg = vote_registry()
    spec = reg.find("vote", "start")
    assert spec is not None
    values = state(
        question='Adopt "v2"?', options="yes\nno\n\n", rule="majority", quorum="50%", secret=True
    )
    values["for"] = {"value": {"type": "plain_text_input", "value": "72h"}}
    sub = modal.submission(reg, spec, values, CTX)
    assert sub.errors == {}
    assert sub.line == (
        'start --options "yes, no" --rule "majority" --quorum "50%" --for "72h" --secret'
        " 'Adopt \"v2\"?'"
    )
    from bot.parser import parse_command

    parsed = parse_command(reg, "vote", sub.line, CTX)
    assert parsed.args["question"] == 'Adopt "v2"?'
    assert parsed.args["for"] == timedelta(hours=72)
    assert parsed.args["secret"] is True and parsed.args["options"] == ["yes", "no"]


def test_invalid_field_gets_its_error_on_that_field() -> None:
    reg = vote_registry()
    spec = reg.find("vote", "start")
    assert spec is not None
    values = state(question="Adopt v2?")
    values["for"] = {"value": {"type": "plain_text_input", "value": "soonish"}}
    sub = modal.submission(reg, spec, values, CTX)
    assert list(sub.errors) == ["for"]
    assert sub.line == ""
    missing = modal.submission(reg, spec, state(), CTX)
    assert missing.errors == {"question": "This field is required."}
    both = modal.submission(reg, spec, state(question='it\'s "x"'), CTX)
    assert list(both.errors) == ["question"]


def test_modal_for_the_registered_vote_start_spec() -> None:
    """Against whatever `vote start` the capabilities register: the modal shows the brief's
    fields it has, and a filled-in form parses with the real spec."""
    import commands

    reg = commands.register_all(Registry())
    spec = modal.wants_modal(reg, "vote", "")
    if spec is None:
        pytest.skip("no vote start command registered")
    shown = [p.name for p in modal.fields(spec)]
    assert shown[0] == "question"
    assert set(shown) <= {p.name for p in spec.params}
    values: dict[str, object] = {
        "question": {"value": {"type": "plain_text_input", "value": "Adopt v2?"}}
    }
    if "for" in shown:
        values["for"] = {"value": {"type": "plain_text_input", "value": "72h"}}
    sub = modal.submission(reg, spec, values, CTX)
    assert sub.errors == {}
    from bot.parser import parse_command

    assert parse_command(reg, "vote", sub.line, CTX).args["question"] == "Adopt v2?"
    if "for" in shown:
        values["for"] = {"value": {"type": "plain_text_input", "value": "a while"}}
        assert list(modal.submission(reg, spec, values, CTX).errors) == ["for"]


def test_manifest_declares_what_the_adapter_handles() -> None:
    yaml = pytest.importorskip("yaml")
    from pathlib import Path

    from adapters.slack.adapter import MESSAGE_ACTIONS

    root = Path(__file__).resolve().parents[2]
    manifest = yaml.safe_load((root / "slack" / "manifest.yml").read_text(encoding="utf-8"))
    commands_ = {c["command"] for c in manifest["features"]["slash_commands"]}
    # /event and /ticket are being built; /feedback and its shortcut wait for feedback.
    assert commands_ == {"/rfc", "/vote", "/event", "/ticket", "/feedback", "/moot"}
    assert all(c.get("usage_hint") for c in manifest["features"]["slash_commands"])
    assert [s["callback_id"] for s in manifest["features"]["shortcuts"]] == [*MESSAGE_ACTIONS]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "reactions:read", "usergroups:read"} <= scopes
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) >= {
        "reaction_added",
        "reaction_removed",
        "message.channels",
        "app_home_opened",
    }
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_config_section_is_checked_and_hides_tokens() -> None:
    from adapters.slack.adapter import SlackConfig
    from bot.config import ConfigError

    cfg = SlackConfig.from_section(
        {"bot_token": "xoxb-secret-1", "app_token": "xapp-secret-2", "signing_secret": "s3"}
    )
    assert cfg.mode == "socket" and "secret" not in repr(cfg)
    http = SlackConfig.from_section(
        {"bot_token": "xoxb-1", "signing_secret": "s", "mode": "http", "port": 8080}
    )
    assert (http.host, http.port, http.path) == ("0.0.0.0", 8080, "/slack/events")
    with pytest.raises(ConfigError, match="app_token"):
        SlackConfig.from_section({"bot_token": "xoxb-1"})
    with pytest.raises(ConfigError, match="signing_secret"):
        SlackConfig.from_section({"bot_token": "xoxb-1", "mode": "http"})
    with pytest.raises(ConfigError, match="bot_token"):
        SlackConfig.from_section({"bot_token": "xoxp-user", "app_token": "xapp-1"})


def test_joins_become_member_joined_events() -> None:
    from adapters.slack import events as se
    from bot.model import MemberJoined

    team_join = {
        "team_id": "T0001MOOT",
        "event_id": "EvJoin01",
        "event": {
            "type": "team_join",
            "user": {"id": "U0NEW0001", "name": "newbie", "real_name": "New Bie", "is_bot": False},
        },
    }
    ev = se.member_joined(team_join)
    assert isinstance(ev, MemberJoined)
    assert (ev.event_id, ev.actor.user_id, ev.actor.display) == ("EvJoin01", "U0NEW0001", "New Bie")
    channel_join = {
        "team_id": "T0001MOOT",
        "event_id": "EvJoin02",
        "event": {"type": "member_joined_channel", "user": "U0NEW0002", "channel": "C0VOTES01"},
    }
    ev2 = se.member_joined(channel_join)
    assert ev2 is not None and ev2.address.channel == "C0VOTES01"
    bot = {**team_join, "event": {"type": "team_join", "user": {"id": "B1", "is_bot": True}}}
    assert se.member_joined(bot) is None


def test_a_plain_dm_to_the_bot_is_a_direct_command() -> None:
    from adapters.slack import events as se

    def im(text: str, **extra: Any) -> dict[str, Any]:
        event = {
            "type": "message",
            "text": text,
            "user": "U0CAROL01",
            "ts": "1700000060.000100",
            "channel": "D0CAROL01",
            "channel_type": "im",
            **extra,
        }
        return p.envelope(event, "EvIm")

    ev = se.direct_command(im("vote cast 4 no"))
    assert ev is not None and ev.is_direct and (ev.name, ev.args) == ("vote", "cast 4 no")
    assert ev.address.channel == "D0CAROL01" and ev.event_id == "EvIm"
    ev = se.direct_command(im("/moot config show"))
    assert ev is not None and (ev.name, ev.args) == ("config", "show")
    assert se.direct_command(im("   ")) is None
    assert se.direct_command(im("👍")) is None
    assert se.direct_command(im("vote cast 4 no", bot_id="B1")) is None
    assert se.direct_command(im("vote cast 4 no", subtype="message_changed")) is None
    assert se.direct_command(im("vote cast 4 no", thread_ts="1700000001.000100")) is None
    assert se.direct_command(im("vote cast 4 no", channel_type="channel")) is None


async def test_a_reaction_removed_before_its_add_arrives_leaves_no_ballot(
    db: Database, registry: Registry
) -> None:
    """Issue 20 item 10: reaction_removed (later event_ts) delivered before reaction_added."""
    ts = "1700000100.000100"
    add = p.reaction("thumbsup", added=True, ts=ts, event_id="EvAdd01")
    add["event"]["event_ts"] = "1700000200.000100"
    remove = p.reaction("thumbsup", added=False, ts=ts, event_id="EvDel01")
    remove["event"]["event_ts"] = "1700000201.000050"
    added, removed = events.reaction(add), events.reaction(remove)
    assert added is not None and removed is not None
    await check_late_add(
        db,
        registry,
        Address("slack", p.TEAM, p.CHANNEL),
        Actor("slack", "U0ALICE01", "alice", frozenset({"admin"}), True),
        added,
        removed,
    )


def test_user_groups_become_the_role_directory() -> None:
    from adapters.slack.directory import directory_roles

    # usergroups.list (include_users=true) as Slack returns it: disabled groups keep a
    # date_delete; the directory's own admin/owner roles are always there.
    groups = [
        {"id": "S0TC00001", "team_id": p.TEAM, "handle": "tc", "name": "TC", "date_delete": 0,
         "users": ["U0BOB0001"], "user_count": 1},
        {"id": "S0OLD0001", "team_id": p.TEAM, "handle": "old", "name": "Old",
         "date_delete": 1700000000, "users": []},
        {"id": "", "handle": "broken"},
    ]
    assert directory_roles(groups) == {"S0TC00001": "tc", "admin": "admin", "owner": "owner"}
    assert directory_roles([]) == {"admin": "admin", "owner": "owner"}


def test_a_top_level_channel_message_becomes_channel_message() -> None:
    ev = events.channel_message(p.channel_message("How do I get commit rights?"))
    assert ev is not None and ev.text == "How do I get commit rights?"
    assert ev.event_id == "Ev0007" and ev.actor.user_id == "U0DAVE001"
    assert ev.address == Address("slack", p.TEAM, p.CHANNEL, None, "1700000060.000400")
    assert ev.cast_at is not None and not ev.is_direct


def test_channel_messages_that_are_not_a_persons_top_level_words_are_dropped() -> None:
    cases = []
    bot = p.channel_message()
    bot["event"]["bot_id"] = "B0MOOT001"
    cases.append(bot)
    own = p.channel_message(user=p.BOT_USER)
    cases.append(own)
    for subtype in ("message_changed", "channel_join", "bot_message", "message_deleted"):
        sub = p.channel_message()
        sub["event"]["subtype"] = subtype
        cases.append(sub)
    reply = p.channel_message()
    reply["event"]["thread_ts"] = "1700000000.000100"
    cases.append(reply)
    dm = p.channel_message()
    dm["event"]["channel_type"] = "im"
    cases.append(dm)
    cases.append(p.channel_message("   "))
    for body in cases:
        assert events.channel_message(body, p.BOT_USER) is None, body["event"]
    root = p.channel_message()
    root["event"]["thread_ts"] = root["event"]["ts"]  # a thread's root is top-level
    group = p.channel_message()
    group["event"]["channel_type"] = "group"  # a private channel
    assert events.channel_message(root) and events.channel_message(group)
