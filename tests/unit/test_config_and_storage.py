from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from bot.config import ConfigError, RedactSecrets, load
from storage import migrate, repos
from storage.db import Database
from storage.tables import AuditLog, Community


def test_env_wins_and_secrets_are_collected(tmp_path: Path) -> None:
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text(
        '[database]\nurl = "sqlite:///x.db"\n[community]\ntimezone = "Europe/Berlin"\n'
        '[slack]\nbot_token = "xoxb-from-file-123"\nsigning_secret = "s3cr3t-file"\n'
    )
    cfg = load(cfg_file, env={"SLACK_BOT_TOKEN": "xoxb-from-env-456", "MOOT_DATABASE_URL": ""})
    assert cfg.slack is not None and cfg.slack["bot_token"] == "xoxb-from-env-456"
    assert cfg.timezone == "Europe/Berlin" and cfg.database_url == "sqlite:///x.db"
    assert "xoxb-from-env-456" in cfg.secrets and "s3cr3t-file" in cfg.secrets
    assert "xoxb" not in repr(cfg)


def test_missing_and_broken_config_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load(tmp_path / "nope.toml", env={})
    bad = tmp_path / "bad.toml"
    bad.write_text("[database\n")
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        load(bad, env={})


def test_tokens_never_reach_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("moot.test.redact")
    flt = RedactSecrets(["xoxb-very-secret"])
    logger.addFilter(flt)
    try:
        with caplog.at_level(logging.INFO, logger="moot.test.redact"):
            logger.info("connecting with %s", "xoxb-very-secret")
    finally:
        logger.removeFilter(flt)
    assert "xoxb-very-secret" not in caplog.text and "***" in caplog.text


def test_migrations_have_one_head_and_reach_it(db: Database) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(db))
    assert len(script.get_heads()) == 1
    migrate.upgrade(db)  # idempotent on an up-to-date database
    assert migrate.current_revision(db) == script.get_current_head()


def test_sqlite_read_then_write_under_concurrency_never_locks(tmp_path: Path) -> None:
    """Deferred transactions that read, then write, fail with "database is locked" when two
    connections interleave; IMMEDIATE transactions wait their turn instead."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    db = Database(url)
    migrate.upgrade(db)
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        mine = Database(url)
        try:
            for i in range(40):
                with mine.transaction() as s:
                    c = repos.get_or_create_community(s, "console", "local", _now())
                    n = s.execute(select(func.count()).select_from(AuditLog)).scalar_one()
                    repos.audit(s, c.id, f"w{k}", "", "tick", {"seen": n, "i": i}, _now())
        except BaseException as exc:
            errors.append(exc)
        finally:
            mine.dispose()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:1]
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(AuditLog)).scalar_one() == 160
        assert s.execute(select(func.count()).select_from(Community)).scalar_one() == 1
    db.dispose()


def _now() -> datetime:
    return datetime(2026, 1, 5, tzinfo=UTC)


def test_config_example_is_true(tmp_path: Path) -> None:
    """The example loads as shipped (no platform on), and each platform block, uncommented,
    switches its platform on."""
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    cfg = load(example, env={})
    assert cfg.slack is None and cfg.matrix is None and cfg.sweep_seconds == 15
    text = example.read_text()
    for section in ("slack", "matrix"):
        start = text.index(f"# [{section}]")
        block = text[start:].split("\n\n", 1)[0]
        lines = [
            ln[2:]
            for ln in block.splitlines()
            if (ln.startswith("# ") and "=" in ln) or ln == f"# [{section}]"
        ]
        live = tmp_path / f"{section}.toml"
        live.write_text("\n".join(lines) + "\n")
        assert getattr(load(live, env={}), section), section
