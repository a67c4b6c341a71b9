from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from bot.parser import ParseContext, UsageError, parse_command, tokenize
from bot.registry import Registry
from bot.specs import Param

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CTX = ParseContext(NOW, ZoneInfo("Europe/Berlin"))


@pytest.fixture
def reg() -> Registry:
    r = Registry()

    @r.command(
        "vote",
        "start",
        help="start a vote",
        params=[
            Param("question", positional=True, required=True),
            Param("options", "list"),
            Param("kind", "choice", choices=("proposal", "choice")),
            Param("quorum", "count_or_fraction"),
            Param("threshold", "fraction"),
            Param("for", "duration"),
            Param("until", "datetime"),
            Param("eligible", "role", many=True),
            Param("secret", "flag"),
            Param("max", "int"),
        ],
    )
    def start(ctx: object, **kw: object) -> None: ...

    @r.command(
        "vote",
        "cast",
        help="cast",
        params=[
            Param("id", "int", positional=True, required=True),
            Param("option", positional=True, required=True),
        ],
    )
    def cast(ctx: object, **kw: object) -> None: ...

    @r.command(
        "rfc",
        "reviewers",
        help="x",
        params=[
            Param("rfc", positional=True, required=True),
            Param("users", "user", positional=True, many=True, required=True),
        ],
    )
    def reviewers(ctx: object, **kw: object) -> None: ...

    @r.command(
        "rfc",
        "review",
        help="x",
        params=[
            Param("rfc", positional=True, required=True),
            Param(
                "verdict", "choice", positional=True, required=True, choices=("approve", "changes")
            ),
            Param("comment", positional=True, rest=True),
        ],
    )
    def review(ctx: object, **kw: object) -> None: ...

    @r.command(
        "config",
        "channel",
        help="x",
        params=[
            Param("channel", "channel", positional=True, required=True),
        ],
    )
    def channel(ctx: object, **kw: object) -> None: ...

    return r


def p(reg: Registry, line: str) -> dict[str, object]:
    name, _, rest = line.partition(" ")
    return parse_command(reg, name, rest, CTX).args


def test_quoting_and_defaults(reg: Registry) -> None:
    a = p(reg, 'vote start "Adopt v2?" --for 72h')
    assert a["question"] == "Adopt v2?"
    assert a["for"] == timedelta(hours=72)
    assert a["secret"] is False and a["eligible"] == [] and a["options"] is None


def test_single_quotes_and_curly_quotes(reg: Registry) -> None:
    assert p(reg, "vote start 'Use tabs?'")["question"] == "Use tabs?"
    assert p(reg, "vote start “Use tabs?”")["question"] == "Use tabs?"


def test_apostrophe_inside_word_is_a_letter(reg: Registry) -> None:
    a = p(reg, "rfc review 3 changes don't merge yet")
    assert a["comment"] == "don't merge yet"


def test_rest_keeps_spacing_and_quoted_single(reg: Registry) -> None:
    assert p(reg, "rfc review 3 approve   looks  good")["comment"] == "looks  good"
    assert p(reg, 'rfc review 3 approve "ship it"')["comment"] == "ship it"
    assert p(reg, "rfc review 3 approve")["comment"] is None


def test_option_equals_form_and_types(reg: Registry) -> None:
    a = p(reg, 'vote start Q --options=A,B,"C D" --quorum=50% --threshold 2/3 --max 2 --secret')
    assert a["options"] == ["A", "B", "C D"]
    assert a["quorum"] == Fraction(1, 2)
    assert a["threshold"] == Fraction(2, 3)
    assert a["max"] == 2 and a["secret"] is True


def test_quorum_count(reg: Registry) -> None:
    assert p(reg, "vote start Q --quorum 5")["quorum"] == 5


def test_choice_is_case_insensitive(reg: Registry) -> None:
    assert p(reg, "vote start Q --kind CHOICE")["kind"] == "choice"


def test_datetime_read_in_community_zone(reg: Registry) -> None:
    a = p(reg, 'vote start Q --until "2026-12-01 17:00"')
    assert a["until"] == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    a = p(reg, 'vote start Q --until "2026-12-01 17:00 UTC"')
    assert a["until"] == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "mention,expected",
    [
        ("<@U12345>", "U12345"),
        ("<@U12345|alice>", "U12345"),
        ("<@!81234>", "81234"),
        ("<@81234>", "81234"),
        ("@alice:example.org", "@alice:example.org"),
        ("https://matrix.to/#/@alice:example.org", "@alice:example.org"),
        ("@bob", "bob"),
        ("carol", "carol"),
    ],
)
def test_user_mentions(reg: Registry, mention: str, expected: str) -> None:
    assert p(reg, f"rfc reviewers 1 {mention}")["users"] == [expected]


