"""One parser for every command: typed text in, typed arguments out, or a one-line error that
names the problem and shows the usage."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import i18n, timeparse, zhparse
from bot.i18n import _
from bot.mentions import MentionError, parse_channel, parse_role, parse_user
from bot.registry import Registry
from bot.specs import CommandSpec, Param
from bot.text import is_blank

# Phones and some clients turn straight quotes into curly ones; people still mean quoting.
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


INT_LIMIT = 2**31 - 1


class UsageError(ValueError):
    """Bad input. str() is the one line shown to the user."""

    def __init__(self, problem: str, usage: str | None = None):
        self.problem = problem
        self.usage = usage
        super().__init__(
            _("{problem}. Usage: {usage}").format(problem=problem, usage=usage)
            if usage
            else problem
        )


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    quoted: bool


@dataclass(frozen=True)
class ParseContext:
    now: datetime
    zone: ZoneInfo
    prefix: str = "/"


@dataclass(frozen=True)
class Parsed:
    spec: CommandSpec
    args: dict[str, Any]


def tokenize(text: str) -> list[Token]:
    """Shell-style words. Quotes group only at the start of a word or after `=` or `,`, so an
    apostrophe inside free text ("don't") is just a letter."""
    text = text.translate(_QUOTES)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        buf: list[str] = []
        quoted = False
        while i < n and not text[i].isspace():
            ch = text[i]
            if ch in "\"'" and (i == start or text[i - 1] in "=,"):
                end = text.find(ch, i + 1)
                if end < 0:
                    raise UsageError(_("a {quote} quote is not closed").format(quote=ch))
                buf.append(text[i + 1 : end])
                # Only a word that starts quoted is protected from being read as --option.
                quoted = quoted or i == start
                i = end + 1
                continue
            buf.append(ch)
            i += 1
        tokens.append(Token("".join(buf), start, quoted))
    return tokens


def suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return _("; did you mean '{word}'?").format(word=close[0]) if close else ""


# Types whose text is a number or a time: digits from any script are read as ASCII.
_NUMERIC = frozenset(("int", "fraction", "count_or_fraction", "duration", "datetime"))


def convert(param: Param, raw: str, ctx: ParseContext) -> Any:
    if param.type in _NUMERIC:
        raw = zhparse.narrow(timeparse.ascii_digits(raw))
    try:
        match param.type:
            case "text":
                if raw and is_blank(raw):
                    raise UsageError(_("{name} has nothing visible in it").format(name=param.shown))
                return raw
            case "int":
                try:
                    value = int(raw)
                except ValueError:
                    raise UsageError(
                        _("{name} must be a whole number, not '{text}'").format(
                            name=param.shown, text=raw
                        )
                    ) from None
                # Ids and counts live in 32-bit database columns; bigger is always a typo.
                if abs(value) > INT_LIMIT:
                    raise UsageError(
                        _("{name} '{text}' is too large").format(name=param.shown, text=raw)
                    )
                return value
            case "fraction":
                return timeparse.parse_fraction(raw)
            case "count_or_fraction":
                return timeparse.parse_count_or_fraction(raw)
            case "duration":
                return timeparse.check_span(timeparse.parse_duration(raw), raw)
            case "datetime":
                return timeparse.parse_datetime(raw, ctx.now, ctx.zone, refuse_gaps=True)
            case "user":
                return parse_user(raw)
            case "role":
                return parse_role(raw)
            case "channel":
                return parse_channel(raw)
            case "choice":
                for c in param.choices:
                    if c.lower() == raw.lower():
                        return c
                if (meant := zhparse.choice(raw, param.choices)) is not None:
                    return meant
                raise UsageError(
                    _("'{text}' is not one of {choices}").format(
                        text=raw, choices=i18n.joined(list(param.choices))
                    )
                    + suggest(raw.lower(), list(param.choices))
                )
            case "list":
                parts = [part.strip() for part in raw.split(",")]
                if any(p and is_blank(p) for p in parts):
                    raise UsageError(
                        _("{name} has an item with nothing visible in it").format(name=param.shown)
                    )
                return parts
            case _:
                raise AssertionError(f"unknown parameter type {param.type}")
    except (timeparse.TimeParseError, MentionError) as exc:
        raise UsageError(str(exc)) from None


def _default(param: Param) -> Any:
    if param.type == "flag":
        return bool(param.default)
    if param.many:
        return list(param.default or [])
    return param.default


def parse_args(spec: CommandSpec, text: str, ctx: ParseContext) -> dict[str, Any]:
    try:
        tokens = tokenize(text)
    except UsageError as exc:
        raise UsageError(exc.problem, spec.short_usage(ctx.prefix)) from None
    current: Param | None = None
    after_option: tuple[str, str] | None = None
    args: dict[str, Any] = {p.name: _default(p) for p in spec.params}
    seen: set[str] = set()
    positionals = spec.positionals
    pos_index = 0
    many_values: dict[str, list[str]] = {}
    options = spec.options
    i = 0
    try:
        while i < len(tokens):
            tok = tokens[i]
            if tok.text.startswith("--") and len(tok.text) > 2 and not tok.quoted:
                name, eq, inline = tok.text.partition("=")
                param = options.get(name)
                current = param
                if param is None:
                    raise UsageError(
                        _("unknown option {option}").format(option=name)
                        + suggest(name, list(options))
                    )
                if name in seen and not param.many:
                    raise UsageError(_("{option} is given twice").format(option=name))
                seen.add(name)
                i += 1
                if param.type == "flag":
                    if eq:
                        raise UsageError(_("{option} takes no value").format(option=name))
                    args[param.name] = True
                    continue
                values: list[str] = []
                if eq:
                    values.append(inline)
                while i < len(tokens) and not (
                    tokens[i].text.startswith("--") and not tokens[i].quoted
                ):
                    if values and not param.many:
                        break
                    values.append(tokens[i].text)
                    i += 1
                if not values:
                    raise UsageError(
                        _("{option} needs a value ({name})").format(option=name, name=param.shown)
                    )
                if param.many:
                    many_values.setdefault(param.name, []).extend(values)
                else:
                    args[param.name] = convert(param, values[0], ctx)
                    after_option = (name, values[0])
                continue
            if pos_index >= len(positionals):
                hint = ""
                if after_option:  # `--until friday 17:00`: the value had a space in it
                    flag, value = after_option
                    hint = _("; a value with a space needs quotes: {example}").format(
                        example=f'{flag} "{value} {tok.text}"'
                    )
                raise UsageError(_("unexpected '{text}'").format(text=tok.text) + hint)
            param = positionals[pos_index]
            current = param
            if param.rest:
                last = i == len(tokens) - 1
                rest = tok.text if tok.quoted and last else text.translate(_QUOTES)[tok.start :]
                args[param.name] = convert(param, rest.strip(), ctx)
                seen.add(param.name)
                break
            if param.many:
                many_values.setdefault(param.name, []).append(tok.text)
                seen.add(param.name)
                i += 1
                continue
            args[param.name] = convert(param, tok.text, ctx)
            seen.add(param.name)
            after_option = None
            pos_index += 1
            i += 1
        for name, raws in many_values.items():
            param = next(p for p in spec.params if p.name == name)
            current = param
            args[name] = [convert(param, r, ctx) for r in raws]
        for param in spec.params:
            key = param.name if param.positional else param.flag
            if param.required and key not in seen and param.name not in seen:
                current = param
                what = param.shown if param.positional else f"{param.flag} {param.shown}"
                raise UsageError(_("missing {what}").format(what=what))
    except UsageError as exc:
        raise UsageError(exc.problem, spec.short_usage(ctx.prefix, current)) from None
    return args


def find_spec(registry: Registry, name: str, text: str, prefix: str) -> tuple[CommandSpec, str]:
    """The spec a command line names, and the text after the subcommand."""
    subs = registry.commands.get(name.lower())
    if subs is None:
        known = sorted(registry.commands)
        raise UsageError(
            _("unknown command {command}").format(command=prefix + name)
            + suggest(name.lower(), known),
            f"{prefix}help",
        )
    if None in subs and len(subs) == 1:
        return subs[None], text
    text = text.translate(_QUOTES)
    words = text.split(None, 1)
    named = sorted(s for s in subs if s)
    listing = f"{prefix}{name} {'|'.join(named)} ..."
    if not words:
        if None in subs:
            return subs[None], text
        raise UsageError(_("{command} needs a subcommand").format(command=prefix + name), listing)
    sub = words[0].lower()
    if sub in subs:
        return subs[sub], words[1] if len(words) > 1 else ""
    if None in subs:
        return subs[None], text
    raise UsageError(
        _("unknown subcommand '{sub}' for {command}").format(sub=words[0], command=prefix + name)
        + suggest(sub, named),
        listing,
    )


def parse_command(registry: Registry, name: str, text: str, ctx: ParseContext) -> Parsed:
    spec, rest = find_spec(registry, name, text, ctx.prefix)
    return Parsed(spec, parse_args(spec, rest, ctx))
