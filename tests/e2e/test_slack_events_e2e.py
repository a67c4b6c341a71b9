"""Events on Slack end to end (the real bolt app in HTTP mode, signed requests, its Web API
client pointed at the recording fake): create, RSVP by button, capacity and the waitlist's
promotion by DM, a reminder in each reader's zone as Slack's <!date^...> markup, exactly once
under a second scheduler pass, and `/event ics` as a real uploaded .ics file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from storage.tables import Outbox
from tests.adapters import slack_payloads as p
from tests.e2e.test_slack_e2e import ALICE, BOB, CAROL, DAVE, Harness
from tests.e2e.test_slack_e2e import slack_real as slack_real


def dm(user: str) -> str:
    return "D0" + user[1:]  # the fake's conversations.open


async def press(h: Harness, post: Any, label: str, user: str, trigger: str) -> None:
    buttons = post.args["blocks"][-1]["elements"]
    button = next(b for b in buttons if b["text"]["text"] == label)
    ts = h.fake.messages[post.args["channel"]][0]["ts"]
    payload = p.block_actions(button["value"], user, ts, trigger=trigger)
    payload["actions"][0]["action_id"] = button["action_id"]
    status, _ = await h.send.interaction(payload)
    assert status == 200


def said(h: Harness, user: str, words: str) -> list[Any]:
    """What a person was told: ephemerals to them and posts in their DM."""
    eph = [c for c in h.fake.of("chat.postEphemeral") if c.args.get("user") == user]
    return [c for c in eph + h.posts(dm(user)) if words in c.args.get("text", "")]


async def test_event_rsvp_waitlist_reminder_and_ics_file(slack_real: Harness) -> None:
    h = slack_real
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    at = starts.strftime("%Y-%m-%d %H:%M")
    await h.send.command(
        p.slash_command(
            "/event", f'create "Meetup <!channel>" --at "{at}" --capacity 1 --remind 1h', ALICE
        )
    )
    post = (await h.until(lambda: [c for c in h.posts() if "Meetup" in c.args["text"]]))[0]
    # Mentions from user text are defused: the title cannot ping the channel.
    assert "<!channel>" not in str(post.args)
    labels = [b["text"]["text"] for b in post.args["blocks"][-1]["elements"]]
    assert labels == ["✅ Going", "❔ Maybe", "❌ Can't go"]
    going, no = labels[0], labels[2]

    # Bob takes the one seat; Carol waits; a redelivered press (same trigger) counts once.
    await press(h, post, going, BOB, "ev.1")
    await h.until(lambda: said(h, BOB, "#1"))
    await press(h, post, going, CAROL, "ev.2")
    await press(h, post, going, CAROL, "ev.2")
    await h.until(lambda: said(h, CAROL, "waitlist"))
    await h.until(lambda: [c for c in h.fake.of("chat.update") if "1/1" in str(c.args)])
    # Bob says no: Carol is promoted and told by DM.
    await press(h, post, no, BOB, "ev.3")
    promoted = await h.until(
        lambda: [c for c in h.posts(dm(CAROL)) if "seat freed up" in c.args["text"]]
    )
    assert len(promoted) == 1

    # Dave asks for the calendar file: a real file in his DM, not text in a message.
    await h.send.command(p.slash_command("/event", "ics 1", DAVE, trigger="ev.4"))
    (up,) = await h.until(lambda: h.fake.uploads)
    assert up["channel"] == dm(DAVE) and up["name"] == "event-1.ics"
    assert up["content_type"] == "text/calendar"
    assert not [c for c in h.fake.calls if "BEGIN:VCALENDAR" in str(c.args)]
    cal = Calendar.from_ical(up["data"])
    (occ,) = recurring_ical_events.of(cal).between(
        starts - timedelta(hours=1), starts + timedelta(days=1)
    )
    assert occ["DTSTART"].dt == starts
    assert "Meetup" in str(occ["SUMMARY"])
    order = [c.method for c in h.fake.calls if c.method.startswith(("files.", "upload"))]
    assert order == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]

    # The reminder an hour before: one DM to Carol (going), with Slack's local-time markup;
    # a second pass of the scheduler sends nothing more.
    before = len(h.posts(dm(CAROL)))
    assert h.app.scheduler.run_due_now(starts - timedelta(minutes=59)) >= 1
    reminder = await h.until(
        lambda: [c for c in h.posts(dm(CAROL)) if "Reminder" in c.args["text"]]
    )
    assert f"<!date^{int(starts.timestamp())}^" in reminder[0].args["text"]
    h.app.scheduler.run_due_now(starts - timedelta(minutes=58))
    await h.app.sender.drain()
    assert len([c for c in h.posts(dm(CAROL)) if "Reminder" in c.args["text"]]) == 1
    assert len(h.posts(dm(CAROL))) == before + 1
    assert not [c for c in h.posts(dm(BOB)) if "Reminder" in c.args["text"]]


async def ics_for(h: Harness, user: str, trigger: str) -> None:
    at = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    await h.send.command(p.slash_command("/event", f'create "Call" --at "{at}"', ALICE, "c.1"))
    await h.until(lambda: [c for c in h.posts() if "Call" in c.args["text"]])
    await h.send.command(p.slash_command("/event", "ics 1", user, trigger=trigger))


async def test_a_lost_upload_answer_shares_the_file_once(slack_real: Harness) -> None:
    h = slack_real
    lost: list[str] = []

    def lose_first_answer(call: Any) -> None:
        # Slack shared the file, but its answer never reaches the bot (a crash, a timeout).
        if call.method == "files.completeUploadExternal" and not lost:
            lost.append(call.method)
            raise RuntimeError("connection dropped")

    h.fake.on_call = lose_first_answer
    await ics_for(h, DAVE, "c.2")
    await h.until(lambda: [c for c in h.fake.calls if c.method == "files.info"], timeout=10)
    await h.until(lambda: h.outcomes and not _pending(h), timeout=10)
    assert len(h.fake.uploads) == 1
    assert len([c for c in h.posts(dm(DAVE)) if "event-1.ics" in c.args["text"]]) == 1


async def test_a_failed_upload_is_retried_and_shared_once(slack_real: Harness) -> None:
    h = slack_real
    h.fake.fail_next("files.completeUploadExternal", 500, error="internal_error")
    await ics_for(h, DAVE, "c.3")
    await h.until(lambda: h.fake.uploads, timeout=10)
    await h.until(lambda: not _pending(h), timeout=10)
    assert len(h.fake.uploads) == 1
    # Two URLs were asked for (the first file never completed), one file shared.
    assert len(h.fake.of("files.getUploadURLExternal")) == 2


async def test_missing_files_scope_fails_the_row_with_a_clear_reason(slack_real: Harness) -> None:
    h = slack_real
    h.fake.fail_next("files.getUploadURLExternal", 200, error="missing_scope")
    await ics_for(h, DAVE, "c.4")
    await h.until(lambda: _failed(h), timeout=10)
    assert "files:write" in (_failed(h)[0].last_error or "")
    assert h.fake.uploads == []


def _rows(h: Harness, status: str) -> list[Outbox]:
    with h.db.transaction() as s:
        rows = s.execute(select(Outbox).where(Outbox.status == status)).scalars().all()
        for r in rows:
            s.expunge(r)
        return list(rows)


def _pending(h: Harness) -> list[Outbox]:
    return _rows(h, "pending")


def _failed(h: Harness) -> list[Outbox]:
    return _rows(h, "failed")
