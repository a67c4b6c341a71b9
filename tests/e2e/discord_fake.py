"""A fake Discord on loopback for the real discord.py client: the REST API the adapter and the
library call, and a gateway websocket that says HELLO, answers IDENTIFY with READY and a
GUILD_CREATE that agree with each other, acknowledges heartbeats and pushes whatever
dispatch a test asks for. Every REST call and interaction callback is recorded, with the
time from pushing an interaction to its callback arriving.

JSON is answered with `Content-Type: application/json` exactly, as discord.py only parses
a body with that header."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters import discord_payloads as p

API = "/api/v10"


@dataclass
class Call:
    at: float
    method: str
    path: str
    body: Any


@dataclass
class Callback:
    interaction_id: str
    type: int
    data: dict[str, Any]
    latency: float  # seconds from pushing the dispatch to receiving the callback


@dataclass
class Message:
    id: str
    channel_id: str
    content: str
    embeds: list[Any]
    components: list[Any]
    allowed_mentions: Any = None
    # Ephemeral messages are seen only by this user.
    only: str | None = None
    edits: int = 0
    nonce: str | None = None
    # A person's message (None: the bot's), and the users it pings.
    author: str | None = None
    mentions: list[str] = field(default_factory=list)
    # Attachments of a multipart create: filename, content_type, data.
    files: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, body: dict[str, Any]) -> None:
        """An edit: what the body names changes, the rest stays."""
        self.content = body.get("content", self.content)
        self.embeds = body.get("embeds", self.embeds)
        self.components = body.get("components", self.components)
        self.allowed_mentions = body.get("allowed_mentions")
        self.edits += 1

    def as_json(self) -> dict[str, Any]:
        out = p.bot_message(self.channel_id, self.id, self.components)
        out.update(content=self.content, embeds=self.embeds, flags=64 if self.only else 0)
        if self.author is not None:
            out["author"] = p.user(self.author, p.NAMES.get(self.author, "someone"))
            out["mentions"] = [p.user(u, p.NAMES.get(u, "someone")) for u in self.mentions]
        if self.nonce:
            out["nonce"] = self.nonce
        return out


@dataclass
class RateLimit:
    method: str
    path: str
    times: int
    retry_after: float


@dataclass
class Interaction:
    payload: dict[str, Any]
    user: str
    channel: str
    sent_at: float
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    body = json.dumps(data).encode()
    return web.Response(
        body=body, status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


async def _multipart(request: web.Request) -> dict[str, Any]:
    """A message with files, as Discord takes it: payload_json plus files[N] parts."""
    form = await request.post()
    body: dict[str, Any] = json.loads(str(form.get("payload_json") or "{}"))
    body["_files"] = [
        {"filename": part.filename, "content_type": part.content_type, "data": part.file.read()}
        for name, part in form.items()
        if name.startswith("files[") and isinstance(part, web.FileField)
    ]
    return body


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status)


class FakeDiscord:
    def __init__(self, members: list[str] | None = None) -> None:
        self.members = members or [p.OWNER, p.ALICE, p.BOB, p.CAROL, p.DAVE, p.BOT]
        self.calls: list[Call] = []
        self.callbacks: list[Callback] = []
        self.messages: dict[str, Message] = {}
        self.threads: dict[str, dict[str, Any]] = {}
        self.thread_members: dict[str, set[str]] = {}
        self.reactions: list[tuple[str, str, str]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.dm_channels: dict[str, str] = {}
        self.dm_closed: set[str] = set()
        self.rate_limits: list[RateLimit] = []
        self.interactions: dict[str, Interaction] = {}
        self.identifies = 0
        # Member roles granted (guild, user, role); roles Moot may not grant (403).
        self.granted: list[tuple[str, str, str]] = []
        self.roles_forbidden: set[str] = set()
        self.scheduled_events: dict[str, dict[str, Any]] = {}
        # (method, path) answered 403 Missing Permissions.
        self.forbidden: set[tuple[str, str]] = set()
        self.resumes = 0
        self.replay_overlap = 0
        self.session_id = ""
        self._frames: list[dict[str, Any]] = []  # this session's dispatches, for a RESUME
        self._nonces: dict[tuple[str, str], Message] = {}
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._connected = asyncio.Event()
        self._callback_seen: dict[str, asyncio.Event] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------ server
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ------------------------------------------------------------ gateway
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._ws = ws
        self._connected.clear()
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                self.identifies += 1
                self._seq = 0
                self._frames = []
                self.session_id = f"session-{self.identifies}"
                await self._ready(ws)
            elif op == 6:
                await self._resume(ws, data.get("d") or {})
            elif op == 8:
                await self.dispatch(
                    "GUILD_MEMBERS_CHUNK",
                    {
                        "guild_id": p.GUILD,
                        "members": [p.member(u) for u in self.members],
                        "chunk_index": 0,
                        "chunk_count": 1,
                        "nonce": data["d"].get("nonce"),
                    },
                )
        if self._ws is ws:
            self._ws = None
        return ws

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        """RESUME: the dispatches after the client's sequence number, again, then RESUMED;
        an unknown session is refused (op 9, not resumable), as Discord does. With
        `replay_overlap`, that many dispatches the client already had are replayed too (a
        replay Discord is free to make: the client must not count them twice)."""
        if not self.session_id or d.get("session_id") != self.session_id:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        self.resumes += 1
        after = int(d.get("seq") or 0) - self.replay_overlap
        for frame in [f for f in self._frames if f["s"] > after]:
            await ws.send_str(json.dumps(frame))
        self._seq += 1
        resumed = {"op": 0, "t": "RESUMED", "s": self._seq, "d": {}}
        self._frames.append(resumed)
        await ws.send_str(json.dumps(resumed))
        self._connected.set()

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        me = {**p.user(p.BOT, "moot", bot=True), "verified": True, "mfa_enabled": False, "flags": 0}
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": me,
                "guilds": [{"id": p.GUILD, "unavailable": True}],
                "session_id": self.session_id,
                "resume_gateway_url": self.gateway_url,
                "application": {"id": p.APP, "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
        )
        guild = p.guild_create(self.members)
        guild["threads"] = list(self.threads.values())
        await self.dispatch("GUILD_CREATE", guild)
        self._connected.set()

    async def wait_connected(self, timeout: float = 30.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a dispatch; with the client away, keep it for its RESUME (as Discord keeps
        a session's dispatches for a while)."""
        if self._ws is None and not self.session_id:
            raise RuntimeError("no gateway connection")
        self._seq += 1
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._frames.append(frame)
        if self._ws is not None:
            await self._ws.send_str(json.dumps(frame))

    async def drop_gateway(self) -> None:
        """Close the websocket (code 1000, as Discord sometimes does): discord.py comes
        back after its backoff and RESUMEs."""
        if self._ws is not None:
            self._connected.clear()
            await self._ws.close()

    async def wait_disconnected(self, timeout: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while self._ws is not None:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the client is still connected")
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------ interactions
    async def interact(self, payload: dict[str, Any], timeout: float = 3.0) -> Callback:
        """Push an INTERACTION_CREATE and wait for its callback: Discord's 3-second limit is
        the timeout."""
        iid = payload["id"]
        user = ((payload.get("member") or {}).get("user") or payload.get("user") or {})["id"]
        seen = self._callback_seen[iid] = asyncio.Event()
        self.interactions[payload["token"]] = Interaction(
            payload, user, payload["channel_id"], time.perf_counter()
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        await asyncio.wait_for(seen.wait(), timeout)
        return next(c for c in self.callbacks if c.interaction_id == iid)

    # ------------------------------------------------------------ REST
    def _limited(self, method: str, path: str) -> RateLimit | None:
        for rl in self.rate_limits:
            if rl.method == method and path == rl.path and rl.times > 0:
                rl.times -= 1
                return rl
        return None

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.content_type.startswith("multipart/"):
            body = await _multipart(request)
        elif request.can_read_body:
            raw = await request.read()
            with contextlib.suppress(ValueError):
                body = json.loads(raw) if raw else None
        self.calls.append(Call(time.perf_counter(), request.method, path, body))
        if (request.method, path) in self.forbidden:
            return _error(403, 50013, "Missing Permissions")
        rl = self._limited(request.method, path)
        if rl is not None:
            return _json(
                {
                    "message": "You are being rate limited.",
                    "retry_after": rl.retry_after,
                    "global": False,
                },
                429,
                {
                    "Via": "1.1 google",
                    "Retry-After": str(rl.retry_after),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(rl.retry_after),
                    "X-RateLimit-Bucket": "fake-bucket",
                    "X-RateLimit-Scope": "user",
                },
            )
        parts = path.strip("/").split("/")
        handler = self._route(request.method, parts)
        if handler is None:
            return _error(404, 0, f"404: Not Found ({request.method} {path})")
        return await handler(parts, body, request)

    def _route(self, method: str, parts: list[str]) -> Callable[..., Any] | None:
        n = len(parts)
        sched = parts[0] == "guilds" and n > 2 and parts[2] == "scheduled-events"
        table: list[tuple[str, Callable[[list[str]], bool], Callable[..., Any]]] = [
            ("GET", lambda x: x == ["users", "@me"], self._me),
            ("GET", lambda x: x == ["oauth2", "applications", "@me"], self._app),
            ("GET", lambda x: x[0] == "gateway", self._gateway_info),
            ("PUT", lambda x: x[0] == "applications" and x[-1] == "commands", self._commands),
            ("POST", lambda x: x[0] == "interactions" and x[-1] == "callback", self._callback),
            ("PATCH", lambda x: x[0] == "webhooks" and x[-1] == "@original", self._original),
            ("POST", lambda x: x[0] == "webhooks" and n == 3, self._followup),
            ("POST", lambda x: x == ["users", "@me", "channels"], self._open_dm),
            ("POST", lambda x: x[0] == "channels" and n == 3 and x[2] == "messages", self._create),
            ("PATCH", lambda x: x[0] == "channels" and n == 4 and x[2] == "messages", self._edit),
            ("POST", lambda x: x[0] == "channels" and n == 5 and x[4] == "threads", self._thread),
            ("POST", lambda x: x[0] == "channels" and n == 3 and x[2] == "threads", self._private),
            (
                "PUT",
                lambda x: x[0] == "channels" and n == 4 and x[2] == "thread-members",
                self._join,
            ),
            ("PUT", lambda x: x[0] == "channels" and n == 7 and x[4] == "reactions", self._react),
            ("GET", lambda x: x[0] == "channels" and n == 4 and x[2] == "messages", self._get),
            ("PUT", lambda x: x[0] == "guilds" and n == 6 and x[4] == "roles", self._grant),
            ("GET", lambda x: sched and n == 3, self._events),
            ("POST", lambda x: sched and n == 3, self._event_new),
            ("PATCH", lambda x: sched and n == 4, self._event_edit),
            ("DELETE", lambda x: sched and n == 4, self._event_delete),
        ]
        for m, match, fn in table:
            if m == method and match(parts):
                return fn
        return None

    async def _me(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        return _json({**p.user(p.BOT, "moot", bot=True), "verified": True, "flags": 0})

    async def _app(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        return _json(
            {
                "id": p.APP,
                "name": "Moot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": p.user(p.OWNER, "olga"),
                "verify_key": "0" * 64,
                "flags": 0,
                "summary": "",
                "interactions_endpoint_url": None,
            }
        )

    async def _gateway_info(
        self, parts: list[str], body: Any, request: web.Request
    ) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _commands(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        where = parts[3] if len(parts) > 4 else "global"
        registered = [
            {**c, "id": p.snowflake(), "application_id": p.APP, "version": p.snowflake()}
            for c in body or []
        ]
        self.commands[where] = registered
        return _json(registered)

    async def _callback(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        iid, token = parts[1], parts[2]
        inter = self.interactions.get(token)
        latency = time.perf_counter() - inter.sent_at if inter else -1.0
        data = dict(body.get("data") or {})
        self.callbacks.append(Callback(iid, int(body["type"]), data, latency))
        if inter is not None and body["type"] in (4, 5):
            only = inter.user if (data.get("flags", 0) & 64) else None
            inter.original = Message(
                p.snowflake(), inter.channel, data.get("content", ""), [], [], only=only
            )
        seen = self._callback_seen.get(iid)
        if seen is not None:
            seen.set()
        return web.Response(status=204)

    def _inter(self, token: str) -> Interaction | None:
        return self.interactions.get(token)

    async def _original(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        inter = self._inter(parts[2])
        if inter is None or inter.original is None:
            return _error(404, 10015, "Unknown Webhook")
        m = inter.original
        m.apply(body)
        return _json(m.as_json())

    async def _followup(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        inter = self._inter(parts[2])
        if inter is None:
            return _error(404, 10015, "Unknown Webhook")
        only = inter.user if (body.get("flags", 0) & 64) else None
        m = Message(
            p.snowflake(),
            inter.channel,
            body.get("content", ""),
            body.get("embeds", []),
            body.get("components", []),
            body.get("allowed_mentions"),
            only=only,
        )
        inter.followups.append(m)
        if not only:
            self.messages[m.id] = m
        return _json(m.as_json())

    async def _open_dm(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        uid = str(body["recipient_id"])
        channel = self.dm_channels.setdefault(uid, p.snowflake())
        return _json({"id": channel, "type": 1, "recipients": [p.user(uid, p.NAMES.get(uid, "x"))]})

    async def _create(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        channel = parts[1]
        dm_user = next((u for u, c in self.dm_channels.items() if c == channel), None)
        if dm_user is not None and dm_user in self.dm_closed:
            return _error(403, 50007, "Cannot send messages to this user")
        known = channel in (p.GENERAL, p.VOTES) or channel in self.threads or dm_user is not None
        if not known:
            return _error(404, 10003, "Unknown Channel")
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce") and (channel, nonce) in self._nonces:
            return _json(self._nonces[(channel, nonce)].as_json())
        m = Message(
            p.snowflake(),
            channel,
            body.get("content", ""),
            body.get("embeds", []),
            body.get("components", []),
            body.get("allowed_mentions"),
            nonce=nonce,
            files=list(body.get("_files") or []),
        )
        self.messages[m.id] = m
        if nonce:
            self._nonces[(channel, nonce)] = m
        return _json(m.as_json())

    async def _edit(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        m = self.messages.get(parts[3])
        if m is None or m.channel_id != parts[1]:
            return _error(404, 10008, "Unknown Message")
        m.apply(body)
        return _json(m.as_json())

    async def _thread(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        channel, message_id = parts[1], parts[3]
        if message_id not in self.messages:
            return _error(404, 10008, "Unknown Message")
        if message_id in self.threads:
            return _error(400, 160004, "A thread has already been created for this message")
        thread = p.thread_channel(message_id, channel, body.get("name", ""))
        self.threads[message_id] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return _json(thread)

    async def _private(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        tid = p.snowflake()
        thread = p.thread_channel(
            tid, parts[1], body.get("name", ""), kind=int(body.get("type", 12))
        )
        self.threads[tid] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return _json(thread)

    async def _join(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        self.thread_members.setdefault(parts[1], set()).add(parts[3])
        return web.Response(status=204)

    async def _react(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        self.reactions.append((parts[1], parts[3], parts[5]))
        return web.Response(status=204)

    async def _get(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        m = self.messages.get(parts[3])
        if m is None or m.channel_id != parts[1]:
            return _error(404, 10008, "Unknown Message")
        return _json(m.as_json())

    async def _grant(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        guild, user, role = parts[1], parts[3], parts[5]
        if role in self.roles_forbidden:
            return _error(403, 50013, "Missing Permissions")
        if role not in {r["id"] for r in p.ROLES}:
            return _error(404, 10011, "Unknown Role")
        self.granted.append((guild, user, role))
        return web.Response(status=204)

    async def _events(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        return _json(list(self.scheduled_events.values()))

    async def _event_new(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        wanted = ("name", "privacy_level", "scheduled_start_time", "entity_type")
        missing = [k for k in wanted if k not in body]
        if missing or (body["entity_type"] == 3 and not body.get("scheduled_end_time")):
            return _error(400, 50035, f"Invalid Form Body ({missing or 'scheduled_end_time'})")
        sid = p.snowflake()
        event = {**body, "id": sid, "guild_id": parts[1], "status": 1, "creator_id": p.BOT}
        self.scheduled_events[sid] = event
        return _json(event)

    async def _event_edit(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        event = self.scheduled_events.get(parts[3])
        if event is None:
            return _error(404, 10070, "Unknown Guild Scheduled Event")
        event.update(body)
        return _json(event)

    async def _event_delete(
        self, parts: list[str], body: Any, request: web.Request
    ) -> web.Response:
        if self.scheduled_events.pop(parts[3], None) is None:
            return _error(404, 10070, "Unknown Guild Scheduled Event")
        return web.Response(status=204)

    # ------------------------------------------------------------ people
    def say(self, uid: str, channel: str, content: str, mentions: tuple[str, ...] = ()) -> Any:
        """A person's message in a channel or thread: kept (so it can be fetched and
        quoted) and returned as its MESSAGE_CREATE payload, to dispatch."""
        payload = p.message_create(uid, channel, content)
        m = Message(payload["id"], channel, content, [], [], author=uid, mentions=list(mentions))
        self.messages[m.id] = m
        payload["mentions"] = m.as_json()["mentions"]
        return payload

    # ------------------------------------------------------------ reading
    def in_channel(self, channel: str) -> list[Message]:
        return [m for m in self.messages.values() if m.channel_id == channel and not m.only]

    def seen_by(self, user: str) -> list[Message]:
        """Ephemeral messages only this user saw."""
        out: list[Message] = []
        for inter in self.interactions.values():
            for m in [inter.original, *inter.followups]:
                if m is not None and m.only == user:
                    out.append(m)
        return out

    def calls_to(self, method: str, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith(prefix)]
