"""rfc decision support: meta facts and temperature checks

Revision ID: 0012_rfc_assess
Revises: 0011_scheduler_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0012_rfc_assess"
down_revision = "0011_scheduler_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rfc_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfc_id", sa.Integer(), nullable=False),
        sa.Column("areas", sa.Integer(), nullable=True),
        sa.Column("breaking", sa.Boolean(), nullable=True),
        sa.Column("migration", sa.Boolean(), nullable=True),
        sa.Column("effort", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("set_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rfc_id"], ["rfc.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rfc_id"),
    )
    op.create_table(
        "rfc_temperature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfc_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("opened_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("opened_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("unsure", sa.Integer(), nullable=False),
        sa.Column("down", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["rfc_id"], ["rfc.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rfc_temperature_rfc_id", "rfc_temperature", ["rfc_id"])
    op.create_table(
        "rfc_temperature_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("temperature_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["temperature_id"], ["rfc_temperature.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("temperature_id", "user_id"),
    )
    op.create_index(
        "ix_rfc_temperature_answer_temperature_id", "rfc_temperature_answer", ["temperature_id"]
    )


def downgrade() -> None:
    op.drop_table("rfc_temperature_answer")
    op.drop_table("rfc_temperature")
    op.drop_table("rfc_meta")
