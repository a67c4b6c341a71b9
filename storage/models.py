"""Imports every table module so SQLModel.metadata knows the whole schema."""

from storage import rfc_tables, tables, vote_tables, vote_tally_tables  # noqa: F401
