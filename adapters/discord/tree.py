"""The application-command tree, generated from the command specs, and an invocation turned
back into the command line a person would type, so the text parser stays the one validator.
Pure: no client, no I/O.

One top-level slash command per command name; each sub is a subcommand; each parameter an
option of the nearest Discord type. What Discord cannot type (durations, lists, repeated
values) is a string the parser reads exactly as in `!vote ...`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot import i18n
from bot.i18n import _, pgettext
from bot.parser import INT_LIMIT
from bot.registry import Registry
from bot.specs import CommandSpec, Param

SUB_COMMAND, SUB_GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE = 1, 2, 3, 4, 5, 6, 7, 8
CHAT_INPUT = 1
TEXT_CHANNELS = [0, 5]  # text and announcement channels (their threads are reached from them)
# Discord's limits on a command: 25 options or subcommands, names of 1-32 characters,
# descriptions of 1-100, 25 fixed choices.
MAX_OPTIONS = 25
NAME_MAX = 32
DESCRIPTION_MAX = 100
CHOICES_MAX = 25
# Guild (0) and the bot's DMs (1): secret ballots are cast in a DM.
CONTEXTS = [0, 1]

# Parameters whose value is an id the database can suggest: (command, parameter) -> kind.
AUTOCOMPLETE: dict[tuple[str, str], str] = {("vote", "id"): "vote", ("rfc", "rfc"): "rfc"}
# Commands that open a form when given no options at all; their options are all optional.
MODAL_COMMANDS = frozenset({("vote", "start")})

_BAD_NAME = re.compile(r"[^-_a-z0-9]")


def option_name(p: Param) -> str:
    return _BAD_NAME.sub("-", p.name.lower())[:NAME_MAX]


def _description(text: str, fallback: str) -> str:
    text = " ".join((text or fallback).split())
    return (text[: DESCRIPTION_MAX - 1] + "…") if len(text) > DESCRIPTION_MAX else text


def _localized(text: str, fallback: str, metavar: bool = False) -> dict[str, str]:
    """description_localizations: the Chinese description where the catalog has one (names
    stay as they are: people paste them)."""
    with i18n.use("zh-Hans"):
        shown = (_(text) if text else "") or (pgettext("metavar", fallback) if metavar else "")
    zh = _description(shown, fallback) if shown else ""
    return {"zh-CN": zh} if zh and zh != _description(text, fallback) else {}


def _is_multi(p: Param) -> bool:
    return p.many or p.rest


def option(spec: CommandSpec, p: Param) -> dict[str, Any]:
    """One parameter as a Discord option."""
    required = p.required and (spec.name, spec.sub) not in MODAL_COMMANDS
    out: dict[str, Any] = {
        "name": option_name(p),
        "description": _description(p.help, (p.metavar or p.name.replace("_", " ")).strip('"')),
        "description_localizations": _localized(p.help, p.metavar or p.name.upper(), True),
        "required": required,
    }
    auto = AUTOCOMPLETE.get((spec.name, p.name))
    if p.type == "flag":
        out["type"] = BOOLEAN
    elif p.type == "int" and not _is_multi(p):
        out["type"] = INTEGER
        # Ids start at 1; counts and weights are never negative; the column is 32 bits.
        out["min_value"] = 1 if p.name == "id" else 0
        out["max_value"] = INT_LIMIT
    elif p.type == "user" and not _is_multi(p):
        out["type"] = USER
    elif p.type == "role" and not _is_multi(p):
        out["type"] = ROLE
    elif p.type == "channel" and not _is_multi(p):
        out["type"] = CHANNEL
        out["channel_types"] = TEXT_CHANNELS
    else:
        out["type"] = STRING
        if p.type == "choice" and p.choices and len(p.choices) <= CHOICES_MAX and not auto:
            out["choices"] = [{"name": c, "value": c} for c in p.choices]
        out["max_length"] = 6000 if p.rest else 1000
    if auto:
        out["autocomplete"] = True
    return out


def options_of(spec: CommandSpec) -> list[dict[str, Any]]:
    opts = [option(spec, p) for p in spec.params]
    # Discord wants the required options first; names, not positions, carry meaning.
    opts.sort(key=lambda o: not o["required"])
    if len(opts) > MAX_OPTIONS:
        raise ValueError(f"/{spec.full_name} has {len(opts)} options; Discord allows 25")
    return opts


def command(name: str, subs: Mapping[str | None, CommandSpec], summary: str) -> dict[str, Any]:
    """One top-level slash command. A name with only a bare spec takes its options directly;
    otherwise each sub is a subcommand (a bare spec beside subs is reached by text only)."""
    out: dict[str, Any] = {
        "name": name[:NAME_MAX],
        "type": CHAT_INPUT,
        "description": _description(summary, f"/{name}"),
        "description_localizations": _localized(summary, f"/{name}"),
        "contexts": CONTEXTS,
        "integration_types": [0],
    }
    named = [s for sub, s in subs.items() if sub is not None]
    if not named:
        out["options"] = options_of(subs[None])
        return out
    if len(named) > MAX_OPTIONS:
        raise ValueError(f"/{name} has {len(named)} subcommands; Discord allows 25")
    out["options"] = [
        {
            "type": SUB_COMMAND,
            "name": str(s.sub)[:NAME_MAX],
            "description": _description(s.help, s.full_name),
            "description_localizations": _localized(s.help, s.full_name),
            "options": options_of(s),
        }
        for s in named
    ]
    return out


def commands(registry: Registry) -> list[dict[str, Any]]:
    """The whole tree, for PUT /applications/{app}/[guilds/{guild}/]commands."""
    return [
        command(name, subs, registry.summaries.get(name, ""))
        for name, subs in sorted(registry.commands.items())
    ]


# ------------------------------------------------------------------ invocations


def invoked(data: Mapping[str, Any]) -> tuple[str, str | None, list[Mapping[str, Any]]]:
    """(command, subcommand or None, the options given) of an interaction's data."""
    name = str(data.get("name", ""))
    opts = list(data.get("options") or [])
    if opts and opts[0].get("type") == SUB_GROUP:
        opts = list(opts[0].get("options") or [])
    if opts and opts[0].get("type") == SUB_COMMAND:
        return name, str(opts[0]["name"]), list(opts[0].get("options") or [])
    return name, None, opts


