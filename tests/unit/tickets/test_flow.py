"""Tickets end to end through console scripts on a fake clock (SQLite, and PostgreSQL when
configured): opening three ways, limits, claiming, notes, waiting, SLA alerts across a
restart, inactivity, close confirmation, ratings, transcripts, and every refusal."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from adapters.console_script import ConsoleSession
from commands.tickets import export as ticket_export
from storage.db import Database
from storage.tables import DueWork
from storage.ticket_tables import Ticket, TicketMessage
from tests.conftest import Script
from tests.unit.rfcs.test_flow import count, run

PEOPLE = "roles alice= bob= sam=support kim=support mo=moderator"
STAFF_CHANNEL = "@mo /config channel support-staff #staff"
OPEN = '@alice /ticket open "Cannot log in" --priority high --details "since the upgrade"'
THREAD = "/Opened by @alice/"


def ticket(db: Database, number: int = 1) -> Ticket:
    with db.transaction() as s:
        t = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        s.expunge(t)
        return t


def transcript(db: Database, number: int = 1) -> list[TicketMessage]:
    t = ticket(db, number)
    with db.transaction() as s:
        rows = list(
            s.execute(select(TicketMessage).where(TicketMessage.ticket_id == t.id)).scalars()
        )
        for r in rows:
            s.expunge(r)
        return rows


async def opened(script: Script, *more: str) -> ConsoleSession:
    return await run(script, PEOPLE, STAFF_CHANNEL, OPEN, *more)


# ------------------------------------------------------------------ opening


async def test_open_by_command_posts_in_the_staff_thread(script: Script, db: Database) -> None:
    s = await run(
        script,
        PEOPLE,
        STAFF_CHANNEL,
        OPEN,
        r"expect /#\d+ \[#staff\]\n  🎫 Ticket #1: Cannot log in/",
        "expect /Priority: 🔸 high/",
        "expect /Details: since the upgrade/",
        "expect /First response: 0m of 16h \\(0%, running\\)/",
        r"expect /\[only @alice\]\n  🎫 Ticket #1 is open \(basic support\)/",
    )
    t = ticket(db)
    assert (t.status, t.requester, t.level, t.channel) == ("open", "alice", "basic", "staff")
    assert count(s, "[Claim] [Close]") == 1


async def test_open_from_a_panel_button(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        STAFF_CHANNEL,
        "@mo /ticket panel #help",
        r"expect /\[#help\]\n  🎫 Need help/",
        "expect /A ticket panel is posted in #help/",
        "@bob click /Need help/ Open a ticket",
        "expect /Ticket #1: Help request from @bob/",
        "@alice /ticket panel #help",
        "expect /is for moderators and admins only/",
    )
    assert ticket(db).requester == "bob"


async def test_open_by_reacting_with_a_ticket_emoji(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        STAFF_CHANNEL,
        "channel #general",
        "@bob say My build fails with error E42 on Windows",
        "@alice react /My build fails/ 🎫",
        "expect /Ticket #1: My build fails with error E42 on Windows/",
        "expect /Quoted: > @bob: My build fails with error E42 on Windows/",
        r"expect /From: message #\d+ in #general/",
        "@alice unreact /My build fails/ 🎫",
        "expect-not /Ticket #2/",
    )
    t = ticket(db)
    assert t.requester == "alice"
    assert t.source_text == "@bob: My build fails with error E42 on Windows"


async def test_bad_input_is_refused_and_writes_nothing(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        STAFF_CHANNEL,
        '@alice /ticket open "   "',
        "expect /(the subject is empty|nothing visible in it). Usage: \\/ticket open/",
        '@alice /ticket open "x" --priority whenever',
        "expect /'whenever' is not one of low, normal, high, urgent/",
        '@alice /ticket open "x" --details ""',
        "expect /--details is empty/",
        "@alice /ticket show 99",
        "expect /there is no ticket #99/",
        "@alice /ticket show abc",
        "expect /'abc' is not a ticket number/",
        "@alice /ticket claim",
        "expect /is for support staff/",
        "@sam /ticket claim",
        "expect /which ticket\\? Give its number/",
    )
    with db.transaction() as s:
        assert s.execute(select(Ticket)).first() is None


async def test_open_ticket_limit_and_cooldown(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        STAFF_CHANNEL,
        '@alice /ticket open "one"',
        '@alice /ticket open "two"',
        "expect /you opened a ticket a moment ago; you can open another in 5 min 0 s/",
        "advance 5m",
        '@alice /ticket open "two"',
        "advance 5m",
        '@alice /ticket open "three"',
        "advance 5m",
        '@alice /ticket open "four"',
        "expect /you already have 3 open tickets \\(the limit is 3\\)/",
        "@alice /ticket status close 1",
        '@alice /ticket open "four"',
        "expect /Ticket #4 is open/",
        "@mo /config ticket limits --limit 1 --cooldown 1s",
        '@bob /ticket open "b1"',
        "advance 1s",
        '@bob /ticket open "b2"',
        "expect /the limit is 1/",
    )


# ------------------------------------------------------------------ working a ticket


async def test_claim_assign_transfer_priority(script: Script, db: Database) -> None:
    await opened(
        script,
        f"@sam click {THREAD} Claim",
        "expect /🙋 @sam claimed ticket #1/",
        "@sam /ticket claim 1",
        "expect /you have already claimed ticket #1/",
        "@kim /ticket transfer @alice 1",
        "expect /you can only transfer a ticket you hold/",
        "@sam /ticket transfer @bob 1",
        "expect /@bob is not support staff/",
        "@sam /ticket transfer @kim 1",
        "expect /@sam transferred ticket #1 to @kim/",
        "@kim /ticket priority urgent",
        "expect /which ticket/",
        f"@kim reply {THREAD} /ticket priority urgent",
        "expect /Ticket #1 is now urgent priority/",
        "@sam /ticket unclaim 1",
        "expect /@kim's; they or a moderator can unclaim it/",
        "@mo /ticket assign @sam 1",
        "expect /@mo assigned ticket #1 to @sam/",
        "@sam /ticket unclaim 1",
        "expect /back in the queue/",
    )
    t = ticket(db)
    assert (t.assignee, t.priority) == (None, "urgent")


async def test_a_staff_note_is_never_shown_to_the_requester(script: Script, db: Database) -> None:
    s = await opened(
        script,
        "@sam /ticket note 1 She is on the old plan, check billing",
        r"expect /\[only @sam\]\n  📝 Staff note added to ticket #1/",
        "@alice /ticket note 1 let me in",
        "expect /is for support staff/",
        "@alice /ticket transcript 1",
        "expect-not /old plan/",
        "@sam /ticket transcript 1",
        "expect /@sam \\(staff\\) \\[staff note\\]: She is on the old plan, check billing/",
    )
    # Nothing public or in alice's view carries the note.
    assert all("old plan" not in b or "[only @sam]" in b for b in s.adapter.blocks)
    assert [m.kind for m in transcript(db) if "old plan" in m.text] == ["note"]


async def test_canned_replies(script: Script, db: Database) -> None:
    await opened(
        script,
        '@mo /config ticket canned restart "Please restart the app and try again."',
        "expect /canned reply 'restart' saved/",
        "@sam /ticket reply-with restart 1",
        "expect /💬 @sam: Please restart the app and try again./",
        "@sam /ticket reply-with nope 1",
        "expect /no canned reply 'nope' \\(known: restart\\)/",
        "@alice /config ticket canned x y",
        "expect /is for moderators/",
    )
    assert ticket(db).first_response_at is not None


async def test_list_and_show(script: Script) -> None:
    await opened(
        script,
        '@bob /ticket open "Other question"',
        "@sam /ticket claim 2",
        "@sam /ticket list",
        "expect /#1 \\[open, high, basic\\] Cannot log in \\(by @alice, unassigned\\)/",
        "expect /#2 \\[open, normal, basic\\] Other question \\(by @bob, @sam\\)/",
        "@sam /ticket list --mine",
        "expect /Other question/",
        "expect-not /Cannot log in/",
        "@sam /ticket list --unassigned",
        "expect /Cannot log in/",
        "expect-not /Other question/",
        "@alice /ticket list",
        "expect /Cannot log in/",
        "expect-not /Other question/",
        "@alice /ticket list --unassigned",
        "expect /--unassigned and --breaching are for support staff/",
        "@alice /ticket show 1",
        "expect /Requester: @alice/",
    )


async def test_permission_refusals_on_another_persons_ticket(script: Script, db: Database) -> None:
    await opened(
        script,
        "@bob /ticket show 1",
        "expect /you can only see your own tickets; #1 is not yours/",
        "@bob /ticket transcript 1",
        "expect /you can only read your own tickets/",
        "@bob /ticket claim 1",
        "expect /\\/ticket claim is for support staff/",
        f"@bob click {THREAD} Claim",
        "expect /only support staff can claim tickets/",
        "@alice /ticket claim 1",
        "expect /\\/ticket claim is for support staff/",
        "@bob /ticket status close 1",
        "expect /you can only change your own tickets/",
        f"@bob click {THREAD} Close",
        "expect /you can only close your own tickets/",
        "@bob /ticket reopen 1",
        "expect /you can only reopen your own tickets/",
        "@alice /ticket status waiting 1",
        "expect /only support staff can mark a ticket waiting/",
        "@bob /ticket rate 1 5",
        "expect /only @alice, who asked, can rate/",
        "@bob /ticket stats",
        "expect /is for support staff/",
        "@sam /ticket status close 1",
        "@bob click /would like to close/ Yes, close it",
        "expect /only @alice, who asked, can confirm/",
        f"@bob reply {THREAD} let me see",
    )
    t = ticket(db)
    assert (t.status, t.assignee) == ("closing", None)
    assert "let me see" not in [m.text for m in transcript(db)]


# ------------------------------------------------------------------ clocks


async def test_waiting_pauses_the_clocks_and_a_reply_resumes_them(
    script: Script, db: Database
) -> None:
    await opened(
        script,
        "advance 2h",
        "@sam /ticket status waiting 1",
        "expect /Waiting on @alice: the SLA clocks are paused/",
        "advance 30h",
        "@sam /ticket show 1",
        "expect /First response: 2h of 16h \\(12%, paused\\)/",
        "expect /Resolution: 2h of 3d 8h/",
        f"@alice reply {THREAD} It still fails",
        "expect /@alice replied: the ticket is open again/",
        "advance 1h",
        "@sam /ticket show 1",
        "expect /First response: 3h of 16h \\(18%, running\\)/",
        f"@sam reply {THREAD} On it",
        "advance 1h",
        "@sam /ticket show 1",
        "expect /First response: 3h of 16h \\(18%, met\\)/",
        "expect /Resolution: 4h of 3d 8h/",
    )


async def test_clocks_run_only_in_support_hours(script: Script, db: Database) -> None:
    await run(
        script,
        PEOPLE,
        STAFF_CHANNEL,
        '@mo /config ticket hours "Mon-Fri 09:00-17:00" --zone Europe/Berlin',
        "expect /support hours Mon 09:00-17:00, .*Fri 09:00-17:00 \\(Europe\\/Berlin\\)/",
        "@mo /config ticket holiday 2026-01-06",
        "advance 3d 4h",  # Thursday 13:00 UTC = 14:00 in Berlin
        OPEN,
        "advance 3d",  # Sunday: Thu 3h + Fri 8h
        "@sam /ticket show 1",
        "expect /First response: 11h of 16h \\(68%, running\\)/",
        '@mo /config ticket hours "Mon-Fri 9-17"',
        "expect /'9' in 'Mon-Fri 9-17' is not a time like 09:00. Usage:/",
        "@mo /config ticket holiday 6.1.2026",
        "expect /'6.1.2026' is not a date like 2026-12-25/",
    )
    with db.transaction() as s:
        from storage.tables import Community

        conf = s.execute(select(Community)).scalars().first().settings["tickets"]  # type: ignore[union-attr]
    assert conf["hours"] == "Mon-Fri 09:00-17:00" and conf["holidays"] == ["2026-01-06"]


async def test_levels_from_roles(script: Script, db: Database) -> None:
    await run(
        script,
        "roles alice=sponsors bob= sam=support mo=moderator",
        STAFF_CHANNEL,
        "@mo /config ticket level-role premium @sponsors",
        "expect /sponsors now gets premium support/",
        "@mo /config ticket level premium --first-response 2h",
        "expect /level premium: first response 2h, resolution 16h/",
        "@mo /config ticket level gold --first-response 1h",
        "expect /a new level needs --first-response and --resolution/",
        "@mo /config ticket level premium --first-response 3d --resolution 1d",
        "expect /first-response target is longer than the resolution target/",
        "@mo /config ticket level-role platinum @sponsors",
        "expect /there is no level 'platinum'/",
        OPEN,
        "expect /Ticket #1 is open \\(premium support\\)/",
        "expect /First response: 0m of 2h/",
        '@bob /ticket open "mine"',
        "expect /Ticket #2 is open \\(basic support\\)/",
    )


async def test_sla_alerts_exactly_once_across_a_restart(script: Script, db: Database) -> None:
    s = await opened(
        script,
        "advance 12h",
        "expect-not /80%/",
        "restart",
        "advance 1h",  # 13h of 16h: past 80% (12h48m)
        r"expect /\[#staff\]\n  ⏳ Ticket #1 \(Cannot log in\) has used 80% of its first response/",
        "restart",
        "advance 3h",
        r"expect /\[#staff\]\n  🚨 Ticket #1 \(Cannot log in\) has breached its first response/",
        "restart",
        "advance 2d",
        "expect-not /first response target/",
        "@sam /ticket list --breaching",
        "expect /#1 .*⚠️ first response \\d+%, resolution \\d+%/",
    )
    assert count(s, "has used 80% of its first response") == 1
    assert count(s, "has breached its first response") == 1
    assert count(s, "has used 80% of its resolution") == 1
    t = ticket(db)
    assert t.fr_warned and t.fr_breached and t.res_warned


async def test_alerts_move_with_a_pause_and_never_repeat(script: Script, db: Database) -> None:
    s = await opened(
        script,
        "@mo /config ticket inactivity --warn-after 30d",
        "advance 13h",
        "expect /80% of its first response/",
        "@sam /ticket status waiting 1",
        "advance 10d",
        "@alice reply /Waiting on @alice/ here you go",
        "advance 2h",
        "expect-not /breached/",
        "advance 1h",
        "expect /breached its first response/",
        "@sam /ticket status waiting 1",
        "@alice reply /Waiting on @alice/ again",
        "advance 1h",
    )
    assert count(s, "80% of its first response") == 1
    assert count(s, "breached its first response") == 1


# ------------------------------------------------------------------ inactivity and closing


async def test_inactivity_warning_then_auto_close(script: Script, db: Database) -> None:
    s = await opened(
        script,
        "@sam /ticket status waiting 1",
        "advance 3d",
        "expect /👋 @alice, ticket #1 is waiting for your reply. Without one it closes in 2d/",
        "restart",
        "advance 2d",
        "expect /✅ Ticket #1 is closed \\(no reply from the requester\\)/",
        "expect /how did we do/",
        "advance 10d",
    )
    assert count(s, "is waiting for your reply") == 1
    assert count(s, "is closed") == 1
    assert ticket(db).status == "closed"


async def test_a_reply_cancels_the_inactivity_steps(script: Script, db: Database) -> None:
    s = await opened(
        script,
        "@mo /config ticket inactivity --warn-after 1d --close-after 1d",
        "@sam /ticket status waiting 1",
        "advance 1d",
        "expect /is waiting for your reply/",
        "advance 12h",
        f"@alice reply {THREAD} sorry, here are the logs",
        "advance 5d",
        "expect-not /is closed/",
        # Staff writing while waiting starts the quiet period over, once more.
        "@sam /ticket status waiting 1",
        "advance 20h",
        f"@sam reply {THREAD} any news?",
        "advance 20h",
        "expect-not /waiting for your reply/",
        "advance 4h",
        "expect /waiting for your reply/",
    )
    assert count(s, "is waiting for your reply") == 2
    assert ticket(db).status == "waiting"


async def test_close_request_confirmed(script: Script, db: Database) -> None:
    s = await opened(
        script,
        '@sam /ticket status close 1 --reason "fixed in 2.1"',
        "expect /@sam would like to close ticket #1 \\(fixed in 2.1\\). @alice, is your/",
        "@alice click /would like to close/ Yes, close it",
        "expect /✅ Ticket #1 is closed \\(fixed in 2.1\\)/",
        "@alice click /would like to close/ Yes, close it",
        "expect /is not waiting for a close confirmation/",
        "advance 2d",
    )
    assert count(s, "is closed") == 1
    t = ticket(db)
    assert (t.status, t.closed_by) == ("closed", "sam")


async def test_close_request_by_reaction_and_declined(script: Script, db: Database) -> None:
    await opened(
        script,
        "@sam /ticket status close 1",
        "@alice react /would like to close/ ❌",
        "expect /Ticket #1 is open; the SLA clocks run again/",
        "advance 2d",
        "expect-not /is closed/",
    )
    assert ticket(db).status == "open"


async def test_close_request_times_out(script: Script, db: Database) -> None:
    s = await opened(
        script,
        "@sam /ticket status close 1",
        "advance 23h",
        "expect-not /is closed/",
        "restart",
        "advance 1h",
        "expect /✅ Ticket #1 is closed/",
    )
    assert count(s, "is closed") == 1
    assert ticket(db).status == "closed"


async def test_requester_closes_at_once_rates_and_reopens(script: Script, db: Database) -> None:
    await opened(
        script,
        "@alice /ticket status close 1",
        "expect /Ticket #1 is closed \\(closed by the requester\\)/",
        "@alice click /how did we do/ 4",
        "expect /Thank you: ticket #1 rated 4\\/5/",
        '@alice /ticket rate 1 5 "quick and kind"',
        "@alice /ticket rate 1 6",
        "expect /a rating is 1 to 5, not 6/",
        "@alice /ticket reopen 1",
        "expect /Ticket #1 was reopened by @alice/",
        "@alice /ticket reopen 1",
        "expect /the ticket is open; from there it can/",
        "@alice /ticket rate 1 3",
        "expect /is not closed yet/",
    )
    t = ticket(db)
    assert (t.status, t.rating, t.rating_comment) == ("open", 5, "quick and kind")


# ------------------------------------------------------------------ records


async def test_transcript_has_everyone_and_moot(script: Script, db: Database) -> None:
    await opened(
        script,
        "@sam /ticket claim 1",
        f"@sam reply {THREAD} Which browser?",
        f"@alice reply {THREAD} Firefox",
        "@sam /ticket note 1 cookie bug",
        '@alice /ticket status close 1 --reason "works now"',
        "@sam /ticket transcript 1",
        "expect /@alice \\(requester\\): Cannot log in/",
        "expect /Moot: 🙋 @sam claimed ticket #1/",
        "expect /@sam \\(staff\\): Which browser\\?/",
        "expect /@alice \\(requester\\): Firefox/",
        "expect /\\[staff note\\]: cookie bug/",
        "expect /Moot: ✅ Ticket #1 is closed \\(works now\\)/",
    )
    roles = {m.role for m in transcript(db)}
    assert roles == {"requester", "staff", "moot"}


async def test_edits_are_noted_not_overwritten(script: Script, db: Database) -> None:
    await opened(
        script,
        f"@alice reply {THREAD} It fails on Chrome",
        "advance 5m",
        f"@alice edit {THREAD} It fails on Firefox",
        "@sam /ticket transcript 1",
        "expect /@alice \\(requester\\): It fails on Chrome \\(edited 09:05\\)/",
        "expect /@alice \\(requester\\) \\[edit\\]: It fails on Firefox/",
    )
    kinds = [(m.kind, m.text) for m in transcript(db) if "fails" in m.text]
    assert kinds == [("message", "It fails on Chrome"), ("edit", "It fails on Firefox")]


async def test_export_md_json_csv(script: Script, db: Database) -> None:
    await opened(
        script,
        f"@sam reply {THREAD} Which browser?",
        "@sam /ticket note 1 cookie bug",
        "@alice /ticket status close 1",
        "@alice click /how did we do/ 5",
    )
    md = ticket_export.export(db, "md")
    assert "## Ticket #1: Cannot log in" in md and "[staff note]: cookie bug" in md
    assert "Moot: ✅ Ticket #1 is closed" in md
    data = json.loads(ticket_export.export(db, "json"))["tickets"][0]
    assert data["rating"] == 5 and data["status"] == "closed"
    assert {m["role"] for m in data["transcript"]} == {"requester", "staff", "moot"}
    rows = list(csv.DictReader(io.StringIO(ticket_export.export(db, "csv"))))
    assert rows[0]["subject"] == "Cannot log in" and rows[0]["rating"] == "5"


async def test_stats(script: Script) -> None:
    await opened(
        script,
        "@sam /ticket claim 1",
        "advance 2h",
        f"@sam reply {THREAD} hello",
        "advance 2h",
        "@alice /ticket status close 1",
        "@alice click /how did we do/ 4",
        '@bob /ticket open "Never answered"',
        "@sam /ticket stats --since 2026-01-01",
        "expect /Tickets since 2026-01-01: 2 opened, 1 closed; median first response 2h, "
        "median resolution 4h \\(business time\\); SLA met 100%; rating 4.0\\/5 \\(1 rated\\)/",
        "expect /• level basic: 2 opened/",
        "expect /• staff @sam: 1 opened, 1 closed/",
        "expect /• staff unassigned: 1 opened, 0 closed/",
    )


async def test_due_work_is_cleared_when_closed(script: Script, db: Database) -> None:
    await opened(script, "@alice /ticket status close 1")
    with db.transaction() as s:
        pending = s.execute(select(DueWork).where(DueWork.status == "pending")).scalars().all()
    assert [w.key for w in pending] == []


async def test_the_place_is_opened_for_the_requester_and_staff_only(
    script: Script, db: Database
) -> None:
    from storage.tables import Outbox

    await run(
        script,
        "roles alice= bob=helpers carl=supporters sam=support kim=support mo=moderator boss=admin",
        "@mo /config role support @helpers",
        STAFF_CHANNEL,
        OPEN,
    )
    with db.transaction() as s:
        row = s.execute(select(Outbox).where(Outbox.kind == "open_place")).scalar_one()
        members, relay_to = row.payload["members"], row.payload["relay_to"]
    assert members[0] == "alice"
    assert sorted(members[1:]) == ["bob", "boss", "kim", "mo", "sam"]
    assert relay_to == ["alice"]


async def test_staff_for_new_places_are_read_again_after_ten_minutes(
    script: Script, db: Database
) -> None:
    from storage.tables import Outbox

    s = await opened(script, "roles kim= ned=support", '@bob /ticket open "two"')
    await run(script, "advance 10m", '@carl /ticket open "three"', session=s)
    with db.transaction() as tx:
        rows = tx.execute(select(Outbox).where(Outbox.kind == "open_place").order_by(Outbox.id))
        members = [r.payload["members"] for r in rows.scalars()]
    assert "kim" in members[1] and "ned" not in members[1]  # within the cache's ten minutes
    assert "kim" not in members[2] and "ned" in members[2]


async def test_home_lists_own_and_held_tickets(
    script: Script, db: Database, registry: object
) -> None:
    await opened(script, "@sam /ticket claim 1", '@bob /ticket open "Other"')
    from storage.tables import Community

    with db.transaction() as s:
        cid = s.execute(select(Community.id)).scalar_one()
        sections = [fn(s, cid, who) for fn in registry.home for who in ("alice", "sam")]  # type: ignore[attr-defined]
    flat = [x for sec in sections for x in sec]
    assert ("Your tickets", ["#1 Cannot log in (open)"]) in flat
    assert ("Tickets you hold", ["#1 Cannot log in (open)"]) in flat


async def test_config_ticket_refusals_write_nothing(script: Script, db: Database) -> None:
    from storage.tables import Community

    await run(
        script,
        PEOPLE,
        "@mo /config ticket level 'bad name!' --first-response 1h --resolution 2h",
        "expect /is not a level name/",
        "@mo /config ticket level premium",
        "expect /give --first-response or --resolution/",
        "@mo /config ticket level premium --first-response 0s",
        "expect /a duration must be more than zero|must be more than 0/",
        "@mo /config ticket canned onlyname",
        "expect /give a NAME and a quoted TEXT/",
        "@mo /config ticket canned 'x y' text",
        "expect /is not a name/",
        "@mo /config ticket level-role premium",
        "expect /give a LEVEL and a @role or @user/",
        "@mo /config ticket limits --limit 101",
        "expect /--limit is 0 \\(none\\) to 100/",
        "@mo /config ticket inactivity",
        "expect /give --warn-after or --close-after/",
        "@mo /config ticket holiday 2026-12-25 --remove",
        "expect /2026-12-25 is not a holiday here/",
        '@mo /config ticket hours ""',
        "expect /the support hours are empty|give one/",
        "@mo /config ticket hours Mon-Fri 09:00-17:00 --zone Mars/Base",
        "expect /Mars\\/Base/",
        "@bob /config ticket show",
        "expect /is for moderators/",
    )
    with db.transaction() as s:
        settings = s.execute(select(Community)).scalars().first().settings  # type: ignore[union-attr]
    assert "tickets" not in settings


async def test_odd_digits_are_refused_not_crashed(script: Script) -> None:
    await opened(
        script,
        "@sam /ticket reply-with x ²",
        "expect /'²' is not a ticket number/",
        "@sam /ticket note ² hello",
        "expect /which ticket/",
        "@sam /ticket show ١",
        "expect /is not a ticket number/",
    )
