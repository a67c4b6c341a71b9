"""/config: channels, roles and time zone, for moderators and admins. Every change is
audited."""

from __future__ import annotations

import re

from bot import i18n, permissions, roles, timeparse
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import N_, NP_, _, pgettext
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
    "rfc": ("rfc", N_("where /rfc new opens a proposal's thread when it is typed in a DM")),
    "votes": (
        "vote",
        N_("where a vote started in a DM is posted; a vote started in a channel stays there"),
    ),
    "events": ("event", N_("used by /event")),
    "support": ("ticket", N_("used by /ticket")),
    "support-staff": ("ticket", N_("used by /ticket, for the support team's side")),
    "feedback": ("feedback", N_("used by /feedback")),
    "announcements": ("rfc", N_("named in the communication plan of /rfc assess")),
    "recognition": ("kudos", N_("where /kudos and certification passes are announced")),
}
# Settings and their parts with a name in the reader's language in /config show, as the
# stored key reads ("vote_types" as "vote types"); others show their key.
SETTING_NAMES = frozenset(
    (
        NP_("setting", "language"),
        NP_("setting", "events feed token"),
        NP_("setting", "assess weights"),
        NP_("setting", "feedback"),
        NP_("setting", "kb"),
        NP_("setting", "kudos"),
        NP_("setting", "onboarding"),
        NP_("setting", "rfc review window"),
        NP_("setting", "rfc stale window"),
        NP_("setting", "tickets"),
        NP_("setting", "vote reminders"),
        NP_("setting", "vote type"),
        NP_("setting", "weights"),
        NP_("setting", "categories"),
        NP_("setting", "canned"),
        NP_("setting", "cooldown"),
        NP_("setting", "daily limit"),
        NP_("setting", "duration"),
        NP_("setting", "eligible"),
        NP_("setting", "holidays"),
        NP_("setting", "hours"),
        NP_("setting", "idle close"),
        NP_("setting", "idle warn"),
        NP_("setting", "level roles"),
        NP_("setting", "levels"),
        NP_("setting", "limit"),
        NP_("setting", "links"),
        NP_("setting", "milestone roles"),
        NP_("setting", "milestones"),
        NP_("setting", "off"),
        NP_("setting", "quorum"),
        NP_("setting", "reply"),
        NP_("setting", "rfc threshold"),
        NP_("setting", "rule"),
        NP_("setting", "suggest every"),
        NP_("setting", "text"),
        NP_("setting", "zone"),
    )
)
# A role that would make everyone a moderator (or support): allowed, but said out loud.
EVERYONE_ROLES = frozenset(("everyone", "@everyone", "here", "@here", "channel", "room"))


def purpose_in_use(ctx: Ctx, purpose: str) -> bool:
    command = PURPOSE_USE[purpose][0]
    return command is not None and command in ctx.registry.commands


def show_config(ctx: Ctx) -> str:
    c = ctx.community
    lines = [
        _("Settings for this community ({platform} {workspace}):").format(
            platform=c.platform, workspace=c.workspace
        ),
        _("• time zone: {zone}").format(zone=c.timezone),
    ]
    channels = repos.channel_purposes(ctx.db, c.id or 0)
    for purpose in PURPOSES:
        where = channels.get(purpose)
        shown = "#" + where if where else _("(not set)")
        lines.append(_("• {purpose} channel: {where}").format(purpose=purpose, where=shown))
    bindings = repos.role_bindings(ctx.db, c.id or 0)
    if bindings:
        for b in bindings:
            label = f"voter-group {b.name}" if b.kind == "voter-group" else b.kind
            lines.append(_("• {label} role: {role}").format(label=label, role=b.role))
    else:
        lines.append(_("• roles: none bound (admins moderate)"))
    for key in sorted(ctx.settings):
        lines += setting_lines(key, ctx.settings[key])
    return "\n".join(lines)


_STORED_SPAN = re.compile(r"\d+[wdhms](?: \d+[dhms])*")


def setting_name(key: str) -> str:
    """A stored setting's key ("vote_types", "rfc.review_window") as the reader names it."""
    shown = key.replace("_", " ").replace(".", " ")
    return pgettext("setting", shown) if shown in SETTING_NAMES else shown


