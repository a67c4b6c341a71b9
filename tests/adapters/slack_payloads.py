"""Payload shapes as Slack sends them (trimmed real captures: field names, nesting and types
as documented and observed; ids made up)."""

from __future__ import annotations

from typing import Any

TEAM = "T0001MOOT"
CHANNEL = "C0VOTES01"
BOT_USER = "U0BOT0001"


def slash_command(
    command: str = "/vote",
    text: str = "",
    user: str = "U0ALICE01",
    trigger: str = "13345224609.738474920.8088930838d88f008e0",
) -> dict[str, str]:
    """application/x-www-form-urlencoded body of a slash command, decoded."""
    return {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team_id": TEAM,
        "team_domain": "moot-test",
        "enterprise_id": "",
        "enterprise_name": "",
        "channel_id": CHANNEL,
        "channel_name": "votes",
        "user_id": user,
        "user_name": "alice",
        "command": command,
        "text": text,
        "api_app_id": "A0MOOT0001",
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0001MOOT/1234/abcd",
        "trigger_id": trigger,
    }


def block_actions(
    value: str = "poll.vote|yes",
    user: str = "U0BOB0001",
    ts: str = "1700000000.000100",
    trigger: str = "111.222.aaa",
    thread_ts: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "subtype": "bot_message",
        "text": "Lunch?",
        "ts": ts,
        "bot_id": "B0MOOT001",
        "blocks": [],
    }
    if thread_ts:
        message["thread_ts"] = thread_ts
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "bob", "name": "bob", "team_id": TEAM},
        "api_app_id": "A0MOOT0001",
        "token": "verification-token",
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": CHANNEL,
            "is_ephemeral": False,
        },
        "trigger_id": trigger,
        "team": {"id": TEAM, "domain": "moot-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": CHANNEL, "name": "votes"},
        "message": message,
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T0001MOOT/1/xyz",
        "actions": [
            {
                "action_id": "moot:0",
                "block_id": "moot_choices",
                "text": {"type": "plain_text", "text": "Yes", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": "1700000001.123456",
            }
        ],
    }


def view_submission(
    values: dict[str, Any], metadata: str, user: str = "U0ALICE01"
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "moot-test"},
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": TEAM},
        "api_app_id": "A0MOOT0001",
        "token": "verification-token",
        "trigger_id": "12466734323.1395872398.4f6b8a",
        "view": {
            "id": "V0MODAL01",
            "team_id": TEAM,
            "type": "modal",
            "callback_id": "moot_command_modal",
            "private_metadata": metadata,
            "hash": "156772938.1827394",
            "state": {"values": values},
            "blocks": [],
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def envelope(event: dict[str, Any], event_id: str = "Ev0001") -> dict[str, Any]:
    return {
        "token": "verification-token",
        "team_id": TEAM,
        "api_app_id": "A0MOOT0001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000002,
        "authorizations": [
            {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-eyJldCI6InJlYWN0aW9uX2FkZGVkIn0",
    }


def reaction(
    name: str = "thumbsup",
    added: bool = True,
    user: str = "U0CAROL01",
    ts: str = "1700000000.000100",
    event_id: str = "Ev0002",
) -> dict[str, Any]:
    return envelope(
        {
            "type": "reaction_added" if added else "reaction_removed",
            "user": user,
            "reaction": name,
            "item_user": BOT_USER,
            "item": {"type": "message", "channel": CHANNEL, "ts": ts},
            "event_ts": "1700000003.000200",
        },
        event_id,
    )


def thread_message(
    text: str = "I agree", thread_ts: str = "1700000000.000100", event_id: str = "Ev0003"
) -> dict[str, Any]:
    return envelope(
        {
            "client_msg_id": "6b8b7a55-2f35-4b2e-9bd3-9b2c2c1a0b7e",
            "type": "message",
            "text": text,
            "user": "U0DAVE001",
            "ts": "1700000050.000300",
            "blocks": [],
            "team": TEAM,
            "thread_ts": thread_ts,
            "parent_user_id": BOT_USER,
            "channel": CHANNEL,
            "event_ts": "1700000050.000300",
            "channel_type": "channel",
        },
        event_id,
    )


def channel_message(
    text: str = "How do I get commit rights?",
    user: str = "U0DAVE001",
    event_id: str = "Ev0007",
    channel: str = CHANNEL,
) -> dict[str, Any]:
    """message.channels: a top-level message in a public channel, as the Events API sends."""
    return envelope(
        {
            "client_msg_id": "0c1d2e3f-2f35-4b2e-9bd3-9b2c2c1a0b7e",
            "type": "message",
            "text": text,
            "user": user,
            "ts": "1700000060.000400",
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": "Xy1",
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                    ],
                }
            ],
            "team": TEAM,
            "channel": channel,
            "event_ts": "1700000060.000400",
            "channel_type": "channel",
        },
        event_id,
    )


def app_home_opened(user: str = "U0ALICE01", event_id: str = "Ev0004") -> dict[str, Any]:
    return envelope(
        {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME001",
            "tab": "home",
            "event_ts": "1700000060.000400",
        },
        event_id,
    )


def message_shortcut(text: str = "The docs are confusing") -> dict[str, Any]:
    return {
        "type": "message_action",
        "token": "verification-token",
        "action_ts": "1700000070.000500",
        "team": {"id": TEAM, "domain": "moot-test"},
        "user": {"id": "U0ALICE01", "username": "alice", "team_id": TEAM, "name": "alice"},
        "channel": {"id": CHANNEL, "name": "votes"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "moot_capture_feedback",
        "trigger_id": "2222.3333.bbbb",
        "response_url": "https://hooks.slack.com/app/T0001MOOT/2/xyz",
        "message_ts": "1700000065.000100",
        "message": {
            "type": "message",
            "user": "U0DAVE001",
            "text": text,
            "ts": "1700000065.000100",
            "team": TEAM,
        },
    }
