"""Comparing and showing text people typed: one folding rule for every comparison (so
"Café" typed two ways, or "Ｆox" and "Fox", are the same option), a test for text that is
empty once invisible characters are gone, and the bidirectional controls that could make
displayed text read differently from what it is."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Explicit embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): with them a
# question can display reversed or reordered ("Trojan source"). Marks (U+200E, U+200F) only
# hint direction and stay.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DROP_BIDI = {ord(c): None for c in BIDI_CONTROLS}


def _invisible(ch: str) -> bool:
    # Format characters (zero-width space and joiners, bidi controls, soft hyphen...) and
    # every kind of space.
    return unicodedata.category(ch) == "Cf" or ch.isspace()


def fold(text: str) -> str:
    """The form two strings are compared in: NFKC, case-folded, invisible characters gone,
    runs of space made one. Keep the person's own spelling for display."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    out: list[str] = []
    space = False
    for ch in folded:
        if ch.isspace():
            space = bool(out)
        elif unicodedata.category(ch) != "Cf":
            if space:
                out.append(" ")
                space = False
            out.append(ch)
    return "".join(out)


def is_blank(text: str) -> bool:
    """Nothing a person could see: empty, spaces, or only zero-width and format characters."""
    return all(_invisible(ch) for ch in text)


def without_bidi(text: str) -> str:
    """Text for display with embedding, override and isolate controls removed."""
    if text.isascii():
        return text
    return text.translate(_DROP_BIDI)


def plural(n: int, one: str, many: str | None = None) -> str:
    """ "1 comment", "3 comments", "0 people": the count with the word that fits it."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def outside(text: str, keep: re.Pattern[str], change: Callable[[str], str]) -> str:
    """`change` applied to every part of text that `keep` does not match; matches (links,
    platform markup) pass through exactly as written."""
    out: list[str] = []
    pos = 0
    for m in keep.finditer(text):
        out.append(change(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(change(text[pos:]))
    return "".join(out)
