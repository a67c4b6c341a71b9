"""Imports every table module so SQLModel.metadata knows the whole schema."""

from storage import rfc_tables, tables, ticket_tables, vote_tables  # noqa: F401
