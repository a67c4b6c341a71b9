"""End to end on loopback: the real slack-bolt AsyncApp in HTTP mode receives signed requests
like Slack sends them; its Web API client talks to a fake Slack that records every call; the
adapter feeds a real bot App (dispatcher, outbox sender) on the test database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

import commands.admin
import commands.feedback
import commands.help
from adapters.slack.adapter import SlackAdapter, SlackConfig
from bot.app import App
from bot.clock import SystemClock
from bot.context import Ctx
from bot.model import Choice, Edit, InboundEvent
from bot.registry import Registry
from bot.specs import Param
from storage import repos, role_tables
from storage.db import Database
from storage.kb_tables import KbEntry, KbSuggestion
from storage.tables import Outbox, ProcessedEvent
from storage.vote_tables import VoteBallot
from tests.adapters import slack_payloads as p
from tests.e2e.slack_fake import FakeSlackApi, SlackSender, sign, until, user

SECRET = "e2e-signing-secret-0123456789abcdef"
TOKEN = "xoxb-0000-e2e-not-a-real-token"
ALICE, BOB, CAROL, DAVE = "U0ALICE01", "U0BOB0001", "U0CAROL01", "U0DAVE001"
CHOICES = (Choice("poll.vote", "yes", "Yes", "primary"), Choice("poll.vote", "no", "No", "danger"))


def build_registry(log: list[tuple[Any, ...]]) -> Registry:
    """The core's admin and help commands plus a test-only poll capability (buttons, a live
    tally edit, thread replies) and a stand-in `vote start` spec for the modal."""
    reg = Registry()
    commands.admin.register(reg)
    commands.help.register(reg)
    commands.feedback.register(reg)

    @reg.command(
        "poll",
        help="Ask a yes/no question.",
        params=[Param("question", positional=True, required=True, rest=True)],
    )
    def poll(ctx: Ctx, question: str) -> None:
        ctx.reply(f"Poll: {question}", choices=CHOICES, ref="poll:1")
        ctx.dm(ctx.actor.user_id, "Your poll is up.")

    @reg.action("poll.vote")
    def vote(ctx: Ctx, value: str, added: bool) -> None:
        log.append(("vote", ctx.actor.user_id, value, added, ctx.message_ref))
        state = repos.kv_get(ctx.db, "poll", "1") or {}
        if added:
            state[ctx.actor.user_id] = value
        elif state.get(ctx.actor.user_id) == value:
            del state[ctx.actor.user_id]
        repos.kv_put(ctx.db, "poll", "1", state)
        yes = sum(v == "yes" for v in state.values())
        ctx.emit(Edit("poll:1", f"Poll tally: yes {yes} · no {len(state) - yes}", choices=CHOICES))
        ctx.private(f"Counted your {value}.")

    @reg.thread_reply("poll")
    def reply(ctx: Ctx, ref: str, text: str) -> None:
        ctx.reply(f"Noted: {text}")

    @reg.command(
        "vote",
        "start",
        help="Start a vote.",
        params=[
            Param("question", positional=True, required=True),
            Param("options", "list"),
            Param("rule", "choice", choices=("majority", "supermajority")),
            Param("for", "duration"),
            Param("secret", "flag"),
        ],
    )
    def start(ctx: Ctx, **kw: Any) -> None:
        log.append(("vote.start", kw))
        ctx.reply(f"Vote started: {kw['question']}")

    @reg.home_section
    def home(s: Any, community_id: int, user_id: str) -> list[tuple[str, list[str]]]:
        return [("Polls waiting for you", [f"Poll 1 (community {community_id}, {user_id})"])]

    return reg


@dataclass
class Harness:
    fake: FakeSlackApi
    send: SlackSender
    adapter: SlackAdapter
    app: App
    db: Database
    log: list[tuple[Any, ...]]
    sunk: list[InboundEvent] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)

    def count(self, table: Any) -> int:
        with self.db.transaction() as s:
            return int(s.execute(select(func.count()).select_from(table)).scalar_one())

    async def until(self, pred: Callable[[], Any], timeout: float = 6.0) -> Any:
        return await until(pred, timeout)

    def posts(self, channel: str = p.CHANNEL) -> list[Any]:
        return [c for c in self.fake.of("chat.postMessage") if c.args["channel"] == channel]


@contextlib.asynccontextmanager
async def harness(
    db: Database, reg: Registry, log: list[tuple[Any, ...]]
) -> AsyncIterator[Harness]:
    fake = FakeSlackApi(
        users={
            ALICE: user(ALICE, "alice", admin=True),
            BOB: user(BOB, "bob"),
            CAROL: user(CAROL, "carol"),
            DAVE: user(DAVE, "dave"),
        },
        usergroups=[{"id": "S0TC00001", "handle": "tc", "users": [BOB]}],
    )
    await fake.start()
    cfg = SlackConfig(
        bot_token=TOKEN,
        signing_secret=SECRET,
        mode="http",
        host="127.0.0.1",
        port=0,
        path="/slack/events",
        api_base_url=fake.url,
        min_post_interval=0.05,
    )
    adapter = SlackAdapter(cfg, db, reg)
    app = App(db, reg, SystemClock(), {"slack": adapter})
    sender = asyncio.create_task(app.sender.run(idle=0.05))
    session = aiohttp.ClientSession()
    h = Harness(fake, SlackSender("", SECRET, session), adapter, app, db, log)

    def seen(event: InboundEvent, outcome: str) -> None:
        h.sunk.append(event)
        h.outcomes.append(outcome)

    # As in `moot run`: the adapter acknowledges what the inbox stored; its worker handles it.
    app.inbox.observers.append(seen)
    inbox = asyncio.create_task(app.inbox.run())
    await adapter.start(app.inbox.accept)
    h.send.url = f"http://127.0.0.1:{adapter.bound_port}/slack/events"
    try:
        yield h
    finally:
        await session.close()
        await adapter.stop()
        app.inbox.stop()
        await inbox
        app.sender.stop()
        await sender
        await fake.stop()


@pytest.fixture
async def slack(db: Database) -> AsyncIterator[Harness]:
    log: list[tuple[Any, ...]] = []
    async with harness(db, build_registry(log), log) as h:
        yield h


@pytest.fixture
async def slack_real(db: Database, registry: Registry) -> AsyncIterator[Harness]:
    """The capabilities the bot really ships (commands.register_all)."""
    async with harness(db, registry, []) as h:
        yield h


async def test_bad_or_stale_signature_is_refused_and_nothing_runs(slack: Harness) -> None:
    form = p.slash_command("/poll", "Lunch?")
    body = urllib.parse.urlencode(form)
    wrong = sign("not-the-secret", body)
    assert (await slack.send.command(form, signature=wrong))[0] == 401
    stale = sign(SECRET, body, timestamp=int(time.time()) - 600)
    assert (await slack.send.command(form, signature=stale))[0] == 401
    assert (await slack.send.command(form, signature={}))[0] == 401
    tampered = sign(SECRET, urllib.parse.urlencode(p.slash_command("/poll", "Other")))
    assert (await slack.send.command(form, signature=tampered))[0] == 401
    await asyncio.sleep(0.3)
    assert slack.sunk == []
    assert slack.count(Outbox) == 0
    assert slack.count(ProcessedEvent) == 0
    assert [c.method for c in slack.fake.calls] == ["auth.test"]
    # The same request correctly signed does run: the refusals above were the signature.
    status, _ = await slack.send.command(form)
    assert status == 200
    await slack.until(lambda: slack.posts())


async def test_full_poll_by_buttons_from_three_users(slack: Harness) -> None:
    status, body = await slack.send.command(p.slash_command("/poll", "Lunch at noon?", ALICE))
    assert status == 200 and body == ""
    post = (await slack.until(lambda: slack.posts()))[0]
    assert post.args["text"] == "Poll: Lunch at noon?"
    buttons = post.args["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["moot:0", "moot:1"]
    ts = "1700000001.000100"
    # The DM: conversations.open once, then a post in the DM channel.
    await slack.until(lambda: slack.posts("D0" + ALICE[1:]))
    assert [c.args["users"] for c in slack.fake.of("conversations.open")] == [ALICE]

    for i, (who, pick) in enumerate(((BOB, 0), (CAROL, 0), (DAVE, 1))):
        payload = p.block_actions(buttons[pick]["value"], who, ts, trigger=f"trig.{i}")
        payload["actions"][0]["action_id"] = buttons[pick]["action_id"]
        status, _ = await slack.send.interaction(payload)
        assert status == 200
    await slack.until(
        lambda: any("yes 2 · no 1" in c.args["text"] for c in slack.fake.of("chat.update"))
    )
    updates = slack.fake.of("chat.update")
    assert all(c.args["ts"] == ts and c.args["channel"] == p.CHANNEL for c in updates)
    assert updates[-1].args["blocks"][-1]["elements"][0]["value"] == "poll.vote|yes"
    ephemerals = await slack.until(lambda: len(slack.fake.of("chat.postEphemeral")) == 3)
    assert ephemerals
    assert sorted(c.args["user"] for c in slack.fake.of("chat.postEphemeral")) == sorted(
        [BOB, CAROL, DAVE]
    )
    assert [(e[1], e[2]) for e in slack.log if e[0] == "vote"] == [
        (BOB, "yes"),
        (CAROL, "yes"),
        (DAVE, "no"),
    ]
    assert all(e[4] == "poll:1" for e in slack.log if e[0] == "vote")
    # Actors come from users.info: names and admin flags.
    assert {e.actor.display for e in slack.sunk} == {"alice", "bob", "carol", "dave"}

    # A reply in the poll's thread is answered in that thread.
    status, _ = await slack.send.event(p.thread_message("Make it 1pm", ts, "EvThread1"))
    assert status == 200
    reply = await slack.until(lambda: [c for c in slack.posts() if c.args.get("thread_ts") == ts])
    assert reply[0].args["text"] == "Noted: Make it 1pm"


async def test_roles_come_from_user_groups_and_admins(slack: Harness) -> None:
    await slack.send.command(p.slash_command("/moot", "config show", BOB, "t.1"))
    refused = await slack.until(lambda: slack.fake.of("chat.postEphemeral"))
    assert "moderators and admins only" in refused[0].args["text"]
    await slack.send.command(
        p.slash_command("/moot", "config role moderator <!subteam^S0TC00001|@tc>", ALICE, "t.2")
    )
    await slack.until(lambda: len(slack.fake.of("chat.postEphemeral")) == 2)
    assert "now counts as moderator" in slack.fake.of("chat.postEphemeral")[1].args["text"]
    await slack.send.command(p.slash_command("/moot", "config show", BOB, "t.3"))
    shown = await slack.until(lambda: len(slack.fake.of("chat.postEphemeral")) == 3)
    assert shown
    assert "Settings for this community" in slack.fake.of("chat.postEphemeral")[2].args["text"]
    # One usergroups.list for all three commands: the directory caches.
    assert len(slack.fake.of("usergroups.list")) == 1


async def test_role_arguments_must_be_real_user_groups(slack: Harness) -> None:
    """The workspace's user groups (usergroups.list) are the roles a command may name."""
    slack.fake.usergroups += [
        {"id": "S0OLD0001", "handle": "old", "users": [], "date_delete": 1700000000}
    ]
    ephemerals = lambda: slack.fake.of("chat.postEphemeral")  # noqa: E731
    await slack.send.command(p.slash_command("/moot", "config show", ALICE, "r.1"))
    await slack.until(lambda: len(ephemerals()) == 1)
    for i, group in enumerate(("<!subteam^S0GONE001|@gone>", "<!subteam^S0OLD0001|@old>"), 2):
        line = f"config role moderator {group}"
        await slack.send.command(p.slash_command("/moot", line, ALICE, f"r.{i}"))
        await slack.until(lambda n=i: len(ephemerals()) == n)
        said = ephemerals()[-1].args["text"]
        assert "is not a role here (roles: admin, owner, tc)" in said and "Usage:" in said
    await slack.send.command(
        p.slash_command("/moot", "config role moderator <!subteam^S0TC00001|@tc>", ALICE, "r.9")
    )
    await slack.until(lambda: len(ephemerals()) == 4)
    assert "now counts as moderator" in ephemerals()[-1].args["text"]
    with slack.db.transaction() as s:
        community = repos.get_or_create_community(s, "slack", p.TEAM, SystemClock().now())
        bound = repos.role_bindings(s, community.id or 0)
        assert [b.role for b in bound] == ["S0TC00001"]
        assert role_tables.known(s, community.id or 0) == {
            "S0TC00001": "tc",
            "admin": "admin",
            "owner": "owner",
        }


