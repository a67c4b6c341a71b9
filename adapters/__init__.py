"""Platform adapters. Each translates its platform's payloads to the neutral model and back;
`build` starts the ones the config names."""

from __future__ import annotations

from typing import Any


def build(cfg: Any) -> dict[str, Any]:
    built: dict[str, Any] = {}
    return built
