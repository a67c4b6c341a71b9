"""The events capability asks for a platform-calendar copy of each announced event
(MirrorEvent): one when it is announced, one per edit, a cancelled one at the cancellation,
none for an answer. Console scripts on a fake clock; the outbox rows are the check."""

from __future__ import annotations

from sqlalchemy import select

from bot import codec
from bot.model import MirrorEvent
from storage.db import Database
from storage.tables import Outbox
from tests.conftest import Script

MSG = "/Event #1:/"


def mirrors(db: Database) -> list[MirrorEvent]:
    with db.transaction() as s:
        rows = s.execute(
            select(Outbox).where(Outbox.kind == "mirror_event").order_by(Outbox.id)
        ).scalars()
        out = [codec.decode(r.kind, r.payload) for r in rows]
    assert all(isinstance(m, MirrorEvent) for m in out)
    return out  # type: ignore[return-value]


async def test_create_answer_edit_cancel(script: Script, db: Database) -> None:
    await script(
        "roles alice=admin bob=",
        "channel #events",
        '@alice /event create "Meetup" --at "2026-01-09 18:00" --for 2h --where "Room 2"',
        "expect /Event #1: Meetup/",
    )
    (made,) = mirrors(db)
    assert (made.source, made.title, made.where, made.channel) == (
        "event:1",
        "Meetup",
        "Room 2",
        "events",
    )
    assert made.starts_at == "2026-01-09T18:00:00+00:00"
    assert made.ends_at == "2026-01-09T20:00:00+00:00" and not made.cancelled
    await script(
        "roles alice=admin bob=",
        "channel #events",
        f"@bob click {MSG} Going",
        "@bob /event rsvp 1 maybe",
    )
    assert len(mirrors(db)) == 1  # answers change no calendar
    await script(
        "roles alice=admin bob=",
        "channel #events",
        '@alice /event edit 1 --where "Room 3"',
        '@alice /event cancel 1 --reason "rain"',
        "expect /cancelled/",
    )
    _, edited, cancelled = mirrors(db)
    assert edited.where == "Room 3" and not edited.cancelled
    assert cancelled.cancelled and cancelled.source == "event:1"


async def test_a_series_has_a_copy_per_announced_occurrence(script: Script, db: Database) -> None:
    await script(
        "roles alice=admin",
        "channel #events",
        '@alice /event create "Call" --at "2026-01-06 17:00" --repeat weekly',
        "expect /Event #1: Call/",
    )
    # Only the announced occurrence; later ones get theirs when they are announced.
    assert [m.source for m in mirrors(db)] == ["event:1"]
    await script(
        "roles alice=admin",
        "channel #events",
        "@alice /event edit 2 --where Online",
        "expect /Event #2 updated/",
    )
    assert [m.source for m in mirrors(db)] == ["event:1"]
