"""Who someone is on Slack: display name, workspace admin/owner, and user-group membership
(the roles `/config role moderator @group` binds). Looked up here, in the adapter, with a
small TTL cache, so the core only ever sees an Actor."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.model import Actor

log = logging.getLogger("moot.slack")

PLATFORM = "slack"


@dataclass
class _Entry:
    value: Any
    at: float


# Roles the directory itself gives (actor() below), listed so commands may name them.
PSEUDO_ROLES = {"admin": "admin", "owner": "owner"}


def directory_roles(groups: list[dict[str, Any]]) -> dict[str, str]:
    """usergroups.list's groups as the platform-role directory: id -> handle. Disabled
    groups (date_delete set) are gone."""
    out = dict(PSEUDO_ROLES)
    for g in groups:
        gid = str(g.get("id") or "")
        if gid and not g.get("date_delete"):
            out[gid] = str(g.get("handle") or g.get("name") or gid)
    return out


class Directory:
    def __init__(
        self, client: Any, ttl: float = 300.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = client
        self.ttl = ttl
        self.monotonic = monotonic
        self._users: dict[str, _Entry] = {}
        self._groups: dict[str, _Entry] = {}
        self._warned: set[str] = set()
        # team -> the workspace's user groups (id -> handle) from the latest good listing,
        # until the adapter has written them to the role directory.
        self.new_roles: dict[str, dict[str, str]] = {}

    def _fresh(self, entry: _Entry | None) -> bool:
        return entry is not None and self.monotonic() - entry.at < self.ttl

    def _warn_once(self, what: str, exc: Exception) -> None:
        if what not in self._warned:
            self._warned.add(what)
            log.warning("slack %s lookup failed (%s); carrying on without it", what, exc)

    async def _user(self, user_id: str) -> dict[str, Any]:
        entry = self._users.get(user_id)
        if self._fresh(entry):
            return entry.value  # type: ignore[union-attr]
        try:
            resp = await self.client.users_info(user=user_id)
            info = dict(resp.get("user") or {})
        except Exception as exc:  # a missing scope must not stop commands
            self._warn_once("users.info", exc)
            info = entry.value if entry else {}
        self._users[user_id] = _Entry(info, self.monotonic())
        return info

    async def _memberships(self, team: str) -> dict[str, set[str]]:
        """user id -> the ids of the user groups they are in. Ids only, never handles: anyone
        who may create a user group picks its handle, so a handle is no proof of anything."""
        entry = self._groups.get(team)
        if self._fresh(entry):
            return entry.value  # type: ignore[union-attr]
        members: dict[str, set[str]] = {}
        try:
            resp = await self.client.usergroups_list(include_users=True)
            self.new_roles[team] = directory_roles(resp.get("usergroups") or [])
            for group in resp.get("usergroups") or []:
                group_id = str(group.get("id", ""))
                if not group_id:
                    continue
                for user in group.get("users") or []:
                    members.setdefault(str(user), set()).add(group_id)
        except Exception as exc:
            self._warn_once("usergroups.list", exc)
            members = entry.value if entry else {}
        self._groups[team] = _Entry(members, self.monotonic())
        return members

    async def actor(self, team: str, user_id: str, display: str | None = None) -> Actor:
        info = await self._user(user_id)
        profile = info.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or info.get("real_name")
            or info.get("name")
            or display
            or user_id
        )
        roles = set((await self._memberships(team)).get(user_id, set()))
        is_admin = bool(
            info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner")
        )
        if info.get("is_owner") or info.get("is_primary_owner"):
            roles.add("owner")
        if is_admin:
            roles.add("admin")
        return Actor(PLATFORM, user_id, str(name), frozenset(roles), is_admin)

    def forget(self, user_id: str | None = None) -> None:
        """Drop cached answers (user_change / subteam_updated events)."""
        if user_id is None:
            self._users.clear()
            self._groups.clear()
        else:
            self._users.pop(user_id, None)
