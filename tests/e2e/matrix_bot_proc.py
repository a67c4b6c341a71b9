"""`python -m tests.e2e.matrix_bot_proc --config X run`: the real CLI (`moot run`), with the
test-only poll capability added to the registry, so the restart test can SIGKILL a real bot
process."""

from __future__ import annotations

import sys

from bot.registry import Registry
from moot import cli
from tests.e2e import matrix_testcap


def registry() -> Registry:
    import commands

    return matrix_testcap.register(commands.register_all(Registry()))


if __name__ == "__main__":
    cli.registry = registry  # type: ignore[assignment]
    raise SystemExit(cli.main(sys.argv[1:]))
