"""Files on Discord: a message with the file as a multipart attachment (payload_json plus
files[0]), carrying the outbox key's nonce with enforce_nonce, so a retry within Discord's
nonce window returns the first message rather than posting the file again."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord import messages
from bot.files import safe_name
from bot.model import Attachment

__all__ = ["Attachment", "Multipart", "multipart"]


@dataclass(frozen=True)
class Multipart:
    """A request body with files, for DiscordAdapter._request."""

    files: list[discord.File]
    form: list[dict[str, Any]]


def multipart(file: Attachment, key: str) -> Multipart:
    name = safe_name(file.name)
    payload = {
        "content": "",
        "attachments": [{"id": 0, "filename": name}],
        "allowed_mentions": {"parse": []},
        "nonce": messages.nonce(key),
        "enforce_nonce": True,
    }
    attached = discord.File(io.BytesIO(file.data), filename=name)
    form = [
        {"name": "payload_json", "value": json.dumps(payload)},
        {
            "name": "files[0]",
            "value": attached.fp,
            "filename": name,
            "content_type": file.mime or "application/octet-stream",
        },
    ]
    return Multipart([attached], form)
