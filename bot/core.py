"""The pieces the dispatcher and the scheduler share: building a handler's context and
writing its effects to the outbox inside the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from bot import codec
from bot.clock import Clock
from bot.context import Ctx
from bot.model import Actor, Address, Effect, InboundEvent, Send
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


def lane(s: Session, community: Community, effect: Effect) -> str:
    """Order is kept within a lane: one channel, or one person's DMs."""
    base = f"{community.platform}:{community.workspace}"
    if isinstance(effect, Send):
        if effect.visibility == "dm":
            return f"{base}:dm:{effect.recipient}"
        return effect.address.channel_key
    return repos.ref_channel_key(s, effect.ref) or f"{base}:ref:{effect.ref}"


def write_effects(
    s: Session, community: Community, effects: list[Effect], key_base: str, clock: Clock
) -> int:
    """Every effect of one transaction to the outbox in one multi-row INSERT."""
    if not effects:
        return 0
    now = clock.now()
    lanes: dict[str, str] = {}
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
                ref=effect.ref,
                now=now,
            )
        )
    repos.add_outbox_rows(s, rows)
    return len(effects)
