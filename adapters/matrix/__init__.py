"""Matrix, through matrix-nio: events.py and content.py translate (pure), adapter.py does the
I/O, store.py keeps what must survive a restart, settings.py reads the [matrix] config."""

from __future__ import annotations

from typing import Any


def build(cfg: Any, db: Any = None, registry: Any = None) -> Any:
    """The adapter for a loaded Config with a [matrix] section (nio is imported only here).
    It shares the bot's Database when given one, else opens its own on the config's URL."""
    from adapters.matrix.adapter import MatrixAdapter
    from adapters.matrix.settings import MatrixSettings
    from storage.db import Database

    settings = MatrixSettings.from_config(cfg.matrix)
    keys = list(registry.message_action_emoji) if registry is not None else None
    if db is not None:
        return MatrixAdapter(
            settings, db, timezone=cfg.timezone, quote_keys=keys, registry=registry
        )
    return MatrixAdapter(
        settings,
        Database(cfg.database_url),
        timezone=cfg.timezone,
        own_db=True,
        quote_keys=keys,
        registry=registry,
    )
