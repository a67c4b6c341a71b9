"""Platform adapters. Each translates its platform's payloads to the neutral model and back;
`build` starts the ones the config names."""

from __future__ import annotations

from typing import Any


def build(cfg: Any, db: Any = None, registry: Any = None) -> dict[str, Any]:
    built: dict[str, Any] = {}
    if getattr(cfg, "slack", None):
        from adapters.slack.adapter import SlackAdapter, SlackConfig

        if db is None or registry is None:
            raise ValueError("the Slack adapter needs the database and the registry")
        built["slack"] = SlackAdapter(SlackConfig.from_section(cfg.slack), db, registry)
    if getattr(cfg, "matrix", None):
        from adapters import matrix

        built["matrix"] = matrix.build(cfg, db, registry)
    if getattr(cfg, "discord", None):
        from adapters import discord

        if db is None or registry is None:
            raise ValueError("the Discord adapter needs the database and the registry")
        built["discord"] = discord.build(cfg, db, registry)
    return built
