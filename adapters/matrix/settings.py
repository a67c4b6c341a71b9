"""The [matrix] config section, checked once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.matrix.events import RoleRules, server_of
from bot.config import ConfigError


def _users(section: Mapping[str, Any], key: str) -> frozenset[str]:
    value = section.get(key, [])
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[matrix] {key} must be a list of strings")
    return frozenset(v.strip() for v in value)


def _rooms(section: Mapping[str, Any], key: str) -> frozenset[str]:
    rooms = _users(section, key)
    for room in rooms:
        # Room ids from room version 12 have no server part; aliases always do.
        if not (room.startswith("!") and len(room) > 1) and not (
            room.startswith("#") and ":" in room
        ):
            raise ConfigError(
                f"[matrix] {key}: {room!r} is not a room id (!abc:server) or alias (#name:server)"
            )
    return rooms


def _int(section: Mapping[str, Any], key: str, default: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"[matrix] {key} must be a whole number, not {value!r}")
    return value


def _levels(section: Mapping[str, Any]) -> dict[str, int]:
    table = section.get("role_levels", {})
    if not isinstance(table, Mapping):
        raise ConfigError("[matrix.role_levels] must be a table of role = power level")
    levels: dict[str, int] = {}
    for name, level in table.items():
        if isinstance(level, bool) or not isinstance(level, int) or abs(level) >= 2**53:
            raise ConfigError(f"[matrix.role_levels] {name} must be a power level, not {level!r}")
        if not str(name).strip():
            raise ConfigError("[matrix.role_levels] has an empty role name")
        levels[str(name).strip()] = level
    return levels


@dataclass(frozen=True)
class MatrixSettings:
    homeserver: str
    user_id: str
    access_token: str | None = None
    password: str | None = None
    device_id: str | None = None
    device_name: str = "moot"
    prefix: str = "!"
    # The community: one per bot account by default, named by the bot's server.
    workspace: str = ""
    allowed_inviters: frozenset[str] = frozenset()
    allowed_servers: frozenset[str] = frozenset()
    # The community's rooms and spaces, by id (!…) or alias (#…). Their power levels are
    # the only source of roles; commands anywhere else (a room anyone can create) are refused.
    rooms: frozenset[str] = frozenset()
    spaces: frozenset[str] = frozenset()
    rules: RoleRules = field(default_factory=RoleRules)
    sync_timeout_ms: int = 30_000
    timeline_limit: int = 100
    # How many pages of /messages a `limited` sync may fetch to fill its gap.
    gap_pages: int = 5
    # GrantRole: a role name (a certification's, a kudos milestone's) -> the power level it
    # raises its holder to in the community's rooms.
    role_levels: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> MatrixSettings:
        homeserver = str(section.get("homeserver", "")).rstrip("/")
        user_id = str(section.get("user_id", ""))
        if not homeserver.startswith(("http://", "https://")):
            raise ConfigError(
                "[matrix] homeserver must be the client API URL, e.g. https://matrix.example.org"
            )
        if not user_id.startswith("@") or ":" not in user_id:
            raise ConfigError("[matrix] user_id must be a full user id like @moot:example.org")
        token = section.get("access_token") or None
        password = section.get("password") or None
        if not token and not password:
            raise ConfigError(
                "[matrix] needs access_token (env MATRIX_ACCESS_TOKEN) or password "
                "(env MATRIX_PASSWORD)"
            )
        prefix = str(section.get("prefix", "!"))
        if not prefix or any(c.isspace() or c.isalnum() for c in prefix):
            raise ConfigError(f"[matrix] prefix must be punctuation like '!', not {prefix!r}")
        inviters = _users(section, "allowed_inviters")
        servers = _users(section, "allowed_servers")
        if not inviters and not servers:
            servers = frozenset({server_of(user_id)})  # by default: people of our own server
        rooms, spaces = _rooms(section, "rooms"), _rooms(section, "spaces")
        rules = RoleRules(
            admin_level=_int(section, "admin_level", 100),
            moderator_level=_int(section, "moderator_level", 50),
            admins=_users(section, "admins"),
            moderators=_users(section, "moderators"),
        )
        return cls(
            homeserver=homeserver,
            user_id=user_id,
            access_token=str(token) if token else None,
            password=str(password) if password else None,
            device_id=str(section["device_id"]) if section.get("device_id") else None,
            device_name=str(section.get("device_name", "moot")),
            prefix=prefix,
            workspace=str(section.get("workspace") or server_of(user_id)),
            allowed_inviters=inviters,
            allowed_servers=servers,
            rooms=rooms,
            spaces=spaces,
            rules=rules,
            sync_timeout_ms=_int(section, "sync_timeout_ms", 30_000),
            timeline_limit=_int(section, "timeline_limit", 100),
            gap_pages=_int(section, "gap_pages", 5),
            role_levels=_levels(section),
        )
