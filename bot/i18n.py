"""Languages: every word Moot says goes through gettext, in the language of whoever reads it.

English is the source; `bot/locale/<lang>/LC_MESSAGES/moot.mo` holds the translations
(`scripts/i18n` extracts, updates, compiles and checks them). The language in force is a
context variable, set per event to the actor's `/me language`, else the community's
`/config language`; `use()` switches it for a message meant for someone else (a public post,
another person's DM). A message with no translation is shown in English, never as a key.
"""

from __future__ import annotations

import gettext as _gettext
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal, format_percent

DOMAIN = "moot"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
# The names people type and see; the catalog directories use gettext's spelling.
LANGUAGES: tuple[str, ...] = ("en", "zh-Hans")
CATALOG_NAMES = {"en": "en", "zh-Hans": "zh_Hans"}
# What people type for each language: tags from any platform (Discord sends zh-CN, Slack
# zh-CN, Matrix clients zh-Hans or zh_CN), and the languages' own names.
_ALIASES = {
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
    "zh": "zh-Hans",
    "zh-hans": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans-cn": "zh-Hans",
    "chinese": "zh-Hans",
    "中文": "zh-Hans",
    "简体中文": "zh-Hans",
    "简体": "zh-Hans",
    "汉语": "zh-Hans",
}

_current: ContextVar[str] = ContextVar("moot_language", default=DEFAULT)


def normalize(name: str | None) -> str | None:
    """The language a typed or stored name means ("zh_CN", "zh-hans", "中文"), or None."""
    if not name:
        return None
    key = unicodedata.normalize("NFKC", name).strip().lower().replace("_", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("en-"):
        return "en"
    return None


def pick(*names: str | None) -> str:
    """The first of the names that is a known language (a person's, then the community's)."""
    for name in names:
        lang = normalize(name)
        if lang:
            return lang
    return DEFAULT


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    try:
        return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[CATALOG_NAMES[lang]])
    except (FileNotFoundError, KeyError):
        # A catalog not built yet: English, never a key.
        return _gettext.NullTranslations()


def current() -> str:
    return _current.get()


@contextmanager
def use(lang: str | None) -> Iterator[str]:
    """Speak `lang` (any spelling normalize reads; None or unknown is English) inside."""
    chosen = pick(lang)
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def _(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(_current.get()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).npgettext(context, singular, plural, n)


def NP_(context: str, message: str) -> str:
    """Marks a constant with a context (pgettext's) for the catalog."""
    return message


def N_(message: str) -> str:
    """Marks a constant for the catalog; translate it with _() where it is shown."""
    return message


# --------------------------------------------------------------------------- formatting


def babel_locale(lang: str | None = None) -> Locale:
    return _babel_locale(lang or _current.get())


@lru_cache(maxsize=8)
def _babel_locale(lang: str) -> Locale:
    return Locale.parse(CATALOG_NAMES.get(lang, "en"))


def number(value: float | int) -> str:
    """12,345 / 12,345.5 as the reader writes numbers."""
    return format_decimal(value, locale=babel_locale())


def percent(value: float, digits: int = 0) -> str:
    """0.667 as "67%" (digits=1: "66.7%")."""
    pattern = "#,##0" + ("." + "#" * digits if digits else "") + "%"
    return format_percent(value, pattern, locale=babel_locale())


# Babel patterns. English keeps the shape Moot always printed ("Tue 1 Dec 2026 17:00");
# Chinese reads "2026年12月1日 星期二 17:00".
_DATETIME_PATTERNS = {"en": "EEE d MMM y HH:mm", "zh-Hans": "y年M月d日 EEEE HH:mm"}
_DATE_PATTERNS = {"en": "EEE d MMM y", "zh-Hans": "y年M月d日 EEEE"}


def when(dt: datetime, zone: ZoneInfo) -> str:
    """An instant in a zone, with the zone's abbreviation: "Tue 1 Dec 2026 17:00 CET",
    "2026年12月1日 星期二 17:00 CST"."""
    local = dt.astimezone(zone)
    lang = _current.get()
    text = _babel_datetime(
        local, _DATETIME_PATTERNS.get(lang, _DATETIME_PATTERNS["en"]), locale=babel_locale(lang)
    )
    return f"{text} {local.tzname()}"


def day(dt: datetime, zone: ZoneInfo) -> str:
    local = dt.astimezone(zone)
    lang = _current.get()
    return _babel_datetime(
        local, _DATE_PATTERNS.get(lang, _DATE_PATTERNS["en"]), locale=babel_locale(lang)
    )


def joined(items: list[str]) -> str:
    """A list as the reader writes one: "a, b" / "a、b"."""
    return ("、" if _current.get() == "zh-Hans" else ", ").join(items)
