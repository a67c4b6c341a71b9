"""Files on Matrix: the bytes go to the media repository (POST /_matrix/media/v3/upload),
then an m.file message names the mxc:// URI. The message is sent with the outbox key's
transaction id, so a retry is the same event; the URI is kept by key, so a retry does not
upload the bytes a second time either."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from bot.adapter import PermanentFailure, RetryAfter
from bot.files import safe_name
from bot.model import Attachment
from storage import repos
from storage.db import Database

__all__ = ["Attachment", "file_content", "media_uri", "safe_name"]

NAMESPACE = "matrix.upload"
UPLOAD_PATH = "/_matrix/media/v3/upload"
NO_MENTIONS: dict[str, Any] = {}


def file_content(name: str, file: Attachment, uri: str, thread: str | None) -> dict[str, Any]:
    content: dict[str, Any] = {
        "msgtype": "m.file",
        "body": name,
        "filename": name,
        "url": uri,
        "info": {"mimetype": file.mime, "size": len(file.data)},
        "m.mentions": NO_MENTIONS,
    }
    if thread:
        content["m.relates_to"] = {
            "rel_type": "m.thread",
            "event_id": thread,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": thread},
        }
    return content


async def media_uri(db: Database, client: Any, token: str, file: Attachment, key: str) -> str:
    """The file's mxc:// URI: uploaded once per outbox key (client: nio's AsyncClient)."""
    with db.transaction() as s:
        known = repos.kv_get(s, NAMESPACE, key)
    if known and known.get("uri"):
        return str(known["uri"])
    name = safe_name(file.name)
    path = f"{UPLOAD_PATH}?filename={urllib.parse.quote(name)}"
    headers = {"Content-Type": file.mime, "Authorization": f"Bearer {token}"}
    resp = await client.send("POST", path, file.data, headers=headers)
    try:
        text = await resp.text()
    finally:
        resp.release()
    try:
        answer = json.loads(text) if text else {}
    except ValueError:
        answer = {"error": text[:200]}
    status = resp.status
    uri = str(answer.get("content_uri") or "")
    detail = f"matrix media upload {status} {answer.get('errcode', '')}: {answer.get('error', '')}"
    if status == 429:
        raise RetryAfter((answer.get("retry_after_ms") or 1000) / 1000, detail)
    if status in (400, 401, 403, 413):  # refused, or too large (M_TOO_LARGE): for good
        raise PermanentFailure(detail)
    if status != 200 or not uri.startswith("mxc://"):
        raise RuntimeError(detail)
    with db.transaction() as s:
        repos.kv_put(s, NAMESPACE, key, {"uri": uri})
    return uri
