"""`moot`: demo, console, run, doctor, db upgrade, export. This is the wiring: it reads the
config, builds storage, registers the capabilities and starts the adapters. Every error a
person can cause here is one line on standard error and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from bot.app import App
from bot.clock import SystemClock
from bot.config import Config, ConfigError, load, redact_url, setup_logging
from bot.registry import Registry
from storage import migrate
from storage.db import Database

log = logging.getLogger("moot")

DEMO_START = "2026-01-05T09:00:00Z"

DESCRIPTION = (
    "Moot, a community-governance bot: timed votes, RFCs and decisions in chat. "
    "Try `moot demo`, chat locally with `moot console`, run on Slack or Matrix with "
    "`moot --config config.toml run`."
)


class CliError(Exception):
    """A problem with what was typed on the command line; str() is the one line shown."""


DEMO_INTRO = """\
# Moot demo: a community deciding things in chat. Everything below is a console script.
roles alice=admin bob=tc carol=tc dave=
channel #general
@alice /help
@alice /config timezone Europe/Berlin
@alice /config role moderator @tc
@bob /config show
"""


def registry() -> Registry:
    import commands

    return commands.register_all(Registry())


def open_db(url: str, upgrade: bool = True) -> Database:
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import url_problem

    problem = url_problem(url)
    if problem:
        raise CliError(f"database {redact_url(url)!r} {problem}")
    try:
        db = Database(url)
        if upgrade:
            migrate.upgrade(db)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CliError(f"cannot open the database {redact_url(url)!r}: {reason}") from None
    return db


def read_script(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"script {path} does not exist") from None
    except IsADirectoryError:
        raise CliError(f"script {path} is a folder, not a file") from None
    except UnicodeDecodeError:
        raise CliError(f"script {path} is not UTF-8 text") from None
    except OSError as exc:
        raise CliError(f"script {path} cannot be read ({exc.strerror})") from None


def script_start(start: str) -> str:
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(
            f"--start {start!r} is not a date and time; write it like {DEMO_START}"
        ) from None
    if moment.tzinfo is None:
        raise CliError(f"--start {start!r} needs a zone; write it like {DEMO_START}")
    return start


def demo_script(reg: Registry) -> str:
    return DEMO_INTRO + "\n".join(reg.demo) + "\n"


def screen(styled: bool) -> tuple[Callable[[str], None], Callable[[str], None]]:
    """How the demo and scripts print: the bot's messages (Markdown bold as terminal bold
    on a terminal), and each input line dimmed before its answers."""
    from adapters.console import terminal

    def out(block: str) -> None:
        print(terminal(block) if styled else block)

    def echo(line: str) -> None:
        kind, _, text = line.partition(":")
        if kind == "heading":
            print(f"\n\x1b[1m{text}\x1b[0m" if styled else f"\n== {text}")
        else:
            print(f"\x1b[2m{text}\x1b[0m" if styled else text)

    return out, echo


async def run_console_script(
    text: str, db: Database, reg: Registry, start: str, timezone: str = "UTC"
) -> int:
    from adapters.console_script import ConsoleSession, fake_clock

    out, echo = screen(sys.stdout.isatty())
    session = ConsoleSession(
        db, reg, fake_clock(start), out=out, default_timezone=timezone, echo=echo
    )
    code = await session.run_script(text)
    if session.failures:
        print(f"\n{len(session.failures)} expectation(s) failed.", file=sys.stderr)
    return code


def cmd_demo(args: argparse.Namespace) -> int:
    reg = registry()
    with tempfile.TemporaryDirectory(prefix="moot-demo-") as tmp:
        db = open_db(f"sqlite:///{Path(tmp) / 'demo.db'}")
        try:
            code = asyncio.run(run_console_script(demo_script(reg), db, reg, DEMO_START))
            _, echo = screen(sys.stdout.isatty())
            echo("heading:Export: every decision as Markdown, for the record")
            echo("input:› moot export decisions --format md")
            print(reg.exporters["decisions"](db, "md"))
            return code
        finally:
            db.dispose()


def cmd_console(args: argparse.Namespace, cfg: Config) -> int:
    reg = registry()
    if args.script:
        text = read_script(args.script)
        script_start(args.start)
        if args.db:
            db = open_db(args.db)
            try:
                return asyncio.run(run_console_script(text, db, reg, args.start, cfg.timezone))
            finally:
                db.dispose()
        with tempfile.TemporaryDirectory(prefix="moot-script-") as tmp:
            db = open_db(f"sqlite:///{Path(tmp) / 'script.db'}")
            try:
                return asyncio.run(run_console_script(text, db, reg, args.start, cfg.timezone))
            finally:
                db.dispose()
    db = open_db(args.db or cfg.database_url)
    try:
        return asyncio.run(interactive(db, reg, cfg))
    finally:
        db.dispose()


async def interactive(db: Database, reg: Registry, cfg: Config) -> int:
    from adapters.console_script import ConsoleSession

    session = ConsoleSession(db, reg, SystemClock(), default_timezone=cfg.timezone)
    session.roles["you"] = {"admin"}
    user = "you"
    print(session.banner())
    session.app.scheduler.start()
    sender = asyncio.create_task(session.app.sender.run())
    screen = asyncio.create_task(show_feed(session))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while True:
            print(f"{user}@#{session.channel}> ", end="", flush=True)
            raw = await reader.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith("/as "):
                user = line[4:].strip().lstrip("@") or user
                continue
            if line.startswith("/in "):
                session.channel = line[4:].strip().lstrip("#") or session.channel
                continue
            if line.startswith("/"):
                line = f"@{user} {line}"
            await session.line(line)
    finally:
        session.app.sender.stop()
        await session.app.scheduler.stop()
        screen.cancel()
        await sender
    return 0


async def show_feed(session: object, every: float = 0.5) -> None:
    """Interactive console: show what timers and other console processes post meanwhile."""
    while True:
        await asyncio.sleep(every)
        try:
            session.adapter.flush()  # type: ignore[attr-defined]
        except Exception:
            log.debug("could not read the console feed", exc_info=True)


def build_adapters(cfg: Config, db: Database, reg: Registry) -> dict[str, object]:
    import adapters

    return adapters.build(cfg, db=db, registry=reg)


async def serve(cfg: Config) -> int:
    db = open_db(cfg.database_url)
    reg = registry()
    built = build_adapters(cfg, db, reg)
    if not built:
        raise ConfigError(
            "no platform is configured: add a [slack], [matrix] or [discord] section to the config "
            "(see config.example.toml), or try `moot demo` / `moot console`"
        )
    app = App(
        db,
        reg,
        SystemClock(),
        built,  # type: ignore[arg-type]
        default_timezone=cfg.timezone,
        sweep_seconds=cfg.sweep_seconds,
        prefixes={name: getattr(a, "prefix", "/") for name, a in built.items()},
        replica=cfg.outbox_replica,
        max_lanes=cfg.outbox_lanes,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    http = None
    if cfg.http_enabled:
        from moot.http import HttpServer

        # First, so a probe sees a live process that is not ready yet while adapters connect.
        http = HttpServer(db, reg, built, app.clock, host=cfg.http_host, port=cfg.http_port)
        try:
            await http.start()
        except OSError as exc:
            # A taken port must not stop the bot itself; the failing probes will say so.
            log.error(
                "HTTP server could not listen on %s:%s (%s): health and metrics are off",
                cfg.http_host,
                cfg.http_port,
                exc.strerror or exc,
            )
            http = None
    sender = asyncio.create_task(app.sender.run())
    # Events left in the inbox by a previous run are handled first, then new ones; adapters
    # acknowledge only what the inbox has stored.
    inbox = asyncio.create_task(app.inbox.run())
    for adapter in built.values():
        await adapter.start(app.inbox.accept)  # type: ignore[attr-defined]
    # The adapters are up: overdue work (fell due while we were down) now runs, oldest
    # deadline first, in the scheduler's worker thread while people are already answered.
    app.scheduler.start()
    log.info("moot running on %s", ", ".join(built))
    await stop.wait()
    log.info("stopping")
    for adapter in built.values():
        await adapter.stop()  # type: ignore[attr-defined]
    app.inbox.stop()
    await inbox
    await app.scheduler.stop()
    app.sender.stop()
    await sender
    if http is not None:
        await http.stop()
    db.dispose()
    return 0


def cmd_export(args: argparse.Namespace, cfg: Config) -> int:
    reg = registry()
    fn = reg.exporters.get(args.what)
    if fn is None:
        known = ", ".join(sorted(reg.exporters)) or "none yet"
        print(f"moot: nothing called '{args.what}' to export (known: {known})", file=sys.stderr)
        return 2
    require_existing(args.db or cfg.database_url)
    out = Path(args.out) if args.out else None
    if out is not None and not out.parent.is_dir():
        raise CliError(f"--out {args.out}: the folder {out.parent} does not exist")
    db = open_db(args.db or cfg.database_url)
    try:
        text = fn(db, args.format)
    except ValueError as exc:  # a format this export does not offer
        print(f"moot: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    if out is not None:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"--out {args.out}: cannot write ({exc.strerror})") from None
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


class OneLineParser(argparse.ArgumentParser):
    """argparse prints the whole usage before its error; one line and `--help` is enough."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def cmd_discord_sync(cfg: Config) -> int:
    if not cfg.discord:
        raise ConfigError("no [discord] section (or DISCORD_TOKEN) in the config")
    from adapters import discord

    count, where = discord.sync(cfg, registry())
    print(f"synced {count} slash command(s) ({where})")
    return 0


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="moot", description=DESCRIPTION)
    p.add_argument("--config", "-c", help="path to a TOML config (see config.example.toml)")
    # The same option is accepted after the subcommand too (`moot run --config x.toml`).
    common = OneLineParser(add_help=False)
    common.add_argument("--config", "-c", dest="sub_config", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=OneLineParser)
    real_add = sub.add_parser

    def add_parser(name: str, **kw: object) -> argparse.ArgumentParser:
        return real_add(name, parents=[common], **kw)  # type: ignore[arg-type]

    sub.add_parser = add_parser  # type: ignore[method-assign]
    sub.add_parser("demo", help="run the built-in tour on a throw-away database")
    c = sub.add_parser("console", help="chat with the bot in this terminal, or run a script")
    c.add_argument("--script", help="run this script file on a fake clock and exit")
    c.add_argument("--start", default=DEMO_START, help="fake clock start (scripts)")
    c.add_argument("--db", help="database URL (default: throw-away for scripts, else config)")
    sub.add_parser("run", help="run the bot on the platforms in the config")
    sub.add_parser("doctor", help="check the config, database, migrations and platform tokens")
    d = sub.add_parser("db", help="database maintenance")
    d.add_argument("action", choices=["upgrade", "current"])
    dc = sub.add_parser("discord", help="Discord maintenance")
    dc.add_argument("action", choices=["sync"], help="register the slash commands now")
    e = sub.add_parser("export", help="export decisions, RFCs, events, tickets, kudos or the KB")
    e.add_argument("what", help="decisions, rfcs, events, tickets, kudos or kb")
    e.add_argument("--format", choices=["md", "json", "ics", "csv"], default="md")
    e.add_argument("--db", help="database URL (default: from config)")
    e.add_argument("--out", help="write to this file instead of standard output")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        # The doctor reads a broken config too: saying what is wrong with it is its job.
        cfg = load(getattr(args, "sub_config", None) or args.config, strict=args.cmd != "doctor")
        setup_logging(cfg)
        if args.cmd in ("demo", "console"):
            logging.getLogger().setLevel(logging.WARNING)
        if args.cmd == "demo":
            return cmd_demo(args)
        if args.cmd == "console":
            return cmd_console(args, cfg)
        if args.cmd == "run":
            return asyncio.run(serve(cfg))
        if args.cmd == "doctor":
            from moot import doctor

            return doctor.main(cfg, getattr(args, "sub_config", None) or args.config)
        if args.cmd == "db":
            return cmd_db(args, cfg)
        if args.cmd == "export":
            return cmd_export(args, cfg)
        if args.cmd == "discord":
            return cmd_discord_sync(cfg)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"moot: {line}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"moot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: one line here, the traceback only on request
        log.debug("unexpected failure", exc_info=True)
        print(
            f"moot: unexpected error: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr
        )
        return 1
    return 0


def require_existing(url: str) -> None:
    from storage.db import sqlite_file

    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise CliError(f"no database at {path} (check --db or [database] url)")


def cmd_db(args: argparse.Namespace, cfg: Config) -> int:
    from storage.db import sqlite_file

    path = sqlite_file(cfg.database_url)
    if args.action == "current" and path is not None and not path.exists():
        # Asking must not create an empty database as a side effect.
        print(f"no database at {path} yet (moot db upgrade creates it)")
        return 0
    db = open_db(cfg.database_url, upgrade=args.action == "upgrade")
    try:
        print(f"database at revision {migrate.current_revision(db) or 'none (empty)'}")
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
