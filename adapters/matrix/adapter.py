"""The Matrix adapter: matrix-nio's AsyncClient for HTTP, raw event JSON in, content dicts out.

Delivery guarantees come from two places: each send uses a transaction id derived from its
outbox key (the homeserver answers a retry with the event it already made), and the sync
token is saved only after a batch's events went through the dispatcher (a crash replays
events, which the dispatcher de-duplicates by event id, rather than skipping them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import nio
from nio import Api

from adapters.matrix import actions, joins
from adapters.matrix import content as mc
from adapters.matrix import events as me
from adapters.matrix import files as mf
from adapters.matrix.settings import MatrixSettings
from adapters.matrix.store import MatrixStore
from bot import i18n
from bot.adapter import Adapter, EventSink, PermanentFailure, RetryAfter, Target
from bot.channel_gate import ChannelGate
from bot.model import (
    Capabilities,
    ChannelMessage,
    Delivered,
    Edit,
    InboundEvent,
    OpenPlace,
    Send,
)
from bot.registry import Registry
from storage import repos
from storage.db import Database

log = logging.getLogger("moot.matrix")

PLATFORM = me.PLATFORM


class MatrixError(Exception):
    def __init__(self, status: int, errcode: str, message: str) -> None:
        super().__init__(f"{status} {errcode}: {message}")
        self.status, self.errcode = status, errcode


def _now() -> datetime:
    return datetime.now(UTC)


class MatrixAdapter(Adapter):
    platform = PLATFORM
    capabilities = Capabilities(
        buttons=False,
        ephemeral=False,
        threads=True,
        edits=True,
        reactions=True,
        places="private",
        files=True,
    )
    min_edit_interval = 1.0

    def __init__(
        self,
        settings: MatrixSettings,
        db: Database,
        timezone: str = "UTC",
        own_db: bool = False,
        quote_keys: Iterable[str] | None = None,
        registry: Registry | None = None,
    ) -> None:
        self.settings = settings
        # Reactions that quote their message (the registry's message-action emoji): only
        # these fetch it. None: every added reaction does.
        self.quote_keys = actions.quote_keys(quote_keys)
        # Without the registry no capability asked for channel messages: none are heard.
        self.gate = ChannelGate(db, registry or Registry())
        self._own_db = own_db
        self.prefix = settings.prefix
        self.db = db
        self.timezone = timezone
        self.store = MatrixStore(db, settings.user_id)
        self.client: Any = None
        self.rooms: dict[str, me.RoomView] = {}
        self.direct: dict[str, str] = {}
        self.bot_display = ""
        # Resolved ids of the configured rooms and spaces (aliases resolved at start).
        self.room_ids: set[str] = {r for r in settings.rooms if r.startswith("!")}
        self.space_ids: set[str] = {r for r in settings.spaces if r.startswith("!")}
        self._sink: EventSink | None = None
        self._task: asyncio.Task[None] | None = None
        self._synced = False
        self._stopping = False

    # ------------------------------------------------------------------ HTTP

    async def _call(
        self, method: str, path: str, body: Any = None, timeout: float | None = None
    ) -> dict[str, Any]:
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        resp = await self.client.send(
            method, path, data, headers={"Content-Type": "application/json"}, timeout=timeout
        )
        try:
            text = await resp.text()
        finally:
            resp.release()
        try:
            payload = json.loads(text) if text else {}
        except ValueError:
            payload = {"error": text[:200]}
        if resp.status == 200:
            return payload if isinstance(payload, dict) else {"chunk": payload}
        errcode = str(payload.get("errcode", "")) if isinstance(payload, dict) else ""
        message = str(payload.get("error", "")) if isinstance(payload, dict) else ""
        if resp.status == 429 or errcode == "M_LIMIT_EXCEEDED":
            ms = payload.get("retry_after_ms") if isinstance(payload, dict) else None
            seconds = (ms or 1000) / 1000
            raise RetryAfter(seconds, f"M_LIMIT_EXCEEDED: retry after {seconds:.1f}s")
        raise MatrixError(resp.status, errcode, message)

    @property
    def _token(self) -> str:
        return str(self.client.access_token)

    async def _put_event(
        self, room_id: str, event_type: str, body: dict[str, Any], key: str
    ) -> str:
        method, path, data = Api.room_send(self._token, room_id, event_type, body, mc.txn_id(key))
        try:
            out = await self._call(method, path, data)
        except MatrixError as exc:
            if exc.status in (403, 404) or exc.errcode in ("M_FORBIDDEN", "M_NOT_FOUND"):
                raise PermanentFailure(str(exc)) from None
            raise
        return str(out["event_id"])

    # ------------------------------------------------------------ lifecycle

    async def login(self) -> None:
        s = self.settings
        config = nio.AsyncClientConfig(
            max_limit_exceeded=0,
            max_timeouts=3,
            request_timeout=max(60, s.sync_timeout_ms / 1000 + 30),
            encryption_enabled=False,
            store_sync_tokens=False,
        )
        self.client = nio.AsyncClient(s.homeserver, s.user_id, config=config)
        saved = self.store.session()
        if s.access_token:
            token, device = s.access_token, s.device_id
        elif saved:
            token, device = saved["access_token"], saved.get("device_id")
        else:
            token, device = None, s.device_id
        if token:
            self.client.access_token, self.client.user_id = token, s.user_id
            try:
                who = await self._call(*Api.whoami(token))
                device = who.get("device_id") or device
            except MatrixError as exc:
                if exc.errcode != "M_UNKNOWN_TOKEN" or not s.password:
                    raise
                log.warning("stored Matrix access token no longer works; logging in again")
                token = None
        if not token:
            await self._password_login(device)
            return
        self.client.device_id = device or ""
        if not s.access_token and (not saved or saved.get("device_id") != device):
            self.store.save_session(token, device or "")

    async def _password_login(self, device: str | None) -> None:
        s = self.settings
        assert s.password
        # Same device id as before: the homeserver's transaction-id memory is per device.
        method, path, data = Api.login(
            s.user_id, password=s.password, device_name=s.device_name, device_id=device or ""
        )
        out = await self._call(method, path, data)
        self.client.access_token = out["access_token"]
        self.client.device_id = out.get("device_id", device or "")
        self.client.user_id = out.get("user_id", s.user_id)
        self.store.save_session(self.client.access_token, self.client.device_id)
        log.info("logged in to Matrix as %s (device %s)", s.user_id, self.client.device_id)

    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        self._stopping = False
        await self.login()
        self.direct = self.store.direct_rooms()
        with contextlib.suppress(Exception):
            out = await self._call(*Api.profile_get_displayname(self.settings.user_id, self._token))
            self.bot_display = str(out.get("displayname") or "")
        self._task = asyncio.create_task(self._sync_loop(), name="matrix-sync")

    @property
    def connected(self) -> bool:
        """The sync loop runs and its last sync succeeded."""
        return self._synced and self._task is not None and not self._task.done()

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self.client is not None:
            await self.client.close()
        if self._own_db:
            self.db.dispose()

    # ------------------------------------------------------------ the community's rooms

    async def _join_configured(self) -> None:
        try:
            await self._join_configured_rooms()
        except Exception:
            # Rooms given by id still load their power levels when their first event comes.
            log.exception("could not reach the configured rooms; carrying on")

    async def _join_configured_rooms(self) -> None:
        """Resolve aliases, join the configured rooms and spaces (a no-op where already in),
        and read their power levels: the only place roles come from."""
        s = self.settings
        if not s.rooms and not s.spaces:
            log.warning(
                "[matrix] rooms and spaces are empty: no room is the community's, so nobody "
                "has a role from power levels and commands outside direct rooms are refused"
            )
        for names, ids in ((s.rooms, self.room_ids), (s.spaces, self.space_ids)):
            for name in names:
                try:
                    out = await self._call(*Api.join(self._token, name), body={})
                    room_id = str(out.get("room_id") or name)
                except MatrixError as exc:
                    log.warning("could not join configured room %s: %s", name, exc)
                    if not name.startswith("!"):
                        continue
                    room_id = name
                ids.add(room_id)
                with contextlib.suppress(MatrixError):
                    await self._load_state(room_id)

    def community_lang(self) -> str | None:
        """The community's language (`/config language`); None: English."""
        if self.db is None:
            return None
        with self.db.transaction() as s:
            found = repos.find_community(s, PLATFORM, self.settings.workspace)
            settings = found.settings if found is not None else None
        return (settings or {}).get("language")

    def community_rooms(self) -> set[str]:
        rooms = self.room_ids | self.space_ids
        for space in self.space_ids:
            view = self.rooms.get(space)
            if view is not None:
                rooms |= view.children
        return rooms

    def _authority(self) -> tuple[me.RoomView, ...]:
        ids = self.room_ids | self.space_ids
        return tuple(v for r, v in self.rooms.items() if r in ids and v.loaded)

    # ------------------------------------------------------------ sync loop

    def _filter(self) -> dict[str, Any]:
        return {
            "room": {"timeline": {"limit": self.settings.timeline_limit}},
            "presence": {"types": []},
            "account_data": {"types": []},
        }

    async def _sync_loop(self) -> None:
        since, watermark = self.store.sync_position()
        failures = 0
        # Roles must be known before any event is handled; but a new bot's first sync only
        # finds its place (its events are skipped), so its own joins wait until after it, or
        # a command sent just after the join would fall into that skipped batch.
        configured = since is not None
        if configured:
            await self._join_configured()
        while not self._stopping:
            timeout = 0 if since is None else self.settings.sync_timeout_ms
            try:
                method, path = Api.sync(self._token, since, timeout, self._filter())
                data = await self._call(method, path, timeout=timeout / 1000 + 30)
                watermark = await self._process(data, first=since is None, watermark=watermark)
                next_batch = str(data["next_batch"])
                # Only now: a crash before this line replays the batch instead of losing it.
                self.store.save_sync_position(next_batch, watermark)
                since, failures = next_batch, 0
                self._synced = True
                if not configured:
                    await self._join_configured()
                    configured = True
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                log.warning("Matrix sync rate limited: waiting %.1fs", exc.seconds)
                await asyncio.sleep(exc.seconds)
            except Exception:
                failures += 1
                self._synced = False
                delay = min(60.0, 0.5 * 2**failures)
                log.exception("Matrix sync failed; retrying in %.1fs", delay)
                await asyncio.sleep(delay)

    async def _process(self, data: Mapping[str, Any], *, first: bool, watermark: int) -> int:
        rooms = data.get("rooms") or {}
        for room_id, info in (rooms.get("invite") or {}).items():
            await self._on_invite(room_id, (info.get("invite_state") or {}).get("events") or [])
        for room_id, info in (rooms.get("join") or {}).items():
            watermark = max(watermark, await self._on_joined(room_id, info, first, watermark))
        for room_id in rooms.get("leave") or {}:
            self.rooms.pop(room_id, None)
        return watermark

    # ------------------------------------------------------------ invites

    async def _on_invite(self, room_id: str, state: list[Mapping[str, Any]]) -> None:
        s = self.settings
        invite = me.invite_of(room_id, s.user_id, state)
        configured = room_id in self.community_rooms()
        if not configured and not me.invite_allowed(
            invite.inviter, s.allowed_inviters, s.allowed_servers
        ):
            log.info("declining invite to %s from %s (not allowed)", room_id, invite.inviter)
            with contextlib.suppress(MatrixError):
                await self._call(*Api.room_leave(self._token, room_id), body={})
            return
        try:
            await self._call(*Api.join(self._token, room_id), body={})
        except MatrixError as exc:
            log.warning("could not join %s: %s", room_id, exc)
            return
        log.info("joined %s (invited by %s)", room_id, invite.inviter)
        if invite.is_direct and invite.inviter:
            self.store.save_direct(room_id, invite.inviter, mine=False)
            self.direct[room_id] = invite.inviter

    # ------------------------------------------------------------ joined rooms

    def _view(self, room_id: str) -> me.RoomView:
        view = self.rooms.get(room_id)
        if view is None:
            view = me.RoomView(
                room_id=room_id,
                workspace=self.settings.workspace,
                bot_user_id=self.settings.user_id,
                prefix=self.settings.prefix,
                rules=self.settings.rules,
            )
            self.rooms[room_id] = view
        # A direct room is the person's own only while it is the two of them.
        view.is_direct = room_id in self.direct and len(view.displaynames) <= 2
        # A room Moot opened itself for a ticket belongs to the community as well: nobody else
        # can make one, and its members are the requester and the staff.
        view.in_community = (
            room_id in self.community_rooms() or self.store.place_root(room_id) is not None
        )
        view.authority = self._authority()
        names = [n for n in (self.bot_display, view.displaynames.get(view.bot_user_id)) if n]
        view.bot_names = tuple(dict.fromkeys(names))
        return view

    async def _load_state(self, room_id: str) -> me.RoomView:
        """The first time we see a room in this process: its power levels, members and
        encryption, and the members reported into the directory."""
        view = self._view(room_id)
        state = await self._call(*Api.room_get_state(self._token, room_id))
        encrypted = False
        for ev in state.get("chunk", []):
            encrypted |= ev.get("type") == "m.room.encryption"
            self._apply_state(view, ev)
        view.loaded = True
        self._report(view, [m for m in view.displaynames], [])
        if encrypted:
            await self._encrypted_notice(room_id)
        return self._view(room_id)

    def _apply_state(self, view: me.RoomView, ev: Mapping[str, Any]) -> me.MemberChange | None:
        kind = ev.get("type")
        content = ev.get("content")
        if kind == "m.room.power_levels" and isinstance(content, Mapping):
            view.apply_power_levels(content)
        if kind == "m.room.create" and isinstance(content, Mapping):
            view.apply_create(str(ev.get("sender", "")), content)
        if kind == "m.space.child" and isinstance(content, Mapping):
            view.apply_space_child(str(ev.get("state_key", "")), content)
        change = me.member_change(ev)
        if change is not None:
            if change.membership == "join":
                view.displaynames[change.user_id] = change.display or change.user_id
            else:
                view.displaynames.pop(change.user_id, None)
        return change

    def _report(self, view: me.RoomView, joined: list[str], left: list[str]) -> None:
        view = self._view(view.room_id)
        if not view.in_community and not view.is_direct:
            return  # somebody else's room: its members are not the community's directory
        people = {}
        for user in joined:
            if user == self.settings.user_id or user not in view.displaynames:
                continue
            roles, is_admin = me.roles_for(view, user)
            people[user] = (view.displaynames[user], sorted(roles), is_admin)
        if not people and not left:
            return
        self.store.report_members(
            PLATFORM,
            self.settings.workspace,
            self.timezone,
            view.room_id,
            people,
            left,
            _now(),
            direct=view.is_direct,
        )

    async def _on_joined(
        self, room_id: str, info: Mapping[str, Any], first: bool, watermark: int
    ) -> int:
        view = self.rooms.get(room_id)
        if view is None or not view.loaded:
            view = await self._load_state(room_id)
        for ev in (info.get("state") or {}).get("events") or []:
            self._apply_state(view, ev)
        timeline = info.get("timeline") or {}
        events: list[Mapping[str, Any]] = list(timeline.get("events") or [])
        if first:
            # The first sync of a new bot only finds its place; old commands are not re-run.
            for ev in events:
                if "state_key" in ev:
                    self._apply_state(view, ev)
            return max([watermark, *(int(e.get("origin_server_ts", 0)) for e in events)])
        current = self._after_own_join(events)
        joined_here = any(self._is_own_join(e) for e in events)
        if timeline.get("limited") and timeline.get("prev_batch") and not joined_here:
            gap = await self._fill_gap(room_id, str(timeline["prev_batch"]), watermark)
            current = self._after_own_join(gap + events)
        for ev in current:
            watermark = max(watermark, int(ev.get("origin_server_ts", 0) or 0))
            await self._on_timeline_event(view, ev)
        community = room_id in self.community_rooms()
        for arrival in joins.arrivals(self._view(room_id), current, community):
            if self._sink is not None:
                await self._sink(arrival)
        return watermark

    def _is_own_join(self, ev: Mapping[str, Any]) -> bool:
        change = me.member_change(ev)
        if not change or change.user_id != self.settings.user_id or change.membership != "join":
            return False
        prev = (ev.get("unsigned") or {}).get("prev_content") or {}
        return prev.get("membership") != "join"  # a real join, not a profile change

    def _after_own_join(self, events: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Drop what happened before the bot joined: history is not a list of commands."""
        for i in range(len(events) - 1, -1, -1):
            if self._is_own_join(events[i]):
                return [*(e for e in events[:i] if "state_key" in e), *events[i:]]
        return events

    async def _fill_gap(self, room_id: str, prev_batch: str, watermark: int) -> list[Any]:
        """A `limited` timeline skipped events: page back with /messages until what we had
        already seen (the saved watermark) or the bot's own join, within gap_pages pages."""
        found: list[Mapping[str, Any]] = []
        token: str | None = prev_batch
        for _ in range(self.settings.gap_pages):
            if not token:
                break
            method, path = Api.room_messages(self._token, room_id, start=token, limit=100)
            page = await self._call(method, path)
            chunk = page.get("chunk") or []
            done = not chunk
            for ev in chunk:  # newest first
                if int(ev.get("origin_server_ts", 0) or 0) < watermark:
                    done = True
                    break
                found.append(ev)
                if self._is_own_join(ev):
                    done = True
                    break
            token = page.get("end")
            if done:
                break
        else:
            log.warning(
                "gap in %s longer than %d pages; older events skipped",
                room_id,
                self.settings.gap_pages,
            )
        if found:
            log.info("filled a gap of %d event(s) in %s", len(found), room_id)
        return list(reversed(found))

    async def _on_timeline_event(self, view: me.RoomView, ev: Mapping[str, Any]) -> None:
        room_id = view.room_id
        if "state_key" in ev:
            change = self._apply_state(view, ev)
            if ev.get("type") == "m.room.encryption":
                await self._encrypted_notice(room_id)
            if ev.get("type") == "m.room.power_levels":
                self._report(view, list(view.displaynames), [])
            elif change is not None:
                if change.membership == "join":
                    self._report(view, [change.user_id], [])
                elif change.membership in ("leave", "ban"):
                    self._report(view, [], [change.user_id])
            self._view(room_id)
            return
        if ev.get("type") == "m.room.encrypted":
            await self._encrypted_notice(room_id)
            return
        record = me.reaction_record(ev)
        if record is not None and record["user"] != self.settings.user_id:
            self.store.remember_reaction(str(ev["event_id"]), room_id, record)
        redacted = me.redacted_id(ev)
        known = self.store.reactions([redacted]) if redacted else {}
        event = me.to_event(self._view(room_id), ev, known, self.store.place_root(room_id))
        if event is None or self._sink is None:
            return
        if isinstance(event, ChannelMessage) and not self.gate.wants(
            PLATFORM, event.address.workspace, event.address.channel, event.actor.user_id
        ):
            return
        # A failure here propagates: the sync token is not saved and the batch is replayed.
        outcome = await self._sink(event)
        log.debug("event %s -> %s", event.event_id, outcome)

    async def _encrypted_notice(self, room_id: str) -> None:
        if self.store.e2ee_noticed(room_id):
            return
        log.warning(
            "room %s is end-to-end encrypted; Moot does not support encryption yet and "
            "ignores its messages",
            room_id,
        )
        with i18n.use(self.community_lang()):
            notice = i18n._(mc.E2EE_NOTICE)
        try:
            await self._put_event(
                room_id, "m.room.message", mc.notice_content(notice), f"e2ee:{room_id}"
            )
        except (PermanentFailure, MatrixError) as exc:
            log.warning("could not tell %s about encryption: %s", room_id, exc)
        self.store.mark_e2ee_noticed(room_id)

    # ------------------------------------------------------------ direct rooms

    async def dm_room(self, user_id: str) -> str:
        """The direct room with this person: created once (is_direct, invite), remembered."""
        room = self.store.dm_room(user_id)
        if room:
            return room
        method, path, data = Api.room_create(
            self._token,
            is_direct=True,
            invite=[user_id],
            preset=nio.RoomPreset.trusted_private_chat,
        )
        try:
            out = await self._call(method, path, data)
        except MatrixError as exc:
            raise PermanentFailure(f"cannot open a direct room with {user_id}: {exc}") from None
        room = str(out["room_id"])
        self.store.save_direct(room, user_id, mine=True)
        self.direct[room] = user_id
        log.info("opened direct room %s with %s", room, user_id)
        return room

    async def _raise_hosts(self, room: str, hosts: tuple[str, ...]) -> None:
        method, path = Api.room_get_state_event(self._token, room, "m.room.power_levels")
        current = await self._call(method, path)
        levels = mc.with_hosts(current, hosts, self.settings.rules.moderator_level)
        method, path, data = Api.room_put_state(self._token, room, "m.room.power_levels", levels)
        await self._call(method, path, data)

    async def prepare(self, event: InboundEvent) -> InboundEvent:
        return await actions.fill_quote(self, event)

    async def grant_role(self, workspace: str, user_id: str, role: str, key: str) -> bool:
        return await actions.grant_role(self, user_id, role, key)

    # ------------------------------------------------------------ outbound

    async def open_place(self, place: OpenPlace, key: str) -> Delivered:
        """A ticket's room: invite-only, the members invited, the first message at its top."""
        room = self.store.place_room(key)
        if room is None:
            body = mc.place_room_request(place.title, place.members, self.settings.user_id)
            method, path, data = Api.room_create(
                self._token,
                name=body["name"],
                invite=body["invite"],
                preset=nio.RoomPreset.private_chat,
                initial_state=body["initial_state"],
            )
            try:
                out = await self._call(method, path, data)
            except MatrixError as exc:
                raise PermanentFailure(f"cannot open a room for {place.ref}: {exc}") from None
            room = str(out["room_id"])
            self.store.save_place_room(key, room)
            log.info("opened private room %s for %s", room, place.ref)
            if place.hosts:
                await self._raise_hosts(room, place.hosts)
        content = mc.message_content(place.text, place.card)
        event_id = await self._put_event(room, "m.room.message", content, key)
        self.store.save_place_root(room, event_id)
        return Delivered(event_id, room, None)

    async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered:
        if msg.visibility in ("dm", "ephemeral"):
            if not msg.recipient:
                raise PermanentFailure("a direct message without a recipient")
            room = await self.dm_room(msg.recipient)
            thread_root = None  # the thread was in the public room
        else:
            room = msg.address.channel
        in_reply_to = None
        if thread_root and msg.address.thread == thread_root and msg.address.message:
            in_reply_to = msg.address.message
        body = mc.message_content(
            msg.text, msg.card, thread_root=thread_root, in_reply_to=in_reply_to
        )
        event_id = await self._put_event(room, "m.room.message", body, key)
        return Delivered(event_id, room, thread_root)

    async def edit(self, target: Target, msg: Edit, key: str) -> None:
        body = mc.edit_content(target.message_id, msg.text, msg.card)
        await self._put_event(target.channel, "m.room.message", body, key)

    async def upload(self, target: Target, file: mf.Attachment, key: str) -> None:
        uri = await mf.media_uri(self.db, self.client, self._token, file, key)
        body = mf.file_content(mf.safe_name(file.name), file, uri, target.thread)
        await self._put_event(target.channel, "m.room.message", body, key)

    async def react(self, target: Target, emoji: str, key: str) -> None:
        body = mc.reaction_content(target.message_id, emoji)
        try:
            await self._put_event(target.channel, "m.reaction", body, key)
        except MatrixError as exc:
            if exc.errcode == "M_DUPLICATE_ANNOTATION" or "duplicate" in str(exc).lower():
                return  # already there: what we wanted
            raise
