"""Certification, pure: the question-bank schema with errors that name the line and field,
drawing and shuffling a paper, grading it, and credential codes that are HMAC signatures
over (community, track, holder, date). No I/O, no clock, no randomness of its own (a
random.Random is passed in)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.i18n import _
from bot.timeparse import parse_duration

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
MAX_QUESTIONS = 500
MAX_OPTIONS = 10
MAX_TEXT = 1000
CODE_PREFIX = "MOOT"
CODE = re.compile(r"^MOOT-[A-Z0-9]{1,4}-(?:[A-Z2-7]{4}-){3}[A-Z2-7]{4}$")


class BankError(ValueError):
    """A malformed bank; the message names the line (where known) and the field."""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: tuple[str, ...]
    correct: frozenset[int]

    @property
    def multiple(self) -> bool:
        return len(self.correct) > 1


@dataclass(frozen=True)
class Bank:
    slug: str
    name: str
    draw: int
    time_limit: timedelta
    pass_mark: float  # share of questions fully right, 0 < x <= 1
    cooldown: timedelta
    prerequisite: str | None
    role: str | None
    questions: tuple[Question, ...]

    def as_data(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "draw": self.draw,
            "time_limit_s": int(self.time_limit.total_seconds()),
            "pass_mark": self.pass_mark,
            "cooldown_s": int(self.cooldown.total_seconds()),
            "prerequisite": self.prerequisite,
            "role": self.role,
            "questions": [
                {
                    "id": q.id,
                    "text": q.text,
                    "options": list(q.options),
                    "correct": sorted(q.correct),
                }
                for q in self.questions
            ],
        }


def bank_from_data(d: dict[str, Any]) -> Bank:
    return Bank(
        slug=d["slug"],
        name=d["name"],
        draw=d["draw"],
        time_limit=timedelta(seconds=d["time_limit_s"]),
        pass_mark=d["pass_mark"],
        cooldown=timedelta(seconds=d["cooldown_s"]),
        prerequisite=d.get("prerequisite"),
        role=d.get("role"),
        questions=tuple(
            Question(q["id"], q["text"], tuple(q["options"]), frozenset(q["correct"]))
            for q in d["questions"]
        ),
    )


def _question_lines(source: str, fmt: str) -> list[int]:
    """The line each question starts on, so errors can name it."""
    if fmt == "toml":
        return [
            n for n, line in enumerate(source.splitlines(), 1) if line.strip() == "[[questions]]"
        ]
    import yaml

    root = yaml.compose(source)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "questions" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def parse_bank(source: str, fmt: str) -> Bank:
    """Read and validate a bank. fmt is "toml" or "yaml"."""
    try:
        if fmt == "toml":
            data = tomllib.loads(source)
        elif fmt == "yaml":
            import yaml

            data = yaml.safe_load(source)
        else:
            raise BankError(_("unknown format '{fmt}' (toml or yaml)").format(fmt=fmt))
    except tomllib.TOMLDecodeError as exc:
        raise BankError(_("not valid TOML: {exc}").format(exc=exc)) from None
    except BankError:
        raise
    except Exception as exc:  # yaml.YAMLError and its kin carry the line in their text
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise BankError(
            _("{where}not valid YAML: {value}").format(
                where=where, value=getattr(exc, "problem", exc)
            )
        ) from None
    if not isinstance(data, dict):
        raise BankError(_("the bank must be a table with [track] and [[questions]]"))
    track = data.get("track")
    if not isinstance(track, dict):
        raise BankError(_("missing [track] (slug, name, draw, time_limit, pass_mark)"))

    def need(key: str, kind: type | tuple[type, ...]) -> Any:
        if key not in track:
            raise BankError(_("track.{key} is missing").format(key=key))
        value = track[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise BankError(
                _("track.{key} has the wrong type ({type})").format(
                    key=key, type=type(value).__name__
                )
            )
        return value

    slug = need("slug", str)
    if not SLUG.match(slug):
        raise BankError(
            _("track.slug '{slug}' must be lower-case letters, digits and -").format(slug=slug)
        )
    name = need("name", str).strip()
    if not name or len(name) > 200:
        raise BankError(_("track.name must be 1 to 200 characters"))
    draw = need("draw", int)
    pass_mark = track.get("pass_mark")
    if isinstance(pass_mark, str) and pass_mark.endswith("%"):
        try:
            pass_mark = float(pass_mark[:-1]) / 100
        except ValueError:
            raise BankError(
                _("track.pass_mark '{pass_mark}' is not a share").format(pass_mark=pass_mark)
            ) from None
    if isinstance(pass_mark, bool) or not isinstance(pass_mark, int | float):
        raise BankError(_('track.pass_mark must be a share such as 0.8 or "80%"'))
    if not 0 < float(pass_mark) <= 1:
        raise BankError(
            _("track.pass_mark {pass_mark} must be above 0 and at most 1").format(
                pass_mark=pass_mark
            )
        )

    def duration(key: str, default: str | None) -> timedelta:
        value = track.get(key, default)
        if value is None:
            raise BankError(_("track.{key} is missing").format(key=key))
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            raise BankError(f"track.{key}: {exc}") from None

    time_limit = duration("time_limit", None)
    if not timedelta(minutes=1) <= time_limit <= timedelta(hours=24):
        raise BankError(_("track.time_limit must be from 1 minute to 24 hours"))
    cooldown = duration("cooldown", "1d")
    prerequisite = track.get("prerequisite")
    if prerequisite is not None and (
        not isinstance(prerequisite, str) or not SLUG.match(prerequisite)
    ):
        raise BankError(_("track.prerequisite must be another track's slug"))
    if prerequisite == slug:
        raise BankError(_("track.prerequisite cannot be the track itself"))
    role = track.get("role")
    if role is not None and not isinstance(role, str):
        raise BankError(_("track.role must be a role name"))

    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise BankError("no [[questions]]")
    if len(raw) > MAX_QUESTIONS:
        raise BankError(
            _("{value} questions; at most {MAX_QUESTIONS}").format(
                value=len(raw), MAX_QUESTIONS=MAX_QUESTIONS
            )
        )
    questions: list[Question] = []
    ids: set[str] = set()
    lines = _question_lines(source, fmt)
    for i, q in enumerate(raw):
        line = lines[i] if i < len(lines) else None
        at = f"line {line}: " if line else ""
        field = f"questions[{i + 1}]"
        if not isinstance(q, dict):
            raise BankError(_("{at}{field} must be a table").format(at=at, field=field))
        qid = str(q.get("id", f"q{i + 1}"))
        if qid in ids:
            raise BankError(
                _("{at}{field}.id '{qid}' is used twice").format(at=at, field=field, qid=qid)
            )
        ids.add(qid)
        text = q.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise BankError(
                _("{at}{field}.text must be 1 to {MAX_TEXT} characters").format(
                    at=at, field=field, MAX_TEXT=MAX_TEXT
                )
            )
        options = q.get("options")
        if (
            not isinstance(options, list)
            or not 2 <= len(options) <= MAX_OPTIONS
            or not all(isinstance(o, str) and o.strip() for o in options)
        ):
            raise BankError(
                _("{at}{field}.options must be 2 to {MAX_OPTIONS} texts").format(
                    at=at, field=field, MAX_OPTIONS=MAX_OPTIONS
                )
            )
        if len({o.strip().casefold() for o in options}) != len(options):
            raise BankError(
                _("{at}{field}.options has the same option twice").format(at=at, field=field)
            )
        correct = q.get("correct")
        if isinstance(correct, int) and not isinstance(correct, bool):
            correct = [correct]
        if (
            not isinstance(correct, list)
            or not correct
            or not all(isinstance(c, int) and not isinstance(c, bool) for c in correct)
        ):
            raise BankError(
                _("{at}{field}.correct must be an option number or a list of them").format(
                    at=at, field=field
                )
            )
        if not all(1 <= c <= len(options) for c in correct):
            raise BankError(
                _("{at}{field}.correct names an option that does not exist (1..{value})").format(
                    at=at, field=field, value=len(options)
                )
            )
        questions.append(
            Question(
                qid,
                text.strip(),
                tuple(o.strip() for o in options),
                frozenset(c - 1 for c in correct),
            )
        )
    if not 1 <= draw <= len(questions):
        raise BankError(
            _(
                "track.draw is {draw} but the bank has {value} question(s); draw at most as many "
                "as there are"
            ).format(draw=draw, value=len(questions))
        )
    return Bank(
        slug,
        name,
        draw,
        time_limit,
        float(pass_mark),
        cooldown,
        prerequisite,
        role,
        tuple(questions),
    )


# ---------------------------------------------------------------- papers and grading


def draw_paper(bank: Bank, rnd: random.Random) -> list[dict[str, Any]]:
    """The questions of one attempt, in a random order, each with its options in a random
    order: [{"id", "order": [original option indexes as shown]}]."""
    picked = rnd.sample(list(bank.questions), bank.draw)
    paper = []
    for q in picked:
        order = list(range(len(q.options)))
        rnd.shuffle(order)
        paper.append({"id": q.id, "order": order})
    return paper


def shown_to_original(order: list[int], shown: list[int]) -> frozenset[int]:
    """Answers given as 1-based positions on the shown paper, as original option indexes."""
    return frozenset(order[s - 1] for s in shown)


def grade(bank: Bank, paper: list[dict[str, Any]], answers: dict[str, list[int]]) -> int:
    """Questions answered exactly right (all correct options and nothing else); unanswered
    count as wrong."""
    by_id = {q.id: q for q in bank.questions}
    score = 0
    for item in paper:
        q = by_id.get(item["id"])
        given = answers.get(item["id"])
        if q is not None and given is not None and frozenset(given) == q.correct:
            score += 1
    return score


def passed(bank: Bank, score: int, out_of: int) -> bool:
    # Exact arithmetic: 4 of 5 passes a mark of 0.8.
    return out_of > 0 and score * 1000 >= round(bank.pass_mark * 1000) * out_of


# ---------------------------------------------------------------- credentials


def _signature(secret: bytes, community: str, track: str, holder: str, date: str) -> str:
    msg = "\x1f".join((community, track, holder, date)).encode()
    digest = hmac.new(secret, msg, hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:16]


def abbreviation(slug: str) -> str:
    letters = re.sub(r"[^a-z0-9]", "", slug).upper()
    return letters[:3] or "X"


def credential_code(secret: bytes, community: str, track: str, holder: str, date: str) -> str:
    sig = _signature(secret, community, track, holder, date)
    groups = "-".join(sig[i : i + 4] for i in range(0, 16, 4))
    return f"{CODE_PREFIX}-{abbreviation(track)}-{groups}"


def verify_code(
    secret: bytes, code: str, community: str, track: str, holder: str, date: str
) -> bool:
    expected = credential_code(secret, community, track, holder, date)
    return hmac.compare_digest(expected.encode(), code.strip().upper().encode())


def normalise_code(text: str) -> str | None:
    code = text.strip().upper()
    return code if CODE.match(code) else None
