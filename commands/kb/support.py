"""Questions typed in the support channel (not tickets): up to three private suggestions
from the knowledge base, at most one set per person per window (`/kb suggestions`), so a
conversation there is not answered by the bot at every line. Support staff answer there;
they get none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot import timeparse
from bot.context import Ctx
from bot.errors import UserError
from bot.i18n import _
from bot.permissions import is_support
from bot.registry import Registry
from bot.specs import Param
from commands.kb import rules
from storage.kb_tables import KbSuggestion

DEFAULT_EVERY = timedelta(minutes=10)
LONGEST = timedelta(days=30)
CONTEXT = "support:"


def window(ctx: Ctx) -> timedelta | None:
    """How long after one set of suggestions a person gets none; None: suggestions off."""
    conf: dict[str, Any] = ctx.settings.get("kb") or {}
    if "suggest_every" not in conf:
        return DEFAULT_EVERY
    seconds = conf["suggest_every"]
    return None if seconds is None else timedelta(seconds=int(seconds))


def recently_suggested(ctx: Ctx, user_id: str, since: timedelta) -> bool:
    last = ctx.db.execute(
        select(KbSuggestion.at)
        .where(
            KbSuggestion.community_id == (ctx.community.id or 0),
            KbSuggestion.user_id == user_id,
            KbSuggestion.at > ctx.now - since,
        )
        .order_by(KbSuggestion.at.desc())
        .limit(1)
    ).first()
    return last is not None


def register(reg: Registry, suggest: Any) -> None:
    @reg.channel_message("support")
    def on_support_message(ctx: Ctx, text: str) -> None:
        every = window(ctx)
        if every is None or not text.strip() or is_support(ctx.db, ctx.community, ctx.actor):
            return
        if recently_suggested(ctx, ctx.actor.user_id, every):
            return
        # A long question still gets suggestions: its first words are what is searched.
        question = text.strip()[: rules.MAX_QUERY]
        suggest(ctx, question, user_id=ctx.actor.user_id, context=CONTEXT + ctx.address.channel)

    @reg.command(
        "kb",
        "suggestions",
        help="How often someone asking in the support channel gets knowledge-base "
        "suggestions (at most once per DURATION each), or off.",
        params=[Param("every", positional=True, required=True, metavar="DURATION|off")],
        permission="moderator",
        examples=("kb suggestions 30m", "kb suggestions off"),
    )
    def kb_suggestions(ctx: Ctx, every: str) -> None:
        usage = ctx.usage("kb", "suggestions")
        conf = dict(ctx.settings.get("kb") or {})
        if every.strip().lower() == "off":
            conf["suggest_every"] = None
            said = _("Questions in the support channel get no suggestions now.")
        else:
            try:
                span = timeparse.parse_duration(timeparse.ascii_digits(every.strip()))
            except timeparse.TimeParseError as exc:
                raise UserError(
                    _("{problem}. Usage: {usage}").format(problem=exc, usage=usage)
                ) from None
            if not timedelta(minutes=1) <= span <= LONGEST:
                raise UserError(
                    _("give 1m to 30d, or off, not '{every}'. Usage: {usage}").format(
                        every=every, usage=usage
                    )
                )
            conf["suggest_every"] = int(span.total_seconds())
            said = _(
                "Questions in the support channel get suggestions, at most once per "
                "{span} per person."
            ).format(span=timeparse.format_duration(span))
        ctx.set_setting("kb", conf)
        ctx.audit("kb.suggestions", every=conf["suggest_every"])
        ctx.private(_("✅ {said}").format(said=said))