def test_many_users(reg: Registry) -> None:
    assert p(reg, "rfc reviewers 1 @a @b <@U1>")["users"] == ["a", "b", "U1"]


@pytest.mark.parametrize(
    "mention,expected",
    [("<!subteam^S0123|@tc>", "S0123"), ("<@&55>", "55"), ("@tc", "tc"), ("core", "core")],
)
def test_role_mentions(reg: Registry, mention: str, expected: str) -> None:
    assert p(reg, f"vote start Q --eligible {mention}")["eligible"] == [expected]


def test_many_option_takes_tokens_until_next_option(reg: Registry) -> None:
    a = p(reg, "vote start Q --eligible tc core --secret")
    assert a["eligible"] == ["tc", "core"] and a["secret"] is True


@pytest.mark.parametrize(
    "mention,expected",
    [
        ("<#C024BE91L|general>", "C024BE91L"),
        ("<#8123>", "8123"),
        ("#votes", "votes"),
        ("#general:example.org", "#general:example.org"),
        ("!abc:example.org", "!abc:example.org"),
    ],
)
def test_channel_mentions(reg: Registry, mention: str, expected: str) -> None:
    assert p(reg, f"config channel {mention}")["channel"] == expected


@pytest.mark.parametrize(
    "line,problem",
    [
        ("vote start", "missing QUESTION"),
        ('vote start "open', "quote is not closed"),
        ("vote start Q --for 72x", "'72x' is not a duration"),
        ("vote start Q --fro 72h", "unknown option --fro; did you mean '--for'?"),
        ("vote start Q --for", "--for needs a value"),
        ("vote start Q --secret=yes", "--secret takes no value"),
        ("vote start Q --kind poll", "'poll' is not one of proposal, choice"),
        ("vote start Q --max two", "MAX must be a whole number"),
        ("vote start Q --quorum 0%", "0%"),
        ("vote start Q --for 1h --for 2h", "--for is given twice"),
        ("vote start Q extra", "unexpected 'extra'"),
        ("vote cast x yes", "ID must be a whole number"),
        ("vote cast 99999999999999999999 yes", "ID '99999999999999999999' is too large"),
        ("vote strat Q", "unknown subcommand 'strat' for /vote; did you mean 'start'?"),
        ("vote", "/vote needs a subcommand"),
        ("vot start", "unknown command /vot; did you mean 'vote'?"),
        ("vote start Q --until someday", "someday"),
        ("config channel <@U1>", "is not a channel"),
        ("rfc review 3 maybe", "'maybe' is not one of approve, changes"),
    ],
)
def test_errors_name_the_problem_and_show_usage(reg: Registry, line: str, problem: str) -> None:
    name, _, rest = line.partition(" ")
    with pytest.raises(UsageError) as err:
        parse_command(reg, name, rest, CTX)
    message = str(err.value)
    assert problem in message
    assert "Usage: /" in message
    assert "\n" not in message


def test_usage_line_lists_params(reg: Registry) -> None:
    spec = reg.find("vote", "start")
    assert spec is not None
    usage = spec.usage()
    assert usage.startswith("/vote start QUESTION [--options OPTIONS]")
    assert "[--secret]" in usage and "[--eligible ELIGIBLE ...]" in usage


def test_tokenize_positions() -> None:
    toks = tokenize('a "b c" --x=y')
    assert [t.text for t in toks] == ["a", "b c", "--x=y"]
    assert toks[1].quoted and not toks[0].quoted


def test_matrix_room_ids_of_every_version_are_channels() -> None:
    from bot.mentions import MentionError, parse_channel

    v12 = "!wiBC2wmGAPlxIQ1rJ5yNoQFQc5jTiSkO1QetwIFW_-A"  # no server name since room v12
    assert parse_channel(v12) == v12
    assert parse_channel("!abc:moot.test") == "!abc:moot.test"
    with pytest.raises(MentionError):
        parse_channel("!x")
