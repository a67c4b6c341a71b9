"""A real `moot run` process in Slack HTTP mode for the chaos and replica tests: its config,
its start (ready when its port answers), its SIGKILL, and the fake Slack it talks to."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.e2e.slack_fake import FakeSlackApi, user

ROOT = Path(__file__).resolve().parents[2]
SECRET = "chaos-signing-secret-0123456789abcdef"
TOKEN = "xoxb-0000-chaos-not-a-real-token"
RESULT = re.compile(r"^\S* ?Vote #(\d+) closed: ")


T = TypeVar("T")


async def wait_for(pred: Callable[[], T], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RecordingSlack(FakeSlackApi):
    """The fake Web API, also noting when each vote result reached it (monotonic time)."""

    result_times: list[float] = field(default_factory=list)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage" and RESULT.search(str(args.get("text", ""))):
            self.result_times.append(time.monotonic())
        return super()._answer(method, args)

    def results(self) -> dict[int, int]:
        """vote id -> how many times its result was posted."""
        out: dict[int, int] = {}
        for call in self.of("chat.postMessage"):
            found = RESULT.search(str(call.args.get("text", "")))
            if found:
                vote_id = int(found.group(1))
                out[vote_id] = out.get(vote_id, 0) + 1
        return out


def slack_with(voters: list[str], admin: str) -> RecordingSlack:
    users = {v: user(v, v.lower()) for v in voters}
    users[admin] = user(admin, "alice", admin=True)
    return RecordingSlack(users=users)


def write_config(path: Path, database_url: str, api_url: str, port: int) -> Path:
    path.write_text(
        f"""
[database]
url = "{database_url}"

[scheduler]
sweep_seconds = 1

[logging]
level = "WARNING"

[slack]
mode = "http"
host = "127.0.0.1"
port = {port}
bot_token = "{TOKEN}"
signing_secret = "{SECRET}"
api_base_url = "{api_url}"
min_post_interval = 0.0
""",
        encoding="utf-8",
    )
    return path


@dataclass
class BotProcess:
    config: Path
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0

    def spawn(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MOOT_"))}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moot", "--config", str(self.config), "run"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.starts += 1

    async def ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"moot run exited with {self.proc.returncode}:\n{self.tail()}")
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"moot run did not listen within {timeout}s:\n{self.tail()}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""