def _words(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{setting_name(k)} {_words(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return i18n.joined([_words(v) for v in value]) or _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return stored_text(str(value))


def stored_text(value: str) -> str:
    """A stored value as shown: a span ("1d 3h") as the reader writes it (English reads
    the same), anything else as it is."""
    if _STORED_SPAN.fullmatch(value):
        return timeparse.format_duration(timeparse.parse_duration(value))
    return value


def setting_lines(key: str, value: object) -> list[str]:
    """A stored setting as sentences, not JSON: `vote_types: {"emergency": {...}}` reads as
    "• vote type emergency: duration 24h, rule simple"."""
    name = setting_name(key)
    if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        one = setting_name(key[:-1] if key.endswith("s") else key)
        return [f"• {one} {k}: {_words(v) or _('defaults')}" for k, v in sorted(value.items())]
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
            what = (
                _("{command}, which is not installed yet").format(command=ctx.prefix + command)
                if command
                else _(use)
            )
            raise UserError(
                _("the {purpose} channel would do nothing yet: it is for {what}").format(
                    purpose=purpose, what=what
                )
            )
        before = repos.channel_for(ctx.db, ctx.community.id or 0, purpose)
        repos.set_channel(ctx.db, ctx.community.id or 0, purpose, channel)
        ctx.audit("config.channel", purpose=purpose, channel=channel, before=before)
        ctx.private(
            _("✅ The {purpose} channel is now #{channel}: {use}.").format(
                purpose=purpose, channel=channel, use=_(use)
            )
        )

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
        usage = _("{first}, or {second}").format(
            first=f"{ctx.prefix}config role moderator|support ROLE",
            second=f"{ctx.prefix}config role voter-group NAME ROLE",
        )
        with_usage = _("{problem}. Usage: {usage}")
        if kind == "voter-group":
            if second is None:
                problem = _("a voter group needs a name and a role")
                raise UserError(with_usage.format(problem=problem, usage=usage))
            name, role = first.lower(), second
        else:
            if second is not None:
                problem = _("unexpected '{text}'").format(text=second)
                raise UserError(with_usage.format(problem=problem, usage=usage))
            try:
                name, role = "", parse_role(first)
            except MentionError as exc:
                raise UserError(with_usage.format(problem=exc, usage=usage)) from None
        cid = ctx.community.id or 0
        label = _("voter group {name}").format(name=name) if name else kind
        problem = None if remove else permissions.role_id_problem(ctx.community.platform, role)
        if problem:
            raise UserError(with_usage.format(problem=problem, usage=usage))
        note = None if remove or name else roles.require(ctx.db, ctx.community, [role], usage)
        if remove:
            if not repos.unbind_role(ctx.db, cid, kind, name, role):
                raise UserError(_("{role} is not bound as {label}").format(role=role, label=label))
            ctx.audit("config.role.remove", kind=kind, name=name, role=role)
            ctx.private(
                _("✅ {role} is no longer bound as {label}.").format(role=role, label=label)
            )
            return
        if not repos.bind_role(ctx.db, cid, kind, name, role):
            raise UserError(_("{role} is already bound as {label}").format(role=role, label=label))
        ctx.audit("config.role", kind=kind, name=name, role=role)
        warning = ""
        if role.lower() in EVERYONE_ROLES or first.lower() in EVERYONE_ROLES:
            warning = " " + _(
                "⚠️ That is everyone: every member can now do what a {label} does. "
                "Undo with `{command}`."
            ).format(label=label, command=f"{ctx.prefix}config role {kind} {first} --remove")
        ctx.private(_("✅ {role} now counts as {label}.").format(role=role, label=label) + warning)
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
            raise UserError(
                _("{problem}. Usage: {usage}").format(
                    problem=exc, usage=ctx.usage("config", "timezone")
                )
            ) from None
        before = ctx.community.timezone
        ctx.community.timezone = tz.key
        ctx.db.add(ctx.community)
        ctx.audit("config.timezone", zone=tz.key, before=before)
        ctx.private(_("✅ Times are now read and shown in {zone}.").format(zone=tz.key))
