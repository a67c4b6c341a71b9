"""The console: a chat platform that lives in a terminal. Messages are numbered from 1 so a
person or a script can point at them. Like a real platform it keeps its messages in storage
(the console_message table), so two console processes on one database share one numbering,
press buttons on each other's messages, and each shows everything posted (the feed). Private
messages (DMs, "only you" notes) are the exception: their words stay in the memory of the
process that showed them, since a secret ballot's confirmation must never reach the database."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from bot import codec, i18n
from bot.adapter import Adapter, PermanentFailure, Target
from bot.files import safe_name
from bot.i18n import _
from bot.model import Attachment, Capabilities, Card, Choice, Delivered, Edit, Send
from storage import repos
from storage.console_tables import ConsoleFeed
from storage.console_tables import ConsoleMessage as MessageRow
from storage.db import Database

PLATFORM = "console"
WORKSPACE = "local"
# How far back `/regex/` looks for a message to point at.
SEARCH_DEPTH = 2000


def dm_channel(user: str) -> str:
    return f"dm:{user}"


@dataclass
class ConsoleMessage:
    number: int
    channel: str
    thread: str | None
    text: str
    card: Card | None
    choices: tuple[Choice, ...]
    header: str
    reactions: dict[str, set[str]] = field(default_factory=dict)


def _message(row: MessageRow) -> ConsoleMessage:
    return ConsoleMessage(
        row.id or 0,
        row.channel,
        row.thread,
        row.text,
        codec.decode_card(row.card),
        codec.decode_choices(row.choices),
        row.header,
        {k: set(v) for k, v in (row.reactions or {}).items()},
    )


def render_body(text: str, card: Card | None, choices: tuple[Choice, ...]) -> list[str]:
    lines = text.splitlines() if text else []
    if card is not None:
        # The title once: a message that already names it in its text skips the bold copy.
        if not (lines and card.title.strip() and card.title.strip() in lines[0]):
            lines.append(f"**{card.title}**")
        for k, v in card.fields:
            # Multi-line values (a tally) line up under their first line.
            first, *more = v.splitlines() or [""]
            lines.append(f"{k}: {first}")
            lines += [" " * (len(k) + 2) + line for line in more]
        if card.footer:
            lines.append(card.footer)
    if choices:
        lines.append(" ".join(f"[{c.label}]" for c in choices))
    return lines


def _fields(lines: list[str]) -> list[str]:
    # A multi-line field (a tally) is one unit: its continuation lines start with a space.
    out: list[str] = []
    for line in lines:
        if out and line.startswith(" "):
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def changed_lines(before: list[str], after: list[str]) -> list[str]:
    """The lines of an edited message that differ from what was shown before, whole fields
    at a time so a changed tally line still shows its label."""
    old, new = _fields(before), _fields(after)
    out: list[str] = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new).get_opcodes():
        if tag in ("replace", "insert"):
            for field in new[j1:j2]:
                out += field.split("\n")
    return out


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def terminal(block: str) -> str:
    """A block as a colour terminal shows it: Markdown **emphasis** in bold."""
    return _BOLD.sub(lambda m: f"\x1b[1m{m.group(1)}\x1b[0m", block)


class ConsoleAdapter(Adapter):
    platform = PLATFORM
    capabilities = Capabilities(
        buttons=True, ephemeral=True, threads=True, edits=True, reactions=True, files=True
    )
    # Scripts run on a fake clock; coalescing still drops superseded edits.
    min_edit_interval = 0.0

    def __init__(self, db: Database, out: Callable[[str], None] = print) -> None:
        self.db = db
        self.out = out
        self.blocks: list[str] = []
        # Private messages this process showed: their words, by message number and feed id.
        self._private: dict[int, tuple[str, Card | None]] = {}
        self._private_feed: dict[int, str] = {}
        # The screen shows the feed from here on: a new process starts on a clean screen.
        with db.transaction() as s:
            last = s.execute(select(ConsoleFeed.id).order_by(ConsoleFeed.id.desc())).first()
        self._seen = last[0] if last else 0
        # Files sent to the console are written here, one folder per outbox key.
        self.files_dir = Path(
            os.environ.get("MOOT_FILES_DIR") or Path(tempfile.gettempdir()) / "moot-files"
        )

    # ---- the screen
    def flush(self) -> int:
        """Print what was posted or edited since the last flush, by any process."""
        with self.db.transaction() as s:
            rows = s.execute(
                select(ConsoleFeed).where(ConsoleFeed.id > self._seen).order_by(ConsoleFeed.id)
            ).scalars()
            shown = [(r.id or 0, r.shown) for r in rows]
        for fid, block in shown:
            self._seen = fid
            block = self._private_feed.pop(fid, block)
            if not block:  # another process's private message
                continue
            self.blocks.append(block)
            self.out(block)
        return len(shown)

    # ---- reading messages back
    def _read(self, row: MessageRow) -> ConsoleMessage:
        m = _message(row)
        if m.number in self._private:
            m.text, m.card = self._private[m.number]
        return m

    def message(self, number: int) -> ConsoleMessage | None:
        with self.db.transaction() as s:
            row = s.get(MessageRow, number)
            return self._read(row) if row else None

    def latest(self) -> ConsoleMessage | None:
        with self.db.transaction() as s:
            row = s.execute(select(MessageRow).order_by(MessageRow.id.desc())).scalars().first()
            return self._read(row) if row else None

    def find(self, rx: re.Pattern[str]) -> ConsoleMessage | None:
        """The newest message whose shown text matches."""
        with self.db.transaction() as s:
            rows = s.execute(
                select(MessageRow).order_by(MessageRow.id.desc()).limit(SEARCH_DEPTH)
            ).scalars()
            for row in rows:
                m = self._read(row)
                if rx.search("\n".join(render_body(m.text, m.card, m.choices))):
                    return m
        return None

    # ---- the platform side
    def _lang(self, s: Session) -> str | None:
        """The community's language: the console's own words (headers, notes) speak it."""
        return repos.community_language(s, PLATFORM, WORKSPACE)

    def language(self) -> str | None:
        with self.db.transaction() as s:
            return self._lang(s)

    def _header(self, msg: Send, channel: str, root: str | None) -> str:
        if msg.visibility == "ephemeral":
            return _("[only @{user}]").format(user=msg.recipient)
        if channel.startswith("dm:"):
            return _("[DM @{user}]").format(user=channel[3:])
        if root:
            return f"[#{channel} › #{root}]"
        return f"[#{channel}]"

    async def send(self, msg: Send, thread_root: str | None, key: str) -> Delivered:
        with self.db.transaction() as s:
            # A retried send returns what the first one made, as a real platform would.
            done = s.execute(select(MessageRow).where(MessageRow.key == key)).scalars().first()
            if done is not None:
                return Delivered(str(done.id), done.channel, done.thread)
            channel = (
                dm_channel(msg.recipient or "") if msg.visibility == "dm" else msg.address.channel
            )
            root = thread_root if not channel.startswith("dm:") else None
            private = msg.visibility != "public" or channel.startswith("dm:")
            with i18n.use(self._lang(s)):
                header = self._header(msg, channel, root)
            row = MessageRow(
                channel=channel,
                thread=root,
                header=header,
                text="" if private else msg.text,
                card=codec.encode(msg.card) if msg.card and not private else None,
                choices=[codec.encode_choice(c) for c in msg.choices],
                key=key[:255],
            )
            s.add(row)
            s.flush()
            n = row.id or 0
            row.header = f"#{n} {row.header}"
            body = render_body(msg.text, msg.card, msg.choices)
            block = "\n".join([row.header, *("  " + x for x in body)])
            feed = ConsoleFeed(number=n, shown="" if private else block)
            s.add(feed)
            s.flush()
            if private:
                self._private[n] = (msg.text, msg.card)
                self._private_feed[feed.id or 0] = block
        return Delivered(str(n), channel, root)

    def _row(self, s: object, target: Target) -> MessageRow:
        try:
            number = int(target.message_id)
        except ValueError:
            number = 0
        row = s.get(MessageRow, number)  # type: ignore[attr-defined]
        if row is None:
            # Deleted or never ours: no retry can make it appear.
            raise PermanentFailure(f"there is no console message {target.message_id}")
        return row

    async def upload(self, target: Target, file: Attachment, key: str) -> None:
        # A folder per key: two files of one name never collide, and a retry finds its own.
        folder = self.files_dir / hashlib.sha256(key.encode()).hexdigest()[:16]
        path = folder / safe_name(file.name)
        if path.exists():
            return
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / (path.name + ".part")
        part.write_bytes(file.data)
        part.replace(path)  # whole or not at all: a reader never sees half a file
        private = target.channel.startswith("dm:") or int(target.message_id or 0) in self._private
        with self.db.transaction() as s:
            with i18n.use(self._lang(s)):
                line = "  " + _("📎 {name} saved to {path}").format(name=path.name, path=path)
            feed = ConsoleFeed(number=int(target.message_id or 0), shown="" if private else line)
            s.add(feed)
            s.flush()
            if private:
                self._private_feed[feed.id or 0] = line

    async def grant_role(self, workspace: str, user_id: str, role: str, key: str) -> bool:
        with self.db.transaction() as s:
            if s.execute(select(MessageRow).where(MessageRow.key == key[:255])).first():
                return True
            with i18n.use(self._lang(s)):
                line = _("[role] @{user} is given the role {role}").format(user=user_id, role=role)
            # A row of its own keeps the grant idempotent; it is shown as a line, not a message.
            s.add(
                MessageRow(channel="", thread=None, header=line, text="", choices=[], key=key[:255])
            )
            s.add(ConsoleFeed(number=0, shown=line))
        return True

    def user_message(self, channel: str, author: str, text: str) -> int:
        """Someone (not Moot) writes in a channel: numbered like any message, so a script can
        react to it."""
        with self.db.transaction() as s:
            row = MessageRow(
                channel=channel,
                thread=None,
                header=f"[#{channel}] @{author}",
                text=text,
                choices=[],
                key=f"user:{uuid.uuid4().hex}",
            )
            s.add(row)
            s.flush()
            n = row.id or 0
            row.header = f"#{n} {row.header}"
            block = "\n".join([row.header, *("  " + line for line in text.splitlines())])
            s.add(ConsoleFeed(number=n, shown=block))
        return n

    @property
    def messages(self) -> dict[int, ConsoleMessage]:
        """Every message by number, as this process may see them (for scripts and tests)."""
        with self.db.transaction() as s:
            rows = s.execute(select(MessageRow).order_by(MessageRow.id)).scalars()
            return {row.id or 0: self._read(row) for row in rows if row.channel}

    async def edit(self, target: Target, msg: Edit, key: str) -> None:
        with self.db.transaction() as s:
            row = self._row(s, target)
            old = self._read(row)
            before = render_body(old.text, old.card, old.choices)
            after = render_body(msg.text, msg.card, msg.choices)
            private = (row.id or 0) in self._private or row.channel.startswith("dm:")
            if private:
                self._private[row.id or 0] = (msg.text, msg.card)
            else:
                row.text = msg.text
                row.card = codec.encode(msg.card) if msg.card else None
            row.choices = [codec.encode_choice(c) for c in msg.choices]
            s.add(row)
            changed = changed_lines(before, after)
            if changed:
                with i18n.use(self._lang(s)):
                    title = _("#{number} edited").format(number=row.id)
                shown = "\n".join([title, *("  " + x for x in changed)])
                feed = ConsoleFeed(number=row.id or 0, edited=True, shown="" if private else shown)
                s.add(feed)
                s.flush()
                if private:
                    self._private_feed[feed.id or 0] = shown

    async def react(self, target: Target, emoji: str, key: str) -> None:
        with self.db.transaction() as s:
            row = self._row(s, target)
            reactions = {k: list(v) for k, v in (row.reactions or {}).items()}
            if "moot" not in reactions.setdefault(emoji, []):
                reactions[emoji].append("moot")
            row.reactions = reactions
            s.add(row)
