"""Imports every table module so SQLModel.metadata knows the whole schema."""

from storage import tables, vote_tables  # noqa: F401
