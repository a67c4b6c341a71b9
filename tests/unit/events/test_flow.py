"""Events end to end, as console scripts on a fake clock (SQLite, and PostgreSQL when
configured)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from adapters.console_script import ConsoleSession
from bot.context import Ctx
from commands.events.state import recount
from storage.db import Database
from storage.event_tables import Event, EventRsvp
from storage.tables import Community, DueWork
from tests.conftest import Script
from tests.unit.events.common import dms

PEOPLE = "roles alice=admin bob= carol= dave= erin= frank=tc"
MSG = "/Event #1:/"


def count(db: Database, model: type, *where: object) -> int:
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def event_row(db: Database, event_id: int = 1) -> Event:
    with db.transaction() as s:
        row = s.get(Event, event_id)
        assert row is not None
        s.expunge(row)
        return row


def assert_totals_match_recount(db: Database, session: ConsoleSession, event_id: int = 1) -> None:
    """The running totals equal a full recount of the rows."""
    with db.transaction() as s:
        event = s.get(Event, event_id)
        assert event is not None
        ctx = Ctx(
            s, session.clock, session.registry, s.get(Community, event.community_id), None, None
        )  # type: ignore[arg-type]
        counted = recount(ctx, event)
        for name in ("going", "maybe", "declined", "waitlist", "offered"):
            assert getattr(event, name) == counted.get(name, 0), name


async def test_rsvp_by_button_reaction_and_command_with_waitlist_promotion(
    script: Script, db: Database
) -> None:
    s = await script(
        PEOPLE,
        "channel #events",
        '@alice /event create "Meetup" --at "2026-01-09 18:00" --capacity 2 --where "Room 2"',
        "expect /Event #1: Meetup/",
        f"@bob click {MSG} Going",
        "expect /only @bob.*\\n.*Meetup\" on Fri 9 Jan 2026 18:00 UTC: you're going/",
        f"@carol react {MSG} ✅",
        "expect /going 2\\/2 · waitlist 0/",
        "@dave /event rsvp 1 going",
        "expect /you're on the waitlist \\(number 1 in line/",
        "@erin /event rsvp 1 going",
        "expect-not /going 3/",
        "@erin /event rsvp 1 maybe",
        "@erin /event rsvp 1 going",
        "expect /number 2 in line/",
        # A freed seat goes to the first in line, who is told by DM.
        f"@bob click {MSG} Can't go",
        "expect /moved from the waitlist to going for event #1/",
        # Taking a reaction back withdraws that answer.
        f"@carol unreact {MSG} ✅",
        "expect /DM @erin.*\\n.*moved from the waitlist to going/",
        "@alice /event who 1",
        "expect /Going: dave, erin/",
        "@bob /event who 1",
        "expect-not /Going: /",
    )
    assert_totals_match_recount(db, s)
    e = event_row(db)
    assert (e.going, e.waitlist, e.declined) == (2, 0, 2)
    assert dms(s, "dave", "moved from the waitlist") == 1
    assert dms(s, "erin", "moved from the waitlist") == 1
    assert "going 2/2 · waitlist 0" in str(s.adapter.messages[1].card)


async def test_last_answer_counts_and_rows_are_one_per_person(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Call" --at "2026-01-09 18:00"',
        "@bob /event rsvp 1 going",
        "@bob /event rsvp 1 maybe",
        "@bob /event rsvp 1 no",
        "@bob /event rsvp 1 going",
        "@bob react /Event #1:/ 👎",
        "expect /you're not going/",
    )
    assert count(db, EventRsvp) == 1
    assert_totals_match_recount(db, s)
    assert event_row(db).declined == 1


async def test_claim_within_offer_expires_and_passes_on(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Workshop" --at "2026-01-10 10:00" --capacity 1 --claim-within 2h',
        "@bob /event rsvp 1 going",
        "@carol /event rsvp 1 going",
        "@dave /event rsvp 1 going",
        "@bob /event rsvp 1 no",
        "expect /held for you until Mon 5 Jan 2026 11:00 UTC/",
        "@erin /event rsvp 1 going",
        "expect /waitlist/",
        "advance 2h",
        "expect /lapsed/",
        "@dave click /held for you/ Claim my seat",
        "expect /you're going/",
        "advance 3h",
        "expect-not /lapsed/",
    )
    assert dms(s, "carol", "held for you") == 1 and dms(s, "carol", "lapsed") == 1
    assert dms(s, "dave", "held for you") == 1
    assert_totals_match_recount(db, s)
    with db.transaction() as t:
        states = dict(t.execute(select(EventRsvp.user_id, EventRsvp.state)).all())
    assert states == {"bob": "no", "carol": "no", "dave": "going", "erin": "waitlist"}


async def test_role_and_cutoff_refusals_write_nothing(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@alice /event create "TC sync" --at "2026-01-09 18:00" --role tc '
        '--rsvp-until "2026-01-07 12:00"',
        "@bob /event rsvp 1 going",
        'expect /only @bob.*\\n.*cannot answer event #1 "TC sync": only holders of @tc may answer/',
        "@bob react /Event #1:/ ✅",
        "expect /only holders of @tc/",
        "@frank /event rsvp 1 going",
        "expect /you're going/",
        "advance 2d 4h",
        "@frank /event rsvp 1 no",
        "expect /answers closed at the RSVP cutoff/",
    )
    with db.transaction() as s:
        rows = s.execute(select(EventRsvp.user_id, EventRsvp.state)).all()
    assert [tuple(r) for r in rows] == [("frank", "going")]
    assert event_row(db).going == 1


async def test_bad_input_gets_one_line_and_writes_nothing(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        '@alice /event create "X" --at "2026-03-29 02:30" --zone Europe/Berlin',
        "expect /does not exist in Europe/Berlin.*daylight saving.*Usage: \\/event create/",
        '@alice /event create "X" --at yesterday',
        "expect /Usage: \\/event create/",
        '@alice /event create "X" --at "2026-01-09 18:00" --capacity 0',
        "expect /capacity is a whole number/",
        '@alice /event create "X" --at "2026-01-09 18:00" --min 3',
        "expect /needs both --min N and --decide-before/",
        '@alice /event create "X" --at "2026-01-09 18:00" --repeat FREQ=MINUTELY',
        "expect /at most daily/",
        '@alice /event create "X" --at "2026-01-09 18:00" --zone Berlin',
        "expect /did you mean Europe\\/Berlin/",
        '@alice /event create "X" --at "2026-01-09 18:00" --claim-within 1h',
        "expect /needs a --capacity/",
        '@alice /event create "X" --at "2026-01-09 18:00" --until 2026-02-01',
        "expect /give --repeat too/",
        '@alice /event create "X" --at "2026-01-09 18:00" --role tcc',
        "expect /@tcc is not a role here \\(roles: .*tc/",
        "@alice /event rsvp 9 going",
        "expect /there is no event #9/",
        "@alice /event rsvp 1 perhaps",
        "expect /not one of going, maybe, no/",
    )
    assert count(db, Event) == 0
    assert count(db, DueWork) == 0


async def test_times_are_read_and_shown_in_each_persons_zone(script: Script, db: Database) -> None:
    await script(
        PEOPLE,
        "@alice /me timezone America/New_York",
        "expect /now America\\/New_York; it is Mon 5 Jan 2026 04:00 EST there/",
        '@alice /event create "Call" --at "2026-01-09 12:00"',
        "expect /created for Fri 9 Jan 2026 12:00 EST/",
        "@bob /me timezone europe/berlin",
        "@bob /event rsvp 1 going",
        "expect /on Fri 9 Jan 2026 18:00 CET: you're going/",
        "@bob /event show 1",
        "expect /When: Fri 9 Jan 2026 18:00 CET/",
        "@carol /me timezone Mars/Olympus",
        "expect /unknown time zone 'Mars\\/Olympus'/",
    )
    e = event_row(db)
    assert e.starts_at == datetime(2026, 1, 9, 17, 0, tzinfo=UTC)
    assert e.zone == "America/New_York"


async def test_go_no_go_cancels_below_min_and_tells_everyone_once(
    script: Script, db: Database
) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Hack day" --at "2026-01-10 09:00" --min 3 --decide-before 2d '
        "--capacity 5",
        "@bob /event rsvp 1 going",
        "@carol /event rsvp 1 going",
        "@dave /event rsvp 1 maybe",
        "@erin /event rsvp 1 no",
        "advance 3d",
        "expect /is cancelled: only 2 going, 3 needed \\(by go\\/no-go\\)/",
    )
    e = event_row(db)
    assert e.status == "cancelled" and e.cancel_reason == "only 2 going, 3 needed"
    for user in ("bob", "carol", "dave"):
        assert dms(s, user, "is cancelled: only 2 going, 3 needed") == 1
    assert dms(s, "erin", "cancelled") == 0
    await script("restart", "advance 1d", session=s)
    assert dms(s, "bob", "is cancelled") == 1


async def test_go_no_go_confirms_in_the_thread_once(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Sprint" --at "2026-01-10 09:00" --min 2 --decide-before 1d',
        "@bob /event rsvp 1 going",
        "@carol /event rsvp 1 going",
        "advance 4d",
        "expect /is going ahead: 2 going \\(at least 2 needed\\)/",
        "restart",
        "advance 1d",
        "expect-not /going ahead: 2 going/",
    )
    assert event_row(db).status == "confirmed"
    ahead = [m for m in s.adapter.messages.values() if "is going ahead" in m.text]
    assert len(ahead) == 1 and ahead[0].thread == "1"


async def test_reminders_exactly_once_across_restart_in_each_zone(
    script: Script, db: Database
) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Call" --at "2026-01-09 18:00" --remind 1d,1h',
        "@bob /event rsvp 1 going",
        "@carol /me timezone Asia/Tokyo",
        "@carol /event rsvp 1 maybe",
        "@dave /event rsvp 1 going",
        "@dave /me reminders off",
        "@erin /event rsvp 1 no",
        "advance 3d 9h",
        "expect /starts Sat 10 Jan 2026 03:00 JST.*You said maybe/",
        "restart",
        "advance 23h",
        "expect /Reminder: event #1/",
        "restart",
        "advance 1d",
    )
    assert dms(s, "bob", "Reminder") == 2
    assert dms(s, "bob", 'Reminder: event #1 "Call" starts Fri 9 Jan 2026 18:00 UTC') == 2
    assert dms(s, "carol", "Reminder") == 2
    assert dms(s, "dave", "Reminder") == 0
    assert dms(s, "erin", "Reminder") == 0


async def test_late_reminder_goes_out_if_not_started_else_skipped(
    script: Script, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Call" --at "2026-01-06 18:00" --remind 1d,1h',
        "@bob /event rsvp 1 going",
    )
    # The bot is down from before the 1-day reminder until past the 1-hour one: only the
    # latest due reminder goes out, once.
    s.clock.set(datetime(2026, 1, 6, 17, 30, tzinfo=UTC))
    await script("restart", session=s)
    assert dms(s, "bob", "Reminder") == 1
    # Down across the start of a second event: its reminder is skipped, with a log line.
    await script(
        '@alice /event create "Late" --at "2026-01-07 09:00" --remind 1h',
        "@bob /event rsvp 2 going",
        session=s,
    )
    s.clock.set(datetime(2026, 1, 7, 9, 30, tzinfo=UTC))
    with caplog.at_level(logging.INFO, logger="moot.events"):
        await script("restart", session=s)
    assert dms(s, "bob", "event #2") == 0
    assert any("skipped: the event has started" in r.message for r in caplog.records)


async def test_cancel_and_edit_notify_attendees_and_waitlist(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Meetup" --at "2026-01-09 18:00" --capacity 1',
        "@bob /event rsvp 1 going",
        "@carol /event rsvp 1 going",
        "@dave /event rsvp 1 maybe",
        "@erin /event rsvp 1 no",
        "@bob /event edit 1 --where Pub",
        "expect /only the organiser \\(alice\\) or a moderator may edit/",
        '@alice /event edit 1 --at "2026-01-09 19:00" --where "The Pub"',
        "expect /changed: now Fri 9 Jan 2026 19:00 UTC at The Pub/",
        '@alice /event cancel 1 --reason "venue closed"',
        "expect /🚫 Cancelled: venue closed/",
        "@bob /event rsvp 1 going",
        "expect /this event is cancelled/",
        "@alice /event cancel 1",
        "expect /already cancelled/",
    )
    for user in ("bob", "carol", "dave"):
        assert dms(s, user, "changed: now") == 1
        assert dms(s, user, "is cancelled: venue closed") == 1
    assert dms(s, "erin", "changed|cancelled") == 0
    # Nothing left to remind about.
    assert count(db, DueWork, DueWork.kind == "event.remind", DueWork.status == "pending") == 0


async def test_event_message_shows_over_once_past(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Call" --at "2026-01-05 12:00" --for 30m',
        "@bob /event rsvp 1 going",
        "advance 4h",
        "expect /#1 edited\\n.*This event is over/",
        "@carol /event rsvp 1 going",
        "expect /already started/",
    )
    assert event_row(db).over
    assert s.adapter.messages[1].choices == ()


async def test_weekly_series_materialises_ahead_and_posts_the_next(
    script: Script, db: Database
) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Weekly sync" --at "2026-03-19 17:00" --zone Europe/Berlin '
        "--repeat weekly --until 2026-05-01",
        "expect /repeating weekly/",
        "@bob /event rsvp 2 going",
    )
    with db.transaction() as t:
        starts = [r for (r,) in t.execute(select(Event.starts_at).order_by(Event.id)).all()]
    assert len(starts) == 4
    assert [x.hour for x in starts] == [16, 16, 15, 15]
    # Each occurrence has its own answers.
    assert event_row(db, 1).going == 0 and event_row(db, 2).going == 1
    await script("advance 120d", session=s)
    with db.transaction() as t:
        rows = list(t.execute(select(Event).order_by(Event.slot)).scalars())
    # 19 Mar to 30 Apr: seven Thursdays, always 17:00 in Berlin, each announced in turn.
    assert [r.starts_at.astimezone(ZONE).strftime("%d %H:%M") for r in rows] == [
        "19 17:00",
        "26 17:00",
        "02 17:00",
        "09 17:00",
        "16 17:00",
        "23 17:00",
        "30 17:00",
    ]
    assert all(r.announced and r.over for r in rows)
    assert all(r.series_id == 1 for r in rows)


async def test_edit_all_following_moves_the_series_and_this_only_one(
    script: Script, db: Database
) -> None:
    await script(
        PEOPLE,
        '@alice /event create "Sync" --at "2026-01-06 17:00" --repeat weekly',
        '@alice /event edit 2 --at "2026-01-13 18:00" --scope following',
        "expect /updated with 3 following/",
        '@alice /event edit 3 --at "2026-01-21 09:00"',
        "@alice /event cancel 4 --scope this",
    )
    with db.transaction() as t:
        rows = list(t.execute(select(Event).order_by(Event.slot)).scalars())
    hours = [(r.id, r.starts_at.strftime("%m-%d %H"), r.series_id, r.status) for r in rows]
    assert hours[:5] == [
        (1, "01-06 17", 1, "scheduled"),
        (2, "01-13 18", 2, "scheduled"),
        (3, "01-21 09", 2, "scheduled"),
        (4, "01-27 18", 2, "cancelled"),
        (5, "02-03 18", 2, "scheduled"),
    ]
    # The first part of the series ends before the old slot of the split occurrence.
    assert rows[0].repeat_until == datetime(2026, 1, 13, 16, 59, 59, tzinfo=UTC)


async def test_raised_capacity_promotes_in_order(script: Script, db: Database) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Talk" --at "2026-01-09 18:00" --capacity 1',
        "@bob /event rsvp 1 going",
        "@carol /event rsvp 1 going",
        "@dave /event rsvp 1 going",
        "@erin /event rsvp 1 going",
        "@alice /event edit 1 --capacity 3",
        "expect /going 3\\/3 · waitlist 1/",
    )
    assert dms(s, "carol", "moved from the waitlist") == 1
    assert dms(s, "dave", "moved from the waitlist") == 1
    assert dms(s, "erin", "moved from the waitlist") == 0
    assert_totals_match_recount(db, s)


ZONE = __import__("zoneinfo").ZoneInfo("Europe/Berlin")


async def test_home_lists_upcoming_events_and_titles_cannot_mass_mention(
    script: Script, db: Database
) -> None:
    s = await script(
        PEOPLE,
        '@alice /event create "Party @everyone" --at "2026-01-09 18:00" --capacity 1',
        "@bob /event rsvp 1 going",
        "@carol /event rsvp 1 going",
    )
    assert "@everyone" not in str(s.adapter.messages[1].card)
    with db.transaction() as t:
        community = t.execute(select(Community)).scalar_one()
        sections = [fn(t, community.id, "carol") for fn in s.registry.home]
    assert ["#1 Party @everyone (you're on the waitlist)"] in [
        lines for found in sections for _title, lines in found
    ]


async def test_hooks_fire_once_per_change_in_the_same_transaction(
    db: Database, registry: object
) -> None:
    from adapters.console_script import fake_clock
    from tests.conftest import START

    seen: list[tuple[str, int, object]] = []
    reg = registry  # a fresh registry per test: adding listeners here leaks nowhere
    for hook in ("event.created", "event.changed", "event.cancelled"):
        reg.on(hook)(  # type: ignore[attr-defined]
            lambda ctx, event, _h=hook, **kw: seen.append((_h, event.id, kw))
        )
    s = ConsoleSession(db, reg, fake_clock(START), out=lambda _s: None)  # type: ignore[arg-type]
    await s.run_script(
        "\n".join(
            [
                "roles alice=admin",
                '@alice /event create "Call" --at "2026-01-09 18:00"',
                "@alice /event edit 1 --where Online",
                "@alice /event edit 1 --capacity 0",
                "@alice /event cancel 1 --reason moved",
            ]
        )
    )
    assert seen == [
        ("event.created", 1, {}),
        ("event.changed", 1, {"changed": ["place"]}),
        ("event.cancelled", 1, {"reason": "moved"}),
    ]


def test_concurrent_answers_for_the_last_seats_never_overbook(
    db: Database, registry: object
) -> None:
    """Eight people press Going at once on two seats, from eight app instances (replicas):
    two go, six wait in a strict order, and the totals equal a recount."""
    import asyncio
    import threading

    from adapters.console_script import fake_clock
    from bot.app import App
    from bot.clock import FakeClock
    from bot.model import ActionInvoked, Actor, Address
    from tests.conftest import START

    s = ConsoleSession(db, registry, fake_clock(START), out=lambda _s: None)  # type: ignore[arg-type]
    asyncio.run(
        s.run_script(PEOPLE + '\n@alice /event create "Race" --at "2026-01-09 18:00" --capacity 2')
    )
    apps = [App(db, registry, FakeClock(s.clock.now())) for _ in range(8)]  # type: ignore[arg-type]
    where = Address("console", "local", "general")
    barrier = threading.Barrier(len(apps))
    outcomes: list[str] = []

    def press(i: int, app: App) -> None:
        barrier.wait()
        event = ActionInvoked(
            event_id=f"race{i}",
            actor=Actor("console", f"p{i}", f"p{i}"),
            address=where,
            action="event.rsvp",
            value="1:going",
            message=where.at_message("1"),
        )
        outcomes.append(app.dispatcher.handle_now(event))

    threads = [threading.Thread(target=press, args=(i, a)) for i, a in enumerate(apps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["ok"] * 8
    assert_totals_match_recount(db, s)
    e = event_row(db)
    assert (e.going, e.waitlist) == (2, 6)
    with db.transaction() as t:
        seqs = [
            q for (q,) in t.execute(select(EventRsvp.wait_seq).where(EventRsvp.state == "waitlist"))
        ]
    assert sorted(seqs) == list(range(1, 7))
    for a in apps:
        a.db.dispose()
