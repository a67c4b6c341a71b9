"""Wiring: one object that holds the core, dispatcher, scheduler and outbox sender for a set
of adapters. The CLI, the console and the tests all build the bot through here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.adapter import Adapter
from bot.clock import Clock
from bot.core import Core
from bot.dispatcher import Dispatcher
from bot.inbox import Inbox
from bot.outbox import OutboxSender
from bot.registry import Registry
from bot.scheduler import Scheduler
from storage.db import Database


@dataclass
class App:
    db: Database
    registry: Registry
    clock: Clock
    adapters: Mapping[str, Adapter] = field(default_factory=dict)
    default_timezone: str = "UTC"
    sweep_seconds: float = 15.0
    prefixes: dict[str, str] = field(default_factory=dict)
    replica: str | None = None
    max_lanes: int = 8

    def __post_init__(self) -> None:
        self.core = Core(
            self.db,
            self.registry,
            self.clock,
            default_timezone=self.default_timezone,
            prefixes=dict(self.prefixes),
        )
        self.dispatcher = Dispatcher(self.core)
        self.inbox = Inbox(self.db, self.dispatcher, self.adapters, self.clock)
        self.core.horizon = self.inbox.horizon
        self.scheduler = Scheduler(self.core, sweep_seconds=self.sweep_seconds)
        self.sender = OutboxSender(
            self.db,
            self.adapters,
            self.clock,
            replica=self.replica,
            max_lanes=self.max_lanes,
            live_cards=self.registry.live_cards,
            prefix_of=self.core.prefix,
            give_way=lambda: self.scheduler.catching_up,
        )
        self.core.on_outbox.append(self.sender.kick)
        self.core.on_schedule.append(self.scheduler.poke)
        self.inbox.on_drained.append(self.scheduler.poke)

    async def settle(self) -> None:
        """Handle and deliver everything pending (tests and scripts: no timers involved)."""
        await self.inbox.drain()
        await self.sender.drain()

    async def run_due(self) -> int:
        ran = self.scheduler.run_due_now()
        await self.sender.drain()
        return ran
