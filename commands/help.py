"""/help, generated from the specs."""

from __future__ import annotations

from bot import help as helptext
from bot.context import Ctx
from bot.registry import Registry
from bot.specs import Param


def register(reg: Registry) -> None:
    reg.summary("help", "what Moot can do, and how to ask it")

    @reg.command(
        "help",
        help="Show commands, or the details of one command or subcommand.",
        params=[
            Param("command", positional=True, help="a command, like vote"),
            Param("sub", positional=True, help="a subcommand, like start"),
        ],
        examples=("help", "help vote", "help vote start"),
    )
    def show(ctx: Ctx, command: str | None, sub: str | None) -> None:
        reg_ = ctx.registry
        if command is None:
            text = helptext.overview(reg_, ctx.prefix)
        elif sub is None:
            text = helptext.for_command(reg_, ctx.prefix, command.lstrip("/!"))
        else:
            text = helptext.for_subcommand(reg_, ctx.prefix, command.lstrip("/!"), sub)
        ctx.private(text)
