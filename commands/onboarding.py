"""/onboarding: one welcome DM per person per community when they join, with the
community's own text and links and the commands they can use. The unique row in
onboarding_sent is what makes it once, across restarts and replicas."""

from __future__ import annotations

from typing import Any

from bot.channel_gate import ANY_CHANNEL
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.registry import Registry
from bot.specs import Param
from storage import repos
from storage.contrib_tables import OnboardingSent

MAX_TEXT = 2000
MAX_LINKS = 10
DEMO = [
    "roles alice=admin newcomer=",
    '@alice /config onboarding text "Welcome to the project! Say hello in #general."',
    "@alice /config onboarding link docs https://example.org/docs",
    "@newcomer join",
]


def settings(ctx: Ctx) -> dict[str, Any]:
    return dict(ctx.settings.get("onboarding") or {})


def welcome(ctx: Ctx) -> str | None:
    s = settings(ctx)
    if not s.get("text"):
        return None
    lines = [s["text"]]
    links = s.get("links") or {}
    if links:
        lines.append(
            _("Links: {links}").format(
                links=" · ".join(f"{name}: {url}" for name, url in links.items())
            )
        )
    names = sorted(ctx.registry.summaries)
    lines.append(
        _("Commands you can use: {commands} (`{prefix}help` explains each).").format(
            commands=", ".join(f"{ctx.prefix}{n}" for n in names), prefix=ctx.prefix
        )
    )
    return "\n".join(lines)


def _claim(ctx: Ctx, user_id: str) -> bool:
    """True for the one event that gets to welcome this person."""
    return repos.insert_once(
        ctx.db, OnboardingSent, community_id=ctx.community.id, user_id=user_id, at=ctx.now
    )


def register(reg: Registry) -> None:
    reg.summary("onboarding", "a welcome DM for every newcomer, once")
    reg.demo.extend(DEMO)

    @reg.on("member.joined")
    def on_joined(ctx: Ctx, user_id: str, **_: Any) -> None:
        if settings(ctx).get("off"):
            return
        with ctx.speaking_to(user_id):
            text = welcome(ctx)
        if text is None or not _claim(ctx, user_id):
            return
        ctx.dm(user_id, "👋 " + text)

    @reg.channel_message(ANY_CHANNEL)
    def on_first_message(ctx: Ctx, text: str) -> None:
        # Where the platform sends no join (or Moot missed it), a person's first message in
        # a community channel is their arrival; the same unique row keeps it to one welcome.
        on_joined(ctx, ctx.actor.user_id)

    @reg.command(
        "config",
        "onboarding",
        help="The welcome DM: its text, or a named link (docs, guide, conduct, ...).",
        params=[
            Param("what", "choice", positional=True, required=True, choices=("text", "link")),
            Param("first", positional=True, required=True, metavar='"TEXT"|NAME'),
            Param("url", positional=True, metavar="URL"),
            Param("remove", "flag", help="remove the named link"),
        ],
        permission="moderator",
        examples=(
            'config onboarding text "Welcome! Start with the contribution guide."',
            "config onboarding link guide https://example.org/contributing",
        ),
    )
    def config_onboarding(ctx: Ctx, what: str, first: str, url: str | None, remove: bool) -> None:
        usage = _('Usage: /config onboarding text "TEXT" | link NAME URL [--remove]')
        s = settings(ctx)
        if what == "text":
            text = first.strip()
            if not text or len(text) > MAX_TEXT:
                raise UserError(
                    _("the text must be 1 to {MAX_TEXT} characters. {usage}").format(
                        MAX_TEXT=MAX_TEXT, usage=usage
                    )
                )
            if url:
                raise UserError(
                    _("unexpected '{url}' after the text (quote it). {usage}").format(
                        url=url, usage=usage
                    )
                )
            s["text"] = text
        else:
            name = first.strip().lower()
            links = dict(s.get("links") or {})
            if remove:
                if name not in links:
                    raise UserError(
                        _("there is no link '{name}'. {usage}").format(name=name, usage=usage)
                    )
                links.pop(name)
            else:
                if not url or not url.lower().startswith(("http://", "https://")) or " " in url:
                    raise UserError(
                        _("link {name} needs an http(s) URL. {usage}").format(
                            name=name, usage=usage
                        )
                    )
                if name not in links and len(links) >= MAX_LINKS:
                    raise UserError(
                        _("at most {MAX_LINKS} links. {usage}").format(
                            MAX_LINKS=MAX_LINKS, usage=usage
                        )
                    )
                links[name] = url
            s["links"] = links
        ctx.set_setting("onboarding", s)
        ctx.audit("config.onboarding", what=what)
        ctx.reply(_("👋 Onboarding updated. `/onboarding preview` shows the welcome."))

    @reg.command(
        "onboarding",
        "preview",
        help="See the welcome DM as a newcomer will.",
        permission="moderator",
    )
    def preview(ctx: Ctx) -> None:
        text = welcome(ctx)
        if text is None:
            ctx.private(_('No welcome text yet: `/config onboarding text "..."`.'))
            return
        state = _(" (onboarding is off)") if settings(ctx).get("off") else ""
        ctx.private(_("Preview{state}:\n👋 {text}").format(state=state, text=text))

    @reg.command("onboarding", "off", help="Stop sending welcome DMs.", permission="moderator")
    def off(ctx: Ctx) -> None:
        ctx.set_setting("onboarding", {**settings(ctx), "off": True})
        ctx.audit("onboarding.off")
        ctx.reply(_("👋 Welcome DMs are off."))

    @reg.command("onboarding", "on", help="Send welcome DMs again.", permission="moderator")
    def on(ctx: Ctx) -> None:
        ctx.set_setting("onboarding", {**settings(ctx), "off": False})
        ctx.audit("onboarding.on")
        ctx.reply(_("👋 Welcome DMs are on."))
