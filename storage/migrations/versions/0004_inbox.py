"""inbox

Revision ID: 0004_inbox
Revises: 0003_rfcs
Create Date: 2026-12-02 18:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0004_inbox"
down_revision = "0003_rfcs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "event_id"),
    )
    op.create_index("ix_inbox_claim", "inbox_event", ["claimed_until", "id"], unique=False)
    op.create_table(
        "person_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("person", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("cast_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("op", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "person", "event_id"),
    )
    op.create_index(
        "ix_person_change_scope", "person_change", ["scope", "person", "cast_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_person_change_scope", table_name="person_change")
    op.drop_table("person_change")
    op.drop_index("ix_inbox_claim", table_name="inbox_event")
    op.drop_table("inbox_event")
