"""A support ticket on Slack end to end (the real bolt app in HTTP mode, a fake Slack Web
API on loopback): the ticket is a thread in the private staff channel, the requester follows
it in their DM with Moot, both ways; the "Open a ticket" message shortcut quotes and links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.tables import PostedMessage
from tests.adapters import slack_payloads as p
from tests.e2e.test_slack_e2e import ALICE, BOB, CAROL, Harness
from tests.e2e.test_slack_e2e import slack_real as slack_real

STAFF = "C0STAFF01"


def message(h: Harness, channel: str, user: str, text: str, eid: str, **extra: Any) -> Any:
    body = p.thread_message(text, event_id=eid)
    event = body["event"]
    event.update(channel=channel, user=user, ts=f"1700009{len(h.sunk):03d}.000100", **extra)
    if "thread_ts" not in extra:
        event.pop("thread_ts", None)
    return body


async def test_ticket_relayed_through_the_requesters_dm(slack_real: Harness) -> None:
    h = slack_real
    send = h.send
    await send.command(
        p.slash_command("/moot", f"config channel support-staff <#{STAFF}|staff>", ALICE, "t.0")
    )
    await send.command(p.slash_command("/ticket", 'open "Cannot log in"', BOB, "t.1"))
    await h.until(
        lambda: [c for c in h.posts(STAFF) if "Ticket #1: Cannot log in" in c.args["text"]]
    )
    # The requester gets the opening in their DM; the staff channel holds the thread.
    opened = await h.until(
        lambda: [
            c
            for c in h.fake.of("chat.postMessage")
            if c.args["channel"].startswith("D") and "Ticket #1" in c.args["text"]
        ]
    )
    dm = opened[0].args["channel"]
    with h.db.transaction() as s:
        root_ts = s.execute(
            select(PostedMessage.message_id).where(
                PostedMessage.ref == "ticket:1", PostedMessage.channel == STAFF
            )
        ).scalar_one()

    # Staff answer in the thread: it reaches the requester's DM.
    await send.event(message(h, STAFF, ALICE, "Which browser?", "EvT1", thread_ts=root_ts))
    await h.until(lambda: [c for c in h.posts(dm) if "💬 @alice: Which browser?" in c.args["text"]])
    # The requester writes in the DM (no thread): it lands in the staff thread.
    await send.event(message(h, dm, BOB, "Firefox 128", "EvT2", channel_type="im"))
    relayed = await h.until(
        lambda: [c for c in h.posts(STAFF) if "💬 @bob: Firefox 128" in c.args["text"]]
    )
    assert relayed[0].args.get("thread_ts") == root_ts
    # A staff note never reaches the DM.
    await send.command(p.slash_command("/ticket", "note 1 billing plan issue", ALICE, "t.2"))
    await h.until(
        lambda: [c for c in h.fake.of("chat.postEphemeral") if "Staff note" in c.args["text"]]
    )

    # "Open a ticket" on someone's message: quoted, with the message's permalink.
    shortcut = p.message_shortcut("The installer crashes on step 3")
    shortcut["callback_id"] = "moot_open_ticket"
    shortcut["user"]["id"] = CAROL
    shortcut["trigger_id"] = "t.3"
    await send.interaction(shortcut)
    second = await h.until(
        lambda: [c for c in h.posts(STAFF) if "Ticket #2: The installer crashes" in c.args["text"]]
    )
    text = str(second[0].args)
    assert "moot-test.slack.com/archives/" in text
    assert not [c for c in h.fake.of("chat.postMessage") if "billing plan" in str(c.args)]
