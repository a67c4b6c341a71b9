"""Tables of the events capability: one row per occurrence, one RSVP per person per
occurrence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import utc_column


class Event(SQLModel, table=True):
    """One occurrence. A recurring event is a series of these sharing `series_id` (the id of
    its first occurrence); each has its own RSVPs, and only a bounded number of future ones
    exist at a time. Times are UTC; `zone` and `local_start` keep the wall-clock time the
    series was created at, so a weekly 17:00 Europe/Berlin stays 17:00 across DST."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_series", "series_id", "starts_at"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    series_id: int | None = Field(default=None)
    # Occurrence number within the series, from 0.
    seq: int = 0
    channel: str = Field(max_length=255)
    title: str = Field(sa_column=Column(Text, nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    location: str | None = Field(default=None, max_length=1000)
    starts_at: datetime = utc_column(index=True)
    # The start the series' rule gave this occurrence (its RECURRENCE-ID); editing "this"
    # occurrence moves starts_at but never the slot.
    slot: datetime = utc_column()
    ends_at: datetime = utc_column()
    zone: str = Field(default="UTC", max_length=64)
    # "weekly" / "biweekly" / "monthly" or an RRULE body (FREQ=...); None: a single event.
    rrule: str | None = Field(default=None, max_length=500)
    repeat_until: datetime | None = utc_column(nullable=True)
    capacity: int | None = None
    min_going: int | None = None
    decide_before_s: int | None = None
    claim_within_s: int | None = None
    # Reminder lead times in seconds, largest first.
    remind_s: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rsvp_until: datetime | None = utc_column(nullable=True)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # scheduled | confirmed | cancelled
    status: str = Field(default="scheduled", max_length=16, index=True)
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    over: bool = False
    # Whether its message is posted (later occurrences of a series are posted one by one).
    announced: bool = False
    created_by: str = Field(max_length=255)
    created_by_display: str = Field(default="", max_length=255)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    # Running totals, updated from the one changed RSVP (never recounted per answer).
    going: int = 0
    maybe: int = 0
    declined: int = 0
    waitlist: int = 0
    # Seats held for someone promoted from the waitlist who has not confirmed yet.
    offered: int = 0
    # Arrival order on the waitlist: the next number to hand out.
    next_wait: int = 1
    # Bumped on every change of time or place, so the iCalendar SEQUENCE moves on.
    revision: int = 0


class EventRsvp(SQLModel, table=True):
    """One answer per person per occurrence; a new answer replaces it (the last counts).
    `state` is where the rules put them: going, waitlist, offered (a seat held for them
    until `offer_expires_at`), maybe or no."""

    __tablename__ = "event_rsvp"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_rsvp_queue", "event_id", "state", "wait_seq"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    user_id: str = Field(max_length=255)
    answer: str = Field(max_length=8)
    state: str = Field(max_length=16)
    wait_seq: int | None = None
    offer_expires_at: datetime | None = utc_column(nullable=True)
    answered_at: datetime = utc_column()
