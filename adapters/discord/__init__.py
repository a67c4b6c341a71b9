"""Discord, through discord.py 2.x: events.py, tree.py, messages.py and modal.py translate
(pure), adapter.py does the I/O, directory.py keeps the member directory, settings.py reads
the [discord] config. discord.py is imported only by adapter.py and `build`."""

from __future__ import annotations

from typing import Any


def build(cfg: Any, db: Any, registry: Any) -> Any:
    """The adapter for a loaded Config with a [discord] section."""
    from adapters.discord.adapter import DiscordAdapter
    from adapters.discord.settings import DiscordSettings

    return DiscordAdapter(
        DiscordSettings.from_section(cfg.discord), db, registry, timezone=cfg.timezone
    )


def sync(cfg: Any, registry: Any) -> tuple[int, str]:
    """`moot discord sync`: register the command tree now; (commands, where)."""
    import asyncio

    from adapters.discord.adapter import sync_once
    from adapters.discord.settings import DiscordSettings

    return asyncio.run(sync_once(DiscordSettings.from_section(cfg.discord), registry))
