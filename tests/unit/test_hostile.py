"""Hostile input, class by class: each gets a one-line answer saying what was wrong, a
non-zero exit where it is the command line, no traceback in the output or the log, and
nothing written."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, load
from bot.registry import Registry
from moot import cli
from storage.db import Database
from storage.tables import Outbox
from storage.vote_tables import Vote
from tests.conftest import Script

PEOPLE = "roles alice=admin bob=tc carol="


def rows(db: Database, model: type) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text


# ---------------------------------------------------------------- the command line


def run_cli(
    argv: list[str], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> tuple[int, str, str]:
    with caplog.at_level(logging.DEBUG):
        code = cli.main(argv)
    out, err = capsys.readouterr()
    no_traceback(out, err)
    for record in caplog.records:
        assert record.exc_info is None or record.levelno <= logging.DEBUG, record.getMessage()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["console", "--db", "sqlite:////no/such/folder/x.db", "--script", "s.txt"], "folder"),
        (["console", "--db", "foo://bar", "--script", "s.txt"], "does not support"),
        (["console", "--db", "not a url at all", "--script", "s.txt"], "not a database URL"),
        (["console", "--db", "sqlite:///{tmp}", "--script", "s.txt"], "cannot open"),
        (["console", "--script", "missing.txt"], "does not exist"),
        (["console", "--script", "latin1.txt"], "not UTF-8"),
        (["console", "--script", "{tmp}"], "folder"),
        (["console", "--start", "notadate", "--script", "s.txt"], "not a date"),
        (["console", "--start", "2026-01-05T09:00", "--script", "s.txt"], "needs a zone"),
        (["export", "decisions", "--db", "sqlite:///{tmp}/x.db", "--out", "/no/such/x.md"], "x.db"),
        (["export", "decisions", "--db", "sqlite:///{tmp}/db.db", "--out", "/no/such/x.md"], "/no"),
        (["export", "nothing", "--db", "sqlite:///{tmp}/db.db"], "nothing called"),
        (["bogus"], "invalid choice"),
        (["db", "sideways"], "invalid choice"),
    ],
)
def test_cli_errors_are_one_line_and_fail(
    argv: list[str],
    problem: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.txt").write_text("roles alice=admin\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes('@alice /vote start "Caf\xe9"'.encode("latin-1"))
    cli.open_db(f"sqlite:///{tmp_path / 'db.db'}").dispose()
    before = sorted(p.name for p in tmp_path.iterdir())
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    no_traceback(out, err)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_config_lists_every_problem_once_with_file_key_and_what_is_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    cfg = tmp_path / "moot.toml"
    cfg.write_text(
        '[community]\ntimezone = "Mars/Olympus"\ncolour = "red"\n'
        '[scheduler]\nsweep_seconds = "abc"\n[logging]\nlevel = "LOUD"\n'
        '[database]\nurl = "mysql://x/y"\n[extras]\n',
        encoding="utf-8",
    )
    code, _out, err = run_cli(["--config", str(cfg), "db", "current"], capsys, caplog)
    assert code == 2
    lines = err.strip().splitlines()
    expected = [
        "timezone 'Mars/Olympus' is not a known time zone",
        "sweep_seconds must be a number",
        "level 'LOUD' is not a log level (one of DEBUG",
        "url 'mysql://x/y' uses 'mysql'",
        "colour is not a key Moot reads (timezone)",
        "[extras] is not a section",
    ]
    assert len(lines) == len(expected), err
    for want in expected:
        assert sum(want in line and str(cfg) in line for line in lines) == 1, (want, err)


@pytest.mark.parametrize(
    "body",
    [
        "[scheduler]\nsweep_seconds = 0\n",
        "[scheduler]\nsweep_seconds = true\n",
        "[community]\ntimezone = 5\n",
        "community = 3\n",
        "[logging\n",
    ],
)
def test_each_bad_config_is_refused_at_load(tmp_path: Path, body: str) -> None:
    cfg = tmp_path / "moot.toml"
    cfg.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load(cfg, env={})
    assert str(cfg) in str(exc.value)


def test_config_that_is_not_utf8(tmp_path: Path) -> None:
    cfg = tmp_path / "moot.toml"
    cfg.write_bytes(b'[community]\ntimezone = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load(cfg, env={})


def test_db_current_does_not_create_a_database(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOOT_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    code, out, _ = run_cli(["db", "current"], capsys, caplog)
    assert code == 0 and "no database" in out
    assert not (tmp_path / "fresh.db").exists()


def test_export_prints_no_migration_chatter(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.db'}"
    cli.open_db(url).dispose()
    done = subprocess.run(
        [sys.executable, "-m", "moot", "export", "decisions", "--db", url],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "MOOT_DATABASE_URL": url},
    )
    assert done.returncode == 0
    assert done.stdout.startswith("# Decisions")
    assert "INFO" not in done.stderr and "alembic" not in done.stderr.lower()


def test_moot_help_speaks_to_users() -> None:
    text = cli.parser().format_help()
    assert "Moot, a community-governance bot" in text and "wiring" not in text


def test_a_real_process_gives_one_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "moot", "console", "--script", str(tmp_path / "nope.txt")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "does not exist" in done.stderr
    no_traceback(done.stdout, done.stderr)


# ---------------------------------------------------------------- chat input


async def test_dates_from_people_are_range_checked(
    script: Script, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    s = await script(PEOPLE, '@alice /vote start "Adopt?" --for 3d')
    with db.transaction() as sess:
        closes = sess.get(Vote, 1).closes_at
    mark, before = len(s.adapter.blocks), rows(db, Outbox)
    with caplog.at_level(logging.INFO):
        await script(
            "@alice /vote extend 1 99999999d",
            "expect /longer than 10 years.*Usage: \\/vote extend ID DURATION/",
            "@alice /vote extend 1 9999999999999999999999999w",
            "expect /too long/",
            '@alice /vote start "Far?" --for 99999999d',
            "expect /longer than 10 years/",
            "@alice /vote start \"Far?\" --until 'in 9999999d'",
            "expect /too far in the future/",
            session=s,
        )
    answers = s.adapter.blocks[mark:]
    assert len(answers) == 4 and all("[only @alice]" in a for a in answers)
    assert all(len(a.splitlines()) == 2 for a in answers)  # header + one line
    assert not [r for r in caplog.records if r.exc_info or "went wrong" in r.getMessage()]
    with db.transaction() as sess:
        assert sess.get(Vote, 1).closes_at == closes
    assert rows(db, Vote) == 1
    assert rows(db, Outbox) == before + 4  # the four refusals, nothing else


async def test_script_lines_that_cannot_run_fail_alone(script: Script, db: Database) -> None:
    s = await script(PEOPLE)
    await s.run_script("advance 99999999d\nexpect /[/\nadvance 1d\n@alice /help")
    assert [f.lineno for f in s.failures] == [1, 2]
    assert "longer than 10 years" in s.failures[0].detail
    assert "not a regular expression" in s.failures[1].detail
    assert any("Moot" in b for b in s.adapter.blocks)  # the rest of the script ran


@pytest.mark.parametrize(
    ("options", "twice"),
    [
        ("Caf\u00e9,Cafe\u0301", "Café"),  # NFC and NFD
        ("\uff26ox,Fox", "Ｆox"),  # fullwidth
        ("Stra\u00dfe,STRASSE", "Straße"),  # case folding
        ("a\u200bb,ab", "a\\\\u200bb"),  # a zero-width space inside, shown as such
    ],
)
async def test_lookalike_options_are_one_option(
    script: Script, db: Database, options: str, twice: str
) -> None:
    await script(
        PEOPLE,
        f'@alice /vote start "Pick?" --options "{options}"',
        f"expect /the option '{twice}' is listed twice/",
    )
    assert rows(db, Vote) == 0


@pytest.mark.parametrize(
    "question", ["\u200b\u200b\u200b", "\u2060 \u200d", "\u202e", "\u00a0\u3000", "\ufeff"]
)
async def test_invisible_text_is_refused(script: Script, db: Database, question: str) -> None:
    await script(
        PEOPLE, f'@alice /vote start "{question}"', 'expect /QUESTION" has nothing visible/'
    )
    await script(
        f'@alice /vote start "Real?" --options "a,{question},b"',
        "expect /nothing visible|an option is empty/",
    )
    assert rows(db, Vote) == 0


async def test_a_ballot_matches_its_option_however_it_is_typed(script: Script) -> None:
    await script(
        PEOPLE,
        '@alice /vote start "Drink?" --options "Caf\u00e9,Tea"',
        "@bob /vote cast 1 CAFE\u0301",
        "expect /Your vote on #1 is \\*\\*Café\\*\\*/",
        "@carol /vote cast １ tea",  # a fullwidth vote number
        "expect /Your vote on #1 is \\*\\*Tea\\*\\*/",
    )


async def test_bidi_overrides_never_reach_the_screen(script: Script) -> None:
    s = await script(PEOPLE, '@alice /vote start "Pay \u202e001$ now?"', "expect /Pay 001\\$ now/")
    assert not any("\u202e" in b for b in s.adapter.blocks)


@pytest.mark.parametrize("digits", ["٣", "३", "３", "৩"])
async def test_unicode_digits_are_numbers_everywhere(script: Script, digits: str) -> None:
    await script(
        PEOPLE,
        f'@alice /vote start "Adopt?" --for {digits}d --quorum {digits}',
        "expect /Quorum: 3[\\s\\S]*Closes: Thu 8 Jan 2026 09:00 UTC/",
        f"@alice /vote extend 1 {digits}h",
        "expect /now closes Thu 8 Jan 2026 12:00/",
        f"advance {digits}d",
        "advance 3h",
        "expect /Vote #1 closed/",
    )


async def test_mass_mentions_from_people_never_reach_the_console(script: Script) -> None:
    s = await script(
        PEOPLE,
        '@alice /vote start "@here vote" --options "@room,@everyone,<!subteam^S1|@mods>"',
    )
    screen = "\n".join(s.adapter.blocks)
    assert "[@\u2060room] [@\u2060everyone] [@\u2060mods]" in screen
    await script(
        "@bob click 1 @everyone", "expect /Your vote on #1 is \\*\\*@.everyone/", session=s
    )


# ---------------------------------------------------------------- times


def test_every_help_example_is_accepted_as_written(registry: Registry) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.parser import ParseContext, parse_command

    ctx = ParseContext(datetime(2026, 1, 5, 9, tzinfo=UTC), ZoneInfo("Europe/Berlin"))
    seen = 0
    for subs in registry.commands.values():
        for spec in subs.values():
            for example in spec.examples:
                name, _, rest = example.partition(" ")
                assert parse_command(registry, name, rest, ctx).spec is spec, example
                seen += 1
    assert seen >= 10


def test_every_parameter_of_vote_start_is_described(registry: Registry) -> None:
    spec = registry.find("vote", "start")
    assert spec is not None
    assert [p.name for p in spec.params if not p.help] == []


async def test_a_time_in_a_dst_gap_is_refused_with_its_neighbours(
    script: Script, db: Database
) -> None:
    await script(
        PEOPLE,
        "@alice /config timezone Europe/Berlin",
        '@alice /vote start "Q?" --until "2026-03-29 02:30"',
        "expect /'2026-03-29 02:30' does not exist in Europe/Berlin: the clocks go from 01:59 "
        "straight to 03:00 that day \\(daylight saving time\\); use 01:59 or 03:00/",
        '@alice /vote start "Q?" --until "2026-03-29 03:00"',
        "expect /Closes: Sun 29 Mar 2026 03:00 CEST/",
    )
    assert rows(db, Vote) == 1


async def test_an_unquoted_time_with_a_space_says_how_to_quote_it(script: Script) -> None:
    s = await script(PEOPLE, '@alice /vote start "Q?" --until friday 17:00')
    last = s.adapter.blocks[-1]
    assert 'a value with a space needs quotes: --until "friday 17:00"' in last
    assert len(last) < 250 and "/help vote start" in last  # not the whole 400-character usage


# ---------------------------------------------------------------- mentions in arguments


@pytest.mark.parametrize("who", ["@everyone", "@here", "<!channel>", "@room", "zed"])
async def test_reviewers_must_be_real_people(script: Script, who: str) -> None:
    from storage.rfc_tables import RfcReview

    s = await script(PEOPLE, '@alice /rfc propose "Adopt v2"', "expect /RFC-1/")
    before = rows(s.db, RfcReview)
    await script(
        f"@alice /rfc reviewers RFC-1 {who} @bob",
        "expect /is everyone, not a person|I know no member @zed/",
        "expect-not /Review requested/",
        session=s,
    )
    assert rows(s.db, RfcReview) == before


async def test_everyone_as_moderator_is_said_out_loud(script: Script) -> None:
    await script(
        PEOPLE,
        "@alice /config role moderator @everyone",
        "expect /now counts as moderator\\. ⚠️ That is everyone/",
        "@alice /config role moderator @tc",
        "expect-not /That is everyone/",
    )


@pytest.mark.parametrize(
    ("purpose", "why"),
    [
        ("announcements", "named in the communication plan of /rfc assess, which is not installed"),
        ("feedback", "/feedback, which is not installed yet"),
    ],
)
async def test_a_channel_purpose_nothing_uses_is_refused(
    db: Database, purpose: str, why: str
) -> None:
    from adapters.console_script import ConsoleSession, fake_clock
    from bot.registry import Registry
    from commands import admin, help, votes
    from storage.tables import ChannelPurpose
    from tests.conftest import START

    # A Moot with votes only: the capabilities those purposes serve are not installed.
    reg = Registry()
    for module in (admin, help, votes):
        module.register(reg)
    session = ConsoleSession(db, reg, fake_clock(START), out=lambda _s: None)
    await session.run_script(
        "\n".join(
            [
                PEOPLE,
                f"@alice /config channel {purpose} #x",
                f"expect /the {purpose} channel would do nothing yet/",
                "@alice /config channel votes #votes",
                "expect /votes channel is now #votes: where a vote started in a DM is posted/",
            ]
        )
    )
    assert not session.failures, session.failures
    assert rows(db, ChannelPurpose) == 1
