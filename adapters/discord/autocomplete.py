"""Autocomplete for ids being typed (`/vote cast id:`, `/rfc show rfc:`), answered from the
database within the interaction's 3 seconds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from adapters.discord import tree
from adapters.discord.events import PLATFORM
from storage import repos
from storage.db import Database
from storage.rfc_tables import Rfc
from storage.vote_tables import Vote

SUGGESTIONS_MAX = 25


def suggestions(db: Database, guild_id: str, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Suggestions for an id being typed: open votes first, then recent ones; RFCs."""
    name, _sub, given = tree.invoked(data)
    found = tree.focused(given)
    if found is None:
        return []
    kind = next(
        (k for (cmd, param), k in tree.AUTOCOMPLETE.items() if cmd == name and param == found[0]),
        None,
    )
    typed = found[1].strip().lower().lstrip("#")
    out: list[dict[str, Any]] = []
    with db.transaction() as s:
        found = repos.find_community(s, PLATFORM, guild_id)
        community = found.id if found is not None else None
        if community is None or kind is None:
            return []
        if kind == "vote":
            rows = s.execute(
                select(Vote.id, Vote.question, Vote.status)
                .where(Vote.community_id == community)
                .order_by((Vote.status != "open"), Vote.id.desc())
                .limit(500)
            ).all()
            for vid, question, status in rows:
                label = f"#{vid} {question}" + ("" if status == "open" else f" ({status})")
                if typed in str(vid) or typed in question.lower():
                    out.append({"name": label[:100], "value": int(vid)})
        else:
            rows = s.execute(
                select(Rfc.number, Rfc.title, Rfc.stage)
                .where(Rfc.community_id == community)
                .order_by(Rfc.number.desc())
                .limit(500)
            ).all()
            for number, title, stage in rows:
                ref = f"RFC-{number}"
                if typed in ref.lower() or typed in title.lower():
                    out.append({"name": f"{ref} {title} ({stage})"[:100], "value": ref})
    return out[:SUGGESTIONS_MAX]
