"""Which plain channel messages reach the core. Chatter is most of what a chat carries, so an
adapter asks the gate before it stores one in the inbox: only messages in a channel that a
capability asked for (`reg.channel_message("support")`: the configured support channel), and,
when a capability asked for ANY_CHANNEL, a person's first message seen by this process (the
core's own unique rows decide what is really a first, across restarts and replicas).

`route` is the dispatcher's side: it runs the handlers whose purpose the message matches."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import select

from bot.context import Ctx
from bot.model import ChannelMessage
from bot.registry import Registry
from storage.db import Database
from storage.tables import ChannelPurpose, Community

ANY_CHANNEL = "*"
# How long a configured channel is trusted before it is read again: `/config channel
# support #help` takes effect within this.
TTL = 30.0
# People remembered as "seen" for ANY_CHANNEL; beyond this the oldest may pass once more,
# which costs one event, never a second welcome.
SEEN_MAX = 100_000


class ChannelGate:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        *,
        ttl: float = TTL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.registry = registry
        self.ttl = ttl
        self.monotonic = monotonic
        self._channels: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
        self._seen: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    @property
    def purposes(self) -> frozenset[str]:
        return frozenset(p for p in self.registry.channel_messages if p != ANY_CHANNEL)

    def channels(self, platform: str, workspace: str) -> frozenset[str]:
        """The channels configured for the purposes some capability listens to."""
        key = (platform, workspace)
        cached = self._channels.get(key)
        if cached is not None and self.monotonic() - cached[0] < self.ttl:
            return cached[1]
        found: frozenset[str] = frozenset()
        if self.purposes:
            with self.db.transaction() as s:
                rows = s.execute(
                    select(ChannelPurpose.channel)
                    .join(Community, Community.id == ChannelPurpose.community_id)
                    .where(
                        Community.platform == platform,
                        Community.workspace == workspace,
                        ChannelPurpose.purpose.in_(sorted(self.purposes)),
                    )
                ).all()
            found = frozenset(r[0] for r in rows)
        self._channels[key] = (self.monotonic(), found)
        return found

    def wants(self, platform: str, workspace: str, channel: str, user_id: str) -> bool:
        """Whether a plain message there, by this person, should go to the core."""
        if not self.registry.channel_messages or not user_id:
            return False
        who = (platform, workspace, user_id)
        first = who not in self._seen
        if first and ANY_CHANNEL in self.registry.channel_messages:
            # Any message that reaches the core is heard by ANY_CHANNEL listeners too.
            self._seen[who] = None
            if len(self._seen) > SEEN_MAX:
                self._seen.popitem(last=False)
        else:
            first = False
        return first or channel in self.channels(platform, workspace)

    def forget(self) -> None:
        """Read the configured channels again at the next message."""
        self._channels.clear()


def route(ctx: Ctx, event: ChannelMessage) -> bool:
    """Run every handler whose purpose this message is for; False when none was."""
    handlers = ctx.registry.channel_messages
    ran = False
    for purpose, fn in handlers.items():
        if purpose != ANY_CHANNEL and ctx.channel_for(purpose) != event.address.channel:
            continue
        fn(ctx, event.text)
        ran = True
    return ran
