"""Knowledge base, pure: what a search query becomes before the database sees it, and the
limits on what people write. No I/O."""

from __future__ import annotations

import re
import unicodedata

from bot.i18n import _
from storage import cjk_index as cjk

MAX_QUESTION = 300
MAX_ANSWER = 4000
MAX_QUERY = 200
MAX_TERMS = 12
MAX_TAGS = 10
MAX_TAG = 32
SUGGESTIONS = 3

# Words only: everything an FTS engine would read as syntax (quotes, *, ^, :, parentheses,
# NEAR/AND/OR/NOT) is dropped or quoted, so no input reaches the engine as an operator.
_WORD = re.compile(r"\w+", re.UNICODE)
_TAG = re.compile(r"^[\w-]{1,32}$", re.UNICODE)
# Too common to say anything about a question; dropped unless they are all there is.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "you",
    ]
)


class KbInputError(ValueError):
    pass


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def terms(query: str) -> list[str]:
    """The words of a query, lower-cased, stop words dropped (unless nothing else is left),
    at most MAX_TERMS of them, each once."""
    words = [w for w in _WORD.findall(normalise(query)[: MAX_QUERY * 2]) if w != "_"]
    words = [w.strip("_") for w in words if w.strip("_")]
    kept = [w for w in words if w not in STOPWORDS] or words
    return list(dict.fromkeys(kept))[:MAX_TERMS]


def fts5_query(words: list[str], *, every: bool = False) -> str:
    """An FTS5 MATCH expression: every word a quoted string; all of them must match (every)
    or any of them may."""
    return (" AND " if every else " OR ").join(_fts5_term(w) for w in words)


def _fts5_term(word: str) -> str:
    # A prefix term (a lone CJK character, cjk.PREFIX) matches every token it begins.
    if word.endswith(cjk.PREFIX):
        return '"' + word[: -len(cjk.PREFIX)].replace('"', '""') + '"*'
    return '"' + word.replace('"', '""') + '"'


def _ts_term(word: str) -> str:
    if word.endswith(cjk.PREFIX):
        return "'" + word[: -len(cjk.PREFIX)] + "':*"
    return "'" + word + "'"


def tsquery(words: list[str], *, every: bool = False) -> str:
    """A to_tsquery('simple', ...) expression. Words are \\w+ only, so they carry no tsquery
    operator; each is still quoted as a lexeme so none is read as syntax."""
    return (" & " if every else " | ").join(_ts_term(w) for w in words)


def check_query(query: str) -> list[str]:
    text = query.strip()
    if not text:
        raise KbInputError(_("the search is empty"))
    if len(text) > MAX_QUERY:
        raise KbInputError(
            _("the search is {value} characters; at most {MAX_QUERY}").format(
                value=len(text), MAX_QUERY=MAX_QUERY
            )
        )
    words = terms(text)
    if not words:
        raise KbInputError(_("the search has no words to look for"))
    return words


def check_text(text: str | None, what: str, limit: int) -> str:
    clean = (text or "").strip()
    if not normalise(clean).strip("\u200b\u200c\u200d\u2060\ufeff "):
        raise KbInputError(_("the {what} is empty").format(what=what))
    if len(clean) > limit:
        raise KbInputError(
            _("the {what} is {value} characters; at most {limit}").format(
                what=what, value=len(clean), limit=limit
            )
        )
    return clean


def check_tags(tags: list[str] | None) -> str:
    out: list[str] = []
    for t in tags or []:
        tag = normalise(t).lstrip("#")
        if not tag:
            continue
        if not _TAG.match(tag):
            raise KbInputError(
                _("tag '{t}' must be letters, digits, - or _, at most {MAX_TAG}").format(
                    t=t, MAX_TAG=MAX_TAG
                )
            )
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise KbInputError(
            _("{value} tags; at most {MAX_TAGS}").format(value=len(out), MAX_TAGS=MAX_TAGS)
        )
    return ",".join(out)


def is_exact(question: str, query: str) -> bool:
    return terms(question) == terms(query) and bool(terms(query))
