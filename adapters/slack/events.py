"""Slack payloads -> neutral events. Pure: the adapter resolves the actor's roles afterwards
(a lookup with I/O) and swaps them in, so these functions only read the payload.

Event ids: the envelope `event_id` for the Events API (Slack retries with the same one), and
`trigger_id` for slash commands and interactions (unique per press)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.slack import blocks
from adapters.slack.emoji import to_unicode
from bot.model import (
    ActionInvoked,
    Actor,
    Address,
    ChannelMessage,
    CommandInvoked,
    MemberJoined,
    MessageActionInvoked,
    MessageReceived,
    Quoted,
    ReactionChanged,
)

PLATFORM = "slack"
# `/moot help ...` and `/moot config ...`: one umbrella command for what has no slash command
# of its own; its first word names the command.
UMBRELLA = "moot"

Payload = dict[str, Any]


def actor(user_id: str, display: str | None = None) -> Actor:
    return Actor(PLATFORM, user_id, display or user_id)


def cast_time(ts: Any) -> datetime | None:
    """A Slack timestamp ("1700000000.123456", seconds and microseconds) as a UTC time."""
    try:
        seconds, _, micros = str(ts).partition(".")
        whole = datetime.fromtimestamp(int(seconds), UTC)
        return whole.replace(microsecond=int((micros + "000000")[:6]))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _is_dm(channel: str) -> bool:
    return channel.startswith("D")


def command_name_and_args(command: str, text: str) -> tuple[str, str]:
    name = command.lstrip("/").strip().lower()
    text = text.strip()
    if name == UMBRELLA:
        first, _, rest = text.partition(" ")
        return (first.lower() or "help"), rest.strip()
    return name, text


def slash_command(body: Payload) -> CommandInvoked:
    """The form body of a slash command (command, text, user_id, channel_id, team_id,
    trigger_id ...)."""
    command = str(body.get("command", ""))
    text = str(body.get("text", ""))
    name, args = command_name_and_args(command, text)
    channel = str(body.get("channel_id", ""))
    return CommandInvoked(
        event_id=str(body.get("trigger_id") or ""),
        actor=actor(str(body["user_id"]), body.get("user_name")),
        address=Address(PLATFORM, str(body.get("team_id", "")), channel),
        # Slash commands typed in someone else's DM cannot be answered in that DM; the
        # adapter marks the bot's own DM with the person as direct (it knows that channel).
        is_direct=False,
        name=name,
        args=args,
        raw_text=f"{command} {text}".strip(),
        raw=body,
    )


def _team(body: Payload) -> str:
    team = body.get("team") or {}
    user = body.get("user") or {}
    return str(team.get("id") or user.get("team_id") or "")


def block_action(body: Payload) -> ActionInvoked | None:
    """A button press on a message we posted. The button's value carries `action|value`."""
    actions = body.get("actions") or []
    if not actions:
        return None
    pressed = actions[0]
    if not blocks.ACTION_ID.match(str(pressed.get("action_id", ""))):
        return None
    action, value = blocks.parse_value(str(pressed.get("value", "")))
    if not action:
        return None
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    ts = str(message.get("ts") or container.get("message_ts") or "")
    thread = message.get("thread_ts") or container.get("thread_ts")
    thread = str(thread) if thread and thread != ts else None
    user = body.get("user") or {}
    team = _team(body)
    return ActionInvoked(
        event_id=str(body.get("trigger_id") or f"action:{channel}:{ts}:{pressed.get('action_ts')}"),
        actor=actor(str(user.get("id", "")), user.get("username") or user.get("name")),
        address=Address(PLATFORM, team, channel, thread),
        is_direct=_is_dm(channel),
        cast_at=cast_time(pressed.get("action_ts")),
        action=action,
        value=value,
        message=Address(PLATFORM, team, channel, thread, ts or None),
        raw=body,
    )


def _envelope(body: Payload) -> tuple[str, str, Payload]:
    event = body.get("event") or {}
    team = str(body.get("team_id") or event.get("team") or "")
    return str(body.get("event_id") or ""), team, event


def reaction(body: Payload, bot_user_id: str | None = None) -> ReactionChanged | None:
    """reaction_added / reaction_removed on a message."""
    event_id, team, event = _envelope(body)
    item = event.get("item") or {}
    if item.get("type") != "message" or not event.get("user"):
        return None
    if bot_user_id and event.get("user") == bot_user_id:
        return None
    channel = str(item.get("channel", ""))
    return ReactionChanged(
        event_id=event_id,
        actor=actor(str(event["user"])),
        address=Address(PLATFORM, team, channel),
        is_direct=_is_dm(channel),
        cast_at=cast_time(event.get("event_ts")),
        key=to_unicode(str(event.get("reaction", ""))),
        added=event.get("type") == "reaction_added",
        target=Address(PLATFORM, team, channel, None, str(item.get("ts", ""))),
        raw=body,
    )


