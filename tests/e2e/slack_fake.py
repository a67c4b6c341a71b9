"""A fake Slack for end-to-end tests, all on 127.0.0.1: a Web API server that records every
call and answers like Slack, and a client that signs requests to the bot like Slack does."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200


@dataclass
class FakeSlackApi:
    team: str = "T0001MOOT"
    bot_user: str = "U0BOT0001"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    # method -> list of (status, headers, body) answered before the normal one
    failures: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = field(
        default_factory=dict
    )

    # Called with each recorded call before it is answered (a test may kill the bot there).
    on_call: Any = None
    # channel -> messages posted there (as conversations.history returns them, oldest first)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    # Files shared by files.completeUploadExternal: id, name, title, data, channel, thread_ts.
    uploads: list[dict[str, Any]] = field(default_factory=list)
    # user group id -> its members, as usergroups.users.list answers and .update sets.
    group_users: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        # file id -> {"name", "length", "data"} between getUploadURLExternal and complete
        self._staged: dict[str, dict[str, Any]] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.upload_base = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/api/"
        self.upload_base = f"http://127.0.0.1:{port}/upload/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: takes the bytes."""
        staged = self._staged.get(request.match_info["file_id"])
        if staged is None:
            return web.Response(status=404, text="unknown upload")
        staged["data"] = await request.read()
        staged["content_type"] = request.content_type
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"]}))
        return web.Response(status=200, text="OK - " + str(len(staged["data"])))

    def _complete(self, args: dict[str, Any]) -> dict[str, Any]:
        items = args.get("files")
        items = json.loads(items) if isinstance(items, str) else items or []
        shared = []
        for item in items:
            staged = self._staged.get(str(item.get("id")))
            # Like Slack: a file whose bytes never arrived, or arrived short, is refused.
            if staged is None or len(staged.get("data") or b"") != int(staged["length"]):
                return {"ok": False, "error": "file_upload_size_mismatch"}
            channel = str(args.get("channel_id") or "")
            record = {
                "id": item["id"],
                "name": staged["name"],
                "title": item.get("title") or staged["name"],
                "data": staged["data"],
                "content_type": staged.get("content_type"),
                "channel": channel,
                "thread_ts": args.get("thread_ts"),
            }
            self.uploads.append(record)
            shared.append({"id": item["id"], "title": record["title"]})
        return {"ok": True, "files": shared}

    def _file_info(self, file_id: str) -> dict[str, Any]:
        found = [u for u in self.uploads if u["id"] == file_id]
        if not found and file_id not in self._staged:
            return {"ok": False, "error": "file_not_found"}
        name = found[0]["name"] if found else self._staged[file_id]["name"]
        ims = [u["channel"] for u in found if u["channel"].startswith("D")]
        chans = [u["channel"] for u in found if not u["channel"].startswith("D")]
        return {"ok": True, "file": {"id": file_id, "name": name, "channels": chans, "ims": ims}}

    def _group_update(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup"))
        if not any(g.get("id") == group for g in self.usergroups):
            return {"ok": False, "error": "no_such_subteam"}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        self.group_users[group] = users
        for g in self.usergroups:
            if g.get("id") == group:
                g["users"] = users
        return {"ok": True, "usergroup": {"id": group, "users": users}}

    def fail_next(
        self, method: str, status: int, headers: dict[str, str] | None = None, **body: Any
    ) -> None:
        self.failures.setdefault(method, []).append((status, headers or {}, {"ok": False, **body}))

    def of(self, method: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update(dict(urllib.parse.parse_qsl(raw.decode())))
        pending = self.failures.get(method)
        if pending:
            status, headers, body = pending.pop(0)
            self.calls.append(Call(method, args, status))
            return web.json_response(body, status=status, headers=headers)
        self.calls.append(Call(method, args))
        answer = self._answer(method, args)
        if self.on_call is not None:
            self.on_call(self.calls[-1])
        return web.json_response(answer)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return {
                **ok,
                "url": "https://moot-test.slack.com/",
                "team": "Moot test",
                "user": "moot",
                "team_id": self.team,
                "user_id": self.bot_user,
                "bot_id": "B0MOOT001",
            }
        if method == "chat.postMessage":
            ts = f"1700000{next(self._ts):03d}.000100"
            meta = args.get("metadata")
            message = {
                "type": "message",
                "user": self.bot_user,
                "ts": ts,
                "text": args.get("text", ""),
                **({"thread_ts": args["thread_ts"]} if args.get("thread_ts") else {}),
                **(
                    {"metadata": json.loads(meta) if isinstance(meta, str) else meta}
                    if meta
                    else {}
                ),
            }
            self.messages.setdefault(str(args["channel"]), []).append(message)
            return {**ok, "channel": args["channel"], "ts": ts, "message": message}
        if method in ("conversations.history", "conversations.replies"):
            return {**ok, "messages": self._history(method, args), "has_more": False}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": f"1700000{next(self._ts):03d}.000200"}
        if method == "chat.update":
            return {**ok, "channel": args["channel"], "ts": args["ts"], "text": args.get("text")}
        if method == "conversations.open":
            return {**ok, "channel": {"id": "D0" + str(args.get("users", "X"))[1:]}}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {**ok, "user": user}
        if method == "usergroups.list":
            return {**ok, "usergroups": self.usergroups}
        if method == "files.getUploadURLExternal":
            file_id = f"F0FILE{next(self._files):04d}"
            self._staged[file_id] = {"name": args["filename"], "length": int(args["length"])}
            return {**ok, "file_id": file_id, "upload_url": self.upload_base + file_id}
        if method == "files.completeUploadExternal":
            return self._complete(args)
        if method == "files.info":
            return self._file_info(str(args.get("file")))
        if method == "usergroups.users.list":
            group = str(args.get("usergroup"))
            known = next((g for g in self.usergroups if g.get("id") == group), None)
            if known is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {**ok, "users": list(self.group_users.get(group, known.get("users", [])))}
        if method == "usergroups.users.update":
            return self._group_update(args)
        if method in ("views.open", "views.publish"):
            return {**ok, "view": {"id": "V0VIEW001", **(args.get("view") or {})}}
        return ok

    def _history(self, method: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Newest first for a channel (top-level messages only), oldest first for a thread
        (its root, then replies), like Slack; metadata only when asked for."""
        posted = self.messages.get(str(args.get("channel")), [])
        if method == "conversations.history":
            found = [m for m in reversed(posted) if not m.get("thread_ts")]
        else:
            root = str(args.get("ts"))
            found = [{"type": "message", "ts": root}] + [
                m for m in posted if m.get("thread_ts") == root
            ]
        found = found[: int(args.get("limit") or 100)]
        if str(args.get("include_all_metadata")).lower() not in ("true", "1"):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return found


async def until(pred: Any, timeout: float = 6.0) -> Any:
    """Poll pred until it returns something true; that is the answer."""
    import asyncio

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting")


def user(uid: str, name: str, admin: bool = False) -> dict[str, Any]:
    return {
        "id": uid,
        "name": name,
        "real_name": name.title(),
        "is_admin": admin,
        "is_owner": False,
        "profile": {"display_name": name, "real_name": name.title()},
    }


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackSender:
    """Posts to the bot as Slack would: signed, with Slack's content types."""

    url: str
    secret: str
    session: aiohttp.ClientSession
    last_seconds: float = 0.0
    timings: list[float] = field(default_factory=list)

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        signature: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        h = {
            "Content-Type": content_type,
            **(sign(self.secret, body) if signature is None else signature),
            **(headers or {}),
        }
        start = time.perf_counter()
        async with self.session.post(self.url, data=body.encode(), headers=h) as resp:
            text = await resp.text()
        self.last_seconds = time.perf_counter() - start
        self.timings.append(self.last_seconds)
        return resp.status, text

    async def command(self, form: dict[str, str], **kw: Any) -> tuple[int, str]:
        return await self.post(
            urllib.parse.urlencode(form), "application/x-www-form-urlencoded", **kw
        )

    async def interaction(self, payload: dict[str, Any], **kw: Any) -> tuple[int, str]:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def event(self, envelope: dict[str, Any], **kw: Any) -> tuple[int, str]:
        return await self.post(json.dumps(envelope), "application/json", **kw)
