"""The Matrix adapter's look-ups and changes beyond sending: fetching a reacted-to message so a
🎫 or 📝 quotes it, and carrying out GrantRole as power levels. The decisions are pure (quote.py,
grants.py); this module only does their I/O through the adapter's HTTP call."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from nio import Api

from adapters.matrix import content as mc
from adapters.matrix import grants, quote
from bot import i18n
from bot.dispatcher import emoji_key
from bot.model import InboundEvent, ReactionChanged

if TYPE_CHECKING:
    from adapters.matrix.adapter import MatrixAdapter

log = logging.getLogger("moot.matrix")


def quote_keys(keys: Iterable[str] | None) -> frozenset[str] | None:
    return None if keys is None else frozenset(emoji_key(k) for k in keys)


def _gone(exc: Exception) -> bool:
    """The server will never show this to us: not a hiccup worth a retry."""
    status, errcode = getattr(exc, "status", 0), getattr(exc, "errcode", "")
    return status in (403, 404) or errcode in ("M_FORBIDDEN", "M_NOT_FOUND")


async def fill_quote(adapter: MatrixAdapter, event: InboundEvent) -> InboundEvent:
    """A reaction that quotes its message (🎫, 📝): the message's text and author, fetched.
    Other reactions (votes, RSVPs) cost no request. A transient failure raises, and the
    inbox tries the event again later."""
    from adapters.matrix.adapter import MatrixError

    if not isinstance(event, ReactionChanged) or not event.added or event.quoted is None:
        return event
    base = event.quoted
    if base.text or base.missing or not base.address.message:
        return event
    if adapter.quote_keys is not None and emoji_key(event.key) not in adapter.quote_keys:
        return event
    method, path = Api.room_get_event(adapter._token, base.address.channel, base.address.message)
    try:
        raw = await adapter._call(method, path)
    except MatrixError as exc:
        if not _gone(exc):
            raise
        log.info("cannot fetch %s for a %s reaction: %s", base.address.message, event.key, exc)
        return replace(event, quoted=quote.unreadable(base))
    return replace(event, quoted=quote.from_event(base, raw, adapter.settings.user_id))


async def grant_role(adapter: MatrixAdapter, user_id: str, role: str, key: str) -> bool:
    """Raise user_id to the role's power level in every community room Moot can change.
    True when they hold it in at least one. Safe to repeat: a level already held is left."""
    from adapters.matrix.adapter import MatrixError

    level = grants.role_level(adapter.settings.role_levels, role)
    if level is None:
        log.warning(
            "role %r has no power level in [matrix.role_levels]; %s was not given it",
            role,
            user_id,
        )
        return False
    held = False
    for room in sorted(adapter.community_rooms()):
        view = adapter.rooms.get(room)
        creators = view.creators if view is not None else frozenset()
        method, path = Api.room_get_state_event(adapter._token, room, "m.room.power_levels")
        try:
            levels = await adapter._call(method, path)
        except MatrixError as exc:
            if not _gone(exc):
                raise
            log.warning("cannot read the power levels of %s: %s", room, exc)
            continue
        plan = grants.plan(levels, adapter.settings.user_id, user_id, role, level, creators)
        if plan.done:
            held = True
        elif plan.problem:
            log.warning("%s (room %s)", plan.problem, room)
            with i18n.use(adapter.community_lang()):  # a public notice: the community's
                shown = grants.plan(
                    levels, adapter.settings.user_id, user_id, role, level, creators
                ).problem
                notice = i18n._("⚠️ {problem}. An admin can raise Moot's level.").format(
                    problem=shown
                )
            body = mc.notice_content(notice)
            try:
                await adapter._put_event(room, "m.room.message", body, f"{key}:nopower:{room}")
            except Exception as exc:  # the log line above already says it all
                log.warning("could not post the notice in %s: %s", room, exc)
        elif plan.content is not None:
            method, path, data = Api.room_put_state(
                adapter._token, room, "m.room.power_levels", plan.content
            )
            try:
                await adapter._call(method, path, data)
            except MatrixError as exc:
                if not _gone(exc):
                    raise
                log.warning("could not give %s the role %r in %s: %s", user_id, role, room, exc)
                continue
            log.info("gave %s the role %r (power level %d) in %s", user_id, role, level, room)
            held = True
    return held
