"""Direct messages Discord refused because the person has DMs from the server closed (JSON
error 50007), with no interaction of theirs to answer privately through (a reminder, a
receipt sent after the token expired).

The message is held in the database, not in memory, and a public notice in the channel names
the person with a button whose custom_id is static (`moot:held:<user id>`): pressed by that
person, on any message ever posted, before or after a restart, it shows them what is held,
ephemerally; anyone else pressing it is refused. Nothing of the held text is in the notice.
One notice stands per person while something is held for them."""

from __future__ import annotations

from typing import Any

from adapters.discord import messages
from bot import i18n
from bot.i18n import N_, _
from storage import repos
from storage.db import Database

NS_HELD = "discord.held"  # user id -> {"messages": [{key, body}], "notice": {channel, message}}
HELD_MAX = 20
PREFIX = "moot:held:"
SHOW = N_("Show it to me")
NOT_YOURS = N_(
    "⚠️ This button opens a message held for the person the notice names; only they can "
    "read it. Nothing is held for you here."
)
NOTHING = N_("Nothing is held for you any more: it was shown to you already.")
DMS_CLOSED = N_("I could not send you a direct message (your DMs from this server are closed):")


def custom_id(user: str) -> str:
    return f"{PREFIX}{user}"


def held_for(cid: str | None) -> str | None:
    """The user a notice's button is for, None when the custom_id is not a notice's."""
    if not cid or not cid.startswith(PREFIX):
        return None
    user = cid[len(PREFIX) :]
    return user if user.isascii() and user.isdigit() else None


def notice(user: str, lang: str | None = None) -> dict[str, Any]:
    """The public notice: the person by id (never by a display name someone chose), only
    them pinged; in `lang`, the community's."""
    with i18n.use(lang):
        content = _(
            "<@{user}>, I could not send you a direct message: your DMs from this server are "
            "closed. Press the button to read it here; only you will see it."
        ).format(user=user)
        label = _(SHOW)
    return {
        "content": content,
        "embeds": [],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": label, "custom_id": custom_id(user)}
                ],
            }
        ],
        "allowed_mentions": {"parse": [], "users": [user], "roles": [], "replied_user": False},
    }


def read_notice(user: str, lang: str | None = None) -> dict[str, Any]:
    """The notice once its messages were shown: the button gone, nobody pinged again."""
    with i18n.use(lang):
        content = _("<@{user}> has read the message held for them.").format(user=user)
    return {
        "content": content,
        "components": [],
        "allowed_mentions": {"parse": [], "users": [], "roles": [], "replied_user": False},
    }


def with_reason(body: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """The held message as shown: why it is here, then what it says."""
    with i18n.use(lang):
        text = f"{_(DMS_CLOSED)}\n{body.get('content', '')}"
    return dict(body, content=text[: messages.CONTENT_MAX])


def _items(value: dict[str, Any] | None) -> list[dict[str, Any]]:
    # Rows written before notices held bare message bodies.
    raw = (value or {}).get("messages", [])
    return [m if "body" in m else {"key": "", "body": m} for m in raw]


def hold(db: Database, user: str, key: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """Keep the message (once per outbox key, so a retried row is not held twice). Returns
    the notice already standing for the person, if any."""
    with db.transaction() as s:
        value = repos.kv_get(s, NS_HELD, user) or {}
        items = _items(value)
        if not key or all(m["key"] != key for m in items):
            items = [*items, {"key": key, "body": body}][-HELD_MAX:]
        repos.kv_put(s, NS_HELD, user, {**value, "messages": items})
        standing = value.get("notice")
        return dict(standing) if standing else None


def noted(db: Database, user: str, channel: str, message_id: str) -> None:
    with db.transaction() as s:
        value = repos.kv_get(s, NS_HELD, user) or {}
        value["notice"] = {"channel": channel, "message": message_id}
        repos.kv_put(s, NS_HELD, user, value)


def take(db: Database, user: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """What is held for the person (emptied), and the notice that announced it."""
    with db.transaction() as s:
        value = repos.kv_get(s, NS_HELD, user)
        if not value:
            return [], None
        items = _items(value)
        repos.kv_put(s, NS_HELD, user, {"messages": []})
        standing = value.get("notice")
        return [m["body"] for m in items], (dict(standing) if standing else None)


def put_back(db: Database, user: str, bodies: list[dict[str, Any]]) -> None:
    """Messages that could not be shown after all: held again, ahead of newer ones."""
    if not bodies:
        return
    with db.transaction() as s:
        value = repos.kv_get(s, NS_HELD, user) or {}
        again = [{"key": "", "body": b} for b in bodies]
        repos.kv_put(s, NS_HELD, user, {**value, "messages": [*again, *_items(value)][-HELD_MAX:]})
