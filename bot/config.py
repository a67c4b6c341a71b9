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


# The sections and keys the core reads; platform sections are checked by their adapter.
CORE_KEYS = {
    "database": {"url"},
    "community": {"timezone"},
    "scheduler": {"sweep_seconds"},
    "logging": {"level"},
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


def load(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Config:
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
    )
    for platform in PLATFORMS:
        section = data.get(platform)
        if isinstance(section, dict) and section.get("enabled", True):
            setattr(cfg, platform, dict(section))
    if problems:
        raise ConfigProblems(problems)
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
    # Alembic tells of every migration step at INFO; `moot export` output must stay clean.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
