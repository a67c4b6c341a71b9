"""The layers: nothing in the core, the capabilities or storage imports a platform SDK; the
core imports neither the capabilities, the adapters nor the composition root (moot/); a
capability uses another only through that package's public names, never its submodules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("slack_bolt", "slack_sdk", "discord", "nio", "aiohttp")


def modules_of(path: Path) -> set[str]:
    """Every module a file imports, dotted in full (lazy imports inside functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from commands.votes import flow` names a submodule as an attribute.
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def imports_of(path: Path) -> set[str]:
    return {m.split(".")[0] for m in modules_of(path)}


FILES = [
    p for d in ("bot", "commands", "storage", "moot") for p in sorted((ROOT / d).rglob("*.py"))
]


def test_there_are_files_to_check() -> None:
    assert len(FILES) > 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_platform_sdk_imports(path: Path) -> None:
    bad = imports_of(path) & set(FORBIDDEN)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_core_does_not_import_commands_adapters_or_the_wiring() -> None:
    for path in sorted((ROOT / "bot").rglob("*.py")):
        bad = imports_of(path) & {"commands", "adapters", "moot"}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_capabilities_and_adapters_do_not_import_the_wiring() -> None:
    for d, above in (("commands", {"adapters", "moot"}), ("adapters", {"commands", "moot"})):
        for path in sorted((ROOT / d).rglob("*.py")):
            bad = imports_of(path) & above
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def capability_of(path: Path) -> str:
    rel = path.relative_to(ROOT / "commands")
    return rel.parts[0].removesuffix(".py")


CAPABILITIES = {
    capability_of(p) for p in (ROOT / "commands").iterdir() if p.suffix == ".py" or p.is_dir()
} - {"__init__", "__pycache__"}


def foreign_submodules(path: Path) -> set[str]:
    own = capability_of(path)
    bad = set()
    for mod in modules_of(path):
        parts = mod.split(".")
        if parts[0] != "commands" or len(parts) < 3 or parts[1] == own:
            continue
        if parts[1] in CAPABILITIES and (ROOT / "commands" / parts[1] / f"{parts[2]}.py").exists():
            bad.add(mod)
    return bad


@pytest.mark.parametrize(
    "path", sorted((ROOT / "commands").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_a_capability_never_imports_another_capabilitys_submodules(path: Path) -> None:
    bad = foreign_submodules(path)
    assert not bad, (
        f"{path.relative_to(ROOT)} imports {sorted(bad)}: use the package's public names or a hook"
    )


def test_commands_folder_has_one_name_per_capability() -> None:
    names = sorted(p.name for p in (ROOT / "commands").iterdir() if p.name != "__pycache__")
    prefixed = [n for n in names if "_" in n.removesuffix(".py") and n != "__init__.py"]
    assert not prefixed, f"capability-prefixed files in commands/: {prefixed}"


def test_submodule_detector_catches_a_foreign_import() -> None:
    sample = ROOT / "commands" / "rfcs" / "_probe_for_test.py"
    sample.write_text("from commands.votes import flow\nfrom commands.votes import START_OPTIONS\n")
    try:
        assert foreign_submodules(sample) == {"commands.votes.flow"}
    finally:
        sample.unlink()


def test_storage_imports_nothing_of_ours_above_it() -> None:
    for path in sorted((ROOT / "storage").rglob("*.py")):
        bad = imports_of(path) & {"bot", "commands", "adapters"}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_detector_catches_an_sdk_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import nio\nfrom slack_sdk.web import WebClient\n")
    assert imports_of(sample) & set(FORBIDDEN) == {"nio", "slack_sdk"}
