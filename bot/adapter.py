"""What the core asks of a platform adapter. Adapters translate; they decide nothing."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.model import (
    Attachment,
    Capabilities,
    Delivered,
    Edit,
    InboundEvent,
    MirrorEvent,
    OpenPlace,
    Send,
)

EventSink = Callable[[InboundEvent], Awaitable[object]]


@dataclass(frozen=True)
class Target:
    """A message already on the platform."""

    channel: str
    message_id: str
    thread: str | None = None


class RetryAfter(Exception):
    """The platform asked us to slow down (HTTP 429 and friends)."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {seconds:.1f}s")
        self.seconds = seconds


class PermanentFailure(Exception):
    """Retrying cannot help (channel gone, bot removed): give up on this row."""


class Adapter(ABC):
    platform: str
    capabilities: Capabilities
    # Live tallies are edited at most this often per message; superseded edits are dropped.
    min_edit_interval: float = 1.0

    @abstractmethod
    async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered: ...

    @abstractmethod
    async def edit(self, target: Target, msg: Edit, key: str) -> None: ...

    @abstractmethod
    async def react(self, target: Target, emoji: str, key: str) -> None: ...

    async def find_delivered(
        self, msg: Send, thread_root: str | None, key: str
    ) -> Delivered | None:
        """Was the message with this outbox key already delivered? Asked before sending a row
        whose earlier attempt may have reached the platform (a crash or a lost reply), so a
        result is never posted twice. None: not found, send it. Platforms whose send is
        idempotent by key (Matrix txnId; Discord with enforce_nonce) need not look."""
        return None

    async def open_thread(self, target: Target, title: str, key: str) -> str | None:
        # Slack and Matrix threads exist as soon as someone replies; nothing to open.
        return target.message_id

    async def upload(self, target: Target, file: Attachment, key: str) -> None:
        """Send a file right after a delivered message, in its channel and thread
        (Capabilities.files). A retry with the same key must not send it twice."""
        raise NotImplementedError(f"{self.platform} does not send files")

    async def grant_role(self, workspace: str, user_id: str, role: str, key: str) -> bool:
        """Give a platform role; False where the platform (or this adapter) cannot."""
        return False

    async def mirror_event(self, event: MirrorEvent, key: str) -> bool:
        """Copy an event to the platform's calendar; False where there is none."""
        return False

    async def open_place(self, place: OpenPlace, key: str) -> Delivered:
        """Open a private place (Capabilities.places == "private") and post its first
        message: Delivered.channel is the place, .thread the thread in it, if any."""
        raise NotImplementedError(f"{self.platform} does not open private places")

    async def prepare(self, event: InboundEvent) -> InboundEvent:
        """Fill in what the payload did not carry (a Slack actor's roles need a lookup). Runs
        when the event is taken from the inbox, after the platform was acknowledged."""
        return event

    async def start(self, sink: EventSink) -> None:  # pragma: no cover - per platform
        raise NotImplementedError

    async def stop(self) -> None:
        return None

    @property
    def connected(self) -> bool:
        """Whether the platform connection is up now (readiness); adapters refine it."""
        return True
