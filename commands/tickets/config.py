"""/config ticket: canned replies, support levels and their targets, which roles or people
get which level, support hours and holidays, the open-ticket limit and cooldown, and the
inactivity steps. Moderators only; every change is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from babel.dates import get_day_names

from bot import i18n, roles, timeparse
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.mentions import MentionError, parse_role, parse_user
from bot.registry import Registry
from bot.specs import Param
from commands.tickets import rules, state
from commands.tickets.business_time import HoursError, parse_holiday, parse_hours

WHAT = ("show", "canned", "level", "level-role", "hours", "holiday", "limits", "inactivity")
USAGE = (
    '{p}config ticket canned NAME "TEXT" | level NAME --first-response D --resolution D | '
    'level-role LEVEL @ROLE | hours "Mon-Fri 09:00-17:00" [--zone AREA/CITY] | '
    "holiday DATE | limits [--limit N] [--cooldown D] | inactivity [--warn-after D] "
    "[--close-after D] | show   (--remove undoes canned, level-role, holiday)"
)
MAX_SPAN = timedelta(days=365)
MAX_LEVELS = 20


def _span(value: timedelta | None, what: str, usage: str) -> str | None:
    if value is None:
        return None
    if value <= timedelta(0) or value > MAX_SPAN:
        raise UserError(
            _("{what} must be more than 0 and at most 365d. Usage: {usage}").format(
                what=what, usage=usage
            )
        )
    return timeparse.compact_duration(value)


def register(reg: Registry) -> None:
    @reg.command(
        "config",
        "ticket",
        help="Set up support tickets: canned replies, levels, hours, holidays, limits.",
        params=[
            Param("what", "choice", positional=True, required=True, choices=WHAT),
            Param("args", positional=True, many=True, metavar="ARGS"),
            Param("first_response", "duration", metavar="DURATION"),
            Param("resolution", "duration", metavar="DURATION"),
            Param("zone", metavar="AREA/CITY"),
            Param("limit", "int", metavar="N"),
            Param("cooldown", "duration", metavar="DURATION"),
            Param("warn_after", "duration", metavar="DURATION"),
            Param("close_after", "duration", metavar="DURATION"),
            Param("remove", "flag"),
        ],
        permission="moderator",
        examples=(
            'config ticket canned restart "Please restart the app and try again."',
            "config ticket level premium --first-response 2h --resolution 1d",
            "config ticket level-role premium @sponsors",
            'config ticket hours "Mon-Fri 09:00-17:00" --zone Europe/Berlin',
            "config ticket holiday 2026-12-25",
        ),
    )
    def config_ticket(ctx: Ctx, what: str, args: list[str], remove: bool, **opt: Any) -> None:
        usage = USAGE.format(p=ctx.prefix)
        conf = state.settings(ctx)
        before = dict(conf)
        note = None
        if what == "show":
            ctx.private(_show(ctx))
            return
        if what == "canned":
            if remove:
                name = _one(args, "NAME", usage)
                if name.lower() not in (conf.get("canned") or {}):
                    raise UserError(_("there is no canned reply '{name}'").format(name=name))
                conf["canned"] = {k: v for k, v in conf["canned"].items() if k != name.lower()}
                said = _("canned reply '{name}' removed").format(name=name)
            else:
                if len(args) != 2 or not args[1].strip():
                    raise UserError(
                        _("give a NAME and a quoted TEXT. Usage: {usage}").format(usage=usage)
                    )
                name, text = args[0].lower(), args[1].strip()[: state.MAX_TEXT]
                if not _is_name(name, 40):
                    raise UserError(
                        _(
                            "'{value}' is not a name (letters, digits, - and _). Usage: {usage}"
                        ).format(value=args[0], usage=usage)
                    )
                conf["canned"] = {**(conf.get("canned") or {}), name: text}
                said = _("canned reply '{name}' saved").format(name=name)
        elif what == "level":
            name = _one(args, "NAME", usage).lower()
            if not _is_name(name, 32):
                raise UserError(
                    _("'{name}' is not a level name (letters, digits, - and _)").format(name=name)
                )
            fr = _span(opt.get("first_response"), "--first-response", usage)
            res = _span(opt.get("resolution"), "--resolution", usage)
            known = state.levels(ctx)
            current = known.get(name)
            if current is None:
                if fr is None or res is None:
                    raise UserError(
                        _(
                            "a new level needs --first-response and --resolution. Usage: {usage}"
                        ).format(usage=usage)
                    )
                if len(known) >= MAX_LEVELS:
                    raise UserError(
                        _("there are already {MAX_LEVELS} levels").format(MAX_LEVELS=MAX_LEVELS)
                    )
            elif fr is None and res is None:
                raise UserError(
                    _("give --first-response or --resolution. Usage: {usage}").format(usage=usage)
                )
            else:
                fr = fr or timeparse.compact_duration(current[0])
                res = res or timeparse.compact_duration(current[1])
            assert fr is not None and res is not None
            if timeparse.parse_duration(fr) > timeparse.parse_duration(res):
                raise UserError(_("the first-response target is longer than the resolution target"))
            conf["levels"] = {**(conf.get("levels") or {}), name: [fr, res]}
            said = _(
                "level {name}: first response {first}, resolution {resolution} (business time)"
            ).format(name=name, first=_shown(fr), resolution=_shown(res))
        elif what == "level-role":
            if len(args) != 2:
                raise UserError(
                    _("give a LEVEL and a @role or @user. Usage: {usage}").format(usage=usage)
                )
            level = args[0].lower()
            if level not in state.levels(ctx):
                raise UserError(
                    _("there is no level '{value}' (known: {value2})").format(
                        value=args[0], value2=", ".join(state.levels(ctx))
                    )
                )
            try:
                who = parse_user(args[1]) if args[1].startswith("<@") else parse_role(args[1])
            except MentionError as exc:
                raise UserError(_("{exc}. Usage: {usage}").format(exc=exc, usage=usage)) from None
            mapping = dict(conf.get("level_roles") or {})
            if not remove and not args[1].startswith("<@") and ctx.member(who) is None:
                # A plain @name is a role unless it is a person Moot knows.
                note = roles.require(ctx.db, ctx.community, [who], usage)
            if remove:
                if mapping.get(who) != level:
                    raise UserError(
                        _("{who} is not mapped to {level}").format(who=who, level=level)
                    )
                del mapping[who]
                said = _("{who} no longer gets {level} support").format(who=who, level=level)
            else:
                mapping[who] = level
                said = _("{who} now gets {level} support").format(who=who, level=level)
            conf["level_roles"] = mapping
        elif what == "hours":
            # Quoted or not: `hours Mon-Fri 09:00-17:00` means the same.
            text = _one([" ".join(args)] if args else [], '"HOURS"', usage)
            try:
                hours = parse_hours(text)
            except HoursError as exc:
                raise UserError(_("{exc}. Usage: {usage}").format(exc=exc, usage=usage)) from None
            conf["hours"] = text
            if opt.get("zone"):
                try:
                    conf["zone"] = timeparse.load_zone(opt["zone"]).key
                except timeparse.TimeParseError as exc:
                    raise UserError(
                        _("{exc}. Usage: {usage}").format(exc=exc, usage=usage)
                    ) from None
            said = _("support hours {hours} ({zone})").format(
                hours=hours.describe(_day_names(), i18n.joined),
                zone=conf.get("zone") or ctx.community.timezone,
            )
        elif what == "holiday":
            raw = _one(args, "DATE", usage)
            try:
                day = parse_holiday(raw).isoformat()
            except HoursError as exc:
                raise UserError(_("{exc}. Usage: {usage}").format(exc=exc, usage=usage)) from None
            days = set(conf.get("holidays") or [])
            if remove:
                if day not in days:
                    raise UserError(_("{day} is not a holiday here").format(day=day))
                days.discard(day)
                said = _("{day} is a working day again").format(day=day)
            else:
                if len(days) >= 500:
                    raise UserError(_("500 holidays are set; remove old ones first"))
                days.add(day)
                said = _("{day} is a holiday: the SLA clocks stand still").format(day=day)
            conf["holidays"] = sorted(days)
        elif what == "limits":
            if opt.get("limit") is None and opt.get("cooldown") is None:
                raise UserError(_("give --limit or --cooldown. Usage: {usage}").format(usage=usage))
            if opt.get("limit") is not None:
                if not 0 <= opt["limit"] <= 100:
                    raise UserError(
                        _("--limit is 0 (none) to 100. Usage: {usage}").format(usage=usage)
                    )
                conf["limit"] = opt["limit"]
            if opt.get("cooldown") is not None:
                if opt["cooldown"] < timedelta(0) or opt["cooldown"] > timedelta(days=7):
                    raise UserError(_("--cooldown is 0 to 7d. Usage: {usage}").format(usage=usage))
                conf["cooldown"] = timeparse.compact_duration(opt["cooldown"])
            said = _("open tickets per person {limit}, cooldown {cooldown}").format(
                limit=conf.get("limit", rules.DEFAULT_LIMIT),
                cooldown=_shown(conf.get("cooldown", "5m")),
            )
        else:  # inactivity
            warn = _span(opt.get("warn_after"), "--warn-after", usage)
            after = _span(opt.get("close_after"), "--close-after", usage)
            if warn is None and after is None:
                raise UserError(
                    _("give --warn-after or --close-after. Usage: {usage}").format(usage=usage)
                )
            if warn:
                conf["idle_warn"] = warn
            if after:
                conf["idle_close"] = after
            said = _("waiting tickets are warned after {warn} and closed {close} later").format(
                warn=_shown(conf.get("idle_warn", "3d")), close=_shown(conf.get("idle_close", "2d"))
            )
        state.put_settings(ctx, conf)
        ctx.audit("config.ticket", what=what, before=before, after=conf)
        ctx.private(_("✅ Tickets: {said}.").format(said=said))
        if note:
            ctx.private(note)


def _is_name(text: str, limit: int) -> bool:
    return 0 < len(text) <= limit and text.replace("-", "").replace("_", "").isalnum()


def _one(args: list[str], what: str, usage: str) -> str:
    if len(args) != 1 or not args[0].strip():
        raise UserError(_("give one {what}. Usage: {usage}").format(what=what, usage=usage))
    return args[0].strip()


def _day_names() -> tuple[str, ...]:
    names = get_day_names("abbreviated", locale=i18n.babel_locale())
    return tuple(names[d] for d in range(7))


def _shown(stored: str) -> str:
    """A stored span ("2h") as the reader writes it."""
    return timeparse.format_duration(timeparse.parse_duration(stored))


def _show(ctx: Ctx) -> str:
    conf = state.settings(ctx)
    sched = state.schedule_of(ctx)
    lines = [
        _("Support hours: {hours} ({zone})").format(
            hours=sched.hours.describe(_day_names(), i18n.joined), zone=sched.zone.key
        )
    ]
    if sched.holidays:
        lines.append(
            _("Holidays: {days}").format(
                days=", ".join(sorted(d.isoformat() for d in sched.holidays))
            )
        )
    for name, (fr, res) in state.levels(ctx).items():
        lines.append(
            _("Level {name}: first response {first}, resolution {resolution}").format(
                name=name,
                first=timeparse.format_duration(fr),
                resolution=timeparse.format_duration(res),
            )
        )
    for who, level in sorted((conf.get("level_roles") or {}).items()):
        lines.append(f"{who} → {level}")
    canned = conf.get("canned") or {}
    lines.append(_("Canned replies: {names}").format(names=", ".join(sorted(canned)) or _("none")))
    lines.append(
        _(
            "Open tickets per person: {limit}, cooldown {cooldown}; waiting tickets warned "
            "after {warn}, closed {close} later"
        ).format(
            limit=conf.get("limit", rules.DEFAULT_LIMIT),
            cooldown=_shown(conf.get("cooldown", "5m")),
            warn=_shown(conf.get("idle_warn", "3d")),
            close=_shown(conf.get("idle_close", "2d")),
        )
    )
    return "\n".join(lines)
