"""Durations as the reader writes them: "1d 3h" in English (unchanged), "1天3小时" in
Chinese; the stored form stays the typed one, and both read back to the same span."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import i18n
from bot.timeparse import compact_duration, format_duration, parse_duration
from commands.events.render import format_duration_s

CASES = [
    (timedelta(minutes=30), "30m", "30分钟"),
    (timedelta(hours=2), "2h", "2小时"),
    (timedelta(days=1, hours=3), "1d 3h", "1天3小时"),
    (timedelta(weeks=2), "2w", "2周"),
    (timedelta(days=9), "9d", "9天"),
    (timedelta(hours=1, minutes=30, seconds=5), "1h 30m 5s", "1小时30分钟5秒"),
    (timedelta(0), "0m", "0分钟"),
    (-timedelta(days=1), "-1d", "-1天"),
]


@pytest.mark.parametrize(("span", "en", "zh"), CASES)
def test_a_duration_in_each_language(span: timedelta, en: str, zh: str) -> None:
    assert format_duration(span) == en
    with i18n.use("zh-Hans"):
        assert format_duration(span) == zh
        assert format_duration_s(int(span.total_seconds())) == zh
        assert compact_duration(span) == en  # what settings store
    if span > timedelta(0):
        assert parse_duration(zh) == span  # a Chinese reader can type back what they see


async def test_durations_in_a_chinese_community(script: object) -> None:
    await script(  # type: ignore[operator]
        "roles alice=admin",
        "@alice /config language zh-Hans",
        "@alice /config vote-reminders 1d,2h",
        "expect /截止前 1天、2小时 提醒/",
        '@alice /event create "周会" --at "in 2d" --for 90m --capacity 5',
        "expect /1小时30分钟/",
        "expect-no-english alice",
        "@alice /config show",
        "expect /投票提醒: 1天、2小时/",
    )
