"""The HTTP server `moot run` serves for operations: /healthz (the process is alive),
/readyz (database reachable, migrations current, every adapter connected), /metrics
(Prometheus text), and any route a capability registers with `reg.http_route(prefix)`.

The standard library's asyncio streams are enough for a handful of GET requests from a
probe or a scraper; it keeps aiohttp out of the core install. Database work runs in a
worker thread in a read-only session, so a scrape never stalls the bot's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sqlalchemy import text

from bot import metrics
from bot.clock import Clock
from bot.registry import Registry
from storage import migrate
from storage.db import Database

log = logging.getLogger("moot.http")

MAX_REQUEST_BYTES = 16 * 1024
REQUEST_TIMEOUT = 10.0

Response = tuple[int, str, bytes]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def readiness(db: Database, adapters: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    try:
        with db.read() as s:
            s.execute(text("SELECT 1"))
        checks.append(Check("database", True, "reachable"))
    except Exception as exc:
        checks.append(Check("database", False, f"unreachable: {type(exc).__name__}"))
        return checks
    current, head = migrate.current_revision(db), migrate.head_revision(db)
    checks.append(
        Check(
            "migrations",
            current == head,
            f"at {current}" + ("" if current == head else f", code needs {head}"),
        )
    )
    for name, adapter in adapters.items():
        connected = bool(getattr(adapter, "connected", True))
        checks.append(
            Check(f"adapter {name}", connected, "connected" if connected else "not connected")
        )
    return checks


class HttpServer:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        adapters: Mapping[str, Any],
        clock: Clock,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
    ) -> None:
        self.db = db
        self.registry = registry
        self.adapters = adapters
        self.clock = clock
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen; returns the bound port (ask for port 0 to get a free one)."""
        self._server = await asyncio.start_server(self._client, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        log.info("HTTP server (health, readiness, metrics) on %s:%s", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    # ---------------------------------------------------------------- requests
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT)
            except asyncio.LimitOverrunError:
                status, ctype, body = 431, "text/plain", b"request header too large\n"
                method = "GET"
            else:
                if len(head) > MAX_REQUEST_BYTES:
                    method, (status, ctype, body) = "GET", (431, "text/plain", b"too large\n")
                else:
                    method, status, ctype, body = await self._respond(head)
            reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
            lines = [
                f"HTTP/1.1 {status} {reason}",
                f"Content-Type: {ctype}",
                f"Content-Length: {len(body)}",
                "Cache-Control: no-store",
                "Connection: close",
            ]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            if method != "HEAD":
                writer.write(body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _respond(self, head: bytes) -> tuple[str, int, str, bytes]:
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return "GET", 400, "text/plain", b"bad request\n"
        method, target = parts[0], parts[1]
        if method not in ("GET", "HEAD"):
            return method, 405, "text/plain", b"only GET and HEAD\n"
        url = urlsplit(target)
        path = unquote(url.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            status, ctype, body = await self.route(path, query)
        except Exception:
            log.exception("HTTP %s failed", path)
            status, ctype, body = 500, "text/plain", b"internal error\n"
        return method, status, ctype, body

    async def route(self, path: str, query: dict[str, str]) -> Response:
        if path == "/healthz":
            return 200, "text/plain; charset=utf-8", b"ok\n"
        if path == "/readyz":
            checks = await asyncio.to_thread(readiness, self.db, self.adapters)
            body = "".join(c.line() + "\n" for c in checks).encode()
            return (200 if all(c.ok for c in checks) else 503), "text/plain; charset=utf-8", body
        if path == "/metrics":
            await asyncio.to_thread(self._read_metrics)
            return 200, metrics.CONTENT_TYPE, metrics.render()
        found = self._registered(path)
        if found is None:
            return 404, "text/plain; charset=utf-8", b"not found\n"
        handler, tail = found
        return await asyncio.to_thread(self._call_route, handler, tail, query)

    def _registered(self, path: str) -> tuple[Callable[..., Response], str] | None:
        # The longest matching prefix wins, so /ical/ and /ical/admin/ can both exist.
        for prefix in sorted(self.registry.http_routes, key=len, reverse=True):
            if path.startswith(prefix):
                return self.registry.http_routes[prefix], path[len(prefix) :]
        return None

    def _call_route(
        self, handler: Callable[..., Response], tail: str, query: dict[str, str]
    ) -> Response:
        with self.db.read() as s:
            status, ctype, body = handler(s, tail, query)
        return int(status), str(ctype), body if isinstance(body, bytes) else str(body).encode()

    def _read_metrics(self) -> None:
        try:
            with self.db.read() as s:
                metrics.read_database(s, self.clock.now())
        except Exception:
            # The counters are still worth serving when the database is away.
            log.warning("metrics: the database could not be read", exc_info=True)
