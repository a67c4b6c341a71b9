"""Start a real Synapse homeserver on loopback for end-to-end tests.

    with SynapseServer(tmp_dir) as hs:
        alice = hs.register("alice", "pw")                # -> "@alice:moot.test"
        client = await login_client(hs, alice, "pw")     # a logged-in nio.AsyncClient

Everything the server writes (config, signing key, SQLite database, media store, logs) lives
in the directory it is given, and it listens on a free port of 127.0.0.1 only, so two runs can
go side by side. There is no federation listener; registration is by shared secret only; rate
limits are raised so tests never meet a 429.

Logs: <dir>/homeserver.log (Synapse's own logging, WARNING and up) and <dir>/stdout.log
(anything printed before logging is set up, e.g. config errors). Start-up failures quote
the tail of both.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SERVER_NAME = "moot.test"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

# Generous enough that no test ever waits on a limiter.
_FAST = {"per_second": 10_000, "burst_count": 100_000}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody is listening on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"<{path.name}: not written>"
    body = "\n".join(text.splitlines()[-lines:])
    return f"--- last {lines} lines of {path} ---\n{body or '<empty>'}"


def _die_with_parent() -> None:
    """In the child before exec: on Linux, SIGTERM the homeserver if the test process dies
    without stopping it (e.g. SIGKILL), so no orphan keeps running."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class RegisteredUser:
    user_id: str
    access_token: str
    device_id: str


class SynapseError(RuntimeError):
    pass


