"""Files sent with a message (Send.files): kept in the outbox as base64, fitted to what a
platform can take, and named safely. Pure: no I/O."""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import replace
from typing import Any

from bot.i18n import _
from bot.model import Attachment, Capabilities, Send

# Every platform Moot speaks takes at least this much (Discord's smallest limit is 10 MiB);
# a capability's file is a calendar or an export, far below it.
MAX_BYTES = 8 * 1024 * 1024
MAX_NAME = 100

_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_name(name: str) -> str:
    """A file name no platform or disk can read as a path: the last part only, no control
    or separator characters, no leading dot, bounded length."""
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        keep = MAX_NAME - len(ext) - 1 if dot and len(ext) < 10 else MAX_NAME
        name = (stem[:keep] + dot + ext) if dot and len(ext) < 10 else name[:MAX_NAME]
    return name or "file"


def attachment(name: str, mime: str, data: bytes) -> Attachment:
    """A file as the core sends it; a file over the limit is a programming error, not input."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"{name} is {len(data)} bytes; files are at most {MAX_BYTES}")
    return Attachment(safe_name(name), mime or "application/octet-stream", data)


def encode(files: tuple[Attachment, ...]) -> list[dict[str, Any]]:
    return [
        {"name": f.name, "mime": f.mime, "data": base64.b64encode(f.data).decode("ascii")}
        for f in files
    ]


def decode(items: list[dict[str, Any]] | None) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(str(d["name"]), str(d["mime"]), base64.b64decode(d["data"])) for d in items or ()
    )


def fit(msg: Send, caps: Capabilities) -> Send:
    """Files never go ephemeral (no platform keeps a file only one person sees in a channel),
    so a private answer with files becomes a DM. Where the adapter takes no files, the text
    says which were left out rather than dropping them silently."""
    if not msg.files:
        return msg
    if not caps.files:
        names = ", ".join(f.name for f in msg.files)
        note = _("📎 Not attached here: {names}").format(names=names)
        return replace(msg, files=(), text=f"{msg.text}\n{note}")
    if msg.visibility == "ephemeral":
        return replace(msg, visibility="dm")
    return msg
