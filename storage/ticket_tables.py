"""Tables of the support-ticket capability: tickets with their two SLA clocks, and the
transcript of everything said in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import utc_column


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_ticket_requester", "community_id", "requester", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    # #1, #2 ... counted per community.
    number: int
    subject: str = Field(sa_column=Column(Text, nullable=False))
    details: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    priority: str = Field(default="normal", max_length=16)
    # open, waiting (on the requester), closing (asked to confirm), closed.
    status: str = Field(default="open", max_length=16, index=True)
    level: str = Field(default="basic", max_length=32)
    requester: str = Field(max_length=255)
    requester_display: str = Field(default="", max_length=255)
    assignee: str | None = Field(default=None, max_length=255, index=True)
    assignee_display: str | None = Field(default=None, max_length=255)
    # The channel the ticket's place belongs to (the support-staff channel).
    channel: str = Field(max_length=255)
    # The message it was opened from, if any.
    source_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    source_link: str | None = Field(default=None, max_length=1000)
    created_at: datetime = utc_column()
    last_activity_at: datetime = utc_column()
    first_response_at: datetime | None = utc_column(nullable=True)
    close_requested_at: datetime | None = utc_column(nullable=True)
    close_requested_by: str | None = Field(default=None, max_length=255)
    closed_at: datetime | None = utc_column(nullable=True)
    closed_by: str | None = Field(default=None, max_length=255)
    close_reason: str | None = Field(default=None, max_length=500)
    idle_warned_at: datetime | None = utc_column(nullable=True)
    rating: int | None = None
    rating_comment: str | None = Field(default=None, max_length=2000)
    # The two SLA clocks, in business seconds: target, used before `since`, running from
    # `since` or paused, stopped when met (first response) or closed (resolution).
    fr_target_s: int = 0
    fr_used_s: float = 0.0
    fr_since: datetime | None = utc_column(nullable=True)
    fr_running: bool = True
    fr_stopped_at: datetime | None = utc_column(nullable=True)
    res_target_s: int = 0
    res_used_s: float = 0.0
    res_since: datetime | None = utc_column(nullable=True)
    res_running: bool = True
    res_stopped_at: datetime | None = utc_column(nullable=True)
    # Alerts already given, so each is given once per ticket and clock.
    fr_warned: bool = False
    fr_breached: bool = False
    res_warned: bool = False
    res_breached: bool = False


class TicketMessage(SQLModel, table=True):
    """One line of a ticket's transcript: the requester, staff, or Moot itself; notes are
    staff-only; edits are kept with the time they were made."""

    __tablename__ = "ticket_message"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = utc_column()
    author: str = Field(max_length=255)
    author_display: str = Field(default="", max_length=255)
    # requester, staff, moot, other
    role: str = Field(max_length=16)
    # message, note, event
    kind: str = Field(default="message", max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    edited_at: datetime | None = utc_column(nullable=True)
    # The platform's id of the message, so a later edit of it is noted on this line.
    message_id: str | None = Field(default=None, max_length=255)
