"""A requester edits or deletes a DM that Moot relayed into a ticket's staff thread (the
real bolt app, signed Events API requests, the recording fake Web API): the staff thread
gets one notice per change, old words beside new and mention-safe, and the transcript
keeps both; changes of messages that never reached a ticket stay out of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.ticket_tables import TicketMessage
from tests.adapters import slack_payloads as p
from tests.e2e.test_slack_e2e import ALICE, BOB, Harness
from tests.e2e.test_slack_e2e import slack_real as slack_real

STAFF = "C0STAFF01"
DM = "D0" + BOB[1:]


def dm_message(text: str, ts: str, eid: str) -> dict[str, Any]:
    return p.envelope(
        {
            "client_msg_id": f"c-{ts}",
            "type": "message",
            "text": text,
            "user": BOB,
            "ts": ts,
            "team": p.TEAM,
            "channel": DM,
            "event_ts": ts,
            "channel_type": "im",
        },
        eid,
    )


def dm_changed(old: str, new: str, ts: str, eid: str) -> dict[str, Any]:
    """message_changed as Slack sends it for a DM (message.im)."""
    return p.envelope(
        {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "message": {
                "client_msg_id": f"c-{ts}",
                "type": "message",
                "text": new,
                "user": BOB,
                "team": p.TEAM,
                "edited": {"user": BOB, "ts": "1700009900.000000"},
                "ts": ts,
                "source_team": p.TEAM,
            },
            "channel": DM,
            "previous_message": {"type": "message", "text": old, "user": BOB, "ts": ts},
            "event_ts": "1700009900.000100",
            "ts": "1700009900.000100",
            "channel_type": "im",
        },
        eid,
    )


def dm_deleted(old: str, ts: str, eid: str) -> dict[str, Any]:
    return p.envelope(
        {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": ts,
            "channel": DM,
            "previous_message": {"type": "message", "text": old, "user": BOB, "ts": ts},
            "event_ts": "1700009950.000100",
            "ts": "1700009950.000100",
            "channel_type": "im",
        },
        eid,
    )


def staff_says(h: Harness, words: str) -> list[Any]:
    return [c for c in h.posts(STAFF) if words in c.args["text"]]


async def test_edits_and_deletions_of_a_relayed_dm_reach_the_staff_thread(
    slack_real: Harness,
) -> None:
    h = slack_real
    send = h.send
    await send.command(
        p.slash_command("/moot", f"config channel support-staff <#{STAFF}|staff>", ALICE, "e.0")
    )
    await send.command(p.slash_command("/ticket", 'open "Cannot log in"', BOB, "e.1"))
    await h.until(lambda: staff_says(h, "Ticket #1: Cannot log in"))
    await h.until(lambda: [c for c in h.posts(DM) if "Ticket #1" in c.args["text"]])

    await send.event(dm_message("Firefox 128", "1700009001.000100", "EvE1"))
    await h.until(lambda: staff_says(h, "💬 @bob: Firefox 128"))

    # The edit: one notice in the staff thread, even when Slack delivers it twice.
    edit = dm_changed(
        "Firefox 128", "Firefox 129 <!channel> <@U0ALICE01>", "1700009001.000100", "EvE2"
    )
    await send.event(edit)
    await send.event(edit)
    notice = await h.until(lambda: staff_says(h, "✏️ @bob edited their message"))
    text = notice[0].args["text"]
    assert "“Firefox 128” → “Firefox 129" in text
    assert "<!channel>" not in text and "<@U0ALICE01>" not in text
    root = h.fake.messages[STAFF][0]["ts"]
    assert notice[0].args.get("thread_ts") == root
    # Staff-only: the requester's DM gets no copy of the notice.
    assert not [c for c in h.posts(DM) if "edited their message" in c.args["text"]]

    # A second edit quotes the words it replaces (the first edit's), not the original's.
    await send.event(dm_changed("x", "Firefox 130", "1700009001.000100", "EvE3"))
    second = await h.until(lambda: staff_says(h, "→ “Firefox 130”"))
    assert "“Firefox 129" in second[0].args["text"]

    # Slack says "changed" when only an unfurl changed: no notice.
    await send.event(dm_changed("Firefox 130", "Firefox 130", "1700009001.000100", "EvE4"))
    # A DM message that was a command, not a relayed reply, edited: none of the ticket's
    # business.
    await send.event(dm_changed("help", "help me", "1700009002.000100", "EvE5"))

    await send.event(dm_deleted("Firefox 130", "1700009001.000100", "EvE6"))
    await h.until(lambda: staff_says(h, "🗑️ @bob deleted their message: “Firefox 130”"))
    await h.until(lambda: len(h.sunk) >= 8)
    assert len(staff_says(h, "edited their message")) == 2
    assert not staff_says(h, "help me")

    with h.db.transaction() as s:
        rows = s.execute(
            select(TicketMessage.kind, TicketMessage.text, TicketMessage.edited_at)
            .where(TicketMessage.message_id == "1700009001.000100")
            .order_by(TicketMessage.id)
        ).all()
    assert [(k, t) for k, t, _ in rows] == [
        ("message", "Firefox 128"),
        ("edit", "Firefox 129 <!channel> <@U0ALICE01>"),
        ("edit", "Firefox 130"),
        ("delete", "Firefox 130"),
    ]
    assert rows[0][2] is not None  # the first words are marked edited, never overwritten

    await send.command(p.slash_command("/ticket", "transcript 1", ALICE, "e.7"))
    shown = await h.until(
        lambda: [
            c
            for c in h.fake.of("chat.postEphemeral") + h.posts("D0" + ALICE[1:])
            if "Transcript of ticket #1" in c.args["text"]
        ]
    )
    lines = shown[0].args["text"]
    assert "[edit]: Firefox 130" in lines and "[deleted]: Firefox 130" in lines


async def test_a_staff_edit_in_the_thread_is_told_to_the_relayed_requester(
    slack_real: Harness,
) -> None:
    h = slack_real
    send = h.send
    await send.command(
        p.slash_command("/moot", f"config channel support-staff <#{STAFF}|staff>", ALICE, "s.0")
    )
    await send.command(p.slash_command("/ticket", 'open "Cannot log in"', BOB, "s.1"))
    await h.until(lambda: staff_says(h, "Ticket #1: Cannot log in"))
    # The requester's copy is out, so the place is open and relayed.
    await h.until(lambda: [c for c in h.posts(DM) if "Ticket #1" in c.args["text"]])
    root = h.fake.messages[STAFF][0]["ts"]
    reply = p.thread_message("Which browser?", thread_ts=root, event_id="EvS1")
    reply["event"].update(channel=STAFF, user=ALICE, ts="1700009500.000100")
    await send.event(reply)
    await h.until(lambda: [c for c in h.posts(DM) if "Which browser?" in c.args["text"]])
    edit = p.envelope(
        {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": STAFF,
            "message": {"type": "message", "user": ALICE, "text": "Which browser and version?",
                        "ts": "1700009500.000100", "thread_ts": root},
            "previous_message": {"type": "message", "user": ALICE, "text": "Which browser?",
                                 "ts": "1700009500.000100", "thread_ts": root},
            "event_ts": "1700009600.000100",
            "ts": "1700009600.000100",
            "channel_type": "channel",
        },
        "EvS2",
    )  # fmt: skip
    await send.event(edit)
    await send.event(edit)
    told = await h.until(
        lambda: [c for c in h.posts(DM) if "✏️ @alice edited their message" in c.args["text"]]
    )
    assert "“Which browser?” → “Which browser and version?”" in told[0].args["text"]
    await h.until(lambda: len(h.sunk) >= 4)
    await h.app.sender.drain()
    assert len([c for c in h.posts(DM) if "edited their message" in c.args["text"]]) == 1
    # The staff thread is not told of its own edit: Slack shows it there.
    assert not staff_says(h, "edited their message")
