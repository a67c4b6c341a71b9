"""The [discord] config section, checked once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import ConfigError


def _flag(section: Mapping[str, Any], key: str, default: bool) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"[discord] {key} must be true or false, not {value!r}")
    return value


def _snowflake(section: Mapping[str, Any], key: str) -> str:
    value = str(section.get(key) or "").strip()
    if value and not value.isdigit():
        raise ConfigError(f"[discord] {key} must be a numeric Discord id, not {value!r}")
    return value


@dataclass(frozen=True)
class DiscordSettings:
    token: str
    # Sync the commands to this guild (instant) instead of globally (up to an hour); it is
    # also the community a direct message belongs to.
    guild_id: str = ""
    application_id: str = ""
    prefix: str = "!"
    # Privileged intents: switch them on in the Developer Portal too, or the gateway refuses
    # the connection. Without message_content, `!vote` and thread replies are not seen
    # (except in DMs); without members, the directory only knows people who interacted.
    message_content: bool = True
    members: bool = True
    sync_on_start: bool = True
    # Kinds of bot message ("vote:12") that get a public discussion thread when posted.
    thread_kinds: tuple[str, ...] = ("vote", "rfc")
    # A wait longer than this on a 429 goes back to the outbox instead of blocking the send.
    max_ratelimit_wait: float = 30.0
    # Only for tests and proxies: where the REST API and the gateway live.
    api_base: str = ""
    gateway_url: str = ""

    def __repr__(self) -> str:  # the token never reaches a log line through a repr
        return f"DiscordSettings(guild_id={self.guild_id!r}, prefix={self.prefix!r})"

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> DiscordSettings:
        token = str(section.get("token") or "").strip()
        if not token or token.count(".") != 2:
            raise ConfigError(
                "[discord] token (or DISCORD_TOKEN) must be the bot token from the Developer "
                "Portal (three dot-separated parts)"
            )
        prefix = str(section.get("prefix", "!"))
        if not prefix or any(c.isspace() or c.isalnum() for c in prefix):
            raise ConfigError(f"[discord] prefix must be punctuation like '!', not {prefix!r}")
        kinds = section.get("thread_kinds", ["vote", "rfc"])
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            raise ConfigError("[discord] thread_kinds must be a list of strings")
        try:
            wait = float(section.get("max_ratelimit_wait", 30.0))
        except (TypeError, ValueError):
            raise ConfigError("[discord] max_ratelimit_wait must be a number of seconds") from None
        return cls(
            token=token,
            guild_id=_snowflake(section, "guild_id"),
            application_id=_snowflake(section, "application_id"),
            prefix=prefix,
            message_content=_flag(section, "message_content", True),
            members=_flag(section, "members", True),
            sync_on_start=_flag(section, "sync_on_start", True),
            thread_kinds=tuple(kinds),
            max_ratelimit_wait=wait,
            api_base=str(section.get("api_base") or "").rstrip("/"),
            gateway_url=str(section.get("gateway_url") or ""),
        )
