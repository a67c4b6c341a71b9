"""Help text, generated from the command specs so it never disagrees with the parser."""

from __future__ import annotations

from bot.parser import UsageError, suggest
from bot.permissions import describe
from bot.registry import Registry


def overview(reg: Registry, prefix: str) -> str:
    lines = ["Moot commands (try " + prefix + "help COMMAND for more):"]
    for name in sorted(reg.commands):
        summary = reg.summaries.get(name) or next(iter(reg.commands[name].values())).help
        lines.append(f"• {prefix}{name}: {summary}")
    return "\n".join(lines)


def for_command(reg: Registry, prefix: str, name: str) -> str:
    subs = reg.commands.get(name.lower())
    if subs is None:
        raise UsageError(
            f"no command {prefix}{name}" + suggest(name.lower(), sorted(reg.commands)),
            f"{prefix}help [COMMAND [SUBCOMMAND]]",
        )
    lines = [f"{prefix}{name}: {reg.summaries.get(name, '')}".rstrip(": ")]
    for sub in sorted(subs, key=lambda s: s or ""):
        spec = subs[sub]
        lines.append(f"• {spec.usage(prefix)}  {spec.help}")
    return "\n".join(lines)


def for_subcommand(reg: Registry, prefix: str, name: str, sub: str) -> str:
    subs = reg.commands.get(name.lower())
    if subs is None:
        return for_command(reg, prefix, name)
    spec = subs.get(sub.lower())
    if spec is None:
        named = sorted(s for s in subs if s)
        raise UsageError(
            f"no subcommand '{sub}' for {prefix}{name}" + suggest(sub.lower(), named),
            f"{prefix}{name} {'|'.join(named)} ...",
        )
    lines = [f"Usage: {spec.usage(prefix)}", spec.help]
    if spec.details:
        lines.append(spec.details)
    for p in spec.params:
        label = (
            p.shown if p.positional else f"{p.flag}" + ("" if p.type == "flag" else f" {p.shown}")
        )
        default = f" (default {p.default})" if p.default not in (None, False, [], ()) else ""
        lines.append(f"  {label}: {p.help}{default}")
    if spec.permission:
        lines.append(f"For {describe(spec.permission)}.")
    for ex in spec.examples:
        lines.append(f"Example: {prefix}{ex}")
    return "\n".join(lines)
