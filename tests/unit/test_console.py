from __future__ import annotations

from pathlib import Path

import pytest

from moot.cli import main
from tests.conftest import Script


async def test_help_lists_commands(script: Script) -> None:
    s = await script("@alice /help", "expect /(?s)#1 \\[only @alice\\].*\\/config/")
    assert s.adapter.blocks[0].startswith("#1 [only @alice]")


async def test_help_for_a_subcommand(script: Script) -> None:
    await script(
        "@alice /help config timezone",
        "expect /Usage: \\/config timezone AREA\\/CITY/",
        "expect-not /Traceback/",
    )


async def test_config_flow_and_audit(script: Script) -> None:
    await script(
        # Roles must be real: on the console a role exists once a `roles` line hands it out.
        "roles alice=admin bob= carol=tc,maintainers",
        "@alice /config channel votes #votes",
        "expect /votes channel is now #votes/",
        "@alice /config role moderator @tc",
        "expect /tc now counts as moderator/",
        "@alice /config role voter-group core @maintainers",
        "expect /maintainers now counts as voter group core/",
        "@alice /config timezone Europe/Berln",
        "expect /did you mean Europe\\/Berlin/",
        "@alice /config timezone Europe/Berlin",
        "expect /Europe\\/Berlin/",
        "@bob /config show",
        "expect /for moderators and admins only/",
        "roles bob=tc",
        "@bob /config show",
        "expect /time zone: Europe\\/Berlin/",
        "expect-not /only/",
    )


async def test_dm_and_thread_headers(script: Script) -> None:
    s = await script("@carol dm /help")
    assert s.adapter.blocks[0].startswith("#1 [DM @carol]")


async def test_a_failed_expect_is_reported(script: Script) -> None:
    with pytest.raises(AssertionError, match="nothing printed matches /passed/"):
        await script("@alice /help", "expect /passed/")


async def test_unknown_message_reference_fails_the_line(script: Script) -> None:
    with pytest.raises(AssertionError, match="there is no message 9"):
        await script("@bob click 9 yes")


def test_cli_script_exits_non_zero_on_failed_expect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.moot"
    bad.write_text("@alice /help\nexpect /this will not be printed/\n")
    assert main(["console", "--script", str(bad)]) == 1
    good = tmp_path / "good.moot"
    good.write_text("@alice /help\nexpect /Moot commands/\n")
    assert main(["console", "--script", str(good)]) == 0


def test_demo_runs_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "#1 [only @alice]" in out and "✗" not in out
    # Who did what: each input line comes before its answers.
    assert "@bob › click /Adopt the v2 API/ yes\n#6 [only @bob]" in out
    assert "\n== Votes: a proposal in #votes" in out
    # An edit shows what changed, never the whole card again.
    edits = out.split("#5 edited")[1:]
    assert edits and all("Kind: proposal" not in e.split("\n#")[0] for e in edits)
    # The title once; one reminder per person, saying how long is left.
    assert out.count("Adopt the v2 API?\n  Adopt the v2 API?") == 0
    reminders = [line for line in out.splitlines() if "Reminder: vote #1" in line]
    assert len(reminders) == 1 and "closes in 24 hours" in reminders[0]
    # A ranked vote, a secret vote and an export.
    assert "closed: **won by Python**" in out and "Ranking: 1. Python" in out
    assert "Secret ballot" in out and "closed: **won by Lisbon**" in out
    assert "moot export decisions --format md\n# Decisions" in out
    assert "## Decision 2: Which talk opens the meetup?" in out


def test_terminal_bold() -> None:
    from adapters.console import terminal

    assert terminal("Your vote is **yes**.") == "Your vote is \x1b[1myes\x1b[0m."


def test_interactive_console_reads_typed_lines(tmp_path: Path) -> None:
    import subprocess
    import sys

    typed = "/help\n/as bob\n/config show\n/in #votes\n/help config\n"
    done = subprocess.run(
        [sys.executable, "-m", "moot", "console", "--db", f"sqlite:///{tmp_path / 'i.db'}"],
        input=typed,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "#1 [only @you]" in out and "Moot commands" in out
    assert "#2 [only @bob]" in out and "for moderators and admins only" in out
    assert "bob@#votes>" in out and "#3 [only @bob]" in out
