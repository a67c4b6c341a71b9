"""/config: channels, roles and time zone, for moderators and admins. Every change is
audited."""

from __future__ import annotations

from bot import permissions, roles, timeparse
from bot.context import Ctx
from bot.errors import UserError
from bot.mentions import MentionError, parse_role
from bot.registry import Registry
from bot.specs import Param
from storage import repos

PURPOSES = (
    "rfc",
    "votes",
    "events",
    "support",
    "support-staff",
    "feedback",
    "announcements",
    "recognition",
)
ROLE_KINDS = ("moderator", "support", "triage", "voter-group")

# What each channel purpose does, and the command that uses it. A purpose whose command is
# not installed is refused: a setting that does nothing would only mislead.
PURPOSE_USE: dict[str, tuple[str | None, str]] = {
    "rfc": ("rfc", "where /rfc new opens a proposal's thread when it is typed in a DM"),
    "votes": (
        "vote",
        "where a vote started in a DM is posted; a vote started in a channel stays there",
    ),
    "events": ("event", "used by /event"),
    "support": ("ticket", "used by /ticket"),
    "support-staff": ("ticket", "used by /ticket, for the support team's side"),
    "feedback": ("feedback", "used by /feedback"),
    "announcements": ("rfc", "named in the communication plan of /rfc assess"),
    "recognition": ("kudos", "where /kudos and certification passes are announced"),
}
# A role that would make everyone a moderator (or support): allowed, but said out loud.
EVERYONE_ROLES = frozenset(("everyone", "@everyone", "here", "@here", "channel", "room"))


def purpose_in_use(ctx: Ctx, purpose: str) -> bool:
    command = PURPOSE_USE[purpose][0]
    return command is not None and command in ctx.registry.commands


def show_config(ctx: Ctx) -> str:
    c = ctx.community
    lines = [
        f"Settings for this community ({c.platform} {c.workspace}):",
        f"• time zone: {c.timezone}",
    ]
    channels = repos.channel_purposes(ctx.db, c.id or 0)
    for purpose in PURPOSES:
        where = channels.get(purpose)
        lines.append(f"• {purpose} channel: {'#' + where if where else '(not set)'}")
    bindings = repos.role_bindings(ctx.db, c.id or 0)
    if bindings:
        for b in bindings:
            label = f"voter-group {b.name}" if b.kind == "voter-group" else b.kind
            lines.append(f"• {label} role: {b.role}")
    else:
        lines.append("• roles: none bound (admins moderate)")
    for key in sorted(ctx.settings):
        lines += setting_lines(key, ctx.settings[key])
    return "\n".join(lines)


def _words(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_words(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ", ".join(_words(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def setting_lines(key: str, value: object) -> list[str]:
    """A stored setting as sentences, not JSON: `vote_types: {"emergency": {...}}` reads as
    "• vote type emergency: duration 24h, rule simple"."""
    name = key.replace("_", " ").replace(".", " ")
    if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        one = name[:-1] if name.endswith("s") else name
        return [f"• {one} {k}: {_words(v) or 'defaults'}" for k, v in sorted(value.items())]
    return [f"• {name}: {_words(value)}"]


def register(reg: Registry) -> None:
    reg.summary("config", "set up channels, roles and the time zone (moderators)")

    @reg.command("config", "show", help="Show this community's settings.", permission="moderator")
    def config_show(ctx: Ctx) -> None:
        ctx.private(show_config(ctx))

    @reg.command(
        "config",
        "channel",
        help="Choose the channel used for a purpose.",
        params=[
            Param("purpose", "choice", positional=True, required=True, choices=PURPOSES),
            Param("channel", "channel", positional=True, required=True, help="the channel"),
        ],
        permission="moderator",
        examples=("config channel votes #governance",),
    )
    def config_channel(ctx: Ctx, purpose: str, channel: str) -> None:
        command, use = PURPOSE_USE[purpose]
        if not purpose_in_use(ctx, purpose):
            what = f"{ctx.prefix}{command}, which is not installed yet" if command else use
            raise UserError(f"the {purpose} channel would do nothing yet: it is for {what}")
        before = repos.channel_for(ctx.db, ctx.community.id or 0, purpose)
        repos.set_channel(ctx.db, ctx.community.id or 0, purpose, channel)
        ctx.audit("config.channel", purpose=purpose, channel=channel, before=before)
        ctx.private(f"✅ The {purpose} channel is now #{channel}: {use}.")

    @reg.command(
        "config",
        "role",
        help="Give a platform role a meaning here: moderator, support, or a named voter group.",
        params=[
            Param("kind", "choice", positional=True, required=True, choices=ROLE_KINDS),
            Param("first", positional=True, required=True, metavar="NAME|ROLE"),
            Param("second", "role", positional=True, metavar="ROLE"),
            Param("remove", "flag", help="remove the binding instead"),
        ],
        permission="moderator",
        examples=("config role moderator @steering", "config role voter-group core @maintainers"),
    )
    def config_role(ctx: Ctx, kind: str, first: str, second: str | None, remove: bool) -> None:
        usage = (
            f"{ctx.prefix}config role moderator|support ROLE, "
            f"or {ctx.prefix}config role voter-group NAME ROLE"
        )
        if kind == "voter-group":
            if second is None:
                raise UserError(f"a voter group needs a name and a role. Usage: {usage}")
            name, role = first.lower(), second
        else:
            if second is not None:
                raise UserError(f"unexpected '{second}'. Usage: {usage}")
            try:
                name, role = "", parse_role(first)
            except MentionError as exc:
                raise UserError(f"{exc}. Usage: {usage}") from None
        cid = ctx.community.id or 0
        label = f"voter group {name}" if name else kind
        problem = None if remove else permissions.role_id_problem(ctx.community.platform, role)
        if problem:
            raise UserError(f"{problem}. Usage: {usage}")
        note = None if remove or name else roles.require(ctx.db, ctx.community, [role], usage)
        if remove:
            if not repos.unbind_role(ctx.db, cid, kind, name, role):
                raise UserError(f"{role} is not bound as {label}")
            ctx.audit("config.role.remove", kind=kind, name=name, role=role)
            ctx.private(f"✅ {role} is no longer bound as {label}.")
            return
        if not repos.bind_role(ctx.db, cid, kind, name, role):
            raise UserError(f"{role} is already bound as {label}")
        ctx.audit("config.role", kind=kind, name=name, role=role)
        warning = ""
        if role.lower() in EVERYONE_ROLES or first.lower() in EVERYONE_ROLES:
            warning = (
                f" ⚠️ That is everyone: every member can now do what a {label} does. "
                f"Undo with `{ctx.prefix}config role {kind} {first} --remove`."
            )
        ctx.private(f"✅ {role} now counts as {label}.{warning}")
        if note:
            ctx.private(note)

    @reg.command(
        "config",
        "timezone",
        help="Set the community's time zone (IANA name), used to read and show times.",
        params=[Param("zone", positional=True, required=True, metavar="AREA/CITY")],
        permission="moderator",
        examples=("config timezone Europe/Berlin",),
    )
    def config_timezone(ctx: Ctx, zone: str) -> None:
        try:
            tz = timeparse.load_zone(zone)
        except timeparse.TimeParseError as exc:
            raise UserError(f"{exc}. Usage: {ctx.prefix}config timezone AREA/CITY") from None
        before = ctx.community.timezone
        ctx.community.timezone = tz.key
        ctx.db.add(ctx.community)
        ctx.audit("config.timezone", zone=tz.key, before=before)
        ctx.private(f"✅ Times are now read and shown in {tz.key}.")
