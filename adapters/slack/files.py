"""Files on Slack, by the upload flow that replaced files.upload: files.getUploadURLExternal
gives an upload URL and a file id, the bytes are POSTed there, and
files.completeUploadExternal shares the file in a channel (and thread).

Slack has no idempotency key for uploads, so the file id is kept (KeyValue, by outbox key)
before the share is completed: a retry after a crash asks files.info whether that file is
already shared there and only uploads again if not."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.adapter import PermanentFailure, Target
from bot.files import safe_name
from bot.model import Attachment
from storage import repos
from storage.db import Database

log = logging.getLogger("moot.slack")

NAMESPACE = "slack.upload"
# What Slack answers when the app lacks files:write (or files:read for the retry check).
SCOPE_ERRORS = frozenset({"missing_scope", "not_allowed_token_type", "no_permission"})

Call = Callable[..., Awaitable[Any]]


def shared_in(info: dict[str, Any], channel: str) -> bool:
    """Whether a files.info answer shows the file shared in the channel (public, private or
    a DM: Slack lists them under different keys)."""
    f = info.get("file") or {}
    places = {*f.get("channels", ()), *f.get("groups", ()), *f.get("ims", ())}
    shares = f.get("shares") or {}
    for kind in ("public", "private"):
        places.update((shares.get(kind) or {}).keys())
    return channel in places


class Uploader:
    def __init__(self, call: Call, db: Database, timeout: float = 60.0) -> None:
        self.call = call
        self.db = db
        self.timeout = timeout

    def _state(self, key: str) -> dict[str, Any]:
        with self.db.transaction() as s:
            return repos.kv_get(s, NAMESPACE, key) or {}

    def _save(self, key: str, value: dict[str, Any]) -> None:
        with self.db.transaction() as s:
            repos.kv_put(s, NAMESPACE, key, value)

    async def upload(self, target: Target, file: Attachment, key: str) -> None:
        state = self._state(key)
        if state.get("done"):
            return
        if state.get("file_id") and await self._already_shared(state["file_id"], target.channel):
            self._save(key, {**state, "done": True})
            return
        name = safe_name(file.name)
        try:
            got = await self.call(
                "files_getUploadURLExternal", filename=name, length=len(file.data)
            )
        except Exception as exc:
            if any(e in str(exc) for e in SCOPE_ERRORS):
                raise PermanentFailure(
                    f"slack cannot send {name}: the app needs the files:write scope"
                ) from None
            raise
        file_id, url = str(got.get("file_id") or ""), str(got.get("upload_url") or "")
        if not file_id or not url:
            raise RuntimeError("slack files.getUploadURLExternal gave no upload URL")
        self._save(key, {"file_id": file_id, "channel": target.channel})
        await self._post_bytes(url, file)
        kw: dict[str, Any] = {
            "files": [{"id": file_id, "title": name}],
            "channel_id": target.channel,
        }
        if target.thread:
            kw["thread_ts"] = target.thread
        await self.call("files_completeUploadExternal", **kw)
        self._save(key, {"file_id": file_id, "channel": target.channel, "done": True})
        log.info("slack: shared %s (%d bytes) in %s", name, len(file.data), target.channel)

    async def _already_shared(self, file_id: str, channel: str) -> bool:
        try:
            info = await self.call("files_info", file=file_id)
        except Exception as exc:
            # Without files:read the check cannot be made; a second copy of a file beats
            # none, so the upload goes ahead.
            log.warning("slack files.info for %s failed (%s); uploading again", file_id, exc)
            return False
        return shared_in(dict(info.data if hasattr(info, "data") else info), channel)

    async def _post_bytes(self, url: str, file: Attachment) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=file.data, headers={"Content-Type": file.mime}) as resp,
        ):
            if resp.status != 200:
                body = (await resp.text())[:200]
                raise RuntimeError(f"slack file upload answered {resp.status}: {body}")
