"""A real `moot run` process on Slack (HTTP mode, signed requests) against the recording fake
Web API, SIGKILLed the instant a vote's result reaches the fake: after the restart the result
is found in the thread by its outbox key (message metadata) and not posted a second time."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from storage.db import Database
from storage.migrate import upgrade
from storage.tables import Outbox
from tests.adapters import slack_payloads as p
from tests.e2e.slack_fake import Call, FakeSlackApi, SlackSender, until, user

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-signing-secret-0123456789abcdef"
TOKEN = "xoxb-0000-e2e-not-a-real-token"
ALICE, BOB = "U0ALICE01", "U0BOB0001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BotProcess:
    def __init__(self, tmp: Path, api_url: str) -> None:
        self.db_file = tmp / "moot.db"
        upgrade(Database(f"sqlite:///{self.db_file}"))
        self.port = free_port()
        self.config = tmp / "moot.toml"
        self.config.write_text(
            f"""
[database]
url = "sqlite:///{self.db_file}"

[scheduler]
sweep_seconds = 1

[slack]
mode = "http"
host = "127.0.0.1"
port = {self.port}
bot_token = "{TOKEN}"
signing_secret = "{SECRET}"
api_base_url = "{api_url}"
min_post_interval = 0.05
""",
            encoding="utf-8",
        )
        self.out = tmp / "bot.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moot", "--config", str(self.config), "run"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.out.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        print(self.out.read_text(errors="replace")[-3000:])

    def outbox(self) -> list[Outbox]:
        db = Database(f"sqlite:///{self.db_file}")
        try:
            with db.transaction() as s:
                return list(s.execute(select(Outbox).order_by(Outbox.id)).scalars())
        finally:
            db.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(users={ALICE: user(ALICE, "alice", admin=True), BOB: user(BOB, "bob")})
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


async def wait_listening(sender: SlackSender, bot: BotProcess) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert bot.proc is not None and bot.proc.poll() is None, "the bot process died"
        try:
            status, _ = await sender.event({"type": "url_verification", "challenge": "x"})
            if status == 200:
                return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the bot never listened")


def posts_with(fake: FakeSlackApi, words: str) -> list[Call]:
    return [c for c in fake.of("chat.postMessage") if words in str(c.args.get("text", ""))]


async def test_attack_sigkill_right_after_the_result_reaches_slack(
    fake: FakeSlackApi, tmp_path: Path
) -> None:
    bot = BotProcess(tmp_path, fake.url)
    async with aiohttp.ClientSession() as session:
        sender = SlackSender(f"http://127.0.0.1:{bot.port}/slack/events", SECRET, session)
        bot.start()
        try:
            await wait_listening(sender, bot)
            await sender.command(
                p.slash_command("/vote", 'start "Ship it?" --for 1h', ALICE, "k.1")
            )
            await until(lambda: posts_with(fake, "Vote #1"), 20)

            def kill_on_result(call: Call) -> None:
                if call.method == "chat.postMessage" and "closed" in str(call.args.get("text")):
                    bot.kill()  # Slack has the post; the bot never learns it went out

            fake.on_call = kill_on_result
            await sender.command(p.slash_command("/vote", "close 1", ALICE, "k.2"))
            await until(lambda: bot.proc is not None and bot.proc.poll() is not None, 20)
            fake.on_call = None
            assert len(posts_with(fake, "closed")) == 1
            unsent = [r for r in bot.outbox() if r.status == "pending" and r.tries > 0]
            assert unsent, "the kill should leave the result's row claimed, not sent"

            bot.start()  # the same host: it resumes its own claim at once, no lease wait
            await until(lambda: all(r.status != "pending" for r in bot.outbox()), timeout=30)
            await wait_listening(sender, bot)
            await sender.command(
                p.slash_command("/vote", 'start "Sentinel?" --for 1h', ALICE, "k.3")
            )
            await until(lambda: posts_with(fake, "Vote #2"), 20)
            assert len(posts_with(fake, "closed")) == 1, [
                c.args["text"] for c in posts_with(fake, "closed")
            ]
            assert fake.of("conversations.replies"), "the restart should have looked first"
            result = posts_with(fake, "closed")[0]
            assert result.args["metadata"]["event_payload"]["outbox_key"].startswith("ev:slack:")
        finally:
            bot.stop()