def quote(value: str) -> str:
    """One word for the parser, whatever it holds. A double quote inside becomes a single
    one: the parser has no escapes, and the words still read the same."""
    value = " ".join(value.split())
    return '"' + re.sub('["“”„]', "'", value) + '"'


def _word(p: Param, value: Any) -> str:
    if p.type == "flag":
        return ""
    if p.type == "user" and not _is_multi(p):
        return f"<@{value}>"
    if p.type == "role" and not _is_multi(p):
        return f"<@&{value}>"
    if p.type == "channel" and not _is_multi(p):
        return f"<#{value}>"
    if isinstance(value, bool | int):
        return str(int(value))
    text = str(value)
    # Several values in one string option, or the rest of the line: the words as typed.
    # A quote mark in a free-text field would open a quoted word the person never meant,
    # so such text goes as one quoted word (the parser takes it whole).
    if p.rest and any(q in text for q in "\"'“”„‘’"):
        return quote(text)
    return " ".join(text.split()) if _is_multi(p) else quote(text)


def line(spec: CommandSpec, given: Iterable[Mapping[str, Any]]) -> str:
    """The text after the command name: `start --for "72h" "Adopt v2?"`."""
    values = {str(o.get("name")): o.get("value") for o in given}
    singles: list[str] = []
    multis: list[str] = []
    positionals: list[str] = []
    tail: list[str] = []
    for p in spec.params:
        value = values.get(option_name(p))
        if value is None or value == "":
            continue
        if p.type == "flag":
            if value is True:
                singles.append(p.flag)
            continue
        word = _word(p, value)
        if p.positional:
            (tail if p.rest else positionals).append(word)
        elif p.many:
            multis += [p.flag, word]
        else:
            singles += [p.flag, word]
    # A repeatable option takes the words up to the next option, so it goes first and a
    # single option ends it; positionals come last, and a rest-of-line one is the very last.
    if multis and not singles and positionals:
        words = positionals + multis
    else:
        words = multis + singles + positionals
    words += tail
    return " ".join(([spec.sub] if spec.sub else []) + words)


def focused(given: Iterable[Mapping[str, Any]]) -> tuple[str, str] | None:
    """The option being typed in an autocomplete request: (name, text so far)."""
    for o in given:
        if o.get("focused"):
            return str(o.get("name")), str(o.get("value") or "")
    return None
