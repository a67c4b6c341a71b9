"""/me: personal settings, kept per member of a community (storage.personal_tables) so any
capability can read them: the time zone every private time is shown in, and whether event
reminders come at all."""

from __future__ import annotations

from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.registry import Registry
from bot.specs import Param
from bot.timeparse import TimeParseError, format_when, load_zone
from storage import repos


def _set(ctx: Ctx, key: str, value: object) -> None:
    repos.set_personal_setting(
        ctx.db, ctx.community.id or 0, ctx.actor.user_id, key, value, ctx.now
    )
    ctx.audit(f"me.{key}", value=value)


def register(reg: Registry) -> None:
    reg.summary("me", "your personal settings: time zone, reminders")

    @reg.command(
        "me",
        "timezone",
        help="Set the time zone Moot shows you times in (an IANA name), or show it.",
        params=[Param("zone", positional=True, rest=True, metavar="IANA")],
        examples=("me timezone Europe/Berlin", "me timezone America/New_York"),
    )
    def me_timezone(ctx: Ctx, zone: str | None) -> None:
        if not zone or not zone.strip():
            current = ctx.personal().get("timezone")
            shown = current or _("not set (the community's {zone} is used)").format(
                zone=ctx.zone.key
            )
            ctx.private(_("Your time zone: {zone}.").format(zone=shown))
            return
        try:
            loaded = load_zone(zone)
        except TimeParseError as exc:
            problem = str(exc).rstrip(".")
            end = "" if problem.endswith(("?", "？")) else "."
            usage = ctx.usage("me", "timezone")
            raise UserError(
                _("{problem}{end} Usage: {usage}").format(problem=problem, end=end, usage=usage)
            ) from None
        _set(ctx, "timezone", loaded.key)
        ctx.private(
            _("✅ Your time zone is now {zone}; it is {when} there.").format(
                zone=loaded.key, when=format_when(ctx.now, loaded)
            )
        )

    @reg.command(
        "me",
        "reminders",
        help="Turn event reminders to you off or on (going and maybe alike).",
        params=[Param("state", "choice", positional=True, required=True, choices=("off", "on"))],
        examples=("me reminders off",),
    )
    def me_reminders(ctx: Ctx, state: str) -> None:
        _set(ctx, "reminders", state == "on")
        ctx.private(
            _("✅ Event reminders are on.")
            if state == "on"
            else _("✅ No more event reminders to you.")
        )

    @reg.command(
        "me",
        "notifications",
        help="Turn the DMs about feedback you sent or back off or on.",
        params=[
            Param("kind", "choice", positional=True, required=True, choices=("feedback",)),
            Param("state", "choice", positional=True, required=True, choices=("off", "on")),
        ],
        examples=("me notifications feedback off",),
    )
    def me_notifications(ctx: Ctx, kind: str, state: str) -> None:
        _set(ctx, f"notify_{kind}", state == "on")
        ctx.private(
            _("✅ You will hear when feedback you sent or back moves.")
            if state == "on"
            else _("✅ No more DMs about feedback you sent or back.")
        )
