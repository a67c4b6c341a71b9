"""The pure event rules: seats, waitlist order, promotion on every kind of freed seat,
expiring offers, refusals, go/no-go, reminders and recurrence across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.timeparse import TimeParseError, parse_datetime
from commands.events import rules
from commands.events.rules import EventRuleError, Roster, place

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


# ---------------------------------------------------------------- place


def test_going_takes_a_seat_until_full_then_queues() -> None:
    assert place(None, "going", 2, 0).state == "going"
    assert place(None, "going", 2, 1).state == "going"
    full = place(None, "going", 2, 2)
    assert (full.state, full.queued) == ("waitlist", True)
    assert place(None, "going", None, 10_000).state == "going"


def test_maybe_takes_no_seat_and_leaving_frees_one() -> None:
    assert place(None, "maybe", 1, 1) == rules.Placement("maybe")
    assert place("going", "maybe", 1, 1).freed == 1
    assert place("going", "no", 1, 1).freed == 1
    assert place("offered", "no", 1, 1).freed == 1
    assert place("waitlist", "no", 1, 1).freed == 0
    assert place("maybe", "no", 1, 1).freed == 0


def test_answering_going_again_keeps_seat_or_queue_place() -> None:
    assert place("going", "going", 1, 1) == rules.Placement("going")
    # Confirming an offer is the same answer.
    assert place("offered", "going", 1, 1) == rules.Placement("going")
    again = place("waitlist", "going", 1, 1)
    assert (again.state, again.queued) == ("waitlist", False)


def test_unknown_answer_is_refused() -> None:
    with pytest.raises(EventRuleError):
        place(None, "yes", 1, 0)


# ---------------------------------------------------------------- roster


def test_waitlist_is_arrival_order_and_promotes_on_no() -> None:
    r = Roster(capacity=1)
    for user in ("a", "b", "c", "d"):
        r.answer(user, "going", NOW)
    assert r.waiting() == ["b", "c", "d"]
    r.answer("a", "no", NOW)
    assert r.states["b"] == "going" and r.promoted == ["b"]
    assert r.waiting() == ["c", "d"]


def test_promotion_on_maybe_on_raised_capacity_and_on_lapsed_offer() -> None:
    r = Roster(capacity=1)
    for user in ("a", "b", "c", "d"):
        r.answer(user, "going", NOW)
    r.answer("a", "maybe", NOW)
    assert r.promoted == ["b"]
    r.set_capacity(3, NOW)
    assert r.promoted == ["b", "c", "d"]
    assert r.waiting() == []


def test_offers_expire_and_pass_to_the_next() -> None:
    r = Roster(capacity=1, claim_within=timedelta(hours=2))
    for user in ("a", "b", "c"):
        r.answer(user, "going", NOW)
    r.answer("a", "no", NOW)
    assert r.states["b"] == "offered"
    assert r.offers["b"] == NOW + timedelta(hours=2)
    # An offer holds the seat: a newcomer still waits.
    r.answer("e", "going", NOW)
    assert r.states["e"] == "waitlist"
    assert r.expire(NOW + timedelta(hours=1)) == []
    assert r.expire(NOW + timedelta(hours=2)) == ["b"]
    assert r.states["b"] == "no" and r.states["c"] == "offered"
    # Confirming in time keeps the seat for good.
    r.answer("c", "going", NOW + timedelta(hours=3))
    assert r.states["c"] == "going" and "c" not in r.offers
    assert r.expire(NOW + timedelta(days=1)) == []


def test_lowering_capacity_never_takes_a_seat_away() -> None:
    r = Roster(capacity=3)
    for user in ("a", "b", "c"):
        r.answer(user, "going", NOW)
    r.set_capacity(1, NOW)
    assert r.count("going") == 3
    r.answer("d", "going", NOW)
    assert r.states["d"] == "waitlist"
    r.answer("a", "no", NOW)
    # Still over the new capacity: nobody moves up yet.
    assert r.states["d"] == "waitlist"


ACTIONS = st.one_of(
    st.tuples(st.just("answer"), st.sampled_from("abcdefgh"), st.sampled_from(rules.ANSWERS)),
    st.tuples(st.just("capacity"), st.integers(1, 6), st.none()),
    st.tuples(st.just("expire"), st.integers(0, 5), st.none()),
)


@settings(max_examples=300, deadline=None)
@given(
    capacity=st.integers(1, 5),
    claim=st.booleans(),
    actions=st.lists(ACTIONS, max_size=60),
)
def test_any_sequence_keeps_seats_within_capacity_and_states_exclusive(
    capacity: int, claim: bool, actions: list[tuple[str, object, object]]
) -> None:
    r = Roster(capacity=capacity, claim_within=timedelta(hours=1) if claim else None)
    now = NOW
    seated_max = capacity
    for kind, a, b in actions:
        now += timedelta(minutes=20)
        if kind == "answer":
            before = r.taken()
            r.answer(str(a), str(b), now)
            # An answer adds at most one seat, and only while there was room.
            assert r.taken() <= max(before, r.capacity or 0)
        elif kind == "capacity":
            r.set_capacity(int(a), now)  # type: ignore[arg-type]
            seated_max = max(r.taken(), int(a))  # type: ignore[arg-type]
        else:
            r.expire(now + timedelta(minutes=int(a) * 20))  # type: ignore[arg-type]
        seated_max = max(r.capacity or 0, min(seated_max, r.taken()))
        # Seats never exceed capacity, except seats held from before a lowering.
        assert r.taken() <= seated_max
        # Nobody is both going and waitlisted; the queue holds exactly the waitlisted.
        assert set(r.queue) == {u for u, s in r.states.items() if s == "waitlist"}
        assert not set(r.queue) & {u for u, s in r.states.items() if s in rules.SEATED}
        assert set(r.offers) == {u for u, s in r.states.items() if s == "offered"}
        # No free seat is left while someone waits.
        if r.queue:
            assert r.taken() >= (r.capacity or 0)
        # The queue keeps arrival order.
        order = [r.queue[u] for u in r.waiting()]
        assert order == sorted(order) and len(set(order)) == len(order)


@settings(max_examples=200, deadline=None)
@given(capacity=st.integers(1, 5), answers=st.lists(st.sampled_from("abcdefgh"), max_size=40))
def test_without_capacity_changes_seats_never_exceed_capacity(
    capacity: int, answers: list[str]
) -> None:
    r = Roster(capacity=capacity)
    for i, user in enumerate(answers):
        r.answer(user, rules.ANSWERS[i % 3], NOW)
        assert r.taken() <= capacity


# ---------------------------------------------------------------- refusals, go/no-go


def refusal(**kw: object) -> str | None:
    base: dict[str, object] = {
        "now": NOW,
        "status": "scheduled",
        "starts_at": NOW + timedelta(days=1),
        "rsvp_until": None,
        "roles": (),
        "actor_roles": (),
    }
    return rules.refusal(**{**base, **kw})  # type: ignore[arg-type]


def test_refusals() -> None:
    assert refusal() is None
    assert "only holders of @tc" in (refusal(roles=["tc"]) or "")
    assert refusal(roles=["tc"], actor_roles={"tc", "x"}) is None
    assert "cutoff" in (refusal(rsvp_until=NOW - timedelta(seconds=1)) or "")
    assert refusal(rsvp_until=NOW) is None
    assert "cancelled" in (refusal(status="cancelled") or "")
    assert "started" in (refusal(starts_at=NOW) or "")


def test_go_no_go() -> None:
    assert rules.go_no_go(4, 5) == "no-go"
    assert rules.go_no_go(5, 5) == "go"
    start = NOW + timedelta(days=3)
    assert rules.decision_at(start, timedelta(days=2)) == NOW + timedelta(days=1)


# ---------------------------------------------------------------- reminders


def test_parse_reminders() -> None:
    assert rules.parse_reminders("1h,1d") == (timedelta(days=1), timedelta(hours=1))
    assert rules.parse_reminders("none") == ()
    for bad in ("", "1h,", "banana", "0m", "40d", "1m,2m,3m,4m,5m,6m"):
        with pytest.raises(EventRuleError):
            rules.parse_reminders(bad)


def test_reminder_times_and_late_ones() -> None:
    start = NOW + timedelta(hours=5)
    leads = [timedelta(days=1), timedelta(hours=1)]
    assert rules.reminder_times(start, leads, NOW) == [(timedelta(hours=1), start - leads[1])]
    assert rules.late_reminder(start - timedelta(seconds=1), start)
    assert not rules.late_reminder(start, start)


# ---------------------------------------------------------------- recurrence and DST


def test_parse_repeat() -> None:
    assert rules.parse_repeat("weekly") == "FREQ=WEEKLY"
    assert rules.parse_repeat("Biweekly") == "FREQ=WEEKLY;INTERVAL=2"
    assert rules.parse_repeat("RRULE:FREQ=WEEKLY;BYDAY=TU,TH") == "FREQ=WEEKLY;BYDAY=TU,TH"
    for bad in ("FREQ=MINUTELY", "FREQ=HOURLY;INTERVAL=2", "often", "DTSTART:2020;FREQ=DAILY"):
        with pytest.raises(EventRuleError):
            rules.parse_repeat(bad)


@pytest.mark.parametrize(
    ("zone", "first", "utc_hours"),
    [
        # Spring: Berlin moves on 29 March 2026, New York on 8 March 2026.
        (BERLIN, datetime(2026, 3, 19, 17, 0), [16, 16, 15, 15]),
        (NEW_YORK, datetime(2026, 2, 26, 17, 0), [22, 22, 21, 21]),
        # Autumn: Berlin on 25 October, New York on 1 November.
        (BERLIN, datetime(2026, 10, 15, 17, 0), [15, 15, 16, 16]),
        (NEW_YORK, datetime(2026, 10, 22, 17, 0), [21, 21, 22, 22]),
    ],
)
def test_weekly_series_keeps_local_time_across_dst(
    zone: ZoneInfo, first: datetime, utc_hours: list[int]
) -> None:
    starts = rules.occurrences("FREQ=WEEKLY", first.replace(tzinfo=zone), zone, limit=4)
    assert [s.astimezone(zone).hour for s in starts] == [17] * 4
    assert [s.hour for s in starts] == utc_hours
    # Reminders a day and an hour before fire at the right UTC instants.
    assert [s - timedelta(hours=1) for s in starts][2].hour == utc_hours[2] - 1
    assert all(s.tzinfo == UTC for s in starts)


def test_occurrences_respect_until_and_after() -> None:
    first = datetime(2026, 3, 2, 17, 0, tzinfo=BERLIN)
    until = datetime(2026, 3, 16, 23, 0, tzinfo=UTC)
    starts = rules.occurrences("FREQ=WEEKLY", first, BERLIN, until=until, limit=10)
    assert len(starts) == 3
    later = rules.occurrences("FREQ=WEEKLY", first, BERLIN, after=starts[0], limit=10, until=until)
    assert later == starts[1:]


def test_dst_gap_is_refused_with_a_clear_error() -> None:
    with pytest.raises(EventRuleError, match="does not exist in Europe/Berlin"):
        rules.local_time(datetime(2026, 3, 29, 2, 30), BERLIN)
    with pytest.raises(TimeParseError, match="does not exist in America/New_York"):
        parse_datetime("2026-03-08 02:30", NOW, NEW_YORK, refuse_gap=True)
    # Outside the gap, and the ambiguous autumn hour (first occurrence), are fine.
    assert rules.local_time(datetime(2026, 3, 29, 3, 0), BERLIN).hour == 1
    assert parse_datetime("2026-10-25 02:30", NOW, BERLIN, refuse_gap=True).hour == 0
    # Without refuse_gap the old reading stands (moved forward by the gap).
    assert parse_datetime("2026-03-29 02:30", NOW, BERLIN).hour == 1
