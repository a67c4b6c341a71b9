"""The catalog's source: every message the code can show, read from the syntax tree.

A Babel extraction method (`pybabel extract -F babel.cfg` and `scripts/i18n` both use it).
Besides the gettext calls (`_`, `N_`, `ngettext`, `pgettext`, `npgettext`) it takes the
prose declared as data: `help=` and `details=` of command specs and parameters, and the
second argument of `reg.summary(name, text)`, which `/help` translates when it shows them.
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

# Keyword arguments whose string value is prose shown to people.
PROSE_KEYWORDS = frozenset(("help", "details"))
_CALLS = {
    "_": 1,
    "N_": 1,
    "NP_": 2,
    "gettext": 1,
    "ngettext": 2,
    "pgettext": 2,
    "npgettext": 3,
}

Found = tuple[int, str | None, Any, list[str]]


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def messages(source: str) -> Iterator[Found]:
    """(line, gettext function or None, message(s), comments) for each message."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        func = node.func
        plain = isinstance(func, ast.Name) or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "i18n"
        )
        if plain and name in _CALLS:
            texts = [_text(a) for a in node.args[: _CALLS[name]]]
            if len(texts) == _CALLS[name] and all(t is not None for t in texts):
                found = texts[0] if len(texts) == 1 else tuple(texts)
                # NP_ marks what pgettext translates later.
                yield node.lineno, "pgettext" if name == "NP_" else name, found, []
        if name == "Param" and node.args and (param := _text(node.args[0])):
            # A parameter's metavar (its name in capitals) is shown in usage lines; a
            # choice's is its choices, typed as they are.
            kws = {k.arg: k.value for k in node.keywords}
            meta = _text(kws["metavar"]) if "metavar" in kws else None
            kind = (
                _text(node.args[1])
                if len(node.args) > 1
                else _text(kws.get("type", ast.Constant(None)))
            )
            computed = "metavar" in kws and meta is None  # shown as computed, untranslated
            if (
                not computed
                and kind != "flag"
                and (meta or not (kind == "choice" and "choices" in kws))
            ):
                yield node.lineno, "pgettext", ("metavar", meta or param.upper()), []
        if name == "summary" and len(node.args) == 2 and (text := _text(node.args[1])):
            yield node.lineno, None, text, []
        for kw in node.keywords:
            if kw.arg in PROSE_KEYWORDS and (text := _text(kw.value)):
                yield kw.value.lineno, None, text, []


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Found]:
    """Babel's extraction-method signature."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    yield from messages(source)


def msgids(source: str) -> Iterator[tuple[str, str | None]]:
    """(msgid, msgctxt) pairs, the way a catalog keys them."""
    for _line, func, found, _comments in messages(source):
        if func in ("pgettext", "npgettext"):
            yield found[1], found[0]
        elif isinstance(found, tuple):
            yield found[0], None
        else:
            yield found, None


# --------------------------------------------------------------------------- the catalogs

# Where the messages people in a community see live (moot/ is the operator's CLI, in English).
SOURCE_DIRS = ("bot", "commands", "adapters")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}|%\([a-z_]+\)[sd]")


def source_files(root: Path) -> list[Path]:
    return sorted(p for d in SOURCE_DIRS for p in (root / d).rglob("*.py"))


def template(root: Path) -> Catalog:
    """The .pot: every message of the code, with where it is used."""
    catalog = Catalog(project="moot", domain="moot", charset="utf-8")
    for path in source_files(root):
        rel = path.relative_to(root).as_posix()
        for line, func, found, _comments in messages(path.read_text("utf-8")):
            context = None
            if func in ("pgettext", "npgettext"):
                context, found = found[0], found[1:] if len(found) > 2 else found[1]
            catalog.add(
                found,
                locations=[(rel, line)],
                context=context,
                flags=("python-brace-format",) if _PLACEHOLDER.search(str(found)) else (),
            )
    return catalog


def placeholders(text: str) -> list[str]:
    return sorted(m.split(":")[0].split("!")[0].strip("{}") for m in _PLACEHOLDER.findall(text))


def problems(root: Path, lang: str = "zh_Hans") -> list[str]:
    """What makes a catalog out of date with the code: a message it lacks, one untranslated
    or fuzzy, placeholders that differ from the English, a .mo older than its .po."""
    po_path = root / "bot" / "locale" / lang / "LC_MESSAGES" / "moot.po"
    if not po_path.exists():
        return [f"{po_path} is missing; run scripts/i18n update"]
    with po_path.open("rb") as f:
        po = read_po(f, locale=lang)
    found: list[str] = []
    for msg in template(root):
        if not msg.id:
            continue
        where = ", ".join(f"{p}:{n}" for p, n in msg.locations[:2])
        entry = po.get(msg.id, context=msg.context)
        key = msg.id if isinstance(msg.id, str) else msg.id[0]
        if entry is None:
            found.append(f"not in the {lang} catalog: {key!r} ({where})")
            continue
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        if entry.fuzzy or not all(strings):
            found.append(f"untranslated or fuzzy in {lang}: {key!r} ({where})")
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        wanted = placeholders(ids[-1])
        for s in strings:
            if placeholders(s) != wanted and placeholders(s) != placeholders(ids[0]):
                found.append(f"placeholders differ in {lang}: {key!r} -> {s!r}")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists() or _compiled(po) != mo_path.read_bytes():
        found.append(f"{mo_path} is not compiled from its .po; run scripts/i18n compile")
    return found


def _compiled(po: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, po)
    return out.getvalue()


def compile_po(po_path: Path) -> None:
    with po_path.open("rb") as f:
        po = read_po(f)
    po_path.with_suffix(".mo").write_bytes(_compiled(po))
