"""/config language and /me language: which language Moot speaks. Public posts follow the
community's; a person's DMs and private replies follow theirs, else the community's. Both
are plain settings (the community's settings, the member's personal settings), so no table
of their own."""

from __future__ import annotations

from bot import i18n
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.registry import Registry
from bot.specs import Param
from storage import repos

CHOICES = "|".join(i18n.LANGUAGES)
# Words that hand a person's choice back to the community's.
UNSET = frozenset(("default", "community", "reset", "默认", "社区"))


def name_of(lang: str) -> str:
    """A language as its own speakers call it."""
    return {"en": "English", "zh-Hans": "简体中文"}.get(lang, lang)


def read(text: str, usage: str) -> str:
    lang = i18n.normalize(text)
    if lang is None:
        raise UserError(
            _("'{text}' is not a language Moot speaks; use {choices}. Usage: {usage}").format(
                text=text, choices=", ".join(i18n.LANGUAGES), usage=usage
            )
        )
    return lang


def register(reg: Registry) -> None:
    @reg.command(
        "config",
        "language",
        help="Set the language of the community's public messages (and everyone's default), "
        "or show it.",
        params=[Param("language", positional=True, metavar=CHOICES)],
        permission="moderator",
        examples=("config language zh-Hans", "config language en"),
    )
    def config_language(ctx: Ctx, language: str | None) -> None:
        if not language:
            ctx.private(
                _("This community's language: {language}.").format(
                    language=name_of(ctx.community_lang)
                )
            )
            return
        lang = read(language, ctx.usage("config", "language"))
        before = ctx.community_lang
        ctx.set_setting("language", lang)
        ctx.audit("config.language", language=lang, before=before)
        with i18n.use(ctx.lang_of()):
            ctx.private(
                _("✅ Moot now speaks {language} in this community.").format(
                    language=name_of(lang)
                )
            )

    @reg.command(
        "me",
        "language",
        help="Set the language of your DMs and private replies (default: the community's), "
        "or show it.",
        params=[Param("language", positional=True, metavar=CHOICES + "|default")],
        examples=("me language zh-Hans", "me language default"),
    )
    def me_language(ctx: Ctx, language: str | None) -> None:
        mine = i18n.normalize(ctx.personal().get("language"))
        if not language:
            shown = (
                name_of(mine)
                if mine
                else _("not set (the community's {language} is used)").format(
                    language=name_of(ctx.community_lang)
                )
            )
            ctx.private(_("Your language: {language}.").format(language=shown))
            return
        usage = ctx.usage("me", "language")
        lang = None if language.strip().lower() in UNSET else read(language, usage)
        repos.set_personal_setting(
            ctx.db, ctx.community.id or 0, ctx.actor.user_id, "language", lang, ctx.now
        )
        ctx.audit("me.language", value=lang)
        with i18n.use(lang or ctx.community_lang):
            if lang:
                text = _("✅ Moot now speaks {language} to you.").format(language=name_of(lang))
            else:
                text = _("✅ Moot now speaks the community's language to you ({language}).")
                text = text.format(language=name_of(ctx.community_lang))
            ctx.private(text)