async def test_attack_a_user_group_named_moderator_grants_nothing(slack: Harness) -> None:
    """Where members may create user groups, carol makes one with the handle `moderator` (and
    one called `mod`) and puts herself in: she is no moderator. Alice cannot bind a group by
    its handle either, only by the id Slack sends with a mention."""
    slack.fake.usergroups += [
        {"id": "S0EVIL001", "handle": "moderator", "name": "moderator", "users": [CAROL]},
        {"id": "S0EVIL002", "handle": "mod", "name": "mod", "users": [CAROL]},
    ]
    ephemerals = lambda: slack.fake.of("chat.postEphemeral")  # noqa: E731
    await slack.send.command(p.slash_command("/moot", "config timezone Asia/Tokyo", CAROL, "a.1"))
    refused = await slack.until(lambda: ephemerals())
    assert "moderators and admins only" in refused[0].args["text"]
    await slack.send.command(p.slash_command("/moot", "config role moderator @tc", ALICE, "a.2"))
    await slack.until(lambda: len(ephemerals()) == 2)
    assert "mention the group so its id is bound" in ephemerals()[1].args["text"]
    await slack.send.command(p.slash_command("/moot", "config show", BOB, "a.3"))
    await slack.until(lambda: len(ephemerals()) == 3)
    assert "moderators and admins only" in ephemerals()[2].args["text"]
    with slack.db.transaction() as s:
        community = repos.get_or_create_community(s, "slack", p.TEAM, SystemClock().now())
        assert community.timezone == "UTC"
        assert repos.role_bindings(s, community.id or 0) == []


