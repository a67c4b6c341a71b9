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
    # [outbox]: this replica's name (unique among running replicas; default the host name)
    # and how many channels it delivers to at once.
    outbox_replica: str | None = None
    outbox_lanes: int = 8
    slack: dict[str, Any] | None = None
    matrix: dict[str, Any] | None = None
    discord: dict[str, Any] | None = None
    secrets: list[str] = field(default_factory=list, repr=False)
    # With load(strict=False) (`moot doctor`): what was wrong, each value left at its default.
    problems: list[str] = field(default_factory=list, repr=False)

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


# The sections and keys the core reads; platform sections are checked by their adapter.
CORE_KEYS = {
    "database": {"url"},
    "community": {"timezone"},
    "scheduler": {"sweep_seconds"},
    "logging": {"level", "format"},
    "http": {"enabled", "host", "port"},
    "outbox": {"replica", "lanes"},
}
PLATFORMS = ("slack", "matrix", "discord")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigProblems(ConfigError):
    """Every problem found in one config, one line each (file, key, what is wrong, what is
    allowed), so a person fixes them all in one go."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _read(p: Path) -> dict[str, Any]:
    if not p.exists():
        raise ConfigError(f"config file {p} does not exist")
    if not p.is_file():
        raise ConfigError(f"config file {p} is not a file")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not UTF-8 text; save the config as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None


def _check(where: str, data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    allowed = sorted([*CORE_KEYS, *PLATFORMS])
    for name, section in data.items():
        if name not in CORE_KEYS and name not in PLATFORMS:
            problems.append(
                f"{where}: [{name}] is not a section Moot reads (allowed: {', '.join(allowed)})"
            )
            continue
        if not isinstance(section, dict):
            problems.append(f"{where}: {name} must be a [{name}] section, not a value")
            continue
        if name in CORE_KEYS:
            for key in section:
                if key not in CORE_KEYS[name]:
                    keys = ", ".join(sorted(CORE_KEYS[name]))
                    problems.append(f"{where}: [{name}] {key} is not a key Moot reads ({keys})")
    return problems


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    section = data.get(name, {})
    return section if isinstance(section, dict) else {}


def _timezone(where: str, value: Any, problems: list[str]) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: [community] timezone must be a zone name like Europe/Berlin")
        return "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"{where}: [community] timezone {value!r} is not a known time zone "
            "(an IANA name like Europe/Berlin or UTC)"
        )
        return "UTC"
    return value


def _sweep(where: str, value: Any, problems: list[str]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(
            f"{where}: [scheduler] sweep_seconds must be a number of seconds, not {value!r}"
        )
        return 15.0
    if not 1 <= value <= 3600:
        problems.append(f"{where}: [scheduler] sweep_seconds {value} is out of range (1 to 3600)")
        return 15.0
    return float(value)


def _level(where: str, value: Any, problems: list[str]) -> str:
    level = str(value).upper()
    if level not in LEVELS:
        problems.append(
            f"{where}: [logging] level {value!r} is not a log level (one of {', '.join(LEVELS)})"
        )
        return "INFO"
    return level


def _database_url(where: str, url: Any, problems: list[str]) -> str:
    from storage.db import url_problem

    if not isinstance(url, str):
        problems.append(f"{where}: [database] url must be a text URL like sqlite:///moot.db")
        return DEFAULT_URL
    problem = url_problem(url)
    if problem:
        problems.append(f"{where}: [database] url {redact_url(url)!r} {problem}")
    return url


def load(
    path: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    *,
    strict: bool = True,
) -> Config:
    env = dict(os.environ if env is None else env)
    data: dict[str, Any] = {}
    where = "config"
    if path is not None:
        p = Path(path)
        data = _read(p)
        where = str(p)
    problems = _check(where, data)
    db = _section(data, "database")
    community = _section(data, "community")
    sched = _section(data, "scheduler")
    log = _section(data, "logging")
    url_where = "MOOT_DATABASE_URL" if env.get("MOOT_DATABASE_URL") else where
    cfg = Config(
        database_url=_database_url(
            url_where, env.get("MOOT_DATABASE_URL") or db.get("url") or DEFAULT_URL, problems
        ),
        timezone=_timezone(where, community.get("timezone", "UTC"), problems),
        sweep_seconds=_sweep(where, sched.get("sweep_seconds", 15), problems),
        log_level=_level(where, log.get("level", "INFO"), problems),
        log_format=str(log.get("format", "text")).lower(),
    )
    if cfg.log_format not in ("text", "json"):
        problems.append(
            f'{where}: [logging] format must be "text" or "json", not "{cfg.log_format}"'
        )
    http = _section(data, "http")
    cfg.http_enabled = bool(http.get("enabled", True))
    cfg.http_host = str(env.get("MOOT_HTTP_HOST") or http.get("host", "127.0.0.1"))
    try:
        cfg.http_port = int(env.get("MOOT_HTTP_PORT") or http.get("port", 8080))
    except (TypeError, ValueError):
        problems.append(f"{where}: [http] port must be a whole number, like 8080")
    else:
        if not 0 <= cfg.http_port <= 65535:
            problems.append(f"{where}: [http] port {cfg.http_port} is out of range (0-65535)")
    outbox = _section(data, "outbox")
    cfg.outbox_replica = str(outbox["replica"]) if outbox.get("replica") else None
    try:
        cfg.outbox_lanes = int(outbox.get("lanes", 8))
    except (TypeError, ValueError):
        problems.append(f"{where}: [outbox] lanes must be a whole number, like 8")
    else:
        if cfg.outbox_lanes < 1:
            problems.append(f"{where}: [outbox] lanes must be at least 1")
    for platform in PLATFORMS:
        section = data.get(platform)
        if isinstance(section, dict) and section.get("enabled", True):
            setattr(cfg, platform, dict(section))
    if problems and strict:
        raise ConfigProblems(problems)
    cfg.problems = problems
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
    # Alembic tells of every migration step at INFO; `moot export` output must stay clean.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
