"""The neutral model: what every adapter turns platform payloads into, and back.

Every platform id is a string. Command code only ever sees these types; raw payloads may be
kept on an event for logging (``raw``) but are excluded from comparisons and never read by
handlers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ThreadMode = Literal["inherit", "force", "never"]
Visibility = Literal["public", "ephemeral", "dm"]
ChoiceStyle = Literal["default", "primary", "danger"]


@dataclass(frozen=True)
class Address:
    """Where something is: Slack team / Discord guild / Matrix server, then channel or room,
    then an optional thread root and message."""

    platform: str
    workspace: str
    channel: str
    thread: str | None = None
    message: str | None = None

    def in_thread(self, thread: str | None) -> Address:
        return Address(self.platform, self.workspace, self.channel, thread, None)

    def at_message(self, message: str | None) -> Address:
        return Address(self.platform, self.workspace, self.channel, self.thread, message)

    @property
    def channel_key(self) -> str:
        """Delivery order is kept per channel, so this names one."""
        return f"{self.platform}:{self.workspace}:{self.channel}"


@dataclass(frozen=True)
class Actor:
    platform: str
    user_id: str
    display: str
    roles: frozenset[str] = frozenset()
    is_admin: bool = False


@dataclass(frozen=True)
class Event:
    event_id: str
    actor: Actor
    address: Address
    is_direct: bool = False
    # When the person did it, by the platform's own clock (Slack action_ts/event_ts, Discord
    # snowflake time, Matrix origin_server_ts, the console's per-session clock). A change that
    # arrives late never overrides a newer one; None means "as it arrives".
    cast_at: datetime | None = None
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class CommandInvoked(Event):
    name: str = ""
    args: str = ""
    raw_text: str = ""


@dataclass(frozen=True)
class ActionInvoked(Event):
    """A button or select pressed on a message the bot posted."""

    action: str = ""
    value: str = ""
    message: Address | None = None


@dataclass(frozen=True)
class ReactionChanged(Event):
    key: str = ""
    added: bool = True
    target: Address | None = None


@dataclass(frozen=True)
class MessageReceived(Event):
    """A reply in a thread the bot follows."""

    text: str = ""
    reply_to: Address | None = None


InboundEvent = CommandInvoked | ActionInvoked | ReactionChanged | MessageReceived


@dataclass(frozen=True)
class Choice:
    action: str
    value: str
    label: str
    style: ChoiceStyle = "default"
    # The reaction that stands for this choice where buttons are missing (and always on
    # platforms with reactions), so a reaction on the message means the same thing.
    emoji: str | None = None


@dataclass(frozen=True)
class Card:
    """Structured content: a title and labelled fields. Rendered as Block Kit, an embed,
    or HTML/plain text."""

    title: str
    fields: tuple[tuple[str, str], ...] = ()
    footer: str | None = None


@dataclass(frozen=True)
class Send:
    address: Address
    text: str
    card: Card | None = None
    choices: tuple[Choice, ...] = ()
    thread: ThreadMode = "inherit"
    visibility: Visibility = "public"
    # For ephemeral and dm messages: who sees it.
    recipient: str | None = None
    # A logical name for the message ("vote:12") so later effects and inbound reactions can
    # refer to it before its platform id is known.
    ref: str | None = None
    # Put the message in the thread of an earlier message known by its ref.
    thread_ref: str | None = None


@dataclass(frozen=True)
class Edit:
    ref: str
    text: str
    card: Card | None = None
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class React:
    ref: str
    key: str


@dataclass(frozen=True)
class OpenThread:
    ref: str
    title: str


Effect = Send | Edit | React | OpenThread


@dataclass(frozen=True)
class Capabilities:
    buttons: bool = True
    ephemeral: bool = True
    threads: bool = True
    edits: bool = True
    reactions: bool = True
    native_timestamps: bool = False


@dataclass(frozen=True)
class Delivered:
    """What an adapter reports back after sending: the platform's message id, and the thread
    root it landed under, if any."""

    message_id: str
    channel: str
    thread: str | None = None
