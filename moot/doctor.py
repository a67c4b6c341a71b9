"""`moot doctor`: is this installation able to run? One line per check, a non-zero exit
when any check fails. Tokens are checked for shape offline, and against the platform only
when its host answers; a token is never printed."""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text

from bot.config import Config, ConfigError, Redactor, redact_url
from storage import migrate
from storage.db import Database

SLACK_API = "https://slack.com/api/"
NETWORK_TIMEOUT = 5.0
DISCORD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,}$")


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    # A check that could not run (no network) is no failure, but is said.
    skipped: bool = False

    def line(self) -> str:
        mark = "skip" if self.skipped else ("ok  " if self.ok else "FAIL")
        return f"{mark} {self.name}: {self.detail}"


def reachable(url: str, timeout: float = NETWORK_TIMEOUT) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=timeout).close()
        return True
    except OSError:
        return False


def call_json(
    url: str, token: str, *, method: str = "GET", timeout: float = NETWORK_TIMEOUT
) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        url,
        method=method,
        headers={"Authorization": f"Bearer {token}"},
        data=b"" if method == "POST" else None,
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read() or b"{}")
        except ValueError:
            body = {}
        return exc.code, body


def check_config(cfg: Config, path: str | None) -> list[Finding]:
    found = [Finding("config", True, f"{path or 'no file (defaults and environment)'}, {cfg!r}")]
    # Each problem the loader found (it was told to keep going), with its file prefix cut.
    for problem in cfg.problems:
        found.append(Finding("config", False, problem.split(": ", 1)[-1]))
    if not any(getattr(cfg, p) for p in ("slack", "matrix", "discord")):
        found.append(Finding("config", False, "no platform is configured: add [slack] or [matrix]"))
    return found


def check_database(cfg: Config) -> list[Finding]:
    where = redact_url(cfg.database_url)
    try:
        db = Database(cfg.database_url)
    except Exception as exc:
        return [Finding("database", False, f"{where}: {type(exc).__name__}: {exc}")]
    try:
        with db.read() as s:
            s.execute(text("SELECT 1"))
    except Exception as exc:
        db.dispose()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [Finding("database", False, f"{where} is unreachable: {reason}")]
    try:
        current, head = migrate.current_revision(db), migrate.head_revision(db)
    finally:
        db.dispose()
    found = [Finding("database", True, f"{where} reachable")]
    if current == head:
        found.append(Finding("migrations", True, f"current ({head})"))
    else:
        found.append(
            Finding(
                "migrations",
                False,
                f"at {current or 'none'}, code needs {head}: run `moot db upgrade`",
            )
        )
    return found


def check_slack(section: dict[str, Any], online: Callable[[str], bool]) -> list[Finding]:
    from adapters.slack.adapter import SlackConfig

    try:
        sc = SlackConfig.from_section(section)
    except (ConfigError, ValueError) as exc:
        return [Finding("slack", False, str(exc))]
    found = [Finding("slack", True, f"{sc.mode} mode, token shapes ok")]
    if sc.mode == "http" and not re.fullmatch(r"[0-9a-f]{32}", sc.signing_secret):
        found.append(
            Finding(
                "slack",
                False,
                "signing_secret should be 32 hex digits (app settings, Basic Information)",
            )
        )
    base = sc.api_base_url or SLACK_API
    if not online(base):
        return [
            *found,
            Finding(
                "slack auth", True, "not checked: Slack is not reachable from here", skipped=True
            ),
        ]
    try:
        status, body = call_json(base.rstrip("/") + "/auth.test", sc.bot_token, method="POST")
    except (OSError, ValueError) as exc:
        return [*found, Finding("slack auth", False, f"auth.test failed: {type(exc).__name__}")]
    if body.get("ok"):
        return [
            *found,
            Finding("slack auth", True, f"bot {body.get('user_id')} in team {body.get('team_id')}"),
        ]
    return [*found, Finding("slack auth", False, f"auth.test said {body.get('error') or status}")]


def check_matrix(section: dict[str, Any], online: Callable[[str], bool]) -> list[Finding]:
    from adapters.matrix.settings import MatrixSettings

    try:
        ms = MatrixSettings.from_config(section)
    except (ConfigError, ValueError) as exc:
        return [Finding("matrix", False, str(exc))]
    found = [Finding("matrix", True, f"{ms.user_id} on {ms.homeserver}")]
    if not ms.access_token:
        return [
            *found,
            Finding(
                "matrix auth", True, "password login: checked when `moot run` logs in", skipped=True
            ),
        ]
    if not online(ms.homeserver):
        return [
            *found,
            Finding(
                "matrix auth", True, f"not checked: {ms.homeserver} is not reachable", skipped=True
            ),
        ]
    try:
        status, body = call_json(
            f"{ms.homeserver}/_matrix/client/v3/account/whoami", ms.access_token
        )
    except (OSError, ValueError) as exc:
        return [*found, Finding("matrix auth", False, f"whoami failed: {type(exc).__name__}")]
    if status == 200 and body.get("user_id") == ms.user_id:
        return [*found, Finding("matrix auth", True, f"the token is {ms.user_id}'s")]
    if status == 200:
        return [
            *found,
            Finding(
                "matrix auth",
                False,
                f"the token belongs to {body.get('user_id')}, not {ms.user_id}",
            ),
        ]
    return [*found, Finding("matrix auth", False, f"whoami said {body.get('errcode') or status}")]


def check_discord(section: dict[str, Any]) -> list[Finding]:
    token = str(section.get("token") or "")
    if not DISCORD_TOKEN.match(token):
        return [
            Finding("discord", False, "token (or DISCORD_TOKEN) is not shaped like a bot token")
        ]
    return [Finding("discord", True, "token shape ok (no Discord adapter in this version)")]


def run(cfg: Config, path: str | None, online: Callable[[str], bool] = reachable) -> list[Finding]:
    found = check_config(cfg, path)
    found += check_database(cfg)
    if cfg.slack:
        found += check_slack(cfg.slack, online)
    if cfg.matrix:
        found += check_matrix(cfg.matrix, online)
    if cfg.discord:
        found += check_discord(cfg.discord)
    return found


def main(cfg: Config, path: str | None, out: Callable[[str], None] = print) -> int:
    found = run(cfg, path)
    redact = Redactor(cfg.secrets)  # an error message quoting a token stays masked
    for f in found:
        out(redact(f.line()))
    bad = [f for f in found if not f.ok]
    out(f"{len(bad)} problem(s) found." if bad else "All checks passed.")
    return 1 if bad else 0