def member_joined(body: Payload) -> MemberJoined | None:
    """team_join (someone joined the workspace) or member_joined_channel."""
    event_id, team, event = _envelope(body)
    if event.get("type") == "team_join":
        user = event.get("user") or {}
        uid, channel = str(user.get("id") or ""), ""
        display = user.get("real_name") or user.get("name")
        if user.get("is_bot"):
            return None
    elif event.get("type") == "member_joined_channel":
        uid, channel, display = str(event.get("user") or ""), str(event.get("channel", "")), None
    else:
        return None
    if not uid:
        return None
    return MemberJoined(
        event_id=event_id,
        actor=actor(uid, display),
        address=Address(PLATFORM, team, channel),
        raw=body,
    )


def thread_message(body: Payload) -> MessageReceived | None:
    """A person's reply in a thread (thread_ts != ts). Edits, joins and bot posts carry a
    subtype or bot_id and are not replies."""
    event_id, team, event = _envelope(body)
    if event.get("type") != "message" or event.get("subtype") or event.get("bot_id"):
        return None
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if not thread_ts or thread_ts == ts or not event.get("user"):
        return None
    channel = str(event.get("channel", ""))
    return MessageReceived(
        event_id=event_id,
        actor=actor(str(event["user"])),
        address=Address(PLATFORM, team, channel, str(thread_ts), str(ts)),
        is_direct=event.get("channel_type") == "im",
        cast_at=cast_time(event.get("ts")),
        text=str(event.get("text", "")),
        reply_to=Address(PLATFORM, team, channel, str(thread_ts), str(thread_ts)),
        raw=body,
    )


def thread_edit(body: Payload) -> MessageReceived | None:
    """A person's edit of their reply in a thread (subtype message_changed): the new words,
    naming the message they replace, so a record can note the edit."""
    event_id, team, event = _envelope(body)
    if event.get("type") != "message" or event.get("subtype") != "message_changed":
        return None
    new = event.get("message") or {}
    thread_ts, ts = new.get("thread_ts"), new.get("ts")
    if not thread_ts or thread_ts == ts or not new.get("user") or new.get("bot_id"):
        return None
    if (event.get("previous_message") or {}).get("text") == new.get("text"):
        return None  # an unfurl or a reaction count changed, not the words
    channel = str(event.get("channel", ""))
    return MessageReceived(
        event_id=event_id,
        actor=actor(str(new["user"])),
        address=Address(PLATFORM, team, channel, str(thread_ts), str(ts)),
        is_direct=event.get("channel_type") == "im",
        text=str(new.get("text", "")),
        reply_to=Address(PLATFORM, team, channel, str(thread_ts), str(thread_ts)),
        edit_of=str(ts),
        raw=body,
    )


def shortcut_message(body: Payload) -> tuple[str, str, str, str, str]:
    """A message shortcut: (team, channel, user, message ts, message text)."""
    message = body.get("message") or {}
    return (
        _team(body),
        str((body.get("channel") or {}).get("id", "")),
        str((body.get("user") or {}).get("id", "")),
        str(message.get("ts") or body.get("message_ts") or ""),
        str(message.get("text", "")),
    )


def permalink(domain: str, channel: str, ts: str) -> str:
    """A message's link, built the way Slack builds it, so no API call is needed."""
    if not domain or not channel or not ts:
        return ""
    return f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def message_action(body: Payload, action: str) -> MessageActionInvoked:
    """A message shortcut as a neutral message action, quoting the message and linking it."""
    team, channel, user, ts, text = shortcut_message(body)
    message = body.get("message") or {}
    domain = str((body.get("team") or {}).get("domain") or "")
    where = Address(PLATFORM, team, channel, None, ts)
    return MessageActionInvoked(
        event_id=str(body.get("trigger_id") or f"shortcut:{channel}:{ts}"),
        actor=actor(user, (body.get("user") or {}).get("username")),
        address=Address(PLATFORM, team, channel),
        is_direct=_is_dm(channel),
        action=action,
        target=Quoted(where, text, str(message.get("user") or ""), permalink(domain, channel, ts)),
        raw=body,
    )


