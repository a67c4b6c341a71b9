"""Guild scheduled events: a Moot event's copy in the server's Events list (MirrorEvent),
made by POST, changed by PATCH, removed by DELETE /guilds/{g}/scheduled-events[/{id}].

Made exactly once: the copy's id is kept (kv discord.calendar), and every copy carries a
marker line in its description, so a crash between Discord making it and Moot keeping its
id is found again by listing the guild's events instead of making a second one."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from bot.adapter import PermanentFailure
from bot.model import MirrorEvent
from storage import repos
from storage.db import Database

log = logging.getLogger("moot.discord")

NS = "discord.calendar"  # "guild:event:12" -> {"id": scheduled event id} or {"gone": true}
GUILD_ONLY, EXTERNAL = 2, 3
NAME_MAX, LOCATION_MAX, DESCRIPTION_MAX = 100, 100, 1000
UNKNOWN_EVENT = 10070
PATH = "/guilds/{guild_id}/scheduled-events"


def marker(source: str) -> str:
    """The line that names the Moot event a copy belongs to ("event:12" -> "Moot event #12")."""
    kind, _, number = source.partition(":")
    return f"Moot {kind} #{number}"


def body(event: MirrorEvent, link: str) -> dict[str, Any]:
    """An EXTERNAL event (no voice channel): its place, else the link to its message."""
    tag = marker(event.source)
    text = " ".join(event.description.split())
    room = DESCRIPTION_MAX - len(tag) - 2
    text = (text[: room - 1] + "…") if len(text) > room else text
    location = event.where.strip() or link or "Discord"
    if len(location) > LOCATION_MAX:
        location = location[: LOCATION_MAX - 1] + "…"
    name = " ".join(event.title.split()) or "Event"
    return {
        "name": name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…",
        "privacy_level": GUILD_ONLY,
        "entity_type": EXTERNAL,
        "entity_metadata": {"location": location},
        "scheduled_start_time": event.starts_at,
        "scheduled_end_time": event.ends_at,
        "description": f"{text}\n\n{tag}" if text else tag,
    }


def find(listed: list[dict[str, Any]], source: str) -> str | None:
    """The copy of this event among the guild's scheduled events, by its marker line."""
    tag = marker(source)
    for item in listed:
        lines = str(item.get("description") or "").splitlines()
        if lines and lines[-1].strip() == tag:
            return str(item["id"])
    return None


class _Rest(Protocol):
    async def _request(self, method: str, path: str, body: Any = None, **params: Any) -> Any: ...


async def mirror(
    rest: _Rest, db: Database, event: MirrorEvent, now: datetime, link: str
) -> None:
    """Bring the guild's copy in line with the event. A refusal (no Manage Events, a start
    Discord will not take) is logged and left: the Moot event stands without its copy."""
    key = f"{event.workspace}:{event.source}"
    with db.transaction() as s:
        known = repos.kv_get(s, NS, key) or {}
    if known.get("gone"):
        return
    g = {"guild_id": event.workspace}
    try:
        sid = known.get("id")
        if sid is None:
            if event.cancelled:
                return
            sid = find(await rest._request("GET", PATH, **g) or [], event.source)
            if sid is None:
                if datetime.fromisoformat(event.starts_at) <= now:
                    log.info("%s starts in the past; no scheduled event made", event.source)
                    return
                made = await rest._request("POST", PATH, body(event, link), **g)
                _keep(db, key, {"id": str(made["id"])})
                log.info("scheduled event %s made for %s", made["id"], event.source)
                return
            _keep(db, key, {"id": sid})
        one = PATH + "/{event_id}"
        if event.cancelled:
            try:
                await rest._request("DELETE", one, **g, event_id=sid)
            except PermanentFailure as exc:
                if getattr(exc, "code", 0) != UNKNOWN_EVENT:
                    raise
            _keep(db, key, {"id": sid, "gone": True})
            log.info("scheduled event %s removed with %s", sid, event.source)
            return
        try:
            await rest._request("PATCH", one, body(event, link), **g, event_id=sid)
        except PermanentFailure as exc:
            if getattr(exc, "code", 0) != UNKNOWN_EVENT:
                raise
            # Someone deleted it in Discord: that choice is kept, no copy is made again.
            _keep(db, key, {"id": sid, "gone": True})
            log.info("scheduled event %s of %s was deleted in Discord", sid, event.source)
    except PermanentFailure as exc:
        hint = " (Moot needs Manage Events)" if getattr(exc, "status", 0) == 403 else ""
        log.warning(
            "could not mirror %s as a scheduled event in guild %s%s: %s",
            event.source, event.workspace, hint, exc,
        )  # fmt: skip


def _keep(db: Database, key: str, value: dict[str, Any]) -> None:
    with db.transaction() as s:
        repos.kv_put(s, NS, key, value)
