"""Configuration from a TOML file, with secrets preferably from the environment. Secrets are
kept out of reprs and registered with the log filter so they never reach a log line."""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    # [outbox]: this replica's name (unique among running replicas; default the host name)
    # and how many channels it delivers to at once.
    outbox_replica: str | None = None
    outbox_lanes: int = 8
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
    outbox = data.get("outbox", {})
    cfg = Config(
        database_url=env.get("MOOT_DATABASE_URL") or db.get("url") or DEFAULT_URL,
        timezone=community.get("timezone", "UTC"),
        sweep_seconds=float(sched.get("sweep_seconds", 15)),
        log_level=str(log.get("level", "INFO")).upper(),
        outbox_replica=str(outbox["replica"]) if outbox.get("replica") else None,
        outbox_lanes=int(outbox.get("lanes", 8)),
    )
    if cfg.outbox_lanes < 1:
        raise ConfigError("[outbox] lanes must be at least 1")
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


class RedactSecrets(logging.Filter):
    """Replaces every known secret in a log record with ***."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        msg = record.getMessage()
        for secret in self.secrets:
            msg = msg.replace(secret, "***")
        record.msg, record.args = msg, ()
        return True


def setup_logging(cfg: Config) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(cfg.secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(cfg.log_level)
    # APScheduler logs every wake-up at INFO; our own scheduler logs what matters.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
