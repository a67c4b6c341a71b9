"""`moot`: demo, console, run, db upgrade, export. This is the wiring: it reads the config,
builds storage, registers the capabilities and starts the adapters."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import tempfile
from pathlib import Path

from bot.app import App
from bot.clock import SystemClock
from bot.config import Config, ConfigError, load, setup_logging
from bot.registry import Registry
from storage import migrate
from storage.db import Database

log = logging.getLogger("moot")

DEMO_START = "2026-01-05T09:00:00Z"

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
    db = Database(url)
    if upgrade:
        migrate.upgrade(db)
    return db


def demo_script(reg: Registry) -> str:
    return DEMO_INTRO + "\n".join(reg.demo) + "\n"


async def run_console_script(
    text: str, db: Database, reg: Registry, start: str, timezone: str = "UTC"
) -> int:
    from adapters.console_script import ConsoleSession, fake_clock

    session = ConsoleSession(db, reg, fake_clock(start), default_timezone=timezone)
    code = await session.run_script(text)
    if session.failures:
        print(f"\n{len(session.failures)} expectation(s) failed.", file=sys.stderr)
    return code


def cmd_demo(args: argparse.Namespace) -> int:
    reg = registry()
    with tempfile.TemporaryDirectory(prefix="moot-demo-") as tmp:
        db = open_db(f"sqlite:///{Path(tmp) / 'demo.db'}")
        try:
            return asyncio.run(run_console_script(demo_script(reg), db, reg, DEMO_START))
        finally:
            db.dispose()


def cmd_console(args: argparse.Namespace, cfg: Config) -> int:
    reg = registry()
    if args.script:
        text = Path(args.script).read_text(encoding="utf-8")
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
    print("Moot console. Type /help. '/as NAME' switches user, '/in #channel' switches channel,")
    print("script lines (roles ..., @bob click 3 yes) work too. Ctrl-D quits.")
    session.app.scheduler.start()
    sender = asyncio.create_task(session.app.sender.run())
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
        session.app.scheduler.shutdown()
        await sender
    return 0


def build_adapters(cfg: Config, db: Database, reg: Registry) -> dict[str, object]:
    import adapters

    return adapters.build(cfg, db=db, registry=reg)


async def serve(cfg: Config) -> int:
    db = open_db(cfg.database_url)
    reg = registry()
    built = build_adapters(cfg, db, reg)
    if not built:
        raise ConfigError(
            "no platform is configured: add a [slack] or [matrix] section to the config "
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
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # Overdue work (fell due while we were down) runs before anything else.
    ran = app.scheduler.run_due_now()
    if ran:
        log.info("ran %d overdue item(s) at start", ran)
    app.scheduler.start()
    sender = asyncio.create_task(app.sender.run())
    # Events left in the inbox by a previous run are handled first, then new ones; adapters
    # acknowledge only what the inbox has stored.
    inbox = asyncio.create_task(app.inbox.run())
    for adapter in built.values():
        await adapter.start(app.inbox.accept)  # type: ignore[attr-defined]
    log.info("moot running on %s", ", ".join(built))
    await stop.wait()
    log.info("stopping")
    for adapter in built.values():
        await adapter.stop()  # type: ignore[attr-defined]
    app.inbox.stop()
    await inbox
    app.scheduler.shutdown()
    app.sender.stop()
    await sender
    db.dispose()
    return 0


def cmd_export(args: argparse.Namespace, cfg: Config) -> int:
    reg = registry()
    fn = reg.exporters.get(args.what)
    if fn is None:
        known = ", ".join(sorted(reg.exporters)) or "none yet"
        print(f"moot: nothing called '{args.what}' to export (known: {known})", file=sys.stderr)
        return 2
    db = open_db(args.db or cfg.database_url)
    try:
        text = fn(db, args.format)
    finally:
        db.dispose()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="moot", description=__doc__)
    p.add_argument("--config", "-c", help="path to a TOML config (see config.example.toml)")
    # The same option is accepted after the subcommand too (`moot run --config x.toml`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", "-c", dest="sub_config", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="cmd", required=True)
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
    d = sub.add_parser("db", help="database maintenance")
    d.add_argument("action", choices=["upgrade", "current"])
    e = sub.add_parser("export", help="export decisions or RFCs")
    e.add_argument("what", help="decisions or rfcs")
    e.add_argument("--format", choices=["md", "json"], default="md")
    e.add_argument("--db", help="database URL (default: from config)")
    e.add_argument("--out", help="write to this file instead of standard output")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        cfg = load(getattr(args, "sub_config", None) or args.config)
        setup_logging(cfg)
        if args.cmd in ("demo", "console"):
            logging.getLogger().setLevel(logging.WARNING)
        if args.cmd == "demo":
            return cmd_demo(args)
        if args.cmd == "console":
            return cmd_console(args, cfg)
        if args.cmd == "run":
            return asyncio.run(serve(cfg))
        if args.cmd == "db":
            db = open_db(cfg.database_url, upgrade=args.action == "upgrade")
            print(f"database at revision {migrate.current_revision(db)}")
            db.dispose()
            return 0
        if args.cmd == "export":
            return cmd_export(args, cfg)
    except ConfigError as exc:
        print(f"moot: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
