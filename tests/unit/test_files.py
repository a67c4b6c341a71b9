"""Files as an effect (Send.files), in the core: kept through the outbox as bytes, fitted to
what the platform takes (never ephemeral; named when they cannot go), named safely, and
delivered after their message, also when the message went out before a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.console import ConsoleAdapter
from bot import codec, files, render
from bot.adapter import Target
from bot.app import App
from bot.clock import FakeClock
from bot.context import Ctx
from bot.model import Address, Attachment, Capabilities, Delivered, Send
from bot.registry import Registry
from storage.db import Database
from storage.tables import Outbox
from tests.unit.test_outbox import ACTOR, Recorder, cmd

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
ICS = Attachment("event-1.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n\x00\xff END")
HERE = Address("fake", "w", "c1")


class FileRecorder(Recorder):
    def __init__(self, caps: Capabilities | None = None) -> None:
        super().__init__(caps or Capabilities(files=True))
        self.uploads: list[tuple[Target, Attachment, str]] = []
        self.found: Delivered | None = None

    async def upload(self, target: Target, file: Attachment, key: str) -> None:
        self._maybe_fail("upload")
        self.uploads.append((target, file, key))

    async def find_delivered(
        self, msg: Send, thread_root: str | None, key: str
    ) -> Delivered | None:
        return self.found


def registry() -> Registry:
    reg = Registry()

    @reg.command("cal", help="a calendar file")
    def cal(ctx: Ctx) -> None:
        ctx.private("📅 your file", files=(ICS,))

    return reg


def test_files_survive_the_outbox_as_bytes() -> None:
    send = Send(HERE, "x", files=(ICS, Attachment("b.csv", "text/csv", b"")))
    payload = codec.encode(send)
    back = codec.decode("send", json.loads(json.dumps(payload)))
    assert back == send
    assert codec.decode("send", codec.encode(Send(HERE, "y"))).files == ()


def test_files_never_go_ephemeral_and_are_named_where_they_cannot_go() -> None:
    private = Send(HERE, "here", visibility="ephemeral", recipient="u1", files=(ICS,))
    fitted = render.fit_send(private, Capabilities(files=True))
    assert (fitted.visibility, fitted.recipient, fitted.files) == ("dm", "u1", (ICS,))
    plain = render.fit_send(private, Capabilities(files=False))
    assert plain.files == () and "Not attached here: event-1.ics" in plain.text
    assert plain.visibility == "ephemeral"  # the words may stay private; no file follows
    public = render.fit_send(Send(HERE, "all", files=(ICS,)), Capabilities(files=True))
    assert public.visibility == "public"


@pytest.mark.parametrize(
    ("given_name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Windows\\evil.bat", "evil.bat"),
        (".hidden", "hidden"),
        ("a\x00b\u202e.ics", "ab.ics"),
        ("", "file"),
        ("...", "file"),
        ("<@U123> report.csv", "_U123_ report.csv"),
        ("x" * 300 + ".ics", "x" * 96 + ".ics"),
    ],
)
def test_names_are_file_names_not_paths(given_name: str, safe: str) -> None:
    assert files.safe_name(given_name) == safe


@given(st.text(max_size=400))
def test_any_name_is_one_bounded_path_part(name: str) -> None:
    out = files.safe_name(name)
    assert out and len(out) <= files.MAX_NAME
    assert "/" not in out and "\\" not in out and not out.startswith(".")
    assert out not in (".", "..")


def test_a_file_over_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="at most"):
        files.attachment("big.bin", "application/octet-stream", b"x" * (files.MAX_BYTES + 1))


async def test_the_file_follows_its_message_in_the_dm(db: Database) -> None:
    adapter = FileRecorder()
    app = App(db, registry(), FakeClock(T0), {"fake": adapter})
    await app.dispatcher.handle(cmd("e1", "cal"))
    await app.settle()
    ((kind, (msg, _), key),) = adapter.calls
    assert (kind, msg.visibility, msg.recipient) == ("send", "dm", ACTOR.user_id)
    ((target, file, upload_key),) = adapter.uploads
    assert (target.channel, target.message_id) == (f"dm-{ACTOR.user_id}", "m1")
    assert file == ICS and upload_key == f"{key}:f0"


async def test_a_failed_upload_retries_without_posting_the_message_twice(db: Database) -> None:
    adapter = FileRecorder()
    clock = FakeClock(T0)
    app = App(db, registry(), clock, {"fake": adapter})
    adapter.fail["upload"] = [ConnectionError("upload lost")]
    await app.dispatcher.handle(cmd("e1", "cal"))
    await app.settle()
    assert len(adapter.calls) == 1 and adapter.uploads == []
    # The message is on the platform: the retry finds it and only sends the file.
    adapter.found = Delivered("m1", f"dm-{ACTOR.user_id}")
    clock.advance(timedelta(seconds=5))
    await app.settle()
    assert len(adapter.calls) == 1
    assert [u[2] for u in adapter.uploads] == ["ev:fake:e1:0:f0"]
    with db.transaction() as s:
        assert s.execute(select(Outbox.status)).scalars().all() == ["sent"]


async def test_no_file_where_nothing_was_delivered(db: Database) -> None:
    class Held(FileRecorder):
        async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered:
            self.calls.append(("send", (msg, thread_root), key))
            return Delivered("", "", None)  # held for later (Discord, DMs closed)

    adapter = Held()
    app = App(db, registry(), FakeClock(T0), {"fake": adapter})
    await app.dispatcher.handle(cmd("e1", "cal"))
    await app.settle()
    assert adapter.uploads == []


async def test_the_console_writes_each_file_once_and_keeps_private_paths_private(
    db: Database, tmp_path: Path
) -> None:
    shown: list[str] = []
    mine = ConsoleAdapter(db, out=shown.append)
    other = ConsoleAdapter(db, out=lambda _s: None)  # a second console process
    for a in (mine, other):
        a.files_dir = tmp_path
    dm = await mine.send(Send(HERE, "your file", visibility="dm", recipient="bob"), None, "k1")
    bad = Attachment("../../escape.ics", "text/calendar", b"BEGIN:VCALENDAR")
    target = Target(dm.channel, dm.message_id)
    await mine.upload(target, bad, "k1:f0")
    await mine.upload(target, bad, "k1:f0")  # a retried row
    (saved,) = tmp_path.glob("*/*")
    assert saved.name == "escape.ics" and saved.parent.parent == tmp_path
    assert saved.read_bytes() == b"BEGIN:VCALENDAR"
    mine.flush()
    other.flush()
    assert len([b for b in mine.blocks if "escape.ics saved to" in b]) == 1
    assert not [b for b in other.blocks if "escape.ics" in b]
