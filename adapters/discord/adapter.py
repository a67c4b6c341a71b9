"""The Discord adapter on discord.py 2.x. The library keeps the gateway connection, the cache
(guilds, roles, members, threads) and the REST client with its rate-limit handling; this
module reads the raw gateway dispatches, acknowledges every interaction at once, hands the
neutral event to the core, and delivers the outbox's effects over REST.

Nothing is kept in a `View`: buttons carry static custom_ids and any press, on any message
ever posted, is routed by the one handler here."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from sqlalchemy import select

from adapters.discord import (
    autocomplete,
    context_menus,
    directory,
    events,
    files,
    held,
    members,
    messages,
    modal,
    order,
    scheduled_events,
    tree,
)
from adapters.discord.events import GuildInfo, MemberEntry
from adapters.discord.settings import DiscordSettings
from bot import i18n
from bot.adapter import Adapter, EventSink, PermanentFailure, RetryAfter, Target
from bot.channel_gate import ChannelGate
from bot.clock import Clock, SystemClock
from bot.dispatcher import emoji_key
from bot.model import (
    Address,
    Capabilities,
    ChannelMessage,
    Delivered,
    Edit,
    InboundEvent,
    MessageReceived,
    MirrorEvent,
    OpenPlace,
    Quoted,
    Send,
)
from bot.parser import ParseContext
from bot.registry import Registry
from storage import repos
from storage.db import Database
from storage.tables import Outbox

log = logging.getLogger("moot.discord")

PLATFORM = events.PLATFORM
NS_DM = "discord.dm"  # user id -> their DM channel
NS_THREAD = "discord.thread"  # root message id -> its thread (the same id) and parent
NS_PLACE = "discord.place"  # private thread id -> its first message (the place's ref)
# Interaction tokens live 15 minutes; past 14 a follow-up may already be refused.
TOKEN_LIFETIME = 14 * 60
# Turns of the loop the worker yields before each event, so that interactions already read
# off the socket reach their acknowledgement first.
ACK_TURNS = 8
# Callback types.
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, AUTOCOMPLETE_RESULT, MODAL = 1, 4, 5, 6, 8, 9
# JSON error codes.
CANNOT_DM = 50007
THREAD_EXISTS = 160004
UNKNOWN_MESSAGE = 10008
DONE = "✅ Done."
DMS_CLOSED = held.DMS_CLOSED


@dataclass
class Pending:
    """An interaction still answerable through its token."""

    interaction_id: str
    token: str
    application_id: str
    user_id: str
    channel: str
    at: float
    # Whether @original is ours to fill (a deferred reply) or already filled / not ours
    # (a component's @original is the message the button is on).
    original_free: bool


@dataclass(frozen=True)
class Ack:
    kind: str
    seconds: float


class DiscordError(PermanentFailure):
    def __init__(self, status: int, code: int, text: str) -> None:
        super().__init__(f"discord {status} (code {code}): {text[:200]}")
        self.status = status
        self.code = code


class DiscordAdapter(Adapter):
    platform = PLATFORM
    capabilities = Capabilities(
        buttons=True,
        ephemeral=True,
        threads=True,
        edits=True,
        reactions=True,
        native_timestamps=True,
        # A ticket is a private thread with the requester and the staff added.
        places="private",
        files=True,
    )
    min_edit_interval = 1.0
    prefix = "/"

    def __init__(
        self,
        settings: DiscordSettings,
        db: Database,
        registry: Registry,
        *,
        clock: Clock | None = None,
        timezone: str = "UTC",
    ) -> None:
        self.settings = settings
        self.db = db
        self.registry = registry
        self.clock = clock or SystemClock()
        self.timezone = timezone
        self.gate = ChannelGate(db, registry)
        if settings.api_base:
            Route.BASE = settings.api_base
        if settings.gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
        self.client = discord.Client(
            intents=intents(settings),
            enable_debug_events=True,  # the raw dispatches are what this adapter reads
            max_ratelimit_timeout=settings.max_ratelimit_wait,
            chunk_guilds_at_startup=settings.members,
        )
        self.client.event(self.on_socket_raw_receive)
        self.client.event(self.on_ready)
        self.client.event(self.on_guild_join)
        self.client.event(self.on_guild_role_create)
        self.client.event(self.on_guild_role_update)
        self.client.event(self.on_guild_role_delete)
        self._sink: EventSink | None = None
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.session_id = ""
        self.bot_id = ""
        self.application_id = settings.application_id
        self._pending: OrderedDict[str, Pending] = OrderedDict()
        self._sent: OrderedDict[str, Delivered] = OrderedDict()
        self._dm: dict[str, str] = {}
        self._threads: dict[str, str] = {}  # thread id -> parent channel
        self._zones: dict[str, tuple[float, ZoneInfo]] = {}
        self._seen: dict[str, str] = {}  # user id -> the guild channel they last acted in
        # Acknowledgement times of this run (receipt of the dispatch -> callback answered).
        self.acks: list[Ack] = []
        self.synced: list[dict[str, Any]] = []
        self._directory_ready = False
        self._queue: asyncio.Queue[tuple[InboundEvent, asyncio.Future[None]]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        # Acknowledgements in flight; the worker starts no handler while there are any.
        self._acking = 0
        self._acked = asyncio.Event()
        self._acked.set()

    # ---------------------------------------------------------------- lifecycle
    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        await self.client.login(self.settings.token)
        if not self.application_id and self.client.application_id:
            self.application_id = str(self.client.application_id)
        self._task = asyncio.create_task(self.client.connect(reconnect=True))
        self._task.add_done_callback(_gateway_ended)
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            ready.cancel()
            self._task.result()  # raises why the connection ended
            raise RuntimeError("the Discord gateway closed before the bot was ready")
        for guild in self.client.guilds:
            await self._sync_directory(guild)
        self._directory_ready = True
        if self.settings.sync_on_start:
            await self.sync_commands()
        log.info("discord connected as %s in %d guild(s)", self.bot_id, len(self.client.guilds))

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        for task in [*self._tasks, *([self._worker] if self._worker else [])]:
            task.cancel()

    async def sync_commands(self) -> list[dict[str, Any]]:
        """Register the command tree: in the configured guild (instant), else globally."""
        body = tree.commands(self.registry) + context_menus.commands(self.registry)
        if not self.application_id:
            info = await self.client.http.application_info()
            self.application_id = str(info["id"])
        route = commands_route(self.application_id, self.settings.guild_id)
        self.synced = await self.client.http.request(route, json=body)
        where = f"guild {self.settings.guild_id}" if self.settings.guild_id else "globally"
        log.info("synced %d slash commands %s", len(body), where)
        return self.synced

    # ---------------------------------------------------------------- raw gateway
    async def on_socket_raw_receive(self, raw: str) -> None:
        received = time.perf_counter()
        try:
            msg = json.loads(raw)
        except (TypeError, ValueError):
            return
        if msg.get("op") != 0:
            return
        kind, data, seq = msg.get("t"), msg.get("d") or {}, msg.get("s")
        if kind == "READY":
            self.session_id = str(data.get("session_id", ""))
            self.bot_id = str((data.get("user") or {}).get("id", ""))
            app = (data.get("application") or {}).get("id")
            if app and not self.settings.application_id:
                self.application_id = str(app)
            return
        handler = {
            "INTERACTION_CREATE": self._on_interaction,
            "MESSAGE_CREATE": self._on_message,
            "MESSAGE_REACTION_ADD": self._on_reaction,
            "MESSAGE_REACTION_REMOVE": self._on_reaction,
            "GUILD_MEMBER_ADD": self._on_member,
            "GUILD_MEMBER_UPDATE": self._on_member,
            "GUILD_MEMBER_REMOVE": self._on_member_left,
            "THREAD_CREATE": self._on_thread,
        }.get(str(kind))
        if handler is None:
            return
        try:
            await handler(str(kind), data, seq, received)
        except Exception:
            log.exception("discord %s could not be handled", kind)

    async def on_ready(self) -> None:
        # The first READY is handled by start(); later ones (a new session) refresh it.
        if not self._directory_ready:
            return
        for guild in self.client.guilds:
            await self._sync_directory(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._sync_directory(guild)

    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        # A role's name or permissions decide Moot roles and admins of all who hold it.
        if before.name != after.name or before.permissions != after.permissions:
            await self._sync_directory(after.guild)

    async def on_guild_role_create(self, role: discord.Role) -> None:
        await self._sync_directory(role.guild)

    async def on_guild_role_delete(self, role: discord.Role) -> None:
        await self._sync_directory(role.guild)

    # ---------------------------------------------------------------- who and where
    def home(self, guild_id: Any = None) -> str:
        """The guild a payload belongs to; a DM belongs to the configured (or only) guild."""
        if guild_id:
            return str(guild_id)
        if self.settings.guild_id:
            return self.settings.guild_id
        guilds = self.client.guilds
        return str(guilds[0].id) if guilds else ""

    def guild_info(self, guild_id: str, channel: str = "") -> GuildInfo | None:
        guild = self.client.get_guild(int(guild_id)) if guild_id.isdigit() else None
        if guild is None:
            return None
        threads: dict[str, str] = {}
        if channel:
            parent = self._threads.get(channel)
            thread = guild.get_thread(int(channel)) if channel.isdigit() else None
            if thread is not None:
                parent = str(thread.parent_id)
            if parent:
                threads[channel] = parent
        return GuildInfo(
            guild_id=str(guild.id),
            owner_id=str(guild.owner_id or ""),
            roles={str(r.id): (r.name, r.permissions.value) for r in guild.roles},
            threads=threads,
        )

    def _entry_from_cache(self, guild_id: str, user_id: str) -> MemberEntry | None:
        guild = self.client.get_guild(int(guild_id)) if guild_id.isdigit() else None
        member = guild.get_member(int(user_id)) if guild and user_id.isdigit() else None
        if guild is None or member is None:
            return None
        info = self.guild_info(guild_id)
        assert info is not None
        payload = {"roles": [str(r.id) for r in member.roles if r.id != guild.id]}
        if member.nick:
            payload["nick"] = member.nick
        user = {"id": str(member.id), "username": member.name, "global_name": member.global_name}
        return events.member_entry(payload, info, user)

    def _with_roles(self, event: InboundEvent) -> InboundEvent:
        """Events without a member object (DMs, reaction removals) get the person's roles
        from the guild cache, so the directory is never wiped to no roles."""
        if event.actor.roles or event.actor.is_admin:
            return event
        entry = self._entry_from_cache(event.address.workspace, event.actor.user_id)
        if entry is None:
            return event
        actor = replace(
            event.actor,
            display=entry.display,
            roles=frozenset(entry.roles),
            is_admin=entry.is_admin,
        )
        return replace(event, actor=actor)

    def zone(self, guild_id: str) -> ZoneInfo:
        cached = self._zones.get(guild_id)
        if cached and time.monotonic() - cached[0] < 60:
            return cached[1]
        with self.db.transaction() as s:
            found = repos.find_community(s, PLATFORM, guild_id)
            tz = found.timezone if found is not None else None
        zone = ZoneInfo(tz or self.timezone or "UTC")
        self._zones[guild_id] = (time.monotonic(), zone)
        return zone

    def _zone_of_channel(self, channel: str) -> ZoneInfo:
        found = self.client.get_channel(int(channel)) if channel.isdigit() else None
        guild = getattr(found, "guild", None)
        return self.zone(str(guild.id) if guild is not None else self.home())

    def _lang_of_channel(self, channel: str) -> str | None:
        """The community's language (`/config language`) where a channel is; None: English."""
        found = self.client.get_channel(int(channel)) if channel.isdigit() else None
        guild = getattr(found, "guild", None)
        return self._lang_of_guild(str(guild.id) if guild is not None else self.home())

    def _lang_of_guild(self, guild_id: str) -> str | None:
        if self.db is None:
            return None
        with self.db.transaction() as s:
            found = repos.find_community(s, PLATFORM, guild_id)
            settings = found.settings if found is not None else None
        return (settings or {}).get("language")

    def _parse_context(self, guild_id: str) -> ParseContext:
        return ParseContext(self.clock.now(), self.zone(guild_id), self.prefix)

    # ---------------------------------------------------------------- inbound
    async def _dispatch(self, event: InboundEvent) -> None:
        """Queue the event for the one worker and wait until it is handled. Handling holds
        the loop for a database transaction, so it happens one event at a time with the
        loop free in between: acknowledgements never wait behind a queue of work, and
        events are handled in the order they were acknowledged."""
        if self._sink is None:
            log.warning("discord event %s arrived before start; dropped", event.event_id)
            return
        if not event.is_direct:  # where a notice of a held DM would reach the person
            self._seen[event.actor.user_id] = event.address.thread or event.address.channel
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((event, done))
        await done

    async def _work(self) -> None:
        while True:
            event, done = await self._queue.get()
            await self._acks_first()
            try:
                assert self._sink is not None
                await self._sink(self._with_roles(event))
            except Exception:
                log.exception("discord event %s could not be handled", event.event_id)
            finally:
                if not done.done():
                    done.set_result(None)
            await asyncio.sleep(0)  # let waiting acknowledgements go first

    async def _acks_first(self) -> None:
        """A handler holds the loop for its transaction, and an interaction that arrived
        meanwhile takes a few turns of the loop to become an acknowledgement in flight (the
        socket read, the websocket frame, discord.py's dispatch, ours), then a few more to
        send it and read the answer. Yielding once between events let a busy queue push
        acknowledgements towards Discord's 3 s (bench/discord_ack.py)."""
        for _ in range(ACK_TURNS):
            await asyncio.sleep(0)
        await self._acked.wait()

    async def _callback(self, d: Mapping[str, Any], body: dict[str, Any], received: float) -> None:
        # Named as webhook parameters, which discord.py counts as "major": each interaction
        # then has its own rate-limit bucket, instead of every acknowledgement queueing
        # behind the others in one shared bucket.
        route = Route(
            "POST",
            "/interactions/{webhook_id}/{webhook_token}/callback",
            webhook_id=str(d["id"]),
            webhook_token=str(d["token"]),
        )
        self._acking += 1
        self._acked.clear()
        try:
            await self.client.http.request(route, json=body)
        finally:
            self._acking -= 1
            if not self._acking:
                self._acked.set()
        self.acks.append(Ack(str(body["type"]), time.perf_counter() - received))

    def _remember_interaction(
        self, d: Mapping[str, Any], channel: str, original_free: bool
    ) -> None:
        user = (d.get("member") or {}).get("user") or d.get("user") or {}
        self._pending[str(d["id"])] = Pending(
            str(d["id"]),
            str(d["token"]),
            str(d.get("application_id") or self.application_id),
            str(user.get("id", "")),
            channel,
            time.monotonic(),
            original_free,
        )
        now = time.monotonic()
        while self._pending:
            first = next(iter(self._pending.values()))
            if now - first.at < TOKEN_LIFETIME and len(self._pending) < 10_000:
                break
            self._pending.popitem(last=False)

    async def _on_interaction(
        self, kind: str, d: dict[str, Any], seq: Any, received: float
    ) -> None:
        itype = d.get("type")
        gid = self.home(d.get("guild_id"))
        channel = str(d.get("channel_id") or (d.get("channel") or {}).get("id") or "")
        guild = self.guild_info(gid, channel)
        data = d.get("data") or {}
        if itype == events.PING:
            await self._callback(d, {"type": PONG}, received)
            return
        if itype == events.AUTOCOMPLETE:
            choices = autocomplete.suggestions(self.db, gid, data)
            await self._callback(
                d, {"type": AUTOCOMPLETE_RESULT, "data": {"choices": choices}}, received
            )
            return
        event: InboundEvent | None
        if itype == events.APPLICATION_COMMAND and data.get("type") == context_menus.MESSAGE:
            event = context_menus.invocation(d, guild, gid)
            if event is None:
                with i18n.use(d.get("locale")):
                    text = i18n._("{name} is not a Moot menu any more.").format(
                        name=data.get("name")
                    )
                await self._callback(d, _private(text), received)
                return
            await self._callback(
                d, {"type": DEFERRED_MESSAGE, "data": {"flags": messages.EPHEMERAL}}, received
            )
            self._remember_interaction(d, channel, original_free=True)
        elif itype == events.APPLICATION_COMMAND:
            name, sub, given = tree.invoked(data)
            spec = self.registry.find(name, sub)
            if spec is None:
                await self._callback(
                    d, _private(f"/{name} is not a Moot command any more."), received
                )
                return
            if modal.wants_form(spec, given):
                form = modal.form(spec, d.get("locale"))
                await self._callback(d, {"type": MODAL, "data": form}, received)
                return
            await self._callback(
                d, {"type": DEFERRED_MESSAGE, "data": {"flags": messages.EPHEMERAL}}, received
            )
            self._remember_interaction(d, channel, original_free=True)
            event = events.command(d, guild, gid, name, tree.line(spec, given))
        elif itype == events.MESSAGE_COMPONENT:
            owner = held.held_for(events.pressed(d))
            if owner is not None:
                await self._on_held_press(d, channel, owner, received)
                return
            await self._callback(d, {"type": DEFERRED_UPDATE}, received)
            self._remember_interaction(d, channel, original_free=False)
            event = events.component(d, guild, gid, self._choice_by_index(d, channel))
        elif itype == events.MODAL_SUBMIT:
            result = modal.submission(self.registry, data, self._parse_context(gid))
            if result.error or result.spec is None:
                await self._callback(d, _private(f"⚠️ {result.error}"), received)
                return
            await self._callback(
                d, {"type": DEFERRED_MESSAGE, "data": {"flags": messages.EPHEMERAL}}, received
            )
            self._remember_interaction(d, channel, original_free=True)
            event = events.command(d, guild, gid, result.spec.name, result.line)
        else:
            return
        if event is None:
            return
        await self._dispatch(event)
        if itype in (events.APPLICATION_COMMAND, events.MODAL_SUBMIT):
            await self._settle(event.event_id)
        await self._deliver_held(event.event_id)

    def _choice_by_index(self, d: Mapping[str, Any], channel: str) -> tuple[str, str] | None:
        cid = events.pressed(d)
        index = events.parse_custom_id(cid) if cid else None
        message_id = str((d.get("message") or {}).get("id") or "")
        if not isinstance(index, int) or not message_id:
            return None
        with self.db.transaction() as s:
            posted = repos.posted_at(s, PLATFORM, channel, message_id)
            choices = list(posted.choices or []) if posted else []
        if index >= len(choices):
            return None
        return str(choices[index]["action"]), str(choices[index]["value"])

    async def _settle(self, event_id: str) -> None:
        """A deferred reply with nothing private to say (the answer was posted publicly)
        still needs its "thinking…" replaced."""
        pending = self._pending.get(event_id)
        if pending is None or not pending.original_free:
            return
        prefix = f"ev:{PLATFORM}:{event_id}:"
        with self.db.transaction() as s:
            rows = s.execute(
                select(Outbox.payload).where(Outbox.kind == "send", Outbox.key.startswith(prefix))
            ).scalars()
            private = any(
                r.get("visibility") == "ephemeral" and r.get("recipient") == pending.user_id
                for r in rows
            )
        if private:
            return
        pending.original_free = False
        try:
            body = {"content": DONE, "allowed_mentions": messages.allowed_mentions("")}
            await self._webhook("PATCH", pending, "/messages/@original", body)
        except Exception as exc:
            log.info("could not settle interaction %s: %s", event_id, exc)

    async def _on_message(self, kind: str, d: dict[str, Any], seq: Any, received: float) -> None:
        gid = self.home(d.get("guild_id"))
        guild = self.guild_info(gid, str(d.get("channel_id") or ""))
        event = events.message(d, guild, gid, self.settings.prefix, self.bot_id)
        if isinstance(event, ChannelMessage):
            where = event.address
            if not self.gate.wants(PLATFORM, where.workspace, where.channel, event.actor.user_id):
                return
        if isinstance(event, MessageReceived) and event.address.thread:
            event = self._in_place(event, event.address.thread)
        if event is not None:
            await self._dispatch(event)

    def _in_place(self, event: MessageReceived, thread: str) -> MessageReceived:
        """A private thread (a ticket's) starts on no message, so a reply there answers the
        place's first message, which carries the place's ref."""
        with self.db.transaction() as s:
            place = repos.kv_get(s, NS_PLACE, thread)
        if not place:
            return event
        where = Address(PLATFORM, event.address.workspace, thread, None, str(place["root"]))
        return replace(event, reply_to=where)

    async def _on_reaction(self, kind: str, d: dict[str, Any], seq: Any, received: float) -> None:
        # Stamped before the queue: a reaction carries no time of its own (order.py).
        at = self.clock.now()
        gid = self.home(d.get("guild_id"))
        guild = self.guild_info(gid, str(d.get("channel_id") or ""))
        event_id = f"r:{self.session_id}:{seq}"
        event = events.reaction(
            d, kind == "MESSAGE_REACTION_ADD", guild, gid, event_id, self.bot_id
        )
        if (
            event is not None
            and event.added
            and event.target is not None
            and emoji_key(event.key) in self.registry.message_action_emoji
        ):
            event = replace(event, quoted=await self._quote(event.target, guild))
        if event is not None:
            await self._dispatch(order.stamp_received(event, at))

    async def _quote(self, where: Address, guild: GuildInfo | None) -> Quoted | None:
        """The reacted-to message, for a 🎫/📝 that quotes it (a reaction carries no text).
        Unreadable, the action still runs, with the link alone."""
        try:
            message = await self._request(
                "GET",
                "/channels/{channel_id}/messages/{message_id}",
                channel_id=where.channel,
                message_id=where.message,
            )
        except (DiscordError, RetryAfter, discord.HTTPException) as exc:
            log.info("could not read message %s to quote it: %s", where.message, exc)
            return None
        return context_menus.quote(message, where, guild)

    async def _on_member(self, kind: str, d: dict[str, Any], seq: Any, received: float) -> None:
        gid = str(d.get("guild_id") or "")
        guild = self.guild_info(gid)
        if guild is None:
            return
        entry = events.member_entry(d, guild)
        directory.report(self.db, gid, self.timezone, [entry], self.clock.now())
        if kind == "GUILD_MEMBER_ADD":
            joined = members.joined(d, guild)
            if joined is not None:
                await self._dispatch(joined)

    async def _on_member_left(
        self, kind: str, d: dict[str, Any], seq: Any, received: float
    ) -> None:
        user = str((d.get("user") or {}).get("id") or "")
        if user and d.get("guild_id"):
            directory.left(self.db, str(d["guild_id"]), self.timezone, user, self.clock.now())

    async def _on_thread(self, kind: str, d: dict[str, Any], seq: Any, received: float) -> None:
        if d.get("parent_id"):
            self._threads[str(d["id"])] = str(d["parent_id"])

    async def _sync_directory(self, guild: discord.Guild) -> None:
        if self.settings.members and not guild.chunked:
            with contextlib.suppress(Exception):
                await guild.chunk()
        info = self.guild_info(str(guild.id))
        if info is None:
            return
        entries = []
        for m in guild.members:
            payload: dict[str, Any] = {"roles": [str(r.id) for r in m.roles if r.id != guild.id]}
            if m.nick:
                payload["nick"] = m.nick
            user = {"id": str(m.id), "username": m.name, "global_name": m.global_name, "bot": m.bot}
            entries.append(events.member_entry(payload, info, user))
        n = await asyncio.to_thread(
            directory.report, self.db, str(guild.id), self.timezone, entries, self.clock.now()
        )
        log.info("directory of guild %s: %d member(s)", guild.id, n)
        await asyncio.to_thread(
            directory.report_roles,
            self.db,
            str(guild.id),
            self.timezone,
            events.directory_roles(info),
            self.clock.now(),
        )

    # ---------------------------------------------------------------- REST
    async def _request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        route = Route(method, path, **params)
        try:
            if body is None:
                return await self.client.http.request(route)
            if isinstance(body, files.Multipart):
                return await self.client.http.request(route, files=body.files, form=body.form)
            return await self.client.http.request(route, json=body)
        except discord.RateLimited as exc:
            raise RetryAfter(exc.retry_after, f"discord {method} {path} rate limited") from None
        except discord.HTTPException as exc:
            if exc.status == 429:
                raise RetryAfter(
                    _retry_after(exc), f"discord {method} {path} rate limited"
                ) from None
            if exc.status in (400, 401, 403, 404):
                raise DiscordError(exc.status, exc.code, exc.text) from None
            raise

    async def _webhook(
        self, method: str, pending: Pending, tail: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        path = "/webhooks/{webhook_id}/{webhook_token}" + tail
        return await self._request(
            method, path, body, webhook_id=pending.application_id, webhook_token=pending.token
        )

    def _remember(self, key: str, delivered: Delivered) -> Delivered:
        self._sent[key] = delivered
        while len(self._sent) > 5000:
            self._sent.popitem(last=False)
        return delivered

    def _pending_for(self, key: str, user: str | None) -> Pending | None:
        """The live interaction the effect answers: the one that caused it, else the latest
        one of the same person (for a DM that could not be delivered)."""
        now = time.monotonic()
        parts = key.split(":")
        if len(parts) >= 3 and parts[0] == "ev" and parts[1] == PLATFORM:
            p = self._pending.get(parts[2])
            if p and now - p.at < TOKEN_LIFETIME and (user is None or p.user_id == user):
                return p
        return None

    def _latest_of(self, user: str) -> Pending | None:
        now = time.monotonic()
        for p in reversed(self._pending.values()):
            if p.user_id == user and now - p.at < TOKEN_LIFETIME:
                return p
        return None

    async def _ephemeral(self, pending: Pending, body: dict[str, Any]) -> Delivered:
        body = dict(body, flags=messages.EPHEMERAL)
        if pending.original_free:
            pending.original_free = False
            data = await self._webhook("PATCH", pending, "/messages/@original", body)
        else:
            data = await self._webhook("POST", pending, "?wait=true", body)
        return Delivered(str(data.get("id", "")), pending.channel, None, ephemeral=True)

    async def dm_channel(self, user_id: str) -> str:
        """The DM channel with a person: opened once, remembered."""
        if user_id in self._dm:
            return self._dm[user_id]
        with self.db.transaction() as s:
            cached = repos.kv_get(s, NS_DM, user_id)
        if cached and cached.get("channel"):
            self._dm[user_id] = str(cached["channel"])
            return self._dm[user_id]
        data = await self._request("POST", "/users/@me/channels", {"recipient_id": user_id})
        channel = str(data["id"])
        with self.db.transaction() as s:
            repos.kv_put(s, NS_DM, user_id, {"channel": channel})
        self._dm[user_id] = channel
        return channel

    async def _post(self, channel: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        body = dict(body, nonce=messages.nonce(key), enforce_nonce=True)
        return await self._request(
            "POST", "/channels/{channel_id}/messages", body, channel_id=channel
        )

    async def _thread_channel(self, parent: str, root: str, title: str = "Discussion") -> str:
        """A thread started on a message has the message's id; start it if it is not yet."""
        cached = self.client.get_channel(int(root)) if root.isdigit() else None
        if root in self._threads or root == parent or isinstance(cached, discord.Thread):
            return root
        with self.db.transaction() as s:
            known = repos.kv_get(s, NS_THREAD, root)
        if known is None:
            try:
                await self.open_thread(Target(parent, root), title, f"thread:{root}")
            except DiscordError as exc:
                if exc.code != UNKNOWN_MESSAGE:
                    raise
                # Not a message of that channel: the root is a thread of its own (a forum
                # post, a thread someone else started).
        self._threads.setdefault(root, parent)
        return root

    async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered:
        if key in self._sent:
            return self._sent[key]
        zone = self.zone(msg.address.workspace)
        body = messages.message(msg.text, msg.card, msg.choices, zone, recipient=msg.recipient)
        if msg.visibility == "ephemeral":
            pending = self._pending_for(key, msg.recipient)
            if pending is not None:
                return self._remember(key, await self._ephemeral(pending, body))
            # No interaction to answer through (a reaction, a typed command): a DM instead.
            msg = replace(msg, visibility="dm")
        if msg.visibility == "dm":
            return self._remember(key, await self._send_dm(msg, body, key))
        channel = msg.address.channel
        if thread_root:
            channel = await self._thread_channel(msg.address.channel, thread_root)
        data = await self._post(channel, body, key)
        delivered = Delivered(str(data["id"]), channel, thread_root)
        kind = (msg.ref or "").split(":")[0]
        if kind in self.settings.thread_kinds and not thread_root:
            # After the send returns, so the message is on record before anyone reacts.
            title = (msg.card.title if msg.card else msg.text) or "Discussion"
            self._spawn(self._discussion(Target(channel, delivered.message_id), title, key))
        return self._remember(key, delivered)

    async def _discussion(self, target: Target, title: str, key: str) -> None:
        try:
            await self.open_thread(target, title, f"{key}:t")
        except Exception as exc:  # the message is out; a missing thread is not worth a repost
            log.warning("could not open a thread on %s: %s", target.message_id, exc)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_dm(self, msg: Send, body: dict[str, Any], key: str) -> Delivered:
        if not msg.recipient:
            raise PermanentFailure("a direct message without a recipient")
        try:
            channel = await self.dm_channel(msg.recipient)
            data = await self._post(channel, body, key)
            return Delivered(str(data["id"]), channel, None)
        except DiscordError as exc:
            if exc.code != CANNOT_DM and exc.status != 403:
                raise
            pending = self._pending_for(key, msg.recipient) or self._latest_of(msg.recipient)
            if pending is not None:
                log.info("DMs closed for %s; answering ephemerally instead", msg.recipient)
                lang = self._lang_of_channel(pending.channel)
                return await self._ephemeral(pending, held.with_reason(body, lang))
            await self._hold(msg, body, key)
            return Delivered("", "", None)

    async def _hold(self, msg: Send, body: dict[str, Any], key: str) -> None:
        """Kept in the database, announced by one public notice with a button for the person
        (held.py); shown at their next interaction too, whichever comes first."""
        user = str(msg.recipient)
        standing = held.hold(self.db, user, key, body)
        if standing is not None:
            return
        channel = self._notice_channel(msg, key)
        if not channel:
            log.info("DMs closed for %s and no channel for a notice; holding it", user)
            return
        try:
            notice = held.notice(user, self._lang_of_channel(channel))
            data = await self._post(channel, notice, f"{key}:held")
        except DiscordError as exc:  # held all the same: shown at their next interaction
            log.warning("could not post the held-message notice for %s: %s", user, exc)
            return
        held.noted(self.db, user, channel, str(data["id"]))
        log.info("DMs closed for %s; notice %s posted in %s", user, data["id"], channel)

    def _notice_channel(self, msg: Send, key: str) -> str:
        """Where to tell someone a DM is held: the effect's own channel, else where the event
        that caused it happened, else where the person was last seen, else the community's
        votes channel or the guild's system channel (after a restart, memory is empty)."""
        if msg.address.channel and self._in_guild(msg.address.channel):
            return msg.address.thread or msg.address.channel
        parts = key.split(":")
        if len(parts) >= 3 and parts[0] == "ev" and parts[1] == PLATFORM:
            cause = self._pending.get(parts[2])
            if cause is not None and self._in_guild(cause.channel):
                return cause.channel
        seen = self._seen.get(str(msg.recipient))
        if seen:
            return seen
        gid = msg.address.workspace or self.home()
        with self.db.transaction() as s:
            found = repos.find_community(s, PLATFORM, gid)
            community = found.id if found is not None else None
            votes = repos.channel_for(s, community, "votes") if community else None
        if votes:
            return str(votes)
        guild = self.client.get_guild(int(gid)) if gid.isdigit() else None
        system = getattr(guild, "system_channel_id", None) if guild is not None else None
        return str(system) if system else ""

    def _in_guild(self, channel: str) -> bool:
        found = self.client.get_channel(int(channel)) if channel.isdigit() else None
        return getattr(found, "guild", None) is not None or channel in self._threads

    async def _deliver_held(self, event_id: str) -> None:
        """Messages whose DM could not be delivered, as ephemeral follow-ups of this
        interaction (never through @original, which belongs to the interaction's answer)."""
        pending = self._pending.get(event_id)
        if pending is None or pending.original_free:
            return
        await self._show_held(pending)

    async def _show_held(self, pending: Pending) -> int:
        """Show what is held for the interaction's person, privately; mark the notice read.
        A message that could not be shown is held again."""
        bodies, standing = held.take(self.db, pending.user_id)
        lang = self._lang_of_channel(pending.channel) if bodies else None
        for i, body in enumerate(bodies):
            try:
                await self._ephemeral(pending, held.with_reason(body, lang))
            except Exception as exc:
                log.warning("could not show a held message to %s: %s", pending.user_id, exc)
                held.put_back(self.db, pending.user_id, bodies[i:])
                return i
        if standing and bodies:
            try:
                await self._request(
                    "PATCH",
                    "/channels/{channel_id}/messages/{message_id}",
                    held.read_notice(pending.user_id, lang),
                    channel_id=standing["channel"],
                    message_id=standing["message"],
                )
            except Exception as exc:  # the button then answers "nothing held"
                log.info("could not mark the notice read: %s", exc)
        return len(bodies)

    async def _on_held_press(
        self, d: dict[str, Any], channel: str, owner: str, received: float
    ) -> None:
        """A notice's button: its person sees what is held, ephemerally; anyone else is
        refused without learning anything."""
        presser = str(((d.get("member") or {}).get("user") or d.get("user") or {}).get("id", ""))
        if presser != owner:
            with i18n.use(d.get("locale")):
                refusal = i18n._(held.NOT_YOURS)
            await self._callback(d, _private(refusal), received)
            return
        await self._callback(
            d, {"type": DEFERRED_MESSAGE, "data": {"flags": messages.EPHEMERAL}}, received
        )
        self._remember_interaction(d, channel, original_free=True)
        pending = self._pending[str(d["id"])]
        if not await self._show_held(pending) and pending.original_free:
            pending.original_free = False
            with i18n.use(d.get("locale")):
                nothing = i18n._(held.NOTHING)
            body = {"content": nothing, "allowed_mentions": messages.allowed_mentions("")}
            await self._webhook("PATCH", pending, "/messages/@original", body)

    async def edit(self, target: Target, msg: Edit, key: str) -> None:
        body = messages.message(
            msg.text, msg.card, msg.choices, self._zone_of_channel(target.channel)
        )
        await self._request(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            body,
            channel_id=target.channel,
            message_id=target.message_id,
        )

    async def upload(self, target: Target, file: files.Attachment, key: str) -> None:
        # target.channel is where the message landed: its thread or the DM channel.
        body = files.multipart(file, key)
        await self._request(
            "POST", "/channels/{channel_id}/messages", body, channel_id=target.channel
        )

    async def react(self, target: Target, emoji: str, key: str) -> None:
        await self._request(
            "PUT",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            channel_id=target.channel,
            message_id=target.message_id,
            emoji=emoji.strip("<>").removeprefix("a:").lstrip(":")
            if emoji.startswith("<")
            else emoji,
        )

    async def open_thread(self, target: Target, title: str, key: str) -> str | None:
        """A public thread on a bot message; replies there are the discussion."""
        body = {"name": _thread_name(title), "auto_archive_duration": 10080}
        try:
            data = await self._request(
                "POST",
                "/channels/{channel_id}/messages/{message_id}/threads",
                body,
                channel_id=target.channel,
                message_id=target.message_id,
            )
            thread = str(data.get("id") or target.message_id)
        except DiscordError as exc:
            if exc.code != THREAD_EXISTS:
                raise
            thread = target.message_id
        self._threads[thread] = target.channel
        with self.db.transaction() as s:
            repos.kv_put(
                s, NS_THREAD, target.message_id, {"thread": thread, "parent": target.channel}
            )
        return thread

    async def grant_role(self, workspace: str, user_id: str, role: str, key: str) -> bool:
        """A role by PUT; refused (no permission, no such role), the guild's owner is told
        by DM what to fix, once per grant (the nonce is the row's key)."""
        entry = self._entry_from_cache(workspace, user_id)
        guild = self.guild_info(workspace)
        with i18n.use(self._lang_of_guild(workspace)):  # the owner's notice: the community's
            notice = await members.grant(
                self, guild, user_id, entry.display if entry else user_id, role
            )
        if notice and guild is not None and guild.owner_id:
            owner = Address(PLATFORM, workspace, "")
            try:
                msg = Send(owner, notice, visibility="dm", recipient=guild.owner_id)
                await self.send(msg, None, f"{key}:notice")
            except Exception as exc:  # the log line above already says it all
                log.warning("could not tell the owner of %s: %s", workspace, exc)
        return True

    async def mirror_event(self, event: MirrorEvent, key: str) -> bool:
        """The event as a guild scheduled event, placed at its message (or channel)."""
        with self.db.transaction() as s:
            posted = repos.latest_posted(s, event.source)
        where = (posted.thread or posted.channel, posted.message_id) if posted else None
        if where:
            link = context_menus.link(event.workspace, *where)
        else:
            link = f"https://discord.com/channels/{event.workspace}/{event.channel}"
        await scheduled_events.mirror(self, self.db, event, self.clock.now(), link)
        return True

    async def open_place(self, place: OpenPlace, key: str) -> Delivered:
        """A ticket's private thread in its channel, the members added, the first message
        in it."""
        if key in self._sent:
            return self._sent[key]
        thread = await self.open_private_thread(
            place.address.channel, place.title, list(place.members)
        )
        first = Send(
            Address(place.address.platform, place.address.workspace, thread),
            place.text,
            card=place.card,
            choices=place.choices,
        )
        delivered = await self.send(first, None, key)
        with self.db.transaction() as s:
            repos.kv_put(s, NS_PLACE, thread, {"root": delivered.message_id})
        return Delivered(delivered.message_id, thread, None)

    async def open_private_thread(self, channel: str, title: str, members: list[str]) -> str:
        """A private thread in a channel with only these people (and moderators who can see
        private threads): for tickets."""
        data = await self._request(
            "POST",
            "/channels/{channel_id}/threads",
            {
                "name": _thread_name(title),
                "type": 12,
                "invitable": False,
                "auto_archive_duration": 10080,
            },
            channel_id=channel,
        )
        thread = str(data["id"])
        self._threads[thread] = channel
        for user in members:
            await self._request(
                "PUT",
                "/channels/{channel_id}/thread-members/{user_id}",
                channel_id=thread,
                user_id=user,
            )
        return thread


def _gateway_ended(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the Discord gateway connection ended", exc_info=task.exception())


def intents(settings: DiscordSettings) -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.guild_reactions = True
    wanted.dm_reactions = True
    wanted.members = settings.members
    wanted.message_content = settings.message_content
    return wanted


def _private(text: str) -> dict[str, Any]:
    return {
        "type": MESSAGE,
        "data": {
            "content": text[: messages.CONTENT_MAX],
            "flags": messages.EPHEMERAL,
            "allowed_mentions": {"parse": []},
        },
    }


def _thread_name(title: str) -> str:
    name = " ".join(title.split()) or "Discussion"
    return name if len(name) <= 100 else name[:99] + "…"


def _retry_after(exc: discord.HTTPException) -> float:
    try:
        return float(exc.response.headers.get("Retry-After") or 1.0)
    except (AttributeError, TypeError, ValueError):
        return 1.0


async def sync_once(settings: DiscordSettings, registry: Registry) -> tuple[int, str]:
    """`moot discord sync`: log in over REST only and register the command tree."""
    if settings.api_base:
        Route.BASE = settings.api_base
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(settings.token)
        app = settings.application_id or str(client.application_id)
        body = tree.commands(registry)
        menus = context_menus.commands(registry)
        await client.http.request(commands_route(app, settings.guild_id), json=body + menus)
        return len(body), (f"guild {settings.guild_id}" if settings.guild_id else "global")
    finally:
        await client.close()


def commands_route(application_id: str, guild_id: str) -> Route:
    if guild_id:
        return Route(
            "PUT",
            "/applications/{application_id}/guilds/{guild_id}/commands",
            application_id=application_id,
            guild_id=guild_id,
        )
    return Route("PUT", "/applications/{application_id}/commands", application_id=application_id)
