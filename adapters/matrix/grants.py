"""GrantRole on Matrix: a role is a power level ([matrix.role_levels]), raised in each of the
community's rooms. Pure: the adapter reads each room's m.room.power_levels, asks plan() what to
write, and writes it.

The homeserver's rules (the spec's authorization rules for m.room.power_levels): the sender
needs the level that event type requires, and may not give anyone a level above its own.
Checked here first, so a refusal is explained rather than met as a bare 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.matrix.events import CREATOR_POWER
from bot.i18n import _


@dataclass(frozen=True)
class Plan:
    # The power levels to write, or None: nothing to write (see done / problem).
    content: dict[str, Any] | None = None
    # The person already has at least the level: the role stands, nothing to do.
    done: bool = False
    # Why Moot cannot raise them here (it lacks power): one line for logs and the notice.
    problem: str = ""


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def level_of(levels: Mapping[str, Any], user_id: str, creators: frozenset[str]) -> int:
    if user_id in creators:
        return CREATOR_POWER
    users = levels.get("users")
    users = users if isinstance(users, Mapping) else {}
    return _int(users.get(user_id, levels.get("users_default", 0)), 0)


def plan(
    levels: Mapping[str, Any],
    bot_user_id: str,
    user_id: str,
    role: str,
    level: int,
    creators: frozenset[str] = frozenset(),
) -> Plan:
    """What to write so user_id holds at least `level` (never lowered)."""
    if level_of(levels, user_id, creators) >= level:
        return Plan(done=True)
    mine = level_of(levels, bot_user_id, creators)
    events = levels.get("events")
    events = events if isinstance(events, Mapping) else {}
    needed = _int(events.get("m.room.power_levels", levels.get("state_default", 50)), 50)
    if mine < needed:
        return Plan(
            problem=_(
                "Moot has power level {mine} here and needs {needed} to change power "
                "levels, so it could not give {user_id} the role '{role}' (level {level})"
            ).format(mine=mine, needed=needed, user_id=user_id, role=role, level=level)
        )
    if mine < level:
        return Plan(
            problem=_(
                "Moot has power level {mine} here, below the role '{role}' (level "
                "{level}), so it could not give it to {user_id}"
            ).format(mine=mine, role=role, level=level, user_id=user_id)
        )
    users = dict(levels.get("users") or {})
    users[user_id] = level
    return Plan(content={**levels, "users": users})


def role_level(role_levels: Mapping[str, int], role: str) -> int | None:
    """The configured level of a role, its name compared without case."""
    wanted = role.strip().casefold()
    for name, level in role_levels.items():
        if name.casefold() == wanted:
            return level
    return None
