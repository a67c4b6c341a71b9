"""The pieces the dispatcher and the scheduler share: building a handler's context and
writing its effects to the outbox inside the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot import codec, logctx
from bot.clock import Clock
from bot.context import Ctx
from bot.model import (
    Actor,
    Address,
    Effect,
    GrantRole,
    InboundEvent,
    MirrorEvent,
    OpenPlace,
    Send,
)
from bot.registry import Registry
from storage import repos
from storage.db import Database
from storage.tables import Community

log = logging.getLogger("moot.core")


@dataclass
class Core:
    db: Database
    registry: Registry
    clock: Clock
    default_timezone: str = "UTC"
    # Command prefix shown in usage lines, per platform (Matrix types `!vote`).
    prefixes: dict[str, str] = field(default_factory=dict)
    # Called after a transaction that wrote outbox rows or due work commits.
    on_outbox: list[Callable[[], None]] = field(default_factory=list)
    on_schedule: list[Callable[[], None]] = field(default_factory=list)
    # How far due work may run: a deadline waits while an event received before it is still
    # in the inbox (a ballot acknowledged at 11:59:59 counts in a vote closing at noon).
    horizon: Callable[[datetime], datetime] | None = None

    def prefix(self, platform: str) -> str:
        return self.prefixes.get(platform, "/")

    def community(self, s: Session, platform: str, workspace: str) -> Community:
        return repos.get_or_create_community(
            s, platform, workspace, self.clock.now(), self.default_timezone
        )

    def ctx(
        self,
        s: Session,
        community: Community,
        actor: Actor,
        address: Address,
        event: InboundEvent | None = None,
        is_direct: bool = False,
    ) -> Ctx:
        logctx.bind(
            community=f"{community.platform}:{community.workspace}", platform=community.platform
        )
        return Ctx(
            db=s,
            clock=self.clock,
            registry=self.registry,
            community=community,
            actor=actor,
            address=address,
            event=event,
            prefix=self.prefix(community.platform),
            is_direct=is_direct,
        )

    def after_commit(self, ctx: Ctx | None) -> None:
        """Run the steps the handler left for after its commit; a failure there is logged,
        never undoes the committed work."""
        for fn in ctx.after_commit if ctx is not None else ():
            try:
                fn()
            except Exception:
                log.exception("after-commit step failed")

    def system_actor(self, community: Community) -> Actor:
        return Actor(community.platform, "moot", "Moot", is_admin=True)

    def write_effects(self, ctx: Ctx, key_base: str) -> int:
        return write_effects(ctx.db, ctx.community, ctx.effects, key_base, self.clock)

    def committed(self, ctx: Ctx | None) -> None:
        self.after_commit(ctx)
        if ctx is None or ctx.effects:
            for hook in self.on_outbox:
                hook()
        if ctx is None or ctx.scheduled:
            for hook in self.on_schedule:
                hook()


# Rows written by due work (a vote's close and its result, reminders) go first in their lane:
# a deadline is the one moment people are waiting for.
URGENT_KEY_PREFIX = "due:"


def lane(s: Session, community: Community, effect: Effect) -> str:
    """Order is kept within a lane: one channel's public posts, one person's private answers
    in a channel, or one person's DMs. Private confirmations never queue behind public posts
    (nor they behind a burst of confirmations)."""
    base = f"{community.platform}:{community.workspace}"
    # A place's messages share its lane, so none is tried before the place is open.
    if isinstance(effect, OpenPlace):
        return f"{base}:place:{effect.ref}"
    if isinstance(effect, Send) and effect.place_ref:
        return f"{base}:place:{effect.place_ref}"
    if isinstance(effect, Send):
        if effect.visibility == "dm":
            return f"{base}:dm:{effect.recipient}"
        if effect.visibility == "ephemeral":
            return f"{effect.address.channel_key}:to:{effect.recipient}"
        return effect.address.channel_key
    if isinstance(effect, GrantRole):
        return f"{base}:roles"
    if isinstance(effect, MirrorEvent):
        # One lane per event, so its copy is made, changed and removed in that order.
        return f"{base}:calendar:{effect.source}"
    return repos.ref_channel_key(s, effect.ref) or fallback_lane(community, effect.ref)


def fallback_lane(community: Community, ref: str) -> str:
    """The lane of effects on a message no send names (yet)."""
    return f"{community.platform}:{community.workspace}:ref:{ref}"


def write_effects(
    s: Session, community: Community, effects: list[Effect], key_base: str, clock: Clock
) -> int:
    """Every effect of one transaction to the outbox in one multi-row INSERT."""
    if not effects:
        return 0
    repos.add_outbox_rows(s, effect_rows(s, community, effects, key_base, clock))
    return len(effects)


def effect_rows(
    s: Session,
    community: Community,
    effects: list[Effect],
    key_base: str,
    clock: Clock,
    lanes: dict[str, str] | None = None,
) -> list[dict[str, object]]:
    """The outbox rows of some effects. `lanes` (ref -> lane) answers lookups the caller
    already made, e.g. for a whole batch of due work at once."""
    now = clock.now()
    priority = 0 if key_base.startswith(URGENT_KEY_PREFIX) else 1
    lanes = {} if lanes is None else dict(lanes)
    rows = []
    for i, effect in enumerate(effects):
        ref = getattr(effect, "ref", None)
        if isinstance(effect, Send) or ref is None:
            channel_key = lane(s, community, effect)
        else:
            # Effects on one message share its lane: look it up once per transaction.
            channel_key = lanes.get(ref) or lanes.setdefault(ref, lane(s, community, effect))
        rows.append(
            repos.outbox_row(
                community_id=community.id,
                platform=community.platform,
                channel_key=channel_key,
                key=f"{key_base}:{i}",
                kind=codec.kind_of(effect),
                payload=codec.encode(effect),
                ref=ref,
                now=now,
                priority=priority,
            )
        )
    return rows
