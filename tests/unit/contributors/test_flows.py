"""Onboarding, kudos and certification end to end as console scripts on a fake clock
(SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.console_script import ConsoleSession
from commands.certs import rules
from commands.kudos import export as kudos_export
from storage.contrib_tables import CertAttempt, CertTrack, Credential, Kudos, OnboardingSent
from storage.db import Database
from tests.conftest import Script

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "certs"
PEOPLE = "roles alice=admin bob= carol= dan="


def count(db: Database, model: type) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def printed(s: ConsoleSession, text: str) -> int:
    return sum(text in b for b in s.adapter.blocks)


# ------------------------------------------------------------------ onboarding


async def test_onboarding_once_per_person_across_restart(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        "@bob join",
        "expect-not /Welcome/",  # no text configured: nothing is sent
        '@alice /config onboarding text "Welcome! Read the guide first."',
        "@alice /config onboarding link guide https://example.org/contributing",
        "@alice /config onboarding link docs ftp://x",
        "expect /needs an http\\(s\\) URL/",
        "@carol join",
        "expect /(?s)👋 Welcome! Read the guide first.*"
        "guide: https:\\/\\/example.org\\/contributing.*Commands you can use: .*\\/vote/",
        "@carol join",
        "restart",
        "@carol join",
        "@bob /onboarding preview",
        "expect /for moderators/",
        "@alice /onboarding preview",
        "expect /Preview:/",
        "@alice /onboarding off",
        "@dan join",
    )
    assert printed(s, "Welcome! Read the guide first.") == 2  # carol's DM, alice's preview
    assert count(db, OnboardingSent) == 1


# ------------------------------------------------------------------ kudos


async def test_kudos_rules_and_refusals(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        "@alice /config channel recognition #thanks",
        "@alice /config kudos --daily-limit 2 --milestones 2",
        '@bob /kudos @bob code "me"',
        "expect /you cannot thank yourself/",
        '@bob /kudos @carol painting "nice"',
        "expect /'painting' is not a kudos category \\(code, docs, tests, review, community, "
        "translation\\)/",
        '@bob /kudos @zed docs "x"',
        "expect /@zed is not a member here/",
        '@bob /kudos @carol docs "fixed the guide for @everyone and <!subteam^S1|devs>"',
        "expect /(?s)#thanks.*🙌 @bob thanks @carol for docs: fixed the guide/",
        '@bob /kudos @carol docs "again"',
        "expect /🏅 @carol has reached 2 kudos for docs!/",
        '@bob /kudos @carol docs "third"',
        "expect /you have given 2 kudos in the last 24 hours; the limit is 2/",
        "advance 1d",
        '@bob /kudos @carol docs "third"',
        "restart",
        '@dan /kudos @carol review "careful review"',
        "@dan /kudos of @carol",
        "expect /@carol: 4 kudos \\(docs 3, review 1\\)/",
        "@dan /kudos top --since 7d",
        "expect /1. @carol: 4/",
        "@dan /kudos top --category docs",
        "expect /Most thanked for docs/",
    )
    assert printed(s, "has reached 2 kudos for docs") == 1
    assert not any("@everyone" in b for b in s.adapter.blocks)
    assert not any("<!subteam" in b for b in s.adapter.blocks)
    assert count(db, Kudos) == 4
    rows = list(csv.DictReader(io.StringIO(kudos_export(db, "csv"))))
    assert [r["category"] for r in rows] == ["docs", "docs", "docs", "review"]


async def test_milestone_role_is_granted(script: Script) -> None:
    await script(
        PEOPLE,
        "@alice /config kudos --milestones 1 --milestone-role docs:1=docs-champion",
        '@bob /kudos @carol docs "x"',
        "expect /\\[role\\] @carol is given the role docs-champion/",
    )


# ------------------------------------------------------------------ certification


@pytest.fixture
def banks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "banks"
    folder.mkdir()
    for f in EXAMPLES.glob("*.toml"):
        shutil.copy(f, folder / f.name)
    (folder / "broken.toml").write_text("[track]\nslug = 'xx'\n")
    (folder / "short.toml").write_text(
        "[track]\nslug='short'\nname='S'\ndraw=5\npass_mark=0.5\ntime_limit='5m'\n"
        "[[questions]]\ntext='q'\noptions=['a','b']\ncorrect=1\n"
    )
    # Single-answer questions only: every question has buttons, whatever the draw.
    single = (EXAMPLES / "developer.toml").read_text().replace("correct = [1, 2, 4]", "correct = 1")
    (folder / "single.toml").write_text(single.replace('slug = "developer"', 'slug = "single"'))
    monkeypatch.setenv("MOOT_CERTS_DIR", str(folder))
    return folder


def right_answers(db: Database, user: str) -> list[str]:
    """What a candidate who knows the answers types, in the order of their own paper."""
    with db.transaction() as s:
        attempt = s.execute(
            select(CertAttempt).where(CertAttempt.user_id == user, CertAttempt.status == "running")
        ).scalar_one()
        track = s.get(CertTrack, attempt.track_id)
        assert track is not None
        bank = rules.bank_from_data(track.bank)
        by_id = {q.id: q for q in bank.questions}
        out = []
        for item in attempt.paper["questions"]:
            q = by_id[item["id"]]
            shown = sorted(item["order"].index(c) + 1 for c in q.correct)
            out.append(",".join(str(n) for n in shown))
        return out


async def test_import_refusals(script: Script, db: Database, banks: Path) -> None:
    await script(
        PEOPLE,
        "@bob /cert import developer.toml",
        "expect /for moderators/",
        "@alice /cert import ../../etc/passwd.toml",
        "expect /must be a .toml or .yaml file inside the bank folder/",
        "@alice /cert import broken.toml",
        "expect /broken.toml: track.name is missing/",
        "@alice /cert import short.toml",
        "expect /track.draw is 5 but the bank has 1 question/",
        "@alice /cert import missing.toml",
        "expect /there is no bank file 'missing.toml'/",
        "@alice /cert import architect.toml",
        "expect /there is no track 'developer'/",
    )
    assert count(db, CertTrack) == 0


async def test_exam_passed_verified_and_revoked(script: Script, db: Database, banks: Path) -> None:
    s = await script(
        PEOPLE,
        "@alice /config channel recognition #thanks",
        "@alice /cert import developer.toml",
        "expect /Track \\*\\*developer\\*\\* \\(Certified Developer\\): 6 questions, "
        "4 per attempt/",
        "@bob /cert apply architect",
        "expect /there is no track 'architect'/",
        "@bob /cert apply developer",
        "expect /question 1 of 4/",
    )
    answers = right_answers(db, "bob")
    for a in answers:
        await script(f"@bob dm /cert answer {a}", session=s)
    await script(
        "expect /You passed! Your credential: \\*\\*MOOT-DEV-/",
        "@bob click /You passed/ Yes, announce it",
        session=s,
    )
    with db.transaction() as tx:
        cred = tx.execute(select(Credential)).scalar_one()
        code = cred.code
    await script(
        f"expect /Congratulations to @bob: Certified Developer certified \\({code}\\)/",
        "@bob click /You passed/ Yes, announce it",
        "expect /announced already/",
        f"@carol /cert verify {code.lower()}",
        f"expect /{code} is valid: @bob, track developer/",
        f"@carol /cert verify {code[:-1]}{'A' if code[-1] != 'A' else 'B'}",
        "expect /is not a valid credential code here/",
        "@carol /cert verify nonsense",
        "expect /is not a valid credential code here/",
        "@carol /cert list @bob",
        f"expect /developer: {code}/",
        "@bob /cert apply developer",
        "expect /you already hold the developer credential/",
        f'@carol /cert revoke {code} --reason "shared"',
        "expect /for moderators/",
        f'@alice /cert revoke {code} --reason "exam shared"',
        f"@carol /cert verify {code}",
        "expect /REVOKED: exam shared/",
        "@alice /cert stats developer",
        "expect /1 graded attempts, 1 passed \\(100%\\)/",
        "expect-not /correct/",
        session=s,
    )
    # The right answers were never sent before grading: no message names them as right.
    assert not any("correct" in b.lower() for b in s.adapter.blocks)


async def test_exam_timeout_across_restart_and_cooldown(
    script: Script, db: Database, banks: Path
) -> None:
    s = await script(
        PEOPLE,
        "@alice /cert import single.toml",
        "@bob /cert apply single",
    )
    first = right_answers(db, "bob")[0]
    await script(
        f"@bob dm /cert answer {first}",
        "expect /question 2 of 4/",
        "@carol click /question 2 of 4/ 1",
        "expect /that exam belongs to someone else/",
        "@bob dm /cert answer 9",
        "expect /answer with option numbers from 1 to/",
        "@bob /cert apply single",
        "expect /you have an exam running/",
        "restart",
        "advance 20m",
        "expect /1 of 4 right \\(time ran out; graded on what was answered\\)/",
        "restart",
        "advance 1h",
        "@bob dm /cert answer 1",
        "expect /you have no exam running/",
        "@bob click /question 2 of 4/ 1",
        "expect /that exam is over/",
        "@bob /cert apply single",
        "expect /you can take the single exam again from/",
        "advance 7d",
        "@bob /cert apply single",
        "expect /question 1 of 4/",
        session=s,
    )
    assert printed(s, "time ran out") == 1
    with db.transaction() as tx:
        statuses = list(tx.execute(select(CertAttempt.status).order_by(CertAttempt.id)).scalars())
    assert statuses == ["failed", "running"]
    assert count(db, Credential) == 0


async def test_prerequisite_is_enforced(script: Script, db: Database, banks: Path) -> None:
    await script(
        PEOPLE,
        "@alice /cert import developer.toml",
        "@alice /cert import architect.toml",
        "@bob /cert apply architect",
        "expect /the architect track needs the developer credential first/",
        "@bob /cert tracks",
        "expect /(?s)architect.*after developer.*developer/",
    )
    assert count(db, CertAttempt) == 0
