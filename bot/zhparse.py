"""What a Chinese-speaking person types, rewritten into the forms the English readers of
bot/timeparse.py already know: full-width digits and punctuation, unit characters in
durations (３天, 72小时, 1个半小时), and dates and times (2026年12月1日 下午5点, 明天 17:00,
周五, 3天后). Pure: text in, text out. Text without any of them comes back unchanged, so
the English readers keep their own messages for it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

# Full-width ASCII forms (Ａ-Ｚ, ０-９, ：, ，, ％, ／, －, ＋) and the ideographic space.
_WIDE: Final = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Chinese punctuation with an ASCII meaning in times, lists and shares.
_PUNCT: Final = str.maketrans({"：": ":", "，": ",", "、": ",", "。": ".", "～": "-"})


def narrow(text: str) -> str:
    """Full-width letters, digits and punctuation as ASCII; anything else as it was."""
    return text.translate(_WIDE).translate(_PUNCT)


def has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


# --------------------------------------------------------------------------- durations

# Longest spelling first: 小时 before 时, 分钟 before 分.
_UNITS: Final = (
    (r"(?:个|個)?(?:小时|小時|钟头|鐘頭|时|時)", "h"),
    (r"(?:分钟|分鐘|分)", "m"),
    (r"(?:秒钟|秒鐘|秒)", "s"),
    (r"(?:个|個)?(?:星期|礼拜|禮拜|周|週)", "w"),
    (r"(?:天|日)", "d"),
    (r"(?:个|個)?月", "mo"),
    (r"年", "y"),
)
_HALF_HOUR: Final = re.compile(r"(\d+)\s*(?:个|個)半\s*(?:小时|小時|钟头|鐘頭)")
_HALF_DAY: Final = re.compile(r"(\d+)\s*天半")
_LONE_HALF_HOUR: Final = re.compile(r"(?<!\d)半\s*(?:个|個)?\s*(?:小时|小時|钟头|鐘頭)")
_DURATION_FILLER: Final = re.compile(r"[又零和]|之?(?:内|內)")


def duration(text: str) -> str:
    """ "３天" -> "3d", "1个半小时" -> "1h30m", "2天6小时" -> "2d6h"."""
    text = narrow(text)
    if not has_han(text):
        return text
    text = _HALF_HOUR.sub(r"\1h30m", text)
    text = _HALF_DAY.sub(r"\1d12h", text)
    text = _LONE_HALF_HOUR.sub("30m", text)
    text = _DURATION_FILLER.sub(" ", text)
    for pattern, unit in _UNITS:
        text = re.sub(rf"(\d)\s*{pattern}", rf"\1{unit} ", text)
    return " ".join(text.split())


# --------------------------------------------------------------------------- dates, times

_FULL_DATE: Final = re.compile(r"(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*[日号號]?")
_MONTH_DAY: Final = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]")
_PERIOD: Final = r"(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜裡)?\s*"
_CLOCK_HANZI: Final = re.compile(
    _PERIOD + r"(\d{1,2})\s*[点點时時]\s*(?:(半)|(\d{1,2})\s*分?)?(?!\d)"
)
_CLOCK_COLON: Final = re.compile(
    r"(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜裡)\s*(\d{1,2}):(\d{2})"
)
_AFTERNOON: Final = frozenset(("下午", "傍晚", "晚上", "夜里", "夜裡"))
_DAY_WORDS: Final = {
    "大后天": 3,
    "大後天": 3,
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "後天": 2,
}
_WEEKDAY: Final = re.compile(r"(?:周|週|星期|礼拜|禮拜)([一二三四五六日天])")
_WEEKDAY_NAMES: Final = {
    "一": "mon",
    "二": "tue",
    "三": "wed",
    "四": "thu",
    "五": "fri",
    "六": "sat",
    "日": "sun",
    "天": "sun",
}
_LATER: Final = re.compile(r"^(.+?)\s*(?:之|以)?[后後]$")
_AT: Final = re.compile(r"^(?:在|于|於)\s*")


def _hour(period: str | None, hour: int) -> int:
    if period in _AFTERNOON and hour < 12:
        return hour + 12
    if period == "中午" and hour < 11:
        return hour + 12
    if period == "凌晨" and hour == 12:
        return 0
    return hour


def _clock(m: re.Match[str]) -> str:
    period, hour, half, minute = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    return f" {_hour(period, hour):02d}:{30 if half else int(minute or 0):02d} "


def datetime_text(text: str, today: date) -> str:
    """ "2026年12月1日 下午5点" -> "2026-12-01 17:00", "明天15点" -> "in-days:1 15:00" is not
    a form: relative days beyond tomorrow become ISO dates from `today`."""
    text = narrow(text)
    if not has_han(text):
        return text
    text = _AT.sub("", text.strip())
    if later := _LATER.fullmatch(text):  # 3天后, 2小时之后
        return "in " + duration(later.group(1))
    text = _FULL_DATE.sub(
        lambda m: f" {int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d} ", text
    )

    def month_day(m: re.Match[str]) -> str:
        month, day_ = int(m.group(1)), int(m.group(2))
        year = today.year
        try:
            # A month and day already past this year mean next year's.
            if date(year, month, day_) < today:
                year += 1
        except ValueError:
            pass  # not a real date: left for the reader to refuse
        return f" {year:04d}-{month:02d}-{day_:02d} "

    text = _MONTH_DAY.sub(month_day, text)
    for word, ahead in _DAY_WORDS.items():
        if word in text:
            shown = (
                "today"
                if ahead == 0
                else "tomorrow"
                if ahead == 1
                else date.fromordinal(today.toordinal() + ahead).isoformat()
            )
            text = text.replace(word, f" {shown} ")
    text = _WEEKDAY.sub(lambda m: f" {_WEEKDAY_NAMES[m.group(1)]} ", text)
    text = _CLOCK_COLON.sub(
        lambda m: f" {_hour(m.group(1), int(m.group(2))):02d}:{m.group(3)} ", text
    )
    text = _CLOCK_HANZI.sub(_clock, text)
    return " ".join(text.split())


# --------------------------------------------------------------------------- choices

# Words typed for a choice, and the English choices each may mean (the first one a
# command offers wins): 赞成 is "yes" on a proposal and "for" where a vote says for/against.
_CHOICE_WORDS: Final = {
    "赞成": ("yes", "for", "approve", "accept", "up"),
    "同意": ("yes", "for", "approve", "accept"),
    "支持": ("yes", "for", "approve", "up"),
    "是": ("yes",),
    "反对": ("no", "against", "reject", "block", "down"),
    "不同意": ("no", "against", "reject"),
    "否": ("no",),
    "否决": ("block", "veto", "no", "reject"),
    "弃权": ("abstain",),
    "开": ("on",),
    "打开": ("on",),
    "开启": ("on",),
    "关": ("off",),
    "关闭": ("off",),
    "去": ("going", "yes"),
    "参加": ("going", "yes"),
    "也许": ("maybe",),
    "可能": ("maybe",),
    "不去": ("not-going", "no"),
    "英文": ("en",),
    "英语": ("en",),
    "中文": ("zh-Hans",),
    "简体中文": ("zh-Hans",),
}


def choice(text: str, choices: tuple[str, ...]) -> str | None:
    """The choice a Chinese word means among those offered, or None."""
    offered = {c.lower(): c for c in choices}
    for meant in _CHOICE_WORDS.get(narrow(text).strip(), ()):
        if meant.lower() in offered:
            return offered[meant.lower()]
    return None
