"""`/rfc assess`, `/rfc meta`, `/rfc temperature` and `/config assess` end to end as console
scripts: the inputs shown, the recommendations on the thresholds, the temperature check
counted once per person and closed exactly once across a restart, and the assessment kept
in the timeline, the export and the decision record when the RFC is decided."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from commands.rfcs import export as rfc_export
from storage.db import Database
from storage.rfc_assess_tables import RfcTemperature, RfcTemperatureAnswer
from storage.rfc_tables import RfcEvent
from storage.vote_tables import DecisionRecord
from tests.conftest import Script
from tests.unit.rfcs.test_flow import PEOPLE, PROPOSE, count, run


def events(db: Database, what: str) -> list[dict[str, object]]:
    with db.transaction() as s:
        return [
            e.detail for e in s.execute(select(RfcEvent).where(RfcEvent.what == what)).scalars()
        ]


async def test_no_data_says_not_enough_information(script: Script) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@bob /rfc assess RFC-1",
        "expect /Not enough information/",
        "expect-not /Consensus/",
    )


async def test_assessment_shows_inputs_and_recommends(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc reviewers RFC-1 @bob @carol @dan",
        "@bob /rfc review RFC-1 changes needs a plan",
        '@carol /rfc concern RFC-1 "breaks the plugin API"',
        '@carol /rfc concern RFC-1 "no rollback"',
        "@alice /rfc meta RFC-1 --areas 5 --breaking yes --migration yes --effort XL",
        "expect /Facts of RFC-1: areas 5, breaking yes, migration yes, effort XL/",
        "@dan /rfc assess RFC-1",
        "expect /Consensus: \\*\\*0.00\\*\\* \\(concerns 0 resolved\\/2 open 0.00×0.42, "
        "reviews 0 approve\\/1 changes 0.00×0.58\\)/",
        "expect /Complexity: \\*\\*0.84\\*\\*/",
        "expect /Risk: \\*\\*0.93\\*\\*/",
        "expect /reviewed: @bob; waiting: @carol, @dan/",
        "expect /Concerns raised by: @carol/",
        "expect /Plan a phased rollout.*complexity 0.84 is above 0.7/",
        "expect /risk-mitigation plan.*risk 0.93 is above 0.6/",
        "expect /Talk to the stakeholders.*consensus 0.00 is below 0.5/",
        "expect /Notify: @carol, @dan/",
    )


async def test_meta_refusals_write_nothing(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@dan /rfc meta RFC-1 --effort L",
        "expect /only the author of RFC-1, its reviewers or a moderator/",
        "@alice /rfc meta RFC-1 --breaking maybe",
        "expect /--breaking takes yes or no, not 'maybe'. Usage: \\/rfc meta RFC/",
        "@alice /rfc meta RFC-1",
        "expect /give at least one fact/",
        "@alice /rfc meta RFC-1 --areas 0",
        "expect /--areas must be from 1 to 1000/",
        "@alice /rfc meta RFC-9 --areas 2",
        "expect /RFC-9/",
    )
    assert events(db, "meta") == []


async def test_temperature_counts_each_person_once_and_closes_once(
    script: Script, db: Database
) -> None:
    s = await run(
        script,
        PEOPLE,
        PROPOSE,
        "@bob /rfc temperature RFC-1 --for 24h",
        "expect /Temperature check on RFC-1/",
        "@bob /rfc temperature RFC-1",
        "expect /already has an open temperature check/",
        "@carol click /Temperature check/ 👍 support",
        "@carol click /Temperature check/ 👍 support",
        "@carol react /Temperature check/ 👍",
        "@dan click /Temperature check/ 👎 against",
        "@dan click /Temperature check/ 👀 unsure",
        "@mo react /Temperature check/ 👎",
        "@mo unreact /Temperature check/ 👎",
        "expect /👍 1 support · 👀 1 unsure · 👎 0 against/",
        "@alice /rfc assess RFC-1",
        "expect /temperature 👍1 👀1 👎0 0.75×1.00/",
        "restart",
        "advance 24h",
        "expect /temperature check on RFC-1 closed \\(not binding\\): 👍 1 support, 👀 1 unsure/",
        "@bob react /Temperature check/ 👎",
        "expect-not /Noted/",
    )
    await run(script, "restart", "advance 48h", session=s)
    with db.transaction() as tx:
        t = tx.execute(select(RfcTemperature)).scalar_one()
        answers = tx.execute(select(func.count()).select_from(RfcTemperatureAnswer)).scalar_one()
    assert count(s, "temperature check on RFC-1 closed") == 1
    assert (t.status, t.up, t.unsure, t.down) == ("closed", 1, 1, 0)
    assert answers == 2


async def test_decision_keeps_the_assessment(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc reviewers RFC-1 @bob",
        "@bob /rfc review RFC-1 approve",
        "@alice /rfc vote RFC-1 --for 24h",
        "@bob click /Vote #1:/ yes",
        "@carol click /Vote #1:/ yes",
        "@dan click /Vote #1:/ no",
        "@alice /rfc assess RFC-1",
        "expect /vote yes 2\\/no 1 0.67×0.42/",
        "expect /Not heard from \\(eligible voters\\): @mo/",
        "advance 24h",
        "expect /now accepted/",
        "@alice /rfc log RFC-1",
        "expect /assessment at the decision: consensus 0.86, complexity n\\/a, risk 0.00/",
    )
    (snap,) = events(db, "assessed")
    assert snap["consensus"]["value"] == 0.861  # (1×0.35 + 2/3×0.25) / 0.6
    with db.transaction() as s:
        rec = s.execute(select(DecisionRecord)).scalar_one()
    assert rec.data["rfc_assessment"] == snap
    data = json.loads(rfc_export.export(db, "json"))["rfcs"][0]
    assert data["assessment_at_decision"] == snap
    assert data["decision_records"][0]["rfc_assessment"] == snap


async def test_hidden_results_stay_out_of_the_assessment(script: Script) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@alice /rfc vote RFC-1 --for 24h --hide-results",
        "@bob click /Vote #1:/ no",
        "@alice /rfc assess RFC-1",
        "expect-not /vote yes/",
    )


async def test_config_assess_weights(script: Script) -> None:
    await run(
        script,
        PEOPLE,
        PROPOSE,
        "@bob /config assess --consensus reviews=1",
        "expect /moderator/",
        "@mo /config assess --consensus votes=1",
        "expect /unknown consensus weight 'votes'/",
        "@mo /config assess --risk breaking=abc",
        "expect /'abc' is not a number/",
        "@mo /config assess --consensus reviews=1,concerns=0,vote=0,temperature=0",
        "expect /weights saved/",
        "@mo /config assess",
        "expect /consensus: reviews=1, concerns=0, vote=0, temperature=0/",
        "@alice /rfc reviewers RFC-1 @bob",
        "@bob /rfc review RFC-1 approve",
        '@carol /rfc concern RFC-1 "x"',
        "@alice /rfc assess RFC-1",
        "expect /Consensus: \\*\\*1.00\\*\\*/",
        "@mo /config assess --reset",
        "expect /back to the defaults/",
    )
