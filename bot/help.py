"""Help text, generated from the command specs so it never disagrees with the parser."""

from __future__ import annotations

from bot.i18n import _, pgettext
from bot.parser import UsageError, suggest
from bot.permissions import describe
from bot.registry import Registry


def overview(reg: Registry, prefix: str) -> str:
    command = pgettext("metavar", "COMMAND")
    lines = [_("Moot commands (try {help} for more):").format(help=f"{prefix}help {command}")]
    for name in sorted(reg.commands):
        summary = reg.summaries.get(name) or next(iter(reg.commands[name].values())).help
        lines.append(f"• {prefix}{name}: {_(summary)}")
    return "\n".join(lines)


def for_command(reg: Registry, prefix: str, name: str) -> str:
    subs = reg.commands.get(name.lower())
    if subs is None:
        raise UsageError(
            _("no command {command}").format(command=prefix + name)
            + suggest(name.lower(), sorted(reg.commands)),
            "{p}help [{c} [{s}]]".format(
                p=prefix, c=pgettext("metavar", "COMMAND"), s=pgettext("metavar", "SUBCOMMAND")
            ),
        )
    summary = reg.summaries.get(name, "")
    lines = [f"{prefix}{name}: {_(summary) if summary else ''}".rstrip(": ")]
    for sub in sorted(subs, key=lambda s: s or ""):
        spec = subs[sub]
        lines.append(f"• {spec.usage(prefix)}  {_(spec.help)}")
    return "\n".join(lines)


def for_subcommand(reg: Registry, prefix: str, name: str, sub: str) -> str:
    subs = reg.commands.get(name.lower())
    if subs is None:
        return for_command(reg, prefix, name)
    spec = subs.get(sub.lower())
    if spec is None:
        named = sorted(s for s in subs if s)
        raise UsageError(
            _("no subcommand '{sub}' for {command}").format(sub=sub, command=prefix + name)
            + suggest(sub.lower(), named),
            f"{prefix}{name} {'|'.join(named)} ...",
        )
    lines = [_("Usage: {usage}").format(usage=spec.usage(prefix)), _(spec.help)]
    if spec.details:
        lines.append(_(spec.details))
    for p in spec.params:
        label = (
            p.shown if p.positional else f"{p.flag}" + ("" if p.type == "flag" else f" {p.shown}")
        )
        default = (
            _(" (default {value})").format(value=p.default)
            if p.default not in (None, False, [], ())
            else ""
        )
        lines.append(f"  {label}: {_(p.help) if p.help else ''}{default}")
    if spec.permission:
        lines.append(_("For {who}.").format(who=describe(spec.permission)))
    for ex in spec.examples:
        lines.append(_("Example: {example}").format(example=prefix + ex))
    return "\n".join(lines)
