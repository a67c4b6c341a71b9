"""Who may do what. Checked here, in the core, never in an adapter."""

from __future__ import annotations

from sqlmodel import Session

from bot.model import Actor
from storage import repos
from storage.tables import Community

# Role names that mean the same thing on every platform without configuration: the console
# and the Matrix power-level mapping hand these out.
BUILTIN = {"moderator": {"moderator", "mod"}, "support": {"support"}}


def bound_roles(s: Session, community: Community, kind: str, name: str = "") -> set[str]:
    return {
        b.role
        for b in repos.role_bindings(s, community.id or 0)
        if b.kind == kind and (not name or b.name == name)
    }


def is_moderator(s: Session, community: Community, actor: Actor) -> bool:
    if actor.is_admin:
        return True
    allowed = BUILTIN["moderator"] | bound_roles(s, community, "moderator")
    return bool(actor.roles & allowed)


def is_support(s: Session, community: Community, actor: Actor) -> bool:
    if is_moderator(s, community, actor):
        return True
    allowed = BUILTIN["support"] | bound_roles(s, community, "support")
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
    return {
        None: "everyone",
        "admin": "admins",
        "moderator": "moderators and admins",
        "support": "support staff, moderators and admins",
        "triage": "triagers, moderators and admins",
    }.get(permission, f"holders of the {str(permission)[5:]} role")
