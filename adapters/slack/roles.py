"""GrantRole on Slack: a role is a user group, so granting it adds the person to the group
bound to it. The group is named by its id (S…), either in the role itself (a milestone
role configured as `@group`, a bank's `role = "S…"`) or through a binding
`/config role voter-group NAME @group` whose NAME is the role. A handle is never looked up:
anyone may create a group with any handle (see bot.permissions)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.adapter import PermanentFailure
from storage import repos
from storage.db import Database

log = logging.getLogger("moot.slack")

PLATFORM = "slack"
GROUP_ID = re.compile(r"^(?:<!subteam\^)?(S[A-Z0-9]{2,})(?:\|[^>]*)?>?$")
# Answers no retry can change: the app lacks a scope, the plan has no user groups, or the
# workspace lets only admins edit them.
NOTICES = {
    "missing_scope": "the Slack app needs the usergroups:read and usergroups:write scopes",
    "not_allowed_token_type": "the Slack app needs the usergroups:write scope on its bot token",
    "paid_teams_only": "user groups need a paid Slack plan",
    "plan_upgrade_required": "user groups need a paid Slack plan",
    "permission_denied": "this workspace lets only admins edit user groups",
    "no_such_subteam": "the bound user group no longer exists; bind another one",
    "subteam_not_found": "the bound user group no longer exists; bind another one",
}

Call = Callable[..., Awaitable[Any]]


def group_of(role: str, bindings: list[tuple[str, str]]) -> str | None:
    """The user group id a role means: its own id, else the group bound under its name.
    bindings: (name, group id) pairs."""
    m = GROUP_ID.match(role.strip())
    if m:
        return m.group(1)
    name = role.strip().lstrip("@").lower()
    for bound_name, group in bindings:
        if bound_name == name and GROUP_ID.match(group):
            return group
    return None


def with_member(users: list[str], user_id: str) -> list[str] | None:
    """The group's new member list, or None if the person is in it already."""
    return None if user_id in users else [*users, user_id]


class RoleGranter:
    def __init__(self, call: Call, db: Database, forget: Callable[[], None]) -> None:
        self.call = call
        self.db = db
        self.forget = forget

    def _bindings(self, team: str) -> list[tuple[str, str]]:
        with self.db.transaction() as s:
            found = repos.find_community(s, PLATFORM, team)
            cid = found.id if found is not None else None
            if cid is None:
                return []
            return [(b.name, b.role) for b in repos.role_bindings(s, cid) if b.name]

    async def grant(self, team: str, user_id: str, role: str) -> bool:
        group = group_of(role, self._bindings(team))
        if group is None:
            log.warning(
                "slack: no user group is bound to role %r, so %s was not given it; bind one "
                "with /config role voter-group %s @group",
                role,
                user_id,
                role,
            )
            return False
        users = await self._checked("usergroups_users_list", group, usergroup=group)
        members = [str(u) for u in users.get("users") or []]
        wanted = with_member(members, user_id)
        if wanted is None:
            return True  # already in it: a retried grant changes nothing
        # Slack replaces the whole list (there is no "add one"); read just before write keeps
        # the window for a concurrent edit small.
        await self._checked(
            "usergroups_users_update", group, usergroup=group, users=",".join(wanted)
        )
        self.forget()  # roles are read from group membership: the cached view is stale
        log.info("slack: added %s to user group %s for role %r", user_id, group, role)
        return True

    async def _checked(self, method: str, group: str, **kw: Any) -> Any:
        try:
            return await self.call(method, **kw)
        except Exception as exc:
            text = str(exc)
            for error, notice in NOTICES.items():
                if error in text:
                    raise PermanentFailure(
                        f"slack {method.replace('_', '.')} for {group}: {error}: {notice}"
                    ) from None
            raise