def modal_values(view: dict[str, Any], **typed: Any) -> dict[str, Any]:
    """What Slack puts in view.state.values for the fields a person filled in."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        el, bid = block["element"], block["block_id"]
        entry: dict[str, Any] = {"type": el["type"]}
        given = typed.get(bid)
        if el["type"] == "plain_text_input":
            entry["value"] = given
        elif el["type"] == "static_select":
            entry["selected_option"] = {"value": given} if given else None
        elif el["type"] == "checkboxes":
            entry["selected_options"] = [{"value": "on"}] if given else []
        values[bid] = {el["action_id"]: entry}
    return values


async def test_modal_with_an_invalid_field_shows_the_error_there(slack: Harness) -> None:
    status, _ = await slack.send.command(p.slash_command("/vote", "", ALICE))
    assert status == 200
    opened = (await slack.until(lambda: slack.fake.of("views.open")))[0]
    assert opened.args["trigger_id"] == p.slash_command()["trigger_id"]
    view = opened.args["view"]
    assert [b["block_id"] for b in view["blocks"]] == [
        "question",
        "options",
        "rule",
        "for",
        "secret",
    ]

    bad = p.view_submission(
        modal_values(view, question="Adopt v2?", options="yes\nno", **{"for": "whenever"}),
        view["private_metadata"],
    )
    status, body = await slack.send.interaction(bad)
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["for"]
    assert "whenever" in answer["errors"]["for"]
    await asyncio.sleep(0.3)
    assert slack.count(Outbox) == 0 and slack.count(ProcessedEvent) == 0
    assert not [e for e in slack.log if e[0] == "vote.start"]
    assert not [e for e in slack.sunk if e.actor.user_id == ALICE]

    good = p.view_submission(
        modal_values(
            view,
            question="Adopt v2?",
            options="yes\nno",
            rule="majority",
            secret=True,
            **{"for": "72h"},
        ),
        view["private_metadata"],
    )
    status, body = await slack.send.interaction(good)
    assert status == 200 and body == ""
    posted = await slack.until(lambda: slack.posts())
    assert posted[0].args["text"] == "Vote started: Adopt v2?"
    (started,) = [e[1] for e in slack.log if e[0] == "vote.start"]
    assert started["options"] == ["yes", "no"] and started["secret"] is True
    assert started["rule"] == "majority" and started["for"].total_seconds() == 72 * 3600


async def test_retried_event_is_counted_once(slack: Harness) -> None:
    await slack.send.command(p.slash_command("/poll", "Tea?", ALICE))
    await slack.until(lambda: slack.posts())
    ts = "1700000001.000100"
    event = p.reaction("one", user=CAROL, ts=ts, event_id="EvRetry01")
    assert (await slack.send.event(event))[0] == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await slack.send.event(event, headers=retry))[0] == 200
    await slack.until(lambda: len(slack.outcomes) >= 2)
    await asyncio.sleep(0.3)
    # The retry is dropped by the inbox (the first copy still waiting) or by the dispatcher.
    assert slack.outcomes[1] == "ok" and slack.outcomes[2:] in ([], ["duplicate"])
    assert slack.app.inbox.pending() == 0
    assert [(e[1], e[2], e[3]) for e in slack.log if e[0] == "vote"] == [(CAROL, "yes", True)]
    await slack.until(lambda: slack.fake.of("chat.update"))
    assert "yes 1 · no 0" in slack.fake.of("chat.update")[-1].args["text"]


async def test_rate_limited_post_waits_retry_after_and_delivers_once(slack: Harness) -> None:
    slack.fake.fail_next("chat.postMessage", 429, {"Retry-After": "1"}, error="ratelimited")
    await slack.send.command(p.slash_command("/poll", "Coffee?", ALICE))
    delivered = await slack.until(lambda: slack.posts(), timeout=8)
    attempts = [
        c
        for c in slack.fake.of("chat.postMessage", ok_only=False)
        if c.args["channel"] == p.CHANNEL
    ]
    assert [c.status for c in attempts] == [429, 200]
    assert len(delivered) == 1
    await asyncio.sleep(0.3)
    assert len(slack.posts()) == 1


async def test_app_home_and_feedback_shortcut(slack: Harness) -> None:
    # The community exists once someone used the bot.
    await slack.send.command(p.slash_command("/moot", "help", ALICE))
    await slack.until(lambda: slack.fake.of("chat.postEphemeral"))
    await slack.send.event(p.app_home_opened(ALICE, "EvHome01"))
    published = (await slack.until(lambda: slack.fake.of("views.publish")))[0]
    assert published.args["user_id"] == ALICE
    text = json.dumps(published.args["view"])
    assert "Polls waiting for you" in text and ALICE in text
    await slack.send.interaction(p.message_shortcut())
    # The shortcut captures the message as feedback: its card, and the answer in its thread.
    card = await slack.until(
        lambda: [c for c in slack.fake.of("chat.postMessage") if "Feedback #1" in c.args["text"]]
    )
    assert card
    answer = await slack.until(
        lambda: [
            c
            for c in slack.fake.of("chat.postMessage")
            if "Captured as feedback #1" in c.args["text"]
        ]
    )
    assert answer[0].args.get("thread_ts")


async def test_ack_is_well_within_three_seconds(slack: Harness) -> None:
    await slack.send.command(p.slash_command("/moot", "help", ALICE))  # warms auth.test
    slack.send.timings.clear()
    for i in range(5):
        await slack.send.command(
            {**p.slash_command("/poll", f"Q{i}?", ALICE), "trigger_id": f"ack.{i}"}
        )
    await slack.send.interaction(p.block_actions("poll.vote|yes", BOB, trigger="ack.b"))
    await slack.send.event(p.reaction("two", user=CAROL, event_id="EvAck01"))
    worst = max(slack.send.timings)
    print(
        f"\nslack ack times on loopback: max {worst * 1000:.1f} ms over "
        f"{len(slack.send.timings)} requests"
    )
    assert worst < 1.0


async def test_real_vote_by_buttons_from_three_users(slack_real: Harness) -> None:
    h = slack_real
    if h.app.registry.find("vote", "start") is None:
        pytest.skip("the votes capability is not registered")
    status, _ = await h.send.command(
        p.slash_command("/vote", 'start "Adopt the v2 charter?" --for 72h', ALICE, "rv.0")
    )
    assert status == 200
    post = (
        await h.until(
            lambda: [
                c
                for c in h.fake.of("chat.postMessage")
                if c.args.get("blocks") and c.args["blocks"][-1]["type"] == "actions"
            ]
        )
    )[0]
    buttons = post.args["blocks"][-1]["elements"]
    labels = [b["text"]["text"] for b in buttons]
    yes = next(b for b in buttons if "yes" in b["text"]["text"].lower())
    no = next(b for b in buttons if "no" in b["text"]["text"].lower().split())
    ts = "1700000001.000100"
    for i, (who, b) in enumerate(((BOB, yes), (CAROL, yes), (DAVE, no))):
        payload = p.block_actions(b["value"], who, ts, trigger=f"rv.{i + 1}")
        payload["channel"]["id"] = post.args["channel"]
        payload["container"]["channel_id"] = post.args["channel"]
        payload["actions"][0]["action_id"] = b["action_id"]
        assert (await h.send.interaction(payload))[0] == 200
    await h.until(lambda: len(h.outcomes) == 4)
    assert h.outcomes == ["ok"] * 4, (h.outcomes, labels)
    await h.until(lambda: h.fake.of("chat.update"))
    # Every voter heard back privately, and nobody else's choice was shown to them.
    await h.until(
        lambda: {c.args["user"] for c in h.fake.of("chat.postEphemeral")} >= {BOB, CAROL, DAVE}
    )


async def test_user_group_and_user_pings_in_a_question_never_reach_slack(
    slack_real: Harness,
) -> None:
    """The attack of issue 20 item 8: a question and options that would ping a user group,
    a user and the channel, typed as Slack sends them. Nothing Slack receives may ping."""
    import json
    import re

    h = slack_real
    if h.app.registry.find("vote", "start") is None:
        pytest.skip("the votes capability is not registered")
    text = (
        'start "<!subteam^S0TC00001|@tc> <@U0BOB0001|bob> <!here> @channel: lunch?" '
        '--options "<!subteam^S0TC00001>,<@U0CAROL01>,@everyone" --for 1h'
    )
    status, _ = await h.send.command(p.slash_command("/vote", text, ALICE, "ping.0"))
    assert status == 200
    post = (await h.until(lambda: h.posts(p.CHANNEL) or h.fake.of("chat.postMessage")))[0]
    blocks_ = json.loads(json.dumps(post.args.get("blocks")))
    for block in blocks_:
        for element in block.get("elements", []):
            # A button's value is the id Slack hands back on a press; it is never shown.
            element.pop("value", None)
    sent = json.dumps({"text": post.args.get("text"), "blocks": blocks_}, ensure_ascii=False)
    assert "lunch?" in sent
    assert "<!subteam" not in sent and "<@U" not in sent and "<!here" not in sent
    assert not re.search(r"(?<![\w\u2060])@(everyone|here|channel)\b", sent), sent


async def test_attack_secret_ballots_by_modal_dm_text_and_dm_slash_never_touch_a_channel(
    slack_real: Harness,
) -> None:
    """A secret vote on Slack: bob votes through the "Vote privately" button and its modal,
    carol by typing in her DM with the bot (message.im), dave by /vote cast in that DM. All
    three ballots count, every receipt goes to the voter's DM, and nothing about a ballot is
    posted in the channel; a cast typed in the channel is refused."""
    h = slack_real
    if h.app.registry.find("vote", "start") is None:
        pytest.skip("the votes capability is not registered")
    dm = {who: "D0" + who[1:] for who in (BOB, CAROL, DAVE)}  # what the fake's im.open gives
    for i, who in enumerate((BOB, CAROL, DAVE)):  # seen in the channel: on the roster
        await h.send.command(p.slash_command("/vote", "list", who, f"seen.{i}"))
    await h.until(lambda: len(h.outcomes) == 3)
    await h.send.command(p.slash_command("/vote", 'start "Rename?" --secret --for 72h', ALICE))
    card = (await h.until(lambda: [c for c in h.posts() if "Rename?" in c.args["text"]]))[0]
    (button,) = card.args["blocks"][-1]["elements"]
    assert "Vote privately" in button["text"]["text"]

    press = p.block_actions(button["value"], BOB, "1700000001.000100", trigger="sb.1")
    press["actions"][0]["action_id"] = button["action_id"]
    assert (await h.send.interaction(press))[0] == 200
    opened = (await h.until(lambda: h.fake.of("views.open")))[0].args["view"]
    assert [b["block_id"] for b in opened["blocks"]] == ["option", "reason"]
    picks = [o["value"] for o in opened["blocks"][0]["element"]["options"]]
    assert picks == ["yes", "no", "abstain"]
    values = modal_values(opened, option="no")
    submitted = p.view_submission(values, opened["private_metadata"], user=BOB)
    assert (await h.send.interaction(submitted))[0] == 200

    dm_text = p.envelope(
        {
            "type": "message",
            "text": "vote cast 1 yes",
            "user": CAROL,
            "ts": "1700000060.000100",
            "channel": dm[CAROL],
            "channel_type": "im",
            "event_ts": "1700000060.000100",
        },
        "EvDmCarol",
    )
    assert (await h.send.event(dm_text))[0] == 200
    in_dm = p.slash_command("/vote", "cast 1 abstain", DAVE, "sb.3")
    in_dm["channel_id"] = dm[DAVE]
    assert (await h.send.command(in_dm))[0] == 200
    in_channel = p.slash_command("/vote", "cast 1 yes", ALICE, "sb.4")
    assert (await h.send.command(in_channel))[0] == 200

    receipts = lambda: [  # noqa: E731
        c for c in h.fake.of("chat.postMessage") if "Your vote on #1" in c.args["text"]
    ]
    await h.until(lambda: len(receipts()) == 3)
    assert sorted(c.args["channel"] for c in receipts()) == sorted(dm.values())
    refused = await h.until(
        lambda: [c for c in h.fake.of("chat.postEphemeral") if "is secret" in c.args["text"]]
    )
    assert refused[0].args["user"] == ALICE
    # nothing a voter did appeared in the channel: only the card, its edits and alice's refusal
    channel_posts = [c.args["text"] for c in h.posts() if c is not card]
    assert channel_posts == []
    assert not [
        c
        for c in h.fake.of("chat.postEphemeral")
        if c.args["user"] != ALICE and "Your vote" in c.args["text"]
    ]
    from storage.vote_tables import VoteBallot

    assert h.count(VoteBallot) == 3


async def test_a_reaction_removed_before_its_add_arrives_leaves_no_ballot(
    slack_real: Harness,
) -> None:
    """Issue 20 item 10 through the real bolt app and the inbox: Slack delivers bob's
    reaction_removed (later event_ts) before his reaction_added. 5 of 5 such voters used to
    keep the ballot they withdrew; carol, whose add arrives alone, is the control."""
    h = slack_real
    status, _ = await h.send.command(
        p.slash_command("/vote", 'start "Adopt the v2 charter?" --for 72h', ALICE, "lr.0")
    )
    assert status == 200

    def vote_message() -> Any:
        with h.db.transaction() as s:
            return repos.latest_posted(s, "vote:1")

    posted = await h.until(vote_message)
    channel, ts = posted.channel, posted.message_id

    def reaction(who: str, added: bool, event_ts: str, event_id: str) -> dict[str, Any]:
        body = p.reaction("thumbsup", added=added, user=who, ts=ts, event_id=event_id)
        body["event"]["item"]["channel"] = channel
        body["event"]["event_ts"] = event_ts
        return body

    voters = [BOB, DAVE]
    for i, who in enumerate(voters):
        late = reaction(who, False, f"1700000900.00{i}500", f"EvLateDel{i}")
        assert (await h.send.event(late))[0] == 200
        early = reaction(who, True, f"1700000900.00{i}100", f"EvLateAdd{i}")
        assert (await h.send.event(early))[0] == 200
    assert (await h.send.event(reaction(CAROL, True, "1700000901.0", "EvCarol")))[0] == 200
    await h.until(lambda: len(h.outcomes) == 2 * len(voters) + 2)
    assert h.outcomes == ["ok"] * (2 * len(voters) + 2)
    with h.db.transaction() as s:
        assert [v for (v,) in s.execute(select(VoteBallot.voter)).all()] == [CAROL]


async def test_support_channel_question_gets_private_suggestions(slack_real: Harness) -> None:
    """message.channels through bolt: a question in the support channel gets an ephemeral
    set of suggestions with buttons; a retried event, chatter in another channel and the
    person's next question within the window get nothing."""
    h = slack_real
    ephemerals = lambda: h.fake.of("chat.postEphemeral")  # noqa: E731
    for i, line in enumerate(
        (
            'kb add "How do I get commit rights?" "Ask in #maintainers after three PRs."',
            f"config channel support <#{p.CHANNEL}|help>",
        )
    ):
        await h.send.command(p.slash_command("/moot", line, ALICE, f"s.{i}"))
    await h.until(lambda: len(ephemerals()) == 1 and h.count(ProcessedEvent) == 2)
    status, _ = await h.send.event(p.channel_message("how can I get commit rights?"))
    assert status == 200
    got = await h.until(lambda: [c for c in ephemerals() if c.args["user"] == DAVE])
    assert "Does one of these answer it?" in got[0].args["text"]
    assert got[0].args["channel"] == p.CHANNEL
    assert "KB-1 answers it" in json.dumps(got[0].args.get("blocks"))
    # The same event again (Slack's retry), a second question, and chatter elsewhere.
    await h.send.event(p.channel_message("how can I get commit rights?"))
    await h.send.event(p.channel_message("commit rights again?", event_id="Ev0008"))
    await h.send.event(p.channel_message("lunch?", event_id="Ev0009", channel="C0OTHER01"))
    await h.until(lambda: "duplicate" in h.outcomes and len(h.sunk) >= 5)
    await asyncio.sleep(0.3)
    assert len([c for c in ephemerals() if c.args["user"] == DAVE]) == 1
    # DAVE was heard already (his question), so his chatter elsewhere never reached the core.
    assert [e.event_id for e in h.sunk if e.address.channel == "C0OTHER01"] == []
    assert h.count(KbSuggestion) == 1


