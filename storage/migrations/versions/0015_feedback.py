"""feedback

Revision ID: 0015_feedback
Revises: 0014_contributors
Create Date: 2026-12-02 19:08:48.498797
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0015_feedback"
down_revision = "0014_contributors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("submitter", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column(
            "submitter_display", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column("source_channel", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("source_message", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("source_link", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("backers", sa.Integer(), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("rfc", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "number"),
    )
    with op.batch_alter_table("feedback_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_item_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_feedback_item_status"), ["status"], unique=False)

    op.create_table(
        "feedback_backer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["feedback_item.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "user_id"),
    )
    with op.batch_alter_table("feedback_backer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_backer_item_id"), ["item_id"], unique=False)

    op.create_table(
        "feedback_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("what", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["feedback_item.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_event_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_event_item_id"))

    op.drop_table("feedback_event")
    with op.batch_alter_table("feedback_backer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_backer_item_id"))

    op.drop_table("feedback_backer")
    with op.batch_alter_table("feedback_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_item_status"))
        batch_op.drop_index(batch_op.f("ix_feedback_item_community_id"))

    op.drop_table("feedback_item")
