"""Imports every table module so SQLModel.metadata knows the whole schema."""

from storage import inbox_tables, rfc_tables, tables, vote_tables  # noqa: F401
