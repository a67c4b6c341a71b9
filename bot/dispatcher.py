"""One event in, one transaction: de-duplicate, check permission, run the handler, write its
effects to the outbox. A refusal or a crash leaves no state change behind."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from datetime import timedelta
from typing import Literal

from bot import channel_gate, i18n, logctx, metrics, roles
from bot.context import Ctx
from bot.core import Core
from bot.errors import PermissionDenied, UserError
from bot.model import (
    ActionInvoked,
    Address,
    ChannelMessage,
    CommandInvoked,
    InboundEvent,
    MemberJoined,
    MessageActionInvoked,
    MessageReceived,
    Quoted,
    ReactionChanged,
)
from bot.parser import ParseContext, UsageError, parse_command
from bot.permissions import allowed, describe, place_refusal
from storage import repos
from storage.db import is_race
from storage.tables import PostedMessage

log = logging.getLogger("moot.dispatch")

Outcome = Literal["ok", "duplicate", "ignored", "refused", "error"]

APOLOGY = i18n.N_(
    "Sorry, something went wrong on my side and nothing was changed. Please try again."
)
# Platforms retry for minutes (Slack) to hours (Matrix sync replays); a day is generous.
DEDUP_WINDOW = timedelta(days=2)
# A handler that loses a uniqueness or serialisation race to another process is run again
# from the start, up to this many times in all, before the actor hears an apology.
RACE_ATTEMPTS = 5


def emoji_key(key: str) -> str:
    # Clients differ on whether they add the emoji variation selector; compare without it.
    return unicodedata.normalize("NFC", key).replace("\ufe0f", "")


_DOUBLE_STOP = re.compile(r"([?!.？！。])(?:\. |。)(Usage:|用法：)")


def one_sentence(text: str) -> str:
    """A refusal as it is shown: "did you mean Europe/Berlin?. Usage" loses the extra stop."""
    return _DOUBLE_STOP.sub(r"\1 \2", text)


class Dispatcher:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def handle(self, event: InboundEvent) -> Outcome:
        return self.handle_now(event)

    def handle_now(self, event: InboundEvent) -> Outcome:
        started = time.perf_counter()
        platform = event.address.platform
        with logctx.scope(event_id=event.event_id, platform=platform):
            outcome = self._handle(event)
        metrics.event(platform, outcome, time.perf_counter() - started)
        return outcome

    def _handle(self, event: InboundEvent) -> Outcome:
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                return self._handle_once(event)
            except Exception as exc:
                if not is_race(exc) or attempt == RACE_ATTEMPTS:
                    log.exception("handler failed for event %s", event.event_id)
                    self._answer_only(event, APOLOGY)
                    return "error"
                # Another process wrote the same row first: run the whole handler again.
                log.info("event %s lost a race (%s); retrying", event.event_id, type(exc).__name__)
                time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    def _handle_once(self, event: InboundEvent) -> Outcome:
        core = self.core
        platform = event.address.platform
        ctx: Ctx | None = None
        try:
            with core.db.transaction() as s:
                if not repos.mark_processed(s, platform, event.event_id, core.clock.now()):
                    log.debug("duplicate event %s ignored", event.event_id)
                    return "duplicate"
                refusal = place_refusal(event, core.prefix(platform))
                if refusal is not None:
                    if isinstance(event, CommandInvoked):
                        # Said to the actor: in their language (the transaction rolls back).
                        community = core.community(s, platform, event.address.workspace)
                        here = core.ctx(s, community, event.actor, event.address, event)
                        with i18n.use(here.lang_of()):
                            refusal = place_refusal(event, core.prefix(platform))
                        raise PermissionDenied(refusal)
                    return "ignored"
                community = core.community(s, platform, event.address.workspace)
                actor = event.actor
                repos.upsert_member(
                    s,
                    community.id or 0,
                    actor.user_id,
                    display=actor.display,
                    roles=sorted(actor.roles),
                    is_admin=actor.is_admin,
                    now=core.clock.now(),
                    channel=None if event.is_direct else event.address.channel,
                )
                ctx = core.ctx(s, community, actor, event.address, event, event.is_direct)
                # Replies, refusals and parse errors speak the actor's language; public
                # posts switch to the community's (ctx.public()).
                with i18n.use(ctx.lang_of()):
                    routed = self._route(ctx, event)
                core.write_effects(ctx, f"ev:{platform}:{event.event_id}")
            core.committed(ctx)
            return "ok" if routed else "ignored"
        except (UserError, UsageError) as exc:
            log.info("event %s refused: %s", event.event_id, exc)
            self._answer_only(event, one_sentence(str(exc)))
            return "refused"

    def _answer_only(self, event: InboundEvent, text: str) -> None:
        """After a rollback: remember the event and tell the actor privately, nothing else."""
        core = self.core
        platform = event.address.platform
        try:
            with core.db.transaction() as s:
                if not repos.mark_processed(s, platform, event.event_id, core.clock.now()):
                    return
                community = core.community(s, platform, event.address.workspace)
                ctx = core.ctx(s, community, event.actor, event.address, event, event.is_direct)
                if text == APOLOGY:
                    with i18n.use(ctx.lang_of()):
                        text = i18n._(APOLOGY)
                ctx.private(text)
                core.write_effects(ctx, f"ev:{platform}:{event.event_id}")
            core.committed(ctx)
        except Exception:
            log.exception("could not record the refusal of event %s", event.event_id)

    def _route(self, ctx: Ctx, event: InboundEvent) -> bool:
        reg = self.core.registry
        if isinstance(event, CommandInvoked):
            parsed = parse_command(
                reg, event.name, event.args, ParseContext(ctx.now, ctx.zone, ctx.prefix)
            )
            spec = parsed.spec
            if not allowed(ctx.db, ctx.community, ctx.actor, spec.permission):
                raise PermissionDenied(
                    i18n._("{command} is for {who} only").format(
                        command=ctx.prefix + spec.full_name, who=describe(spec.permission)
                    )
                )
            note = roles.check_args(ctx.db, ctx.community, spec, parsed.args, ctx.prefix)
            spec.handler(ctx, **parsed.args)
            if note:
                ctx.private(note)
            return True
        if isinstance(event, ActionInvoked):
            handler = reg.actions.get(event.action)
            if handler is None:
                log.warning("no handler for action %r (event %s)", event.action, event.event_id)
                return False
            posted = self._posted(ctx, event.message)
            ctx.message_ref = posted.ref if posted else None
            handler(ctx, event.value, True)
            return True
        if isinstance(event, MessageActionInvoked):
            handler = reg.message_actions.get(event.action)
            if handler is None or event.target is None:
                return False
            handler(ctx, event.target)
            return True
        if isinstance(event, ReactionChanged):
            named = reg.message_action_emoji.get(emoji_key(event.key))
            if named and event.added and event.target is not None:
                reg.message_actions[named](ctx, event.quoted or Quoted(event.target))
                return True
            posted = self._posted(ctx, event.target)
            if posted is None:
                return False
            ctx.message_ref = posted.ref
            wanted = emoji_key(event.key)
            for choice in posted.choices or []:
                if choice.get("emoji") and emoji_key(choice["emoji"]) == wanted:
                    handler = reg.actions.get(choice["action"])
                    if handler is None:
                        return False
                    handler(ctx, choice["value"], event.added)
                    return True
            kind = (posted.ref or "").split(":")[0]
            if kind in reg.reactions:
                reg.reactions[kind](ctx, posted.ref, event.key, event.added)
                return True
            return False
        if isinstance(event, MessageReceived):
            posted = self._posted(ctx, event.reply_to)
            if posted is None or not posted.ref:
                return False
            kind = posted.ref.split(":")[0]
            if kind not in reg.thread_replies:
                return False
            ctx.message_ref = posted.ref
            reg.thread_replies[kind](ctx, posted.ref, event.text)
            return True
        if isinstance(event, ChannelMessage):
            return channel_gate.route(ctx, event)
        if isinstance(event, MemberJoined):
            hooks = reg.hooks.get("member.joined", [])
            ctx.fire("member.joined", user_id=event.actor.user_id)
            return bool(hooks)
        raise TypeError(f"unknown event type {type(event).__name__}")

    @staticmethod
    def _posted(ctx: Ctx, where: Address | None) -> PostedMessage | None:
        """The bot message an address names (its message, else its thread root)."""
        message = where and (where.message or where.thread)
        if not where or not message:
            return None
        return repos.posted_at(ctx.db, where.platform, where.channel, message)
