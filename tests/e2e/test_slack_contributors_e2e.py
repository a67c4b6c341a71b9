"""Contributors on Slack end to end (the real bolt app, signed Events API requests, the
recording fake Web API): a newcomer's team_join and member_joined_channel give one welcome
DM however often Slack delivers them; a kudos milestone's role is granted by adding the
person to the user group bound to it, once, and a missing scope fails the grant with a
reason that says what to fix while the milestone stands."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.registry import Registry
from storage.db import Database
from storage.tables import Outbox
from tests.adapters import slack_payloads as p
from tests.e2e.cert_exam import bank, right_number
from tests.e2e.slack_fake import user
from tests.e2e.test_slack_e2e import ALICE, BOB, CAROL, Harness, harness
from tests.e2e.test_slack_e2e import slack_real as slack_real

EVE = "U0EVE0001"
GROUP = "S0CERT001"


def team_join(uid: str, eid: str, is_bot: bool = False) -> dict[str, Any]:
    return p.envelope(
        {
            "type": "team_join",
            "user": {
                "id": uid,
                "team_id": p.TEAM,
                "name": "eve",
                "real_name": "Eve Example",
                "is_bot": is_bot,
                "deleted": False,
                "profile": {"display_name": "eve", "real_name": "Eve Example"},
            },
            "cache_ts": 1700000500,
            "event_ts": "1700000500.000100",
        },
        eid,
    )


def joined_channel(uid: str, eid: str) -> dict[str, Any]:
    return p.envelope(
        {
            "type": "member_joined_channel",
            "user": uid,
            "channel": p.CHANNEL,
            "channel_type": "C",
            "team": p.TEAM,
            "inviter": ALICE,
            "event_ts": "1700000510.000100",
        },
        eid,
    )


def welcomes(h: Harness, uid: str) -> list[Any]:
    return [c for c in h.posts("D0" + uid[1:]) if "Welcome to Moot!" in c.args["text"]]


async def configure_welcome(h: Harness) -> None:
    await h.send.command(
        p.slash_command("/moot", 'config onboarding text "Welcome to Moot!"', ALICE, "o.1")
    )
    await h.until(lambda: h.outcomes.count("ok") >= 1)


async def test_a_join_gives_one_welcome_dm_under_redelivery(slack_real: Harness) -> None:
    h = slack_real
    h.fake.users[EVE] = user(EVE, "eve")
    await configure_welcome(h)
    join = team_join(EVE, "EvJ1")
    for _ in range(3):  # Slack retries an event it thinks was not acknowledged
        status, _ = await h.send.event(join, headers={"X-Slack-Retry-Num": "1"})
        assert status == 200
    # Joining a channel later is a join too, of the same person: no second welcome.
    await h.send.event(joined_channel(EVE, "EvJ2"))
    # The bot's own join and a bot user's team_join welcome nobody.
    await h.send.event(joined_channel(p.BOT_USER, "EvJ3"))
    await h.send.event(team_join("U0SOMEBOT", "EvJ4", is_bot=True))
    (dm,) = await h.until(lambda: welcomes(h, EVE))
    assert "Welcome to Moot!" in dm.args["text"]
    # The three copies are one event (stored once by its event_id), the channel join another.
    await h.until(lambda: len(h.sunk) >= 3)
    await h.app.sender.drain()
    assert len(welcomes(h, EVE)) == 1
    assert not welcomes(h, p.BOT_USER) and not welcomes(h, "U0SOMEBOT")
    assert [type(e).__name__ for e in h.sunk].count("MemberJoined") == 2
    assert {e.actor.user_id for e in h.sunk if type(e).__name__ == "MemberJoined"} == {EVE}


async def kudos_milestone(h: Harness, role: str) -> None:
    # Bob is known to Moot once he has done something there.
    await h.send.command(p.slash_command("/kudos", "top", BOB, "k.b"))
    await h.until(lambda: [e for e in h.sunk if e.actor.user_id == BOB])
    await h.send.command(
        p.slash_command(
            "/moot", f"config kudos --milestones 1 --milestone-role code:1={role}", ALICE, "k.1"
        )
    )
    await h.send.command(
        p.slash_command("/kudos", f'<@{BOB}|bob> code "Fixed the build"', CAROL, "k.2")
    )
    await h.until(lambda: [c for c in h.fake.of("chat.postMessage") if "🏅" in c.args["text"]])


def rows(h: Harness, kind: str) -> list[tuple[str, str | None]]:
    with h.db.transaction() as s:
        return [
            (r.status, r.last_error)
            for r in s.execute(select(Outbox).where(Outbox.kind == kind)).scalars()
        ]


async def test_a_milestone_role_adds_the_person_to_the_bound_user_group(
    slack_real: Harness,
) -> None:
    h = slack_real
    h.fake.usergroups.append({"id": GROUP, "handle": "code-champs", "users": [CAROL]})
    await h.send.command(
        p.slash_command(
            "/moot",
            f"config role voter-group code-champion <!subteam^{GROUP}|@code-champs>",
            ALICE,
            "k.0",
        )
    )
    await kudos_milestone(h, "code-champion")
    await h.until(lambda: h.fake.of("usergroups.users.update"))
    (update,) = h.fake.of("usergroups.users.update")
    assert update.args["usergroup"] == GROUP
    assert update.args["users"].split(",") == [CAROL, BOB]  # nobody dropped, Bob added
    assert h.fake.group_users[GROUP] == [CAROL, BOB]
    await h.until(lambda: rows(h, "grant_role") == [("sent", None)])
    # A second grant of a role Bob already holds reads the group and changes nothing.
    assert await h.adapter.grant_role(p.TEAM, BOB, "code-champion", "again")
    assert len(h.fake.of("usergroups.users.update")) == 1
    # The group is named by id only: an unbound name, or a handle, grants nothing.
    assert not await h.adapter.grant_role(p.TEAM, BOB, "code-champs", "by-handle")
    assert not await h.adapter.grant_role(p.TEAM, BOB, "@nobody", "unbound")
    assert len(h.fake.of("usergroups.users.update")) == 1


async def test_a_missing_scope_fails_the_grant_with_what_to_fix(slack_real: Harness) -> None:
    h = slack_real
    h.fake.usergroups.append({"id": GROUP, "handle": "code-champs", "users": []})
    h.fake.fail_next("usergroups.users.list", 200, error="missing_scope", needed="usergroups:read")
    await kudos_milestone(h, f"<!subteam^{GROUP}|@code-champs>")
    failed = await h.until(lambda: [r for r in rows(h, "grant_role") if r[0] == "failed"])
    assert "usergroups:read and usergroups:write" in (failed[0][1] or "")
    assert not h.fake.of("usergroups.users.update")
    # The milestone itself stands: it was announced.
    assert [c for c in h.fake.of("chat.postMessage") if "🏅" in c.args["text"]]


async def test_a_join_redelivered_after_a_restart_welcomes_no_one_twice(
    db: Database, registry: Registry
) -> None:
    async with harness(db, registry, []) as h:
        h.fake.users[EVE] = user(EVE, "eve")
        await configure_welcome(h)
        await h.send.event(team_join(EVE, "EvR1"))
        await h.until(lambda: welcomes(h, EVE))
    # A new process on the same database; Slack retries the event, then Eve joins a channel.
    async with harness(db, registry, []) as h2:
        h2.fake.users[EVE] = user(EVE, "eve")
        await h2.send.event(team_join(EVE, "EvR1"), headers={"X-Slack-Retry-Num": "2"})
        await h2.send.event(joined_channel(EVE, "EvR2"))
        await h2.until(lambda: [e for e in h2.sunk if e.event_id == "EvR2"])
        await h2.app.sender.drain()
        assert welcomes(h2, EVE) == []



async def test_a_certification_exam_in_dm_by_buttons(
    slack_real: Harness, tmp_path: Any, monkeypatch: Any
) -> None:
    """A track imported by a moderator; the candidate's exam comes by DM, one question at a
    time, answered by the buttons there; a pass gives a verifiable credential code."""
    h = slack_real
    (tmp_path / "steward.toml").write_text(bank())
    monkeypatch.setenv("MOOT_CERTS_DIR", str(tmp_path))
    await h.send.command(p.slash_command("/moot", "cert import steward.toml", ALICE, "c.0"))
    await h.until(lambda: len(h.outcomes) == 1)
    await h.send.command(p.slash_command("/moot", "cert apply steward", BOB, "c.1"))
    for n in range(2):
        marker = f"question {n + 1} of 2"
        asked = await h.until(
            lambda marker=marker: [
                (channel, m)
                for channel, messages in h.fake.messages.items()
                if channel.startswith("D")
                for m in messages
                if marker in m["text"]
            ]
        )
        channel, message = asked[-1]
        post = next(
            c
            for c in h.fake.of("chat.postMessage")
            if c.args["channel"] == channel and marker in c.args.get("text", "")
        )
        buttons = [
            e
            for block in post.args["blocks"]
            if block["type"] == "actions"
            for e in block["elements"]
        ]
        # Options are shuffled per candidate and the buttons carry their numbers.
        number = str(right_number(message["text"]))
        right = next(b for b in buttons if b["text"]["text"].split()[-1] == number)
        payload = p.block_actions(right["value"], BOB, message["ts"], trigger=f"c.q{n}")
        payload["channel"]["id"] = channel
        payload["container"]["channel_id"] = channel
        payload["actions"][0]["action_id"] = right["action_id"]
        assert (await h.send.interaction(payload))[0] == 200
    passed = await h.until(
        lambda: [
            c
            for c in h.fake.of("chat.postMessage")
            if c.args["channel"].startswith("D") and "MOOT-" in c.args.get("text", "")
        ]
    )
    assert "Certified Steward" in passed[-1].args["text"]
    assert "error" not in h.outcomes and "failed" not in h.outcomes, h.outcomes