def direct_message(body: Payload) -> MessageReceived | None:
    """A person's top-level message in their DM with Moot (not a command). It means nothing
    until the adapter finds what it answers: the latest relayed message in that DM."""
    event_id, team, event = _envelope(body)
    if event.get("type") != "message" or event.get("subtype") or event.get("bot_id"):
        return None
    if event.get("channel_type") != "im" or not event.get("user"):
        return None
    if event.get("thread_ts") and event.get("thread_ts") != event.get("ts"):
        return None  # a thread reply: thread_message has it
    text = str(event.get("text", ""))
    if not text.strip() or text.lstrip().startswith("/"):
        return None
    channel = str(event.get("channel", ""))
    return MessageReceived(
        event_id=event_id,
        actor=actor(str(event["user"])),
        # Its ts, so a later edit or deletion of it can be matched to what it became.
        address=Address(PLATFORM, team, channel, None, str(event.get("ts") or "") or None),
        is_direct=True,
        text=text,
        reply_to=None,
        raw=body,
    )


def direct_command(body: Payload) -> CommandInvoked | None:
    """A plain message in the person's DM with the bot (message.im) is a command, as typed
    after the slash: `vote cast 4 no` (a leading / or ! is allowed). Only the bot's own DMs
    send message.im events, so this is a direct chat by construction."""
    event_id, team, event = _envelope(body)
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    if event.get("subtype") or event.get("bot_id") or not event.get("user"):
        return None
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if thread_ts and thread_ts != ts:
        return None  # a reply in a thread: thread_message's
    text = str(event.get("text", "")).strip().lstrip("/!").strip()
    if not text or not text[0].isalpha():
        return None
    first, _, rest = text.partition(" ")
    name, args = command_name_and_args(first, rest)
    channel = str(event.get("channel", ""))
    return CommandInvoked(
        event_id=event_id,
        actor=actor(str(event["user"])),
        address=Address(PLATFORM, team, channel),
        is_direct=True,
        name=name,
        args=args,
        raw_text=text,
        raw=body,
    )


def channel_message(body: Payload, bot_user_id: str | None = None) -> ChannelMessage | None:
    """A person's top-level message in a channel (message.channels / message.groups). Edits,
    joins and bot posts carry a subtype or bot_id; thread replies are thread_message's."""
    event_id, team, event = _envelope(body)
    if event.get("type") != "message" or event.get("subtype") or event.get("bot_id"):
        return None
    if event.get("channel_type") not in ("channel", "group") or not event.get("user"):
        return None
    if bot_user_id and event.get("user") == bot_user_id:
        return None
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if thread_ts and thread_ts != ts:
        return None
    text = str(event.get("text", ""))
    if not text.strip():
        return None
    channel = str(event.get("channel", ""))
    return ChannelMessage(
        event_id=event_id,
        actor=actor(str(event["user"])),
        address=Address(PLATFORM, team, channel, None, str(ts or "")),
        cast_at=cast_time(ts),
        text=text,
        raw=body,
    )


def direct_change(body: Payload) -> MessageReceived | None:
    """A person's edit (message_changed) or deletion (message_deleted) of a top-level
    message in their DM with Moot: the new words (none for a deletion), naming the message
    they replace. Like a plain DM, it means something only once the adapter finds what it
    answers (a relayed ticket)."""
    event_id, team, event = _envelope(body)
    subtype = event.get("subtype")
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    old = event.get("previous_message") or {}
    if subtype == "message_changed":
        new = event.get("message") or {}
    elif subtype == "message_deleted":
        new = {**old, "text": "", "ts": event.get("deleted_ts") or old.get("ts")}
    else:
        return None
    ts, user = new.get("ts"), new.get("user")
    if not ts or not user or new.get("bot_id") or new.get("subtype"):
        return None
    if new.get("thread_ts") and new.get("thread_ts") != ts:
        return None  # a reply in a thread of the DM, not the relayed conversation
    if subtype == "message_changed" and old.get("text") == new.get("text"):
        return None  # an unfurl or a reaction count changed, not the words
    channel = str(event.get("channel", ""))
    return MessageReceived(
        event_id=event_id,
        actor=actor(str(user)),
        address=Address(PLATFORM, team, channel, None, str(ts)),
        is_direct=True,
        cast_at=cast_time(event.get("event_ts")),
        text=str(new.get("text", "")),
        edit_of=str(ts),
        deleted=subtype == "message_deleted",
        raw=body,
    )
