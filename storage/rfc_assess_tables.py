"""Tables of RFC decision support: the facts the author and reviewers give about a change,
and the quick, non-binding temperature checks with one answer per person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import utc_column


class RfcMeta(SQLModel, table=True):
    __tablename__ = "rfc_meta"
    id: int | None = Field(default=None, primary_key=True)
    rfc_id: int = Field(foreign_key="rfc.id", unique=True)
    areas: int | None = None
    breaking: bool | None = None
    migration: bool | None = None
    effort: str | None = Field(default=None, max_length=4)
    set_by: str = Field(max_length=255)
    set_at: datetime = utc_column()


class RfcTemperature(SQLModel, table=True):
    """A temperature check: open until closes_at, then its counts are final."""

    __tablename__ = "rfc_temperature"
    id: int | None = Field(default=None, primary_key=True)
    rfc_id: int = Field(foreign_key="rfc.id", index=True)
    status: str = Field(default="open", max_length=8)
    opened_by: str = Field(max_length=255)
    opened_at: datetime = utc_column()
    closes_at: datetime = utc_column()
    # Running counts, updated from the one changed answer.
    up: int = 0
    unsure: int = 0
    down: int = 0


class RfcTemperatureAnswer(SQLModel, table=True):
    __tablename__ = "rfc_temperature_answer"
    __table_args__ = (UniqueConstraint("temperature_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    temperature_id: int = Field(foreign_key="rfc_temperature.id", index=True)
    user_id: str = Field(max_length=255)
    answer: str = Field(max_length=8)
    at: datetime = utc_column()