async def test_rfc_assessment_and_kb_search_through_bolt(slack_real: Harness) -> None:
    """Decision support and the knowledge base on Slack: an RFC with a review is assessed,
    and a question finds the entry that answers it; bad input is one line, nothing written."""
    h = slack_real

    def said() -> str:
        calls = h.fake.of("chat.postMessage") + h.fake.of("chat.postEphemeral")
        return "\n".join(c.args.get("text", "") + json.dumps(c.args.get("blocks")) for c in calls)

    lines = [
        (CAROL, "help rfc"),  # Carol is known to Moot from here on
        (ALICE, 'rfc propose "Adopt a code of conduct" --summary "Covenant"'),
        (ALICE, f"rfc reviewers RFC-1 <@{CAROL}|carol>"),
        (CAROL, "rfc review RFC-1 approve"),
        (ALICE, "rfc assess RFC-1"),
        (ALICE, 'kb add "How do I report a security issue?" "Mail security@example.org"'),
        (BOB, "kb search report a security problem"),
    ]
    for i, (who, line) in enumerate(lines):
        status, _ = await h.send.command(p.slash_command("/moot", line, who, f"a.{i}"))
        assert status == 200
        await h.until(lambda i=i: len(h.outcomes) == i + 1)
    assert h.outcomes == ["ok"] * len(lines), (h.outcomes, said())
    for expected in ("Assessment of RFC-1", "Consensus", "Risk", "Added KB-1"):
        await h.until(lambda expected=expected: expected in said())
    await h.until(lambda: said().count("How do I report a security issue?") >= 2)
    before = h.count(KbEntry)
    await h.send.command(p.slash_command("/moot", "kb add", ALICE, "a.bad"))
    await h.until(lambda: len(h.outcomes) == len(lines) + 1)
    assert h.count(KbEntry) == before
