"""Imports every table module so SQLModel.metadata knows the whole schema."""

from storage import (  # noqa: F401
    console_tables,
    contrib_tables,
    event_tables,
    feedback_tables,
    inbox_tables,
    kb_tables,
    personal_tables,
    rfc_assess_tables,
    rfc_tables,
    role_tables,
    tables,
    ticket_tables,
    vote_tables,
    vote_tally_tables,
)
