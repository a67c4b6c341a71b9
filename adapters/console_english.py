"""The script rule `expect-no-english`: bot messages in another language must not carry an
English sentence. What legitimately stays English is stripped first: command lines and their
options, mentions, channels, links, code spans, typed choices (a|b), ids (RFC-3), zone names,
and the console's own headers."""

from __future__ import annotations

import re
from functools import cache

from bot import i18n

_STRIP = (
    re.compile(r"`[^`]*`"),  # code: commands to copy
    re.compile(r"https?://\S+"),
    re.compile(r"(?:用法|示例)：.*"),  # usage and example lines are command syntax
    re.compile(r"(?<![\w/])[/!][a-z][\w-]*(?: [a-z][\w-]*)?"),  # /vote start
    re.compile(r"--[a-z][\w-]*"),
    re.compile(r"[@#][\w.-]+"),
    re.compile(r"\S*\|\S*"),  # choices typed as they are: yes|no
    re.compile(r"\b[A-Z][A-Za-z]*/[A-Za-z_/+-]+\b"),  # Asia/Shanghai
    re.compile(r"\bRFC-\d+\b|\bRFC\b|\bSLA\b|\bUTC\b|\bCST\b|\bMoot\b|\bsha256\b"),
    re.compile(r"\b[0-9a-f]{16,}\b"),
)
_TWO_WORDS = re.compile(r"\b[A-Za-z]{2,}[ ,;:'’]+[A-Za-z]{2,}\b")
_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
# A card field's English label ("Status: open").
_LABEL = re.compile(r"^\s*([A-Z][a-z]+(?: [a-z]+)*):")
# A field whose whole value is an English word ("异议: none").
_LONE_VALUE = re.compile(r"[:：]\s*([a-z]{3,})\s*$")
# A console block's first line is its header ("#3 [only @alice]"), the console's own words.
_HEADER = re.compile(r"^#\d+ (?:\[[^\]]*\]|edited)")


@cache
def _catalog_words() -> frozenset[str]:
    """Single-word messages of the catalog (Kind, Tally, passed): shown alone, untranslated."""
    catalog = i18n.translations("zh-Hans")
    words = getattr(catalog, "_catalog", {})
    found = set()
    for key in words:
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04")[-1]
        # Capitalised ones are labels (Kind, Tally); lowercase ones may be typed values too.
        if re.fullmatch(r"[A-Z][a-z]{2,}", msgid or ""):
            found.add(msgid)
    return frozenset(found)


def leaks(block: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The English left in one printed block after what may stay English is removed."""
    found: list[str] = []
    for n, line in enumerate(block.splitlines()):
        if n == 0 and _HEADER.match(line):
            continue
        for rx in _STRIP:
            line = rx.sub(" ", line)
        for word in allowed:
            line = re.sub(rf"\b{re.escape(word)}\b", " ", line)
        found += _TWO_WORDS.findall(line)
        found += [w for w in _WORD.findall(line) if w in _catalog_words()]
        found += _LONE_VALUE.findall(line)
        found += _LABEL.findall(line)
    return found
