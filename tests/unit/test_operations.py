"""Operations: the HTTP server of `moot run` (health, readiness, metrics, registered routes),
structured logs with masked secrets, and `moot doctor`."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlmodel import Session

from bot.app import App
from bot.clock import FakeClock
from bot.config import ConfigError, load, setup_logging
from bot.context import Ctx
from bot.model import Actor, Address, CommandInvoked
from bot.registry import Registry
from moot import doctor
from moot.cli import main
from moot.http import HttpServer
from storage import repos
from storage.db import Database
from storage.tables import DueWork, KeyValue

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
WHERE = Address("console", "local", "general")
ALICE = Actor("console", "alice", "Alice", is_admin=True)


class FakeAdapter:
    def __init__(self, connected: bool = True) -> None:
        self.connected = connected


async def get(
    port: int, path: str, method: str = "GET", raw: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw or f"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def feed_registry() -> Registry:
    reg = Registry()

    @reg.http_route("/feed/")
    def feed(s: Session, tail: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        due = s.execute(select(func.count()).select_from(DueWork)).scalar_one()
        return 200, "text/calendar", f"{tail}|{query.get('token')}|{due}".encode()

    @reg.http_route("/feed/admin/")
    def admin(s: Session, tail: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        return 403, "text/plain", b"admin " + tail.encode()

    @reg.http_route("/write/")
    def writes(s: Session, tail: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        s.add(KeyValue(namespace="x", key=tail, value={}))
        s.flush()
        return 200, "text/plain", b"wrote"

    @reg.command("ping", help="ping")
    def ping(ctx: Ctx) -> None:
        ctx.reply("pong")

    @reg.due_kind("tick")
    def tick(ctx: Ctx, work: DueWork) -> None:
        ctx.post("general", "tick")

    return reg


@pytest.fixture
async def server(db: Database) -> Any:
    reg = feed_registry()
    adapters: dict[str, Any] = {"console": FakeAdapter()}
    srv = HttpServer(db, reg, adapters, FakeClock(T0), host="127.0.0.1", port=0)
    port = await srv.start()
    yield srv, port, adapters, reg
    await srv.stop()


async def test_health_and_readiness(server: Any) -> None:
    _, port, adapters, _ = server
    assert (await get(port, "/healthz"))[0] == 200
    status, _, body = await get(port, "/readyz")
    assert status == 200, body
    assert b"ok  database" in body and b"ok  migrations" in body and b"ok  adapter console" in body
    adapters["console"].connected = False
    status, _, body = await get(port, "/readyz")
    assert status == 503 and b"FAIL adapter console: not connected" in body
    status, headers, body = await get(port, "/healthz", "HEAD")
    assert status == 200 and body == b"" and headers["Content-Length"] == "3"


async def test_readiness_fails_while_migrations_are_behind(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    srv = HttpServer(db, Registry(), {}, FakeClock(T0), port=0)
    port = await srv.start()
    try:
        status, _, body = await get(port, "/readyz")
    finally:
        await srv.stop()
        db.dispose()
    assert status == 503 and b"FAIL migrations: at None, code needs" in body


async def test_registered_routes_get_their_tail_and_query_in_a_read_only_session(
    server: Any, db: Database
) -> None:
    _, port, _, _ = server
    with db.transaction() as s:
        repos.schedule(s, kind="tick", key="1", due_at=T0)
    status, headers, body = await get(port, "/feed/42.ics?token=abc&x=1")
    assert (status, headers["Content-Type"], body) == (200, "text/calendar", b"42.ics|abc|1")
    status, _, body = await get(port, "/feed/admin/a")
    assert (status, body) == (403, b"admin a")  # the longest prefix wins
    status, _, _ = await get(port, "/write/k")
    assert status == 500
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(KeyValue)).scalar_one() == 0
    assert (await get(port, "/nothing"))[0] == 404
    assert (await get(port, "/feed/x", "POST"))[0] == 405
    assert (await get(port, "", raw=b"garbage\r\n\r\n"))[0] == 400


def sample(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


async def test_metrics_count_events_deliveries_and_read_the_database(
    server: Any, db: Database
) -> None:
    srv, port, _, reg = server
    clock = FakeClock(T0)
    app = App(db, reg, clock)
    srv.clock = clock

    before = (await get(port, "/metrics"))[2].decode()
    ok_before = sample(before, "moot_events_total", platform="console", outcome="ok") or 0
    event = CommandInvoked(
        event_id="m1", actor=ALICE, address=WHERE, name="ping", args="", raw_text=""
    )
    assert app.dispatcher.handle_now(event) == "ok"
    assert app.dispatcher.handle_now(event) == "duplicate"
    with db.transaction() as s:
        c = repos.get_or_create_community(s, "console", "local", T0)
        repos.schedule(s, kind="tick", key="t", due_at=T0 - timedelta(minutes=5), community_id=c.id)
    clock.advance(timedelta(seconds=30))
    status, headers, body = await get(port, "/metrics")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=")
    assert sample(text, "moot_events_total", platform="console", outcome="ok") == ok_before + 1
    assert (sample(text, "moot_events_total", platform="console", outcome="duplicate") or 0) >= 1
    assert (sample(text, "moot_dispatch_seconds_count", platform="console") or 0) >= 2
    assert sample(text, "moot_outbox_pending") == 1
    assert sample(text, "moot_outbox_oldest_pending_seconds") == 30
    assert sample(text, "moot_due_lag_seconds") == 330
    assert app.scheduler.run_due_now() == 1
    sent_before = (
        sample(text, "moot_deliveries_total", platform="console", kind="send", status="sent") or 0
    )
    from adapters.console import ConsoleAdapter

    app.sender.adapters = {"console": ConsoleAdapter(app.db, out=lambda _s: None)}
    await app.settle()
    text = (await get(port, "/metrics"))[2].decode()
    assert sample(text, "moot_due_lag_seconds") == 0 and sample(text, "moot_outbox_pending") == 0
    assert (
        sample(text, "moot_deliveries_total", platform="console", kind="send", status="sent")
        == sent_before + 2
    )
    assert (sample(text, "moot_due_runs_total", kind="tick", outcome="ok") or 0) >= 1
    assert (sample(text, "moot_due_lateness_seconds_count", kind="tick") or 0) >= 1


# ------------------------------------------------------------------ logs


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    buf = io.StringIO()
    yield buf
    root.handlers[:] = saved
    root.setLevel(level)


def configured(tmp_path: Path, body: str, env: dict[str, str] | None = None) -> Any:
    path = tmp_path / "moot.toml"
    path.write_text(body)
    return load(path, env=env or {})


async def test_json_logs_carry_event_community_platform_and_mask_secrets(
    tmp_path: Path, db: Database, log_stream: io.StringIO
) -> None:
    token = "xoxb-1111-2222-abcdefghijkl"
    cfg = configured(
        tmp_path,
        '[logging]\nformat = "json"\n'
        '[slack]\nsigning_secret = "0123456789abcdef0123456789abcdef"\n',
        {"SLACK_BOT_TOKEN": token},
    )
    setup_logging(cfg)
    logging.getLogger().handlers[0].setStream(log_stream)  # type: ignore[attr-defined]
    reg = Registry()

    @reg.command("leak", help="leak")
    def leak(ctx: Ctx) -> None:
        logging.getLogger("moot.test").warning("using %s and %s", token, "xapp-1-A0-9999999999-zz")
        raise RuntimeError(f"boom with 0123456789abcdef0123456789abcdef and {token}")

    app = App(db, reg, FakeClock(T0))
    event = CommandInvoked(
        event_id="Ev42", actor=ALICE, address=WHERE, name="leak", args="", raw_text=""
    )
    assert app.dispatcher.handle_now(event) == "error"
    logging.getLogger("moot.test").info("after the event")
    out = log_stream.getvalue()
    assert (
        token not in out and "0123456789abcdef0123456789abcdef" not in out and "xapp-1" not in out
    )
    lines = [json.loads(line) for line in out.splitlines()]
    warn = next(e for e in lines if e["message"].startswith("using"))
    assert warn["event_id"] == "Ev42" and warn["platform"] == "console"
    assert warn["community"] == "console:local" and warn["message"] == "using *** and ***"
    failed = next(e for e in lines if "exception" in e)
    assert (
        failed["event_id"] == "Ev42"
        and "RuntimeError: boom with *** and ***" in failed["exception"]
    )
    after = lines[-1]
    assert after["message"] == "after the event" and after["event_id"] is None
    assert {"time", "level", "logger"} <= set(after)


def test_config_http_and_logging_keys(tmp_path: Path) -> None:
    cfg = configured(tmp_path, '[http]\nhost = "0.0.0.0"\nport = 9100\n')
    assert (cfg.http_enabled, cfg.http_host, cfg.http_port, cfg.log_format) == (
        True,
        "0.0.0.0",
        9100,
        "text",
    )
    assert not configured(tmp_path, "[http]\nenabled = false\n").http_enabled
    for bad, said in (
        ('[http]\nport = "x"\n', "port must be a whole number"),
        ("[http]\nport = 70000\n", "out of range"),
        ('[logging]\nformat = "xml"\n', 'format must be "text" or "json"'),
    ):
        with pytest.raises(ConfigError, match=said):
            configured(tmp_path, bad)


# ------------------------------------------------------------------ doctor


class FakePlatform(BaseHTTPRequestHandler):
    """Slack's auth.test and Matrix's whoami, for one good token."""

    good = "xoxb-good-token-123456"
    matrix_good = "syt_good_matrix_token_1234"

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        ok = self.headers.get("Authorization") == f"Bearer {self.good}"
        self._reply(
            200,
            {"ok": True, "user_id": "UBOT", "team_id": "T1"}
            if ok
            else {"ok": False, "error": "invalid_auth"},
        )

    def do_GET(self) -> None:
        if self.headers.get("Authorization") == f"Bearer {self.matrix_good}":
            self._reply(200, {"user_id": "@moot:example.org"})
        else:
            self._reply(401, {"errcode": "M_UNKNOWN_TOKEN"})

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def platform() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakePlatform)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def doctor_run(
    tmp_path: Path, body: str, capsys: pytest.CaptureFixture[str], env: dict[str, str] | None = None
) -> tuple[int, str]:
    path = tmp_path / "doctor.toml"
    path.write_text(body)
    import os

    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        code = main(["doctor", "--config", str(path)])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return code, capsys.readouterr().out


def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'doc.db'}"
    from storage import migrate

    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    return url


def test_doctor_passes_a_good_setup_and_checks_tokens_online(
    tmp_path: Path, platform: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = migrated(tmp_path)
    body = (
        f'[database]\nurl = "{url}"\n[slack]\nmode = "http"\napi_base_url = "{platform}/api/"\n'
        'signing_secret = "0123456789abcdef0123456789abcdef"\n'
        f'[matrix]\nhomeserver = "{platform}"\nuser_id = "@moot:example.org"\n'
    )
    env = {"SLACK_BOT_TOKEN": FakePlatform.good, "MATRIX_ACCESS_TOKEN": FakePlatform.matrix_good}
    code, out = doctor_run(tmp_path, body, capsys, env)
    assert code == 0, out
    assert "ok   slack auth: bot UBOT in team T1" in out and "ok   matrix auth" in out
    assert "ok   migrations: current" in out and out.strip().endswith("All checks passed.")
    assert FakePlatform.good not in out and FakePlatform.matrix_good not in out
    lines = out.strip().splitlines()
    assert all(line.split()[0] in ("ok", "skip", "FAIL", "All") for line in lines)


def test_doctor_names_each_problem_in_one_line(
    tmp_path: Path, platform: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_token = "xoxb-revoked-token-98765"
    body = (
        f'[database]\nurl = "sqlite:///{tmp_path / "empty.db"}"\n'
        '[community]\ntimezone = "Mars/Base"\n'
        f'[slack]\nmode = "http"\napi_base_url = "{platform}/api/"\nsigning_secret = "short"\n'
        '[matrix]\nhomeserver = "http://127.0.0.1:9"\nuser_id = "@moot:example.org"\n'
        'access_token = "syt_whatever_token_00000"\n'
    )
    code, out = doctor_run(tmp_path, body, capsys, {"SLACK_BOT_TOKEN": bad_token})
    assert code == 1
    assert "FAIL config: [community] timezone 'Mars/Base' is not a known time zone" in out
    assert "FAIL migrations: at none, code needs" in out and "moot db upgrade" in out
    assert "FAIL slack: signing_secret should be 32 hex digits" in out
    assert "FAIL slack auth: auth.test said invalid_auth" in out
    assert "skip matrix auth: not checked: http://127.0.0.1:9 is not reachable" in out
    assert bad_token not in out and "syt_whatever" not in out
    assert "problem(s) found." in out


def test_doctor_checks_token_shapes_offline(tmp_path: Path) -> None:
    cfg = load(
        env={"SLACK_BOT_TOKEN": "xoxp-user-token-not-bot", "MOOT_DATABASE_URL": migrated(tmp_path)}
    )
    found = doctor.run(cfg, None, online=lambda _url: False)
    assert any(not f.ok and f.name == "slack" and "xoxb" in f.detail for f in found)
    cfg = load(env={"DISCORD_TOKEN": "nope", "MOOT_DATABASE_URL": migrated(tmp_path)})
    found = doctor.run(cfg, None, online=lambda _url: False)
    assert any(not f.ok and f.name == "discord" for f in found)


def test_doctor_reports_an_unreachable_database(tmp_path: Path) -> None:
    cfg = load(
        env={
            "MOOT_DATABASE_URL": "postgresql://moot:hunter22@127.0.0.1:9/moot",
            "SLACK_BOT_TOKEN": "xoxb-x-1234567890",
        }
    )
    lines: list[str] = []
    assert doctor.main(cfg, None, out=lines.append) == 1
    db_line = next(line for line in lines if line.startswith("FAIL database"))
    assert "unreachable" in db_line and "hunter22" not in "\n".join(lines)
