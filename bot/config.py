"""Configuration from a TOML file, with secrets preferably from the environment. Secrets are
kept out of reprs and registered with the log filter so they never reach a log line."""

from __future__ import annotations

import json
import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot import logctx
from storage.db import DEFAULT_URL

# Config keys whose values are secrets, with the environment variable that may supply each.
SECRET_ENV = {
    ("slack", "bot_token"): "SLACK_BOT_TOKEN",
    ("slack", "signing_secret"): "SLACK_SIGNING_SECRET",
    ("slack", "app_token"): "SLACK_APP_TOKEN",
    ("matrix", "access_token"): "MATRIX_ACCESS_TOKEN",
    ("matrix", "password"): "MATRIX_PASSWORD",
    ("discord", "token"): "DISCORD_TOKEN",
}


class ConfigError(ValueError):
    pass


@dataclass
class Config:
    database_url: str = DEFAULT_URL
    timezone: str = "UTC"
    sweep_seconds: float = 15.0
    log_level: str = "INFO"
    # "text" (one readable line) or "json" (one object per line, for log collectors).
    log_format: str = "text"
    # The operations server of `moot run`: /healthz, /readyz, /metrics.
    http_enabled: bool = True
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    slack: dict[str, Any] | None = None
    matrix: dict[str, Any] | None = None
    discord: dict[str, Any] | None = None
    secrets: list[str] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        platforms = [p for p in ("slack", "matrix", "discord") if getattr(self, p)]
        return f"Config(database={redact_url(self.database_url)!r}, platforms={platforms})"


def redact_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def load(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ if env is None else env)
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise ConfigError(f"config file {p} does not exist")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: {exc}") from None
    db = data.get("database", {})
    community = data.get("community", {})
    sched = data.get("scheduler", {})
    log = data.get("logging", {})
    cfg = Config(
        database_url=env.get("MOOT_DATABASE_URL") or db.get("url") or DEFAULT_URL,
        timezone=community.get("timezone", "UTC"),
        sweep_seconds=float(sched.get("sweep_seconds", 15)),
        log_level=str(log.get("level", "INFO")).upper(),
        log_format=str(log.get("format", "text")).lower(),
    )
    http = data.get("http", {})
    cfg.http_enabled = bool(http.get("enabled", True))
    cfg.http_host = str(env.get("MOOT_HTTP_HOST") or http.get("host", "127.0.0.1"))
    try:
        cfg.http_port = int(env.get("MOOT_HTTP_PORT") or http.get("port", 8080))
    except ValueError:
        raise ConfigError("[http] port must be a whole number, like 8080") from None
    if not 0 <= cfg.http_port <= 65535:
        raise ConfigError(f"[http] port {cfg.http_port} is out of range (0-65535)")
    if cfg.log_format not in ("text", "json"):
        raise ConfigError(f'[logging] format must be "text" or "json", not "{cfg.log_format}"')
    for platform in ("slack", "matrix", "discord"):
        section = data.get(platform)
        if section is not None and section.get("enabled", True):
            setattr(cfg, platform, dict(section))
    for (platform, key), var in SECRET_ENV.items():
        section = getattr(cfg, platform)
        value = env.get(var)
        if value:
            if section is None:
                section = {}
                setattr(cfg, platform, section)
            section[key] = value
        if section and section.get(key):
            cfg.secrets.append(str(section[key]))
    if "@" in cfg.database_url and ":" in cfg.database_url.split("://", 1)[-1].split("@")[0]:
        cfg.secrets.append(cfg.database_url.split("://", 1)[1].split("@")[0].split(":", 1)[1])
    # Env alone can switch a platform on only if its essential token is present.
    if cfg.slack is not None and not cfg.slack.get("bot_token"):
        cfg.slack = None if set(cfg.slack) <= {"signing_secret", "app_token"} else cfg.slack
    return cfg


# Token shapes masked even when the config did not name them (a token pasted into a
# message, a traceback quoting a header): Slack bot/user/app tokens, Matrix access tokens.
TOKEN_SHAPES = re.compile(
    r"\b(xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}|syt_[A-Za-z0-9_]{10,})"
)


class Redactor:
    def __init__(self, secrets: list[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return TOKEN_SHAPES.sub("***", text)


class RedactSecrets(logging.Filter):
    """Replaces every known secret (and anything shaped like a platform token) in a log
    record's message with ***. The formatters mask tracebacks too."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.redact = Redactor(secrets)
        self.secrets = self.redact.secrets

    def filter(self, record: logging.LogRecord) -> bool:
        msg = self.redact(record.getMessage())
        record.msg, record.args = msg, ()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(f"{k}={v}" for k, v in logctx.current().items() if v)
        return self.redact(f"{line} [{context}]" if context else line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the event id, community and
    platform being handled (null outside one), and the traceback if any."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
            **logctx.current(),
        }
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(cfg: Config) -> None:
    redact = Redactor(cfg.secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(redact) if cfg.log_format == "json" else TextFormatter(redact)
    )
    handler.addFilter(RedactSecrets(cfg.secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(cfg.log_level)
