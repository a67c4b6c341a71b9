"""Nothing in the core, the capabilities or storage may import a platform SDK."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("slack_bolt", "slack_sdk", "discord", "nio", "aiohttp")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


FILES = [p for d in ("bot", "commands", "storage") for p in sorted((ROOT / d).rglob("*.py"))]


def test_there_are_files_to_check() -> None:
    assert len(FILES) > 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_platform_sdk_imports(path: Path) -> None:
    bad = imports_of(path) & set(FORBIDDEN)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_core_does_not_import_commands_or_adapters() -> None:
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path.name in ("cli.py", "__main__.py"):
            continue  # the wiring is allowed to know everything
        bad = imports_of(path) & {"commands", "adapters"}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_storage_imports_nothing_of_ours_above_it() -> None:
    for path in sorted((ROOT / "storage").rglob("*.py")):
        bad = imports_of(path) & {"bot", "commands", "adapters"}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_detector_catches_an_sdk_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import nio\nfrom slack_sdk.web import WebClient\n")
    assert imports_of(sample) & set(FORBIDDEN) == {"nio", "slack_sdk"}
