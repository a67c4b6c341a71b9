"""The form `/vote start` opens when given no options, and its submission turned back into
the command line a person would type, so the text parser is the one validator. Pure.

A Discord modal holds at most five text inputs and no checkboxes, so the form asks for the
five things most votes need; the rest stay options of the slash command."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.discord.tree import quote
from bot import i18n
from bot.i18n import N_, _
from bot.parser import ParseContext, UsageError, parse_command
from bot.registry import Registry
from bot.specs import CommandSpec, Param

PREFIX = "moot:modal:"
TEXT_INPUT, SHORT, PARAGRAPH = 4, 1, 2
FIELDS_MAX = 5
LABEL_MAX = 45

# (command, sub) -> (title, the parameters the form asks for)
FORMS: dict[tuple[str, str | None], tuple[str, tuple[str, ...]]] = {
    ("vote", "start"): (N_("Start a vote"), ("question", "options", "for", "rule", "quorum")),
}
LABELS = {
    "question": N_("Question"),
    "options": N_("Options (one per line; empty for yes/no/abstain)"),
    "for": N_("How long (e.g. 72h, 3d)"),
    "rule": N_("Rule (simple, absolute, 2/3, 75%, unanimous)"),
    "quorum": N_("Quorum (a number of voters or a share, 50%)"),
}


@dataclass(frozen=True)
class Submission:
    spec: CommandSpec | None
    line: str  # the text after the command name, e.g. 'start --for "72h" "Adopt v2?"'
    error: str  # one line for the person, empty when valid


def fields(spec: CommandSpec) -> list[Param]:
    wanted = FORMS.get((spec.name, spec.sub), ("", ()))[1]
    by_name = {p.name: p for p in spec.params}
    return [by_name[n] for n in wanted if n in by_name][:FIELDS_MAX]


def wants_form(spec: CommandSpec, given: list[Mapping[str, Any]]) -> bool:
    return (spec.name, spec.sub) in FORMS and not given


def form(spec: CommandSpec, locale: str | None = None) -> dict[str, Any]:
    """The interaction callback data of type 9 (MODAL), in the presser's Discord locale."""
    with i18n.use(locale):
        return _form(spec)


def _form(spec: CommandSpec) -> dict[str, Any]:
    title = _(FORMS[(spec.name, spec.sub)][0])
    rows = []
    for p in fields(spec):
        multi = p.type == "list" or p.name == "question"
        item: dict[str, Any] = {
            "type": TEXT_INPUT,
            "custom_id": p.name,
            "label": (_(LABELS[p.name]) if p.name in LABELS else p.name.capitalize())[:LABEL_MAX],
            "style": PARAGRAPH if multi else SHORT,
            "required": p.required,
            "max_length": 1000,
        }
        if p.help and not multi:
            item["placeholder"] = _(p.help)[:100]
        rows.append({"type": 1, "components": [item]})
    return {
        "custom_id": f"{PREFIX}{spec.name}:{spec.sub or ''}",
        "title": title,
        "components": rows,
    }


def values_of(data: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in data.get("components") or []:
        for item in row.get("components") or []:
            if item.get("custom_id"):
                out[str(item["custom_id"])] = str(item.get("value") or "")
    return out


def submission(registry: Registry, data: Mapping[str, Any], ctx: ParseContext) -> Submission:
    cid = str(data.get("custom_id") or "")
    name, _, sub = cid.removeprefix(PREFIX).partition(":")
    spec = registry.find(name, sub or None) if cid.startswith(PREFIX) else None
    if spec is None:
        return Submission(None, "", "That form is out of date; run the command again.")
    values = values_of(data)
    singles: list[str] = []
    positionals: list[str] = []
    for p in fields(spec):
        raw = values.get(p.name, "").strip()
        if not raw:
            continue
        if p.type == "list":
            raw = ", ".join(part.strip() for part in raw.splitlines() if part.strip())
        word = quote(raw)
        if p.positional:
            positionals.append(word)
        else:
            singles += [p.flag, word]
    line = " ".join(([spec.sub] if spec.sub else []) + singles + positionals)
    try:
        parse_command(registry, spec.name, line, ctx)
    except UsageError as exc:
        return Submission(spec, line, str(exc))
    return Submission(spec, line, "")
