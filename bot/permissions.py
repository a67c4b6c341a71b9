"""Who may do what. Checked here, in the core, never in an adapter."""

from __future__ import annotations

import re

from sqlmodel import Session

from bot.i18n import N_, _
from bot.model import Actor, CommandInvoked, InboundEvent
from storage import repos
from storage.tables import Community

# Role names that mean something without configuration. Only adapters that derive them from
# something an admin controls may hand them out: the console (its script) and Matrix (power
# levels in the configured rooms). On Slack and Discord a role is a user group or a guild role
# whose name anyone allowed to create one may choose, so there only explicit bindings
# (`/config role moderator @group`, stored by id) count.
BUILTIN = {"moderator": {"moderator", "mod"}, "support": {"support"}}
BUILTIN_NAMES_TRUSTED = frozenset({"console", "matrix"})
# Platforms whose role ids are opaque (Slack user-group ids S…, Discord role snowflakes): a
# binding must name the id, never a handle someone could recreate.
ROLES_BY_ID = frozenset({"slack", "discord"})


def builtin(platform: str, kind: str) -> set[str]:
    return BUILTIN[kind] if platform in BUILTIN_NAMES_TRUSTED else set()


_ID_SHAPES = {"slack": re.compile(r"^S[A-Z0-9]{2,}$"), "discord": re.compile(r"^\d{5,}$")}


def role_id_problem(platform: str, role: str) -> str | None:
    """Why a role binding may not be stored as given, or None. Where roles are named by the
    people who create them, only the platform's id can be bound."""
    shape = _ID_SHAPES.get(platform)
    if shape is None or shape.match(role):
        return None
    return _(
        "'{role}' is a name, and on {platform} anyone who may create a group can pick a name; "
        "mention the group so its id is bound (pick it from the list as you type @)"
    ).format(role=role, platform=platform)


def bound_roles(s: Session, community: Community, kind: str, name: str = "") -> set[str]:
    return {
        b.role
        for b in repos.role_bindings(s, community.id or 0)
        if b.kind == kind and (not name or b.name == name)
    }


def is_moderator(s: Session, community: Community, actor: Actor) -> bool:
    if actor.is_admin:
        return True
    allowed = builtin(community.platform, "moderator") | bound_roles(s, community, "moderator")
    return bool(actor.roles & allowed)


def is_support(s: Session, community: Community, actor: Actor) -> bool:
    if is_moderator(s, community, actor):
        return True
    allowed = builtin(community.platform, "support") | bound_roles(s, community, "support")
    return bool(actor.roles & allowed)


def is_triager(s: Session, community: Community, actor: Actor) -> bool:
    """Who moves feedback through triage: moderators, and roles bound as `triage`."""
    if is_moderator(s, community, actor):
        return True
    return bool(actor.roles & bound_roles(s, community, "triage"))


def allowed(s: Session, community: Community, actor: Actor, permission: str | None) -> bool:
    """permission: None, "admin", "moderator", "support", "triage", or "role:NAME"."""
    if permission is None:
        return True
    if permission == "admin":
        return actor.is_admin
    if permission == "moderator":
        return is_moderator(s, community, actor)
    if permission == "support":
        return is_support(s, community, actor)
    if permission == "triage":
        return is_triager(s, community, actor)
    if permission.startswith("role:"):
        return actor.is_admin or permission[5:] in actor.roles
    raise ValueError(f"unknown permission {permission!r}")


def describe(permission: str | None) -> str:
    known = {
        None: N_("everyone"),
        "admin": N_("admins"),
        "moderator": N_("moderators and admins"),
        "support": N_("support staff, moderators and admins"),
        "triage": N_("triagers, moderators and admins"),
    }
    if permission in known:
        return _(known[permission])
    return _("holders of the {role} role").format(role=str(permission)[5:])


# Commands that touch no community and so may run anywhere, even in a room nobody configured.
ANYWHERE = frozenset({"help"})


def place_refusal(event: InboundEvent, prefix: str = "/") -> str | None:
    """Why an event from where it happened may not run, or None. A room outside the community
    (one its moderators did not configure) is somebody else's: whoever made it holds its power
    levels, so nothing there may change the community. Only help runs there."""
    if event.in_community or event.is_direct:
        return None
    if isinstance(event, CommandInvoked) and event.name.lower() in ANYWHERE:
        return None
    return _(
        "this room is not one of the community's rooms, so Moot takes no commands here. "
        "Use a configured room, or ask an admin to add this one. Try {prefix}help"
    ).format(prefix=prefix)
