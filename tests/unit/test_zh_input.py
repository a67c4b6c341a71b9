"""What Chinese-speaking people type: full-width digits and punctuation, unit characters in
durations, Chinese dates and times, 赞成/反对/弃权, and the mixes of them people really send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import zhparse
from bot.parser import ParseContext, UsageError, parse_command
from bot.registry import Registry
from bot.timeparse import TimeParseError, parse_datetime, parse_duration

NOW = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # Thursday 09:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(
    ("typed", "span"),
    [
        ("３天", timedelta(days=3)),
        ("72小时", timedelta(hours=72)),
        ("72 小時", timedelta(hours=72)),
        ("1个半小时", timedelta(minutes=90)),
        ("半小时", timedelta(minutes=30)),
        ("2天半", timedelta(days=2, hours=12)),
        ("2天6小时", timedelta(days=2, hours=6)),
        ("1天 又 2小时", timedelta(days=1, hours=2)),
        ("90分钟", timedelta(minutes=90)),
        ("45秒", timedelta(seconds=45)),
        ("2周", timedelta(weeks=2)),
        ("1个星期", timedelta(weeks=1)),
        ("３ｄ", timedelta(days=3)),
        ("1d12小时", timedelta(days=1, hours=12)),
        ("3天内", timedelta(days=3)),
    ],
)
def test_chinese_durations(typed: str, span: timedelta) -> None:
    assert parse_duration(typed) == span


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("3个月", "uses months or years"),
        ("1年", "uses months or years"),
        ("0天", "is zero"),
        ("天", "is not a duration"),
        ("3天3天", "gives the same unit twice"),
        ("三天", "is not a duration"),  # Chinese numerals are not read: a typo is refused
    ],
)
def test_chinese_durations_that_are_refused(typed: str, refusal: str) -> None:
    with pytest.raises(TimeParseError, match=refusal):
        parse_duration(typed)


@pytest.mark.parametrize(
    ("typed", "instant"),
    [
        ("2026年12月1日 17:00", local(2026, 12, 1, 17, 0)),
        ("2026年12月1日 下午5点", local(2026, 12, 1, 17, 0)),
        ("２０２６年１２月１日　１７：００", local(2026, 12, 1, 17, 0)),
        ("2026/12/10 17点", local(2026, 12, 10, 17, 0)),
        ("2026年12月10日", local(2026, 12, 10, 23, 59)),
        ("12月10日 上午9点半", local(2026, 12, 10, 9, 30)),
        ("12月1日 9:00", local(2027, 12, 1, 9, 0)),  # already past this year
        ("明天 17:00", local(2026, 12, 4, 17, 0)),
        ("明天下午3点", local(2026, 12, 4, 15, 0)),
        ("后天 晚上8点", local(2026, 12, 5, 20, 0)),
        ("今天 中午12点", local(2026, 12, 3, 12, 0)),
        ("周五 17:00", local(2026, 12, 4, 17, 0)),
        ("星期五17：00", local(2026, 12, 4, 17, 0)),
        ("下周一", None),
        ("3天后", NOW + timedelta(days=3)),
        ("2小时之后", NOW + timedelta(hours=2)),
        ("１７：００", local(2026, 12, 3, 17, 0)),
        ("tomorrow 17:00", local(2026, 12, 4, 17, 0)),
    ],
)
def test_chinese_dates_and_times(typed: str, instant: datetime | None) -> None:
    if instant is None:
        with pytest.raises(TimeParseError):
            parse_datetime(typed, NOW, SHANGHAI)
        return
    assert parse_datetime(typed, NOW, SHANGHAI) == instant


def test_a_chinese_date_that_does_not_exist_is_refused() -> None:
    with pytest.raises(TimeParseError, match="is not a real date"):
        parse_datetime("2026年2月30日", NOW, SHANGHAI)
    with pytest.raises(TimeParseError, match="is not a real time of day"):
        parse_datetime("明天 25点", NOW, SHANGHAI)


def test_english_text_is_left_alone() -> None:
    for text in ("friday 17:00", "in 3h", "2026-12-01T17:00Z", "72h"):
        assert zhparse.datetime_text(text, NOW.date()) == text
        assert zhparse.duration(text) == text


@pytest.mark.parametrize(
    ("typed", "choices", "meant"),
    [
        ("赞成", ("yes", "no", "abstain"), "yes"),
        ("反对", ("yes", "no", "abstain"), "no"),
        ("弃权", ("yes", "no", "abstain"), "abstain"),
        ("否决", ("yes", "no", "abstain", "block"), "block"),
        ("赞成", ("approve", "changes"), "approve"),
        ("关闭", ("off", "on"), "off"),
        ("中文", ("en", "zh-Hans"), "zh-Hans"),
        ("可能", ("going", "maybe", "no"), "maybe"),
        ("随便", ("yes", "no"), None),
        ("赞成", ("red", "green"), None),
    ],
)
def test_chinese_choice_words(typed: str, choices: tuple[str, ...], meant: str | None) -> None:
    assert zhparse.choice(typed, choices) == meant


def test_commands_read_the_mixes_people_type(registry: Registry) -> None:
    ctx = ParseContext(NOW, SHANGHAI)
    parsed = parse_command(registry, "vote", 'start "采用第二版？" --for ３天 --quorum ５０％', ctx)
    assert parsed.args["for"] == timedelta(days=3)
    assert str(parsed.args["quorum"]) == "1/2"
    parsed = parse_command(registry, "vote", 'start "x" --until "明天 下午5点"', ctx)
    assert parsed.args["until"] == local(2026, 12, 4, 17, 0)
    parsed = parse_command(registry, "vote", "cast ３ 赞成", ctx)
    assert parsed.args["id"] == 3 and parsed.args["option"] == "赞成"
    parsed = parse_command(registry, "me", "reminders 关闭", ctx)
    assert parsed.args["state"] == "off"
    parsed = parse_command(registry, "vote", "extend 2 1天12小时", ctx)
    assert parsed.args["by"] == timedelta(days=1, hours=12)


def test_a_bad_chinese_value_is_a_one_line_error_with_the_usage(registry: Registry) -> None:
    ctx = ParseContext(NOW, SHANGHAI)
    with pytest.raises(UsageError) as err:
        parse_command(registry, "vote", 'start "x" --for 三天', ctx)
    assert "\n" not in str(err.value) and "Usage: /vote start" in str(err.value)
    with pytest.raises(UsageError, match="'随便' is not one of off, on"):
        parse_command(registry, "me", "reminders 随便", ctx)
