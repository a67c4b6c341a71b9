"""Certification rules: the bank schema and its errors, drawing, grading, and credential
codes that verify for their own fields only."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.certs import rules

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "certs"
GOOD = (EXAMPLES / "developer.toml").read_text()


def bank() -> rules.Bank:
    return rules.parse_bank(GOOD, "toml")


@pytest.mark.parametrize("name", ["developer", "architect", "expert", "trainer"])
def test_examples_load(name: str) -> None:
    b = rules.parse_bank((EXAMPLES / f"{name}.toml").read_text(), "toml")
    assert b.slug == name and b.draw <= len(b.questions)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("[track\nslug='x'", "not valid TOML"),
        ("[[questions]]\ntext='q'", "missing [track]"),
        ("[track]\nslug='Dev'\n", "track.slug 'Dev'"),
        ("[track]\nslug='dev'\nname='D'\ndraw=1\npass_mark=2\ntime_limit='1h'\n", "pass_mark 2"),
        (
            "[track]\nslug='dev'\nname='D'\ndraw=3\npass_mark=0.5\ntime_limit='1h'\n"
            "[[questions]]\ntext='q'\noptions=['a','b']\ncorrect=1\n",
            "track.draw is 3 but the bank has 1 question",
        ),
        (
            "[track]\nslug='dev'\nname='D'\ndraw=1\npass_mark=0.5\ntime_limit='1h'\n\n"
            "[[questions]]\ntext='q'\noptions=['a','b']\ncorrect=1\n\n"
            "[[questions]]\ntext='r'\noptions=['a','b']\ncorrect=3\n",
            "line 13: questions[2].correct names an option that does not exist",
        ),
        (
            "[track]\nslug='dev'\nname='D'\ndraw=1\npass_mark=0.5\ntime_limit='forever'\n",
            "track.time_limit",
        ),
    ],
)
def test_malformed_banks_name_line_and_field(source: str, message: str) -> None:
    with pytest.raises(rules.BankError, match=re.escape(message)):
        rules.parse_bank(source, "toml")


def test_yaml_bank_and_its_errors() -> None:
    good = (
        "track: {slug: dev, name: D, draw: 1, pass_mark: '50%', time_limit: 10m}\n"
        "questions:\n"
        "  - {text: q, options: [a, b], correct: 2}\n"
        "  - {text: r, options: [a], correct: 1}\n"
    )
    with pytest.raises(rules.BankError, match=r"line 4: questions\[2\]\.options"):
        rules.parse_bank(good, "yaml")
    with pytest.raises(rules.BankError, match="line 2: not valid YAML"):
        rules.parse_bank("track: {slug: dev\n  - : [\n", "yaml")
    b = rules.parse_bank(good.rsplit("  - {text: r", 1)[0], "yaml")
    assert b.pass_mark == 0.5 and b.questions[0].correct == frozenset({1})


def test_draw_and_grade() -> None:
    b = bank()
    paper = rules.draw_paper(b, random.Random(3))
    assert len(paper) == b.draw and len({p["id"] for p in paper}) == b.draw
    by_id = {q.id: q for q in b.questions}
    right = {p["id"]: sorted(by_id[p["id"]].correct) for p in paper}
    assert rules.grade(b, paper, right) == b.draw
    one_off = dict(right)
    first = paper[0]["id"]
    one_off[first] = [(right[first][0] + 1) % len(by_id[first].options)]
    assert rules.grade(b, paper, one_off) == b.draw - 1
    assert rules.grade(b, paper, {}) == 0
    # A multiple-answer question needs every right option and nothing more.
    q = by_id["breaking"]
    assert rules.grade(b, [{"id": "breaking", "order": [0, 1, 2, 3]}], {"breaking": [0, 1]}) == 0
    assert (
        rules.grade(b, [{"id": "breaking", "order": [0, 1, 2, 3]}], {"breaking": sorted(q.correct)})
        == 1
    )


def test_shown_positions_map_back() -> None:
    assert rules.shown_to_original([2, 0, 1], [1, 3]) == frozenset({2, 1})


def test_pass_mark_is_exact() -> None:
    b = rules.parse_bank(GOOD.replace('pass_mark = "75%"', "pass_mark = 0.75"), "toml")
    assert rules.passed(b, 3, 4) and not rules.passed(b, 2, 4)
    thirds = rules.parse_bank(GOOD.replace('pass_mark = "75%"', "pass_mark = 0.66"), "toml")
    assert rules.passed(thirds, 2, 3)


fields = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20
)


@given(
    st.binary(min_size=32, max_size=32),
    fields,
    st.from_regex(r"[a-z][a-z0-9-]{1,10}", fullmatch=True),
    fields,
    st.dates().map(str),
)
def test_code_verifies_for_its_own_fields_only(
    secret: bytes, community: str, track: str, holder: str, date: str
) -> None:
    code = rules.credential_code(secret, community, track, holder, date)
    assert rules.normalise_code(code) == code
    assert rules.verify_code(secret, code, community, track, holder, date)
    assert not rules.verify_code(secret, code, community + "x", track, holder, date)
    assert not rules.verify_code(secret, code, community, track + "x", holder, date)
    assert not rules.verify_code(secret, code, community, track, holder + "x", date)
    assert not rules.verify_code(secret, code, community, track, holder, date + "x")
    assert not rules.verify_code(
        bytes(32) if secret != bytes(32) else b"\x01" * 32, code, community, track, holder, date
    )


@given(st.integers(min_value=0, max_value=39), st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))
def test_any_changed_character_fails(pos: int, char: str) -> None:
    secret = b"k" * 32
    code = rules.credential_code(secret, "console:local", "developer", "bob", "2026-01-05")
    pos = pos % len(code)
    if code[pos] in "-" or code[pos] == char:
        return
    changed = code[:pos] + char + code[pos + 1 :]
    assert not rules.verify_code(secret, changed, "console:local", "developer", "bob", "2026-01-05")