class SynapseServer:
    """One Synapse process. Use as a context manager or call start() / stop()."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        server_name: str = SERVER_NAME,
        *,
        start_timeout: float = START_TIMEOUT,
        extra_config: dict[str, Any] | None = None,
    ) -> None:
        self.directory = Path(directory).resolve()
        self._server_name = server_name
        self.start_timeout = start_timeout
        self.extra_config = dict(extra_config or {})
        self.registration_shared_secret = secrets.token_hex(32)
        self._macaroon_secret_key = secrets.token_hex(32)  # kept over restarts
        self._form_secret = secrets.token_hex(32)
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at: float | None = None  # time.monotonic() when the process was spawned
        self.ready_at: float | None = None  # time.monotonic() when /versions first answered
        self._stdout: Any = None

    # ----------------------------------------------------------------- properties

    @property
    def server_name(self) -> str:
        return self._server_name

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise SynapseError("server not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def startup_seconds(self) -> float | None:
        """Seconds from spawning the process to the client API answering."""
        if self.started_at is None or self.ready_at is None:
            return None
        return self.ready_at - self.started_at

    @property
    def config_path(self) -> Path:
        return self.directory / "homeserver.yaml"

    @property
    def log_path(self) -> Path:
        return self.directory / "homeserver.log"

    @property
    def stdout_path(self) -> Path:
        return self.directory / "stdout.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self._server_name}"

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines) + "\n" + _tail(self.stdout_path, lines)

    # ------------------------------------------------------------------ config

    def _write_signing_key(self) -> Path:
        path = self.directory / f"{self._server_name}.signing.key"
        if not path.exists():  # keep the key over a restart
            from signedjson.key import generate_signing_key, write_signing_keys

            key = generate_signing_key("a_" + secrets.token_hex(2))
            with path.open("w") as fh:
                write_signing_keys(fh, [key])
        return path

    def _write_log_config(self) -> Path:
        path = self.directory / "log.config"
        config = {
            "version": 1,
            "formatters": {
                "precise": {
                    "format": "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s"
                    " - %(request)s - %(message)s"
                }
            },
            "filters": {"context": {"()": "synapse.logging.context.LoggingContextFilter"}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "precise",
                    "filename": str(self.log_path),
                    "filters": ["context"],
                    "encoding": "utf8",
                }
            },
            "loggers": {"synapse.storage.SQL": {"level": "WARNING"}},
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    def _config(self) -> dict[str, Any]:
        assert self.port is not None
        d = self.directory
        config: dict[str, Any] = {
            "server_name": self._server_name,
            "public_baseurl": f"http://127.0.0.1:{self.port}/",
            "pid_file": str(d / "homeserver.pid"),
            "report_stats": False,
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {
                "name": "sqlite3",
                "args": {"database": str(d / "homeserver.db")},
            },
            "log_config": str(self._write_log_config()),
            "media_store_path": str(d / "media_store"),
            "signing_key_path": str(self._write_signing_key()),
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "enable_registration": False,
            "registration_shared_secret": self.registration_shared_secret,
            "macaroon_secret_key": self._macaroon_secret_key,
            "form_secret": self._form_secret,
            "url_preview_enabled": False,
            "enable_metrics": False,
            # Rate limits: every limiter a client-API test can meet, raised.
            "rc_message": _FAST,
            "rc_registration": _FAST,
            "rc_registration_token_validity": _FAST,
            "rc_login": {"address": _FAST, "account": _FAST, "failed_attempts": _FAST},
            "rc_admin_redaction": _FAST,
            "rc_joins": {"local": _FAST, "remote": _FAST},
            "rc_joins_per_room": _FAST,
            "rc_3pid_validation": _FAST,
            "rc_invites": {"per_room": _FAST, "per_user": _FAST, "per_issuer": _FAST},
            "rc_third_party_invite": _FAST,
            "rc_media_create": _FAST,
            "rc_presence": {"per_user": _FAST},
            "rc_delayed_event_mgmt": _FAST,
            "rc_room_creation": _FAST,
            "rc_reports": _FAST,
            "rc_user_directory": _FAST,
            "rc_profile": _FAST,
            "rc_key_requests": _FAST,
        }
        config.update(self.extra_config)
        return config

    # -------------------------------------------------------------- lifecycle

    def start(self) -> SynapseServer:
        if self.running:
            return self
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "media_store").mkdir(exist_ok=True)
        # A free port can be taken between our probe and Synapse's bind (another run doing
        # the same thing); when the bind is what failed, try again on a fresh port.
        # A restart first tries the port it had, so clients made before it keep working.
        port = self.port
        attempts = 3
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(port)
                return self
            except SynapseError:
                bind_failed = "Address already in use" in self.log_tail(200)
                self.stop()
                if not bind_failed or attempt == attempts:
                    raise
                port = None
        raise AssertionError("unreachable")

    def _start_once(self, port: int | None) -> None:
        self.port = port or free_port()
        self.config_path.write_text(yaml.safe_dump(self._config(), sort_keys=False))
        self._stdout = self.stdout_path.open("ab")
        self.started_at = time.monotonic()
        self.ready_at = None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal goes to pytest, which stops us
            preexec_fn=_die_with_parent,
        )
        self._wait_ready()
        self.ready_at = time.monotonic()

    def _wait_ready(self) -> None:
        assert self.process is not None and self.started_at is not None
        url = f"{self.base_url}/_matrix/client/versions"
        deadline = self.started_at + self.start_timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise SynapseError(
                    f"Synapse exited with code {code} before answering {url}\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                raise SynapseError(
                    f"Synapse did not answer {url} within {self.start_timeout:.0f}s\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s. Safe to call any number of times."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait()
        if self._stdout is not None:
            self._stdout.close()
            self._stdout = None

    def restart(self) -> SynapseServer:
        """Stop and start again on the same directory (same database and signing key)."""
        self.stop()
        return self.start()

    def __enter__(self) -> SynapseServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __del__(self) -> None:  # last resort; never leave an orphan homeserver behind
        with contextlib.suppress(Exception):
            self.stop()

    # ------------------------------------------------------------------ admin API

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")
            raise SynapseError(f"{method} {path} -> {err.code}: {detail}") from None

    def register_user(
        self,
        localpart: str,
        password: str,
        admin: bool = False,
        displayname: str | None = None,
    ) -> RegisteredUser:
        """Register through /_synapse/admin/v1/register with the shared secret."""
        path = "/_synapse/admin/v1/register"
        nonce = self._request("GET", path)["nonce"]
        mac = hmac.new(self.registration_shared_secret.encode(), digestmod=hashlib.sha1)
        for part in (nonce, localpart, password):
            mac.update(part.encode())
            mac.update(b"\x00")
        mac.update(b"admin" if admin else b"notadmin")
        body: dict[str, Any] = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        if displayname is not None:
            body["displayname"] = displayname
        out = self._request("POST", path, body)
        return RegisteredUser(out["user_id"], out["access_token"], out["device_id"])

    def register(self, localpart: str, password: str, admin: bool = False) -> str:
        """Register a user; returns the full user id, e.g. "@alice:moot.test"."""
        return self.register_user(localpart, password, admin).user_id

    def unique_localpart(self, prefix: str = "user") -> str:
        """A fresh localpart, for tests sharing one (session-wide) server."""
        return f"{prefix}-{secrets.token_hex(4)}"


async def login_client(
    server: SynapseServer,
    user_id: str,
    password: str,
    device_name: str = "moot-e2e",
    *,
    max_limit_exceeded: int = 0,
) -> Any:
    """A nio.AsyncClient logged in as user_id. The caller closes it (await client.close()).

    max_limit_exceeded=0: a 429 comes back as an ErrorResponse (M_LIMIT_EXCEEDED) instead of
    nio's default of sleeping and retrying forever, so tests see rate limiting rather than
    just getting slow. Connection errors are retried only a few times for the same reason.
    """
    import nio

    config = nio.AsyncClientConfig(
        max_limit_exceeded=max_limit_exceeded,
        max_timeouts=3,
        request_timeout=30,
        encryption_enabled=False,
        store_sync_tokens=False,
    )
    client = nio.AsyncClient(server.base_url, user_id, config=config)
    resp = await client.login(password, device_name=device_name)
    if not isinstance(resp, nio.LoginResponse):
        await client.close()
        raise SynapseError(f"login as {user_id} failed: {resp}")
    return client


# Big enough that a burst of test traffic never comes back as a "limited" timeline.
SYNC_FILTER = {"room": {"timeline": {"limit": 200}}, "presence": {"types": []}}


class EventLog:
    """Every timeline event one client has synced, in order, so a test can wait for events
    without losing others that arrived in the same sync batch.

        log = EventLog(bob)
        ev = await log.wait_for(lambda ev: ev["event_id"] == sent.event_id)
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.events: list[dict[str, Any]] = []  # raw events; each has "room_id" set

    async def sync_once(self, timeout_ms: int = 0) -> None:
        import nio

        resp = await self.client.sync(timeout=timeout_ms, sync_filter=SYNC_FILTER)
        if not isinstance(resp, nio.SyncResponse):
            raise SynapseError(f"{self.client.user_id}: sync failed: {resp}")
        for room_id, room in resp.rooms.join.items():
            for event in room.timeline.events:
                self.events.append({**event.source, "room_id": room_id})

    def find(self, predicate: Any) -> list[dict[str, Any]]:
        return [ev for ev in self.events if predicate(ev)]

    async def wait_for(self, predicate: Any, timeout: float = 15.0) -> dict[str, Any]:
        """The first event (already seen or synced from now on) for which predicate(raw_event)
        is true; raw_event is the event JSON plus "room_id"."""
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        checked = 0
        while True:
            for ev in self.events[checked:]:
                if predicate(ev):
                    return ev
            checked = len(self.events)
            remaining = deadline - loop.time()
            if remaining <= 0:
                summary = "\n".join(
                    f"  {ev['room_id']} {ev.get('type')} {json.dumps(ev.get('content'))[:120]}"
                    for ev in self.events[-20:]
                )
                raise TimeoutError(
                    f"{self.client.user_id}: no matching event within {timeout}s; "
                    f"last seen:\n{summary}"
                )
            await self.sync_once(int(min(remaining, 2.0) * 1000))
