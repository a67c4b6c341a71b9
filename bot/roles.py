"""Role arguments checked against the platform's real roles (the platform_role directory
each adapter fills). A typo in `--eligible @tc` would otherwise lock every voter out, and a
binding of a role that does not exist would quietly mean nothing.

Where no adapter has reported roles yet (a Slack app without usergroups:read, a Discord
guild not yet seen), refusing everything would make role arguments unusable, so the value is
accepted with a note saying it was not checked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session

from bot import i18n
from bot.errors import UserError
from bot.i18n import _, ngettext
from bot.mentions import MASS_NAMES
from bot.parser import UsageError
from bot.specs import CommandSpec
from storage import repos, role_tables
from storage.tables import Community

SHOWN = 8


class UnknownRole(ValueError):
    """A role the platform does not have; str() is the one-line problem."""


def unchecked_note(roles: Iterable[str]) -> str:
    names = ", ".join(f"@{r}" for r in roles)
    return _(
        "ℹ️ I have not seen this workspace's roles yet, so {names} was not checked: "
        "make sure it exists and is spelled as on the platform."
    ).format(names=names)


def check(s: Session, community: Community, roles: Iterable[str]) -> str | None:
    """None when every role is real; a note when the directory is empty (nothing to check
    against); UnknownRole for the first that is not a role of the platform."""
    wanted = [r for r in dict.fromkeys(roles) if r]
    if not wanted:
        return None
    known = role_tables.known(s, community.id or 0)
    # A voter group is a name the community gave to bound roles; `--eligible core` means it.
    groups = {b.name for b in repos.role_bindings(s, community.id or 0) if b.kind == "voter-group"}
    wanted = [r for r in wanted if r.lower() not in groups and r.lower() not in MASS_NAMES]
    if wanted and not known:
        return unchecked_note(wanted)
    for role in wanted:
        if role in known:
            continue
        by_name = [rid for rid, n in known.items() if n.lower().lstrip("@") == role.lower()]
        if by_name and by_name[0] != role:
            raise UnknownRole(
                _(
                    "'{role}' is a role's name; mention the role (pick @{name} "
                    "from the list as you type @) so its id is used"
                ).format(role=role, name=known[by_name[0]])
            )
        names = sorted({name or rid for rid, name in known.items()}, key=str.lower)
        more = (
            ngettext(", … {n} more", ", … {n} more", len(names) - SHOWN).format(
                n=len(names) - SHOWN
            )
            if len(names) > SHOWN
            else ""
        )
        raise UnknownRole(
            _("@{role} is not a role here (roles: {roles}{more})").format(
                role=role, roles=i18n.joined(names[:SHOWN]), more=more
            )
        )
    return None


def role_values(spec: CommandSpec, args: dict[str, Any]) -> list[str]:
    """Every value of the command's role-typed parameters. A binding being removed is left
    out: the role it names may be gone from the platform already, which is why it goes."""
    if args.get("remove"):
        return []
    out: list[str] = []
    for p in spec.params:
        value = args.get(p.name)
        if p.type != "role" or not value:
            continue
        out.extend(value if isinstance(value, list) else [value])
    return out


def check_args(
    s: Session, community: Community, spec: CommandSpec, args: dict[str, Any], prefix: str
) -> str | None:
    """check() over a parsed command's role arguments; an unknown one is a usage error."""
    try:
        return check(s, community, role_values(spec, args))
    except UnknownRole as exc:
        raise UsageError(str(exc), spec.short_usage(prefix)) from None


def require(s: Session, community: Community, roles: Iterable[str], usage: str) -> str | None:
    """check() for a command that reads a role itself (not from a role-typed parameter)."""
    try:
        return check(s, community, roles)
    except UnknownRole as exc:
        raise UserError(_("{problem}. Usage: {usage}").format(problem=exc, usage=usage)) from None
