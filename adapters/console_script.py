"""The console's script grammar (kept stable: tests and the demo rely on it) and the
interactive terminal chat built on the same lines.

    roles alice=admin,tc bob=tc carol=     set people's roles
    channel #votes                         later lines happen in #votes
    @alice /vote start "Adopt v2?"         alice types a command
    @bob click 3 yes                       bob presses the choice labelled yes on message #3
    @bob react 3 👍 / @bob unreact 3 👍     reactions
    @carol reply 3 I agree                 a reply in the thread of message #3
    @carol say My build fails              carol writes in the channel (Moot hears it only
                                           where a capability asked: the support channel,
                                           a first message)
    @carol edit 3 I agree, mostly          carol edits her latest reply in #3's thread
    @carol dm /vote cast 4 no              typed in carol's direct chat with the bot
    advance 72h                            move the fake clock, running due work on the way
    restart                                a new process on the same database
    hold @bob react 3 👍                    cast now, delivered only at the next `release`
    release                                deliver what is held, in the order held
    expect /passed/ · expect-not /error/   check what was printed since the last expect
    expect-no-english [WORD ...]           no English sentence printed since the last such check
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from adapters import console_english
from adapters.console import (
    PLATFORM,
    WORKSPACE,
    ConsoleAdapter,
    ConsoleMessage,
    dm_channel,
)
from bot import i18n, timeparse
from bot.app import App
from bot.channel_gate import ChannelGate
from bot.clock import Clock, FakeClock
from bot.i18n import _
from bot.model import (
    ActionInvoked,
    Actor,
    Address,
    ChannelMessage,
    CommandInvoked,
    InboundEvent,
    MemberJoined,
    MessageReceived,
    Quoted,
    ReactionChanged,
)
from bot.parser import INT_LIMIT
from bot.permissions import BUILTIN
from bot.registry import Registry
from bot.text import fold
from storage import repos, role_tables
from storage.db import Database

ADMIN_ROLES = {"admin", "owner"}


class ScriptError(ValueError):
    pass


@dataclass
class Failure:
    lineno: int
    line: str
    detail: str


@dataclass
class ConsoleSession:
    db: Database
    registry: Registry
    clock: Clock
    out: Callable[[str], None] = print
    default_timezone: str = "UTC"
    channel: str = "general"
    roles: dict[str, set[str]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    # Where to show each input line before its answers (the demo), so who did what is
    # visible; None shows only the bot's side.
    echo: Callable[[str], None] | None = None
    _mark: int = 0
    _english_mark: int = 0
    _seq: int = 0
    # (person, thread root) -> the event id of their latest reply there, for `edit`.
    _replies: dict[tuple[str, str], str] = field(default_factory=dict)
    # The console's own cast clock: the fake clock's time, but strictly increasing, so two
    # lines at one fake instant are still cast one after the other.
    _cast: datetime | None = None
    held: list[InboundEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.adapter = ConsoleAdapter(self.db, self.out)
        # Unique per process run: a second process on the same database must not have its
        # events dropped as duplicates of the first one's.
        self._run = uuid.uuid4().hex[:10]
        self.app = self._build()
        self._report_roles(set())

    def _build(self) -> App:
        # The console reads the configured channels at every message (ttl 0): a script's
        # `/config channel` acts on its next line. "Seen" people last one process run.
        self.gate = ChannelGate(self.db, self.registry, ttl=0)
        return App(
            self.db,
            self.registry,
            self.clock,
            {PLATFORM: self.adapter},
            default_timezone=self.default_timezone,
        )

    # ---- people and places
    def actor(self, name: str) -> Actor:
        roles = self.roles.get(name, set())
        return Actor(
            PLATFORM,
            name,
            name,
            roles=frozenset(roles - ADMIN_ROLES),
            is_admin=bool(roles & ADMIN_ROLES),
        )

    def here(self, thread: str | None = None) -> Address:
        return Address(PLATFORM, WORKSPACE, self.channel, thread)

    def _event_id(self) -> str:
        self._seq += 1
        return f"c{self._run}-{self._seq}"

    def _cast_at(self) -> datetime:
        now = self.clock.now()
        if self._cast is not None and now <= self._cast:
            now = self._cast + timedelta(microseconds=1)
        self._cast = now
        return now

    def _message(self, ref: str) -> tuple[int, Address]:
        """A message by number (3, #3), `last`, or the latest whose text matches /regex/."""
        m = self._find(ref)
        if m is None:
            raise ScriptError(f"there is no message {ref}")
        return m.number, Address(PLATFORM, WORKSPACE, m.channel, m.thread, str(m.number))

    def _find(self, ref: str) -> ConsoleMessage | None:
        if ref == "last":
            return self.adapter.latest()
        if ref.startswith("/"):
            return self.adapter.find(_pattern(ref))
        try:
            n = int(timeparse.ascii_digits(ref.lstrip("#")))
        except ValueError:
            return None
        return self.adapter.message(n) if 0 < n <= INT_LIMIT else None

    # ---- lines
    async def run_script(self, text: str) -> int:
        for lineno, raw in enumerate(text.splitlines(), 1):
            await self.line(raw, lineno)
        return 1 if self.failures else 0

    async def line(self, raw: str, lineno: int = 0) -> None:
        line = _strip_comment(raw).strip()
        if self.echo is not None:
            self._echo(raw.strip(), line)
        if not line:
            return
        try:
            await self._line(line, lineno)
        except ScriptError as exc:
            self._fail(lineno, line, str(exc))

    def _echo(self, raw: str, line: str) -> None:
        assert self.echo is not None
        if raw.startswith("#") and not line:
            self.echo(f"heading:{raw.lstrip('#').strip()}")
        elif line and not line.startswith(("expect", "expect-not")):
            who, _, rest = line.partition(" ")
            self.echo(f"input:{who} › {rest}" if who.startswith("@") else f"input:› {line}")

    def _fail(self, lineno: int, line: str, detail: str) -> None:
        self.failures.append(Failure(lineno, line, detail))
        self.out(f"✗ line {lineno}: {line}\n  {detail}")

    async def _line(self, line: str, lineno: int) -> None:
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word == "roles":
            self._set_roles(rest)
        elif word == "channel":
            self.channel = rest.lstrip("#") or "general"
        elif word == "advance":
            try:
                span = timeparse.parse_duration(timeparse.ascii_digits(rest))
                await self.advance_by(timeparse.check_span(span, rest))
            except timeparse.TimeParseError as exc:
                raise ScriptError(str(exc)) from None
        elif word == "restart":
            await self.restart()
        elif word in ("expect", "expect-not"):
            self._expect(word == "expect", rest, lineno, line)
        elif word == "expect-no-english":
            self._expect_no_english(rest, lineno, line)
        elif word.startswith("@"):
            await self._deliver(await self._as_user(word[1:], rest))
        elif word == "hold":
            who, _, what = rest.partition(" ")
            if not who.startswith("@"):
                raise ScriptError("hold needs a person's line: hold @bob react 3 👍")
            if (held_event := await self._as_user(who[1:], what.strip())) is not None:
                self.held.append(held_event)
        elif word == "release":
            held, self.held = self.held, []
            for event in held:
                await self._deliver(event)
        else:
            raise ScriptError(f"unknown script line '{word}'")

    def _set_roles(self, spec: str) -> None:
        now = self.clock.now()
        with self.db.transaction() as s:
            community = self.app.core.community(s, PLATFORM, WORKSPACE)
            for item in spec.split():
                name, eq, roles = item.partition("=")
                if not eq:
                    raise ScriptError(f"'{item}' should be name=role,role")
                name = name.lstrip("@")
                self.roles[name] = {r for r in roles.split(",") if r}
                a = self.actor(name)
                repos.upsert_member(
                    s,
                    community.id or 0,
                    name,
                    display=name,
                    roles=sorted(a.roles),
                    is_admin=a.is_admin,
                    now=now,
                    channels=["*"],
                )
        self._report_roles({r for roles in self.roles.values() for r in roles - ADMIN_ROLES})

    def _report_roles(self, named: set[str]) -> None:
        """The console's platform roles: the built-in names and every role a `roles` line
        hands out (what a script names is what exists here)."""
        names = {n for kind in BUILTIN.values() for n in kind} | named
        with self.db.transaction() as s:
            community = self.app.core.community(s, PLATFORM, WORKSPACE)
            role_tables.put(s, community.id or 0, {n: n for n in names}, self.clock.now())

    async def _deliver(self, event: InboundEvent | None) -> None:
        if event is not None:  # `say` writes a message and sends no event
            await self.app.dispatcher.handle(event)
        await self.settle()

    async def _as_user(self, name: str, rest: str) -> InboundEvent | None:
        actor = self.actor(name)
        verb, _, tail = rest.partition(" ")
        tail = tail.strip()
        eid = self._event_id()
        event: InboundEvent
        if rest.startswith("/"):
            event = _command(eid, actor, self.here(), rest)
        elif verb == "dm":
            if not tail.startswith("/"):
                tail = "/" + tail
            where = Address(PLATFORM, WORKSPACE, dm_channel(name))
            event = _command(eid, actor, where, tail, direct=True)
        elif verb == "join":
            event = MemberJoined(event_id=eid, actor=actor, address=self.here())
        elif verb == "click":
            ref, label = _split_ref(tail)
            n, where = self._message(ref)
            shown = self.adapter.message(n)
            offered = shown.choices if shown else ()
            choice = next((c for c in offered if fold(c.label) == fold(label)), None)
            if choice is None:
                labels = ", ".join(c.label for c in offered) or "none"
                raise ScriptError(f"message #{n} has no choice '{label}' (it has: {labels})")
            event = ActionInvoked(
                event_id=eid,
                actor=actor,
                address=where.at_message(None),
                action=choice.action,
                value=choice.value,
                message=where,
            )
        elif verb == "say":
            n = self.adapter.user_message(self.channel, name, tail)
            if not self.gate.wants(PLATFORM, WORKSPACE, self.channel, name):
                return None  # chatter no capability asked for: nothing reaches the core
            event = ChannelMessage(
                event_id=eid, actor=actor, address=self.here().at_message(str(n)), text=tail
            )
        elif verb in ("react", "unreact"):
            ref, key = _split_ref(tail)
            n, where = self._message(ref)
            if not key:
                raise ScriptError("react needs an emoji")
            m = self.adapter.messages[n]
            author = m.header.rsplit("] @", 1)[1] if "] @" in m.header else "moot"
            event = ReactionChanged(
                event_id=eid,
                actor=actor,
                address=where.at_message(None),
                key=key.strip(),
                added=verb == "react",
                target=where,
                quoted=Quoted(where, m.text, author, self._quoted_place(n, m.channel)),
            )
        elif verb in ("reply", "edit"):
            ref, text = _split_ref(tail)
            n, where = self._message(ref)
            root = where.thread or where.message
            in_thread = Address(PLATFORM, WORKSPACE, where.channel, root)
            edit_of = None
            if verb == "edit":
                edit_of = self._replies.get((name, root or ""))
                if edit_of is None:
                    raise ScriptError(f"@{name} has no reply in the thread of #{n} to edit")
            if text.startswith("/") and verb == "reply":
                event = _command(eid, actor, in_thread, text)
            else:
                event = MessageReceived(
                    event_id=eid,
                    actor=actor,
                    address=in_thread.at_message(eid),
                    text=text,
                    reply_to=Address(PLATFORM, WORKSPACE, where.channel, None, root),
                    edit_of=edit_of,
                )
                if verb == "reply":
                    self._replies[(name, root or "")] = eid
        else:
            raise ScriptError(f"unknown action '{verb}' for @{name}")
        return replace(event, cast_at=self._cast_at())

    def banner(self) -> str:
        """What the interactive console says first, in the community's language."""
        with i18n.use(self.adapter.language()):
            return _(
                "Moot console. Type /help. '/as NAME' switches user, '/in #channel' switches "
                "channel,\nscript lines (roles ..., @bob click 3 yes) work too. Ctrl-D quits."
            )

    def _quoted_place(self, number: int, channel: str) -> str:
        # How the console names a message it quotes, in the community's language.
        with i18n.use(self.adapter.language()):
            return _("message #{number} in #{channel}").format(number=number, channel=channel)

    async def settle(self) -> None:
        await self.app.settle()
        self.adapter.flush()

    async def advance_by(self, delta: object) -> None:
        if not isinstance(self.clock, FakeClock):
            raise ScriptError("advance needs the script's fake clock")
        target = self.clock.now() + delta  # type: ignore[operator]
        # Step through each deadline in order, so work sees the time it fell due.
        while True:
            due = self.app.scheduler.next_due()
            if due is None or due > target:
                break
            if due > self.clock.now():
                self.clock.set(due)
            if not await self.app.run_due():
                break
            self.adapter.flush()
        self.clock.set(target)
        await self.app.run_due()
        self.adapter.flush()

    async def restart(self) -> None:
        """A new process on the same database: nothing in memory survives but the screen."""
        self.app.db.dispose()
        self.app = self._build()
        await self.app.run_due()
        await self.settle()

    def _expect(self, positive: bool, pattern: str, lineno: int, line: str) -> None:
        rx = _pattern(pattern)
        window = self.adapter.blocks[self._mark :]
        hit = any(rx.search(b) for b in window)
        if positive:
            self._mark = len(self.adapter.blocks)
        if hit != positive:
            seen = "\n".join(window) or "(nothing)"
            what = "nothing printed matches" if positive else "something printed matches"
            self._fail(lineno, line, f"{what} {pattern}; printed since the last expect:\n{seen}")

    def _expect_no_english(self, allowed: str, lineno: int, line: str) -> None:
        """Nothing printed since the last expect has an English sentence in it (words the
        script itself typed, listed after the rule, may stay)."""
        # Its own mark: everything printed since the last such check, expected or not.
        window = self.adapter.blocks[self._english_mark :]
        self._english_mark = len(self.adapter.blocks)
        keep = frozenset(allowed.split())
        found = [(b, hit) for b in window for hit in console_english.leaks(b, keep)]
        if found:
            shown = "\n".join(f"{hit!r} in:\n{b}" for b, hit in found[:5])
            self._fail(lineno, line, f"English left in bot messages:\n{shown}")


def _command(
    eid: str, actor: Actor, where: Address, text: str, direct: bool = False
) -> CommandInvoked:
    body = text[1:]
    name, _, args = body.partition(" ")
    return CommandInvoked(
        event_id=eid,
        actor=actor,
        address=where,
        is_direct=direct,
        name=name,
        args=args,
        raw_text=text,
    )


def _split_ref(tail: str) -> tuple[str, str]:
    if tail.startswith("/"):
        end = tail.find("/", 1)
        if end > 0:
            return tail[: end + 1], tail[end + 1 :].strip()
    ref, _, rest = tail.partition(" ")
    return ref, rest.strip()


def _pattern(text: str) -> re.Pattern[str]:
    text = text.strip()
    if len(text) >= 2 and text.startswith("/") and text.rfind("/") > 0:
        end = text.rfind("/")
        flags = re.IGNORECASE if "i" in text[end + 1 :] else 0
        try:
            return re.compile(text[1:end], flags)
        except re.error as exc:
            raise ScriptError(f"{text} is not a regular expression: {exc}") from None
    return re.compile(re.escape(text))


_COMMENT = re.compile(r"(^|\s)#(\s|$)")


def _strip_comment(line: str) -> str:
    # A comment is a whole line starting with '#', or a '#' standing alone as a word;
    # elsewhere #votes and #3 name channels and messages.
    if line.lstrip().startswith("#"):
        return ""
    m = _COMMENT.search(line)
    return line[: m.start()] if m else line


def fake_clock(start: str) -> FakeClock:
    return FakeClock(datetime.fromisoformat(start.replace("Z", "+00:00")))
