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
    # False when the adapter knows the place is not one of the community's configured rooms
    # (Matrix: a room anyone could create). A fact the adapter reports; the core decides.
    in_community: bool = True


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
class Quoted:
    """A message someone pointed at (a message shortcut, a context menu, a 🎫 reaction):
    where it is and, where the adapter knows them, its text, author and a link to it."""

    address: Address
    text: str = ""
    author: str = ""
    link: str = ""
    # Why the adapter could not read the message (deleted, encrypted, hidden): one line the
    # handler shows instead of acting on an empty quote.
    missing: str = ""


@dataclass(frozen=True)
class ReactionChanged(Event):
    key: str = ""
    added: bool = True
    target: Address | None = None
    # The reacted-to message's content, where the adapter has it at hand.
    quoted: Quoted | None = None


@dataclass(frozen=True)
class MessageActionInvoked(Event):
    """A named action on someone's message: Slack message shortcut, Discord message context
    menu. The same handler runs for the action's emoji reacted on any message."""

    action: str = ""
    target: Quoted | None = None


@dataclass(frozen=True)
class MessageReceived(Event):
    """A reply in a thread the bot follows."""

    text: str = ""
    reply_to: Address | None = None
    # Set when this replaces an earlier message (an edit): that message's id.
    edit_of: str | None = None
    # With edit_of: the message was deleted rather than changed (text is empty).
    deleted: bool = False


@dataclass(frozen=True)
class MemberJoined(Event):
    """Someone joined the community (Slack team_join, Discord member join, Matrix membership
    join in a community room)."""


@dataclass(frozen=True)
class ChannelMessage(Event):
    """A person's plain top-level message in a channel (not a command, not a thread reply).
    Adapters deliver it only for the channels a capability asked for (bot/channel_gate.py),
    never for the bot's own messages."""

    text: str = ""


InboundEvent = (
    CommandInvoked
    | ActionInvoked
    | ReactionChanged
    | MessageReceived
    | MessageActionInvoked
    | MemberJoined
    | ChannelMessage
)


# A choice whose action is FORM_PREFIX + "command sub" opens that command's form for the one
# person who pressed it (a Slack modal), its answer handled as if typed in a direct chat with
# the bot: a secret ballot never touches a channel. Its value is JSON: {param: fixed value}
# or {param: [the values to pick from]}. Where there are no buttons it is left out.
FORM_PREFIX = "form:"


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
class Attachment:
    """A file sent with a message (an event's .ics): a real file where the platform takes
    files (Capabilities.files), never pasted text."""

    name: str
    mime: str
    data: bytes = field(repr=False)


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
    # Put the message in the private place opened by an OpenPlace with this ref (its room,
    # private thread, or fallback thread). relay=False keeps it from the DM copies a
    # relayed place sends its members (staff-only notes).
    place_ref: str | None = None
    relay: bool = True
    # Files that go with the message, right after it, in the same place.
    files: tuple[Attachment, ...] = ()


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


@dataclass(frozen=True)
class GrantRole:
    """Give someone a platform role (a certification's or a milestone's). Adapters that
    cannot grant roles say so and the row is done: the credential or milestone stands."""

    platform: str
    workspace: str
    user_id: str
    role: str


@dataclass(frozen=True)
class MirrorEvent:
    """A community event copied to the platform's own calendar where it has one (a Discord
    guild scheduled event): made the first time, changed after, removed when cancelled.
    `source` names it across restarts ("event:12", also the ref of its message); times are
    ISO 8601 in UTC. Adapters without a calendar ignore it."""

    platform: str
    workspace: str
    source: str
    title: str
    starts_at: str
    ends_at: str
    where: str = ""
    description: str = ""
    cancelled: bool = False
    # The channel it was announced in.
    channel: str = ""


@dataclass(frozen=True)
class OpenPlace:
    """Open a private place for these members and post its first message there: a Matrix
    room with them invited, a Discord private thread with them added. Where the platform
    has none (Capabilities.places), the core falls back: "thread" posts the first message in
    `address` and keeps the place as its thread; "relayed" does the same in a channel the
    members may not see, and each member gets every later message as a DM copy, their
    replies to which come back as replies in the place."""

    ref: str
    # The channel it belongs to: the parent of a private thread, the channel of the
    # fallback thread; a new room ignores it.
    address: Address
    title: str
    members: tuple[str, ...]
    text: str
    card: Card | None = None
    choices: tuple[Choice, ...] = ()
    # Who gets the DM copies of a relayed place: those who cannot see its channel (a
    # ticket's requester, not the staff already there). None: every member.
    relay_to: tuple[str, ...] | None = None
    # Members who run the place (a ticket's staff): given moderator rights in it where the
    # platform keeps rights per place (Matrix power levels), so they stay staff there.
    hosts: tuple[str, ...] = ()


Effect = Send | Edit | React | OpenThread | OpenPlace | GrantRole | MirrorEvent


@dataclass(frozen=True)
class Capabilities:
    buttons: bool = True
    ephemeral: bool = True
    threads: bool = True
    edits: bool = True
    reactions: bool = True
    native_timestamps: bool = False
    # How a private place (OpenPlace) is made: "private" by the adapter itself, else one of
    # the core's fallbacks, "thread" or "relayed" (see OpenPlace).
    places: Literal["private", "thread", "relayed"] = "thread"
    # Whether the adapter can send files (Adapter.upload).
    files: bool = False


@dataclass(frozen=True)
class Delivered:
    """What an adapter reports back after sending: the platform's message id, and the thread
    root it landed under, if any."""

    message_id: str
    channel: str
    thread: str | None = None
    # Shown to its recipient alone (an ephemeral fallback for a DM that could not go): no
    # file may follow it into that channel, where everyone would see it.
    ephemeral: bool = False
