"""What the Matrix adapter keeps in the database so a restart loses nothing: the session
(access token + device id, for transaction-id idempotency), the sync token, reactions (to undo
them on redaction), direct rooms, rooms already told that encryption is unsupported, and the
member directory the core's rosters read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from adapters.matrix.events import DIRECTORY_ROLES
from storage import repos, role_tables
from storage.db import Database
from storage.tables import KeyValue, Member

NS_SESSION = "matrix.session"
NS_SYNC = "matrix.sync"
NS_REACTION = "matrix.reaction"
NS_DIRECT = "matrix.direct"  # room id -> the other person
NS_DM = "matrix.dm"  # user id -> their direct room
NS_E2EE = "matrix.e2ee"


class MatrixStore:
    def __init__(self, db: Database, account: str) -> None:
        self.db = db
        self.account = account  # the bot's user id: one store can serve two bot accounts

    def _get(self, ns: str, key: str) -> dict[str, Any] | None:
        with self.db.transaction() as s:
            return repos.kv_get(s, ns, key)

    def _put(self, ns: str, key: str, value: dict[str, Any]) -> None:
        with self.db.transaction() as s:
            repos.kv_put(s, ns, key, value)

    # ---- private places (ticket rooms): room -> the place's first message, and the outbox
    # key that made the room, so a retried OpenPlace reuses it instead of making another.
    def place_root(self, room_id: str) -> str | None:
        row = self._get(f"matrix.place:{self.account}", room_id)
        return str(row["root"]) if row and row.get("root") else None

    def save_place_root(self, room_id: str, root: str) -> None:
        self._put(f"matrix.place:{self.account}", room_id, {"root": root})

    def place_room(self, key: str) -> str | None:
        row = self._get(f"matrix.place_key:{self.account}", key)
        return str(row["room"]) if row else None

    def save_place_room(self, key: str, room_id: str) -> None:
        self._put(f"matrix.place_key:{self.account}", key, {"room": room_id})

    # ---- session and sync position
    def session(self) -> dict[str, Any] | None:
        return self._get(NS_SESSION, self.account)

    def save_session(self, access_token: str, device_id: str) -> None:
        self._put(NS_SESSION, self.account, {"access_token": access_token, "device_id": device_id})

    def sync_position(self) -> tuple[str | None, int]:
        row = self._get(NS_SYNC, self.account) or {}
        return row.get("next_batch"), int(row.get("watermark", 0))

    def save_sync_position(self, next_batch: str, watermark: int) -> None:
        self._put(NS_SYNC, self.account, {"next_batch": next_batch, "watermark": watermark})

    # ---- reactions
    def remember_reaction(self, event_id: str, room_id: str, record: dict[str, str]) -> None:
        self._put(NS_REACTION, event_id, {**record, "room": room_id})

    def reactions(self, event_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = [e for e in event_ids if e]
        if not ids:
            return {}
        with self.db.transaction() as s:
            rows = s.execute(
                select(KeyValue).where(KeyValue.namespace == NS_REACTION, KeyValue.key.in_(ids))
            ).scalars()
            return {r.key: dict(r.value) for r in rows}

    # ---- direct rooms
    def direct_rooms(self) -> dict[str, str]:
        with self.db.transaction() as s:
            rows = s.execute(select(KeyValue).where(KeyValue.namespace == NS_DIRECT)).scalars()
            return {r.key: str(r.value.get("user", "")) for r in rows}

    def dm_room(self, user_id: str) -> str | None:
        row = self._get(NS_DM, user_id)
        return str(row["room"]) if row else None

    def save_direct(self, room_id: str, user_id: str, mine: bool) -> None:
        with self.db.transaction() as s:
            repos.kv_put(s, NS_DIRECT, room_id, {"user": user_id})
            # A room the bot made itself is the one it writes to; an invited one only if
            # there is none yet.
            if mine or repos.kv_get(s, NS_DM, user_id) is None:
                repos.kv_put(s, NS_DM, user_id, {"room": room_id})

    # ---- encrypted rooms
    def e2ee_noticed(self, room_id: str) -> bool:
        return self._get(NS_E2EE, room_id) is not None

    def mark_e2ee_noticed(self, room_id: str) -> None:
        self._put(NS_E2EE, room_id, {"noticed": True})

    # ---- directory
    def report_members(
        self,
        platform: str,
        workspace: str,
        timezone: str,
        room_id: str,
        joined: dict[str, tuple[str, list[str], bool]],
        left: Iterable[str],
        now: datetime,
        direct: bool = False,
    ) -> None:
        """joined: user -> (display, roles, is_admin). Direct rooms are not channels."""
        with self.db.transaction() as s:
            community = repos.get_or_create_community(s, platform, workspace, now, timezone)
            cid = community.id or 0
            role_tables.put(s, cid, DIRECTORY_ROLES, now)
            for user_id, (display, roles, is_admin) in joined.items():
                repos.upsert_member(
                    s,
                    cid,
                    user_id,
                    display=display,
                    roles=None if direct else roles,
                    is_admin=is_admin,
                    now=now,
                    channel=None if direct else room_id,
                )
            for user_id in left:
                row = s.execute(
                    select(Member).where(Member.community_id == cid, Member.user_id == user_id)
                ).scalar_one_or_none()
                if row is not None and room_id in row.channels:
                    row.channels = sorted(set(row.channels) - {room_id})
                    row.updated_at = now
                    s.add(row)
