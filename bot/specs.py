"""Commands as data: one declaration per command gives the parser, the help and the
permission check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.i18n import _, pgettext

ParamType = Literal[
    "text",
    "int",
    "fraction",
    "count_or_fraction",
    "duration",
    "datetime",
    "user",
    "role",
    "channel",
    "choice",
    "flag",
    "list",
]

# Who may run a command. None: everyone. "admin": platform admins. "moderator": admins and
# holders of a role bound with `/config role moderator`. "support": the same for support.
Permission = str | None

# Past this an error's usage line is cut to the parameter that was wrong (the whole of
# /vote start's would be 400 characters after every typo).
SHORT_USAGE = 100


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType = "text"
    help: str = ""
    # Positionals are given in order without a flag; options are written --name.
    positional: bool = False
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    # Positional: take every remaining positional token. Option: may repeat, and takes every
    # following token up to the next option.
    many: bool = False
    # Positional text that swallows the rest of the line, spaces included.
    rest: bool = False
    metavar: str | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def shown(self) -> str:
        # Metavars are words in the reader's language; choices are typed as they are.
        if self.metavar:
            return pgettext("metavar", self.metavar)
        if self.type == "choice" and self.choices:
            return "|".join(self.choices)
        return pgettext("metavar", self.name.upper())

    def usage(self) -> str:
        if self.positional:
            core = self.shown + (" ..." if self.many or self.rest else "")
            return core if self.required else f"[{core}]"
        if self.type == "flag":
            return f"[{self.flag}]"
        core = f"{self.flag} {self.shown}" + (" ..." if self.many else "")
        return core if self.required else f"[{core}]"


@dataclass
class CommandSpec:
    name: str
    sub: str | None
    help: str
    handler: Callable[..., Any]
    params: tuple[Param, ...] = ()
    permission: Permission = None
    examples: tuple[str, ...] = ()
    # Extra prose shown by `/help name sub`.
    details: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)

    @property
    def full_name(self) -> str:
        return f"{self.name} {self.sub}" if self.sub else self.name

    def usage(self, prefix: str = "/") -> str:
        parts = [prefix + self.full_name]
        parts += [p.usage() for p in self.params if p.positional]
        parts += [p.usage() for p in self.params if not p.positional]
        return " ".join(parts)

    def short_usage(self, prefix: str = "/", param: Param | None = None) -> str:
        """The usage an error ends with: the whole line while it is short; for a long one,
        the required parts and the parameter that was wrong, with a pointer to /help."""
        full = self.usage(prefix)
        if len(full) <= SHORT_USAGE:
            return full
        parts = [prefix + self.full_name]
        parts += [p.usage() for p in self.params if p.positional]
        parts += [p.usage() for p in self.params if not p.positional and p.required]
        if param is not None and not param.positional and not param.required:
            parts.append(param.usage().strip("[]"))
        parts.append(_("... (all options: {help})").format(help=f"{prefix}help {self.full_name}"))
        return " ".join(parts)

    @property
    def positionals(self) -> list[Param]:
        return [p for p in self.params if p.positional]

    @property
    def options(self) -> dict[str, Param]:
        return {p.flag: p for p in self.params if not p.positional}
