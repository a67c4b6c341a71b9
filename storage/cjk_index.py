"""Chinese (and Japanese, Korean) text for the full-text index, pure. Neither SQLite's
unicode61 tokenizer nor PostgreSQL's parser splits an unspaced CJK sentence into words: each
run of CJK characters is one token, so 构建 inside 我的构建失败了 is never found. Both
engines index what `for_index` makes of the text instead: every CJK run as its overlapping
character bigrams (我的 的构 构建 建失 失败 败了) plus its last character alone, and a search
looks for a CJK word's bigrams. Text without CJK characters is returned unchanged, so
English is indexed and ranked exactly as before.

The same transform exists in SQL for PostgreSQL's generated column (migration 0017); a test
holds the two to the same tokens."""

from __future__ import annotations

import re

# Han (with extension A and compatibility ideographs), kana and hangul: scripts written
# without spaces between words.
CJK_CLASS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_RUN = re.compile(f"[{CJK_CLASS}]+")
_HAS = re.compile(f"[{CJK_CLASS}]")
# The marker a search term carries when it matches every indexed token it begins (a lone
# character: found as the first half of a bigram, or alone at the end of a run).
PREFIX = "*"


def has_cjk(text: str) -> bool:
    return bool(_HAS.search(text))


def _bigrams(run: str) -> str:
    if len(run) == 1:
        return run
    return " ".join([run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]])


def for_index(text: str) -> str:
    """The text as the index should read it (unchanged when it has no CJK)."""
    if not has_cjk(text):
        return text
    return _RUN.sub(lambda m: f" {_bigrams(m.group())} ", text)


def search_terms(words: list[str]) -> list[str]:
    """Query words as index terms: a CJK run becomes its bigrams (all of them must be
    there, so the word is found inside a sentence), a lone CJK character a prefix term;
    other words and the Latin parts of mixed ones (Python构建) stay as they are."""
    out: list[str] = []
    for word in words:
        if not has_cjk(word):
            out.append(word)
            continue
        pos = 0
        for m in _RUN.finditer(word):
            if m.start() > pos:
                out.append(word[pos : m.start()])
            run = m.group()
            if len(run) == 1:
                out.append(run + PREFIX)
            else:
                out += [run[i : i + 2] for i in range(len(run) - 1)]
            pos = m.end()
        if pos < len(word):
            out.append(word[pos:])
    return list(dict.fromkeys(t for t in out if t.strip("_")))


def runs(words: list[str]) -> list[str]:
    """The CJK runs of query words (构建 of Python构建), longest first."""
    found = {m.group() for w in words for m in _RUN.finditer(w)}
    return sorted(found, key=len, reverse=True)


def highlight(text: str, words: list[str], width: int = 60) -> str:
    """A snippet of `text` around the first CJK query word it holds, each such word in
    **bold**: what the engines' own snippets cannot show for bigram-indexed text. Empty
    when the text holds none of them."""
    found = [w for w in runs(words) if w in text]
    if not found:
        return ""
    first = min(text.find(w) for w in found)
    start = max(0, first - width // 3)
    piece = text[start : start + width]
    piece = re.sub("|".join(map(re.escape, found)), lambda m: f"**{m.group()}**", piece)
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
