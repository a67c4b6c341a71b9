"""A modal built from a command's spec, and its submission turned back into the same command
line a person would type, so the text parser is the one validator. Pure."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from bot.i18n import N_, _
from bot.parser import ParseContext, UsageError, convert, parse_command
from bot.registry import Registry
from bot.specs import CommandSpec, Param

CALLBACK_ID = "moot_command_modal"
ACTION = "value"
LABEL_MAX = 2000
TITLE_MAX = 24

# Commands that open a modal when typed with no arguments, and the modal's title.
MODAL_COMMANDS: dict[tuple[str, str | None], str] = {("vote", "start"): N_("Start a vote")}
# Titles of the forms a button opens ("Vote privately"); others read as the command.
FORM_TITLES: dict[tuple[str, str | None], str] = {("vote", "cast"): N_("Cast a vote")}
# The fields a modal shows, where the spec has them; the rest stay for the typed form.
# A spec with none of these shows all its parameters.
MODAL_FIELDS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("vote", "start"): ("question", "options", "rule", "quorum", "for", "secret"),
    ("vote", "cast"): ("id", "option", "reason"),
}


@dataclass(frozen=True)
class Submission:
    line: str  # the equivalent text after the command name, e.g. 'start --for 72h "Q?"'
    errors: dict[str, str]  # block_id -> message, empty when valid


def wants_modal(registry: Registry, name: str, args: str) -> CommandSpec | None:
    """`/vote` or `/vote start` with nothing else, when the spec exists."""
    for (cmd, sub), _title in MODAL_COMMANDS.items():
        if name != cmd or registry.find(cmd, sub) is None:
            continue
        words = args.split()
        if not words or (sub is not None and words == [sub]):
            return registry.find(cmd, sub)
    return None


# Field labels by parameter name (translated where shown); others read as the name.
LABELS = {
    "question": N_("Question"),
    "options": N_("Options"),
    "rule": N_("Rule"),
    "quorum": N_("Quorum"),
    "for": N_("For"),
    "secret": N_("Secret"),
    "id": N_("Id"),
    "option": N_("Option"),
    "reason": N_("Reason"),
}


def _label(p: Param) -> str:
    if p.name in LABELS:
        return _(LABELS[p.name])[:LABEL_MAX]
    return p.name.replace("_", " ").capitalize()[:LABEL_MAX]


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _is_many(p: Param) -> bool:
    return p.many or p.type == "list"


def element(p: Param) -> dict[str, Any]:
    if p.type == "flag":
        return {
            "type": "checkboxes",
            "action_id": ACTION,
            "options": [{"text": _plain((_(p.help) if p.help else p.name)[:75]), "value": "on"}],
        }
    if p.type == "choice" and p.choices:
        el: dict[str, Any] = {
            "type": "static_select",
            "action_id": ACTION,
            "options": [{"text": _plain(c[:75]), "value": c} for c in p.choices[:100]],
        }
        if p.default in p.choices:
            el["initial_option"] = {"text": _plain(str(p.default)[:75]), "value": p.default}
        return el
    if p.type == "user":
        return {"type": "multi_users_select" if p.many else "users_select", "action_id": ACTION}
    if p.type == "channel" and not p.many:
        return {"type": "conversations_select", "action_id": ACTION}
    el = {"type": "plain_text_input", "action_id": ACTION, "multiline": _is_many(p) or p.rest}
    if p.help:
        el["placeholder"] = _plain(_(p.help)[:150])
    return el


@dataclass(frozen=True)
class Form:
    """What a form button fixed: values set for the person (the vote's id) and lists to pick
    one value from (the vote's options). Travels in the modal's private_metadata."""

    fixed: dict[str, str]
    picks: dict[str, list[str]]

    @classmethod
    def from_value(cls, value: str) -> Form:
        try:
            data = json.loads(value or "{}")
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        fixed = {str(k): str(v) for k, v in data.items() if isinstance(v, (str, int))}
        picks = {str(k): [str(x) for x in v] for k, v in data.items() if isinstance(v, list) and v}
        return cls(fixed, picks)

    def meta(self) -> dict[str, object]:
        return {"fixed": self.fixed, "picks": self.picks}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> Form:
        fixed = meta.get("fixed") if isinstance(meta.get("fixed"), dict) else {}
        picks = meta.get("picks") if isinstance(meta.get("picks"), dict) else {}
        return cls.from_value(json.dumps({**picks, **fixed}))


NO_FORM = Form({}, {})


def shown_params(spec: CommandSpec, form: Form = NO_FORM) -> list[Param]:
    """The fields of a modal: a fixed value gets none; a pick list becomes a select."""
    out = []
    for p in fields(spec):
        if p.name in form.fixed:
            continue
        if p.name in form.picks:
            p = replace(p, type="choice", choices=tuple(form.picks[p.name]), default=None)
        out.append(p)
    return out


def fields(spec: CommandSpec) -> list[Param]:
    wanted = MODAL_FIELDS.get((spec.name, spec.sub), ())
    by_name = {p.name: p for p in spec.params}
    chosen = [by_name[n] for n in wanted if n in by_name]
    # Required parameters always get a field, or the form could never be valid.
    chosen += [p for p in spec.params if p.required and p not in chosen]
    return chosen or list(spec.params)


def view(
    spec: CommandSpec, title: str, metadata: dict[str, Any], form: Form = NO_FORM
) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for p in shown_params(spec, form):
        block: dict[str, Any] = {
            "type": "input",
            "block_id": p.name,
            "label": _plain(_label(p)),
            "element": element(p),
            "optional": not p.required,
        }
        hint = _(p.help) if p.help else ""
        if _is_many(p) and block["element"]["type"] == "plain_text_input":
            hint = _("{hint} (one per line)").format(hint=hint) if hint else _("One per line")
        if hint:
            block["hint"] = _plain(hint[:2000])
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(_(title)[:TITLE_MAX]),
        "submit": _plain(_("Submit")),
        "close": _plain(_("Cancel")),
        "private_metadata": json.dumps(metadata, separators=(",", ":")),
        "blocks": blocks,
    }


def _raw_values(p: Param, state: dict[str, Any]) -> list[str]:
    """What the person entered in one field, as the words they would have typed."""
    entry = (state.get(p.name) or {}).get(ACTION) or {}
    kind = entry.get("type")
    if kind == "checkboxes":
        return ["on"] if entry.get("selected_options") else []
    if kind == "static_select":
        chosen = entry.get("selected_option") or {}
        return [str(chosen["value"])] if chosen.get("value") else []
    if kind == "users_select":
        return [f"<@{entry['selected_user']}>"] if entry.get("selected_user") else []
    if kind == "multi_users_select":
        return [f"<@{u}>" for u in entry.get("selected_users") or []]
    if kind == "conversations_select":
        c = entry.get("selected_conversation")
        return [f"<#{c}>"] if c else []
    value = str(entry.get("value") or "").strip()
    if not value:
        return []
    if _is_many(p):
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        return [", ".join(lines)] if p.type == "list" else lines
    if p.rest:
        return [" ".join(value.split())]
    return [" ".join(value.splitlines()).strip()]


def quote(value: str) -> str:
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    raise UsageError(_("use only one kind of quote mark (\" or ') in a field"))


def _problem(exc: UsageError) -> str:
    return exc.problem[:1].upper() + exc.problem[1:]


def _field_for(spec: CommandSpec, problem: str) -> str:
    """Which field a whole-line parse error is about, by the name it mentions."""
    text = problem.lower()
    shown = fields(spec)
    for p in shown:
        if p.flag in text or p.shown.lower() in text.split() or f"'{p.name}'" in text:
            return p.name
    for p in shown:
        if p.name.replace("_", " ") in text:
            return p.name
    return shown[0].name if shown else "_"


def submission(
    registry: Registry,
    spec: CommandSpec,
    state: dict[str, Any],
    ctx: ParseContext,
    form: Form = NO_FORM,
) -> Submission:
    errors: dict[str, str] = {}
    many_opts: list[str] = []
    opts: list[str] = []
    positionals: list[str] = []
    shown = {p.name: p for p in shown_params(spec, form)}
    for p in fields(spec):
        if p.name in form.fixed:
            values = [form.fixed[p.name]]
        elif p.name in shown:
            p = shown[p.name]
            values = _raw_values(p, state)
        else:
            continue
        if not values:
            if p.required:
                errors[p.name] = _("This field is required.")
            continue
        if p.type == "flag":
            opts.append(p.flag)
            continue
        try:
            for v in values:
                convert(p, v, ctx)  # the same conversion the text form gets, per field
            quoted = [quote(v) for v in values]
        except UsageError as exc:
            errors[p.name] = _problem(exc)
            continue
        if p.positional:
            positionals += quoted
        elif p.many:
            many_opts += [p.flag, *quoted]
        else:
            opts += [p.flag, quoted[0]]
    if errors:
        return Submission("", errors)
    # A repeatable option takes words up to the next option, so it goes first, ended by the
    # single-valued options; positionals come last (a rest-of-line one must be last).
    if many_opts and not opts and positionals:
        words = positionals + many_opts
    else:
        words = many_opts + opts + positionals
    line = " ".join(([spec.sub] if spec.sub else []) + words)
    try:
        parse_command(registry, spec.name, line, ctx)
    except UsageError as exc:
        return Submission(line, {_field_for(spec, exc.problem): _problem(exc)})
    return Submission(line, {})
