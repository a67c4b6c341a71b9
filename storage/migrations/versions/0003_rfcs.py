"""rfcs

Revision ID: 0003_rfcs
Revises: 0002_votes
Create Date: 2026-11-28 03:31:31.702079
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0003_rfcs"
down_revision = "0002_votes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rfc",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("rfc_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("author_display", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("vote_id", sa.Integer(), nullable=True),
        sa.Column("fcp_disposition", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("fcp_ends_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fcp_remaining_s", sa.Integer(), nullable=True),
        sa.Column("postponed_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("implemented_link", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "number"),
    )
    with op.batch_alter_table("rfc", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rfc_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rfc_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_rfc_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "rfc_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfc_id", sa.Integer(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("author_display", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rfc_id"],
            ["rfc.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rfc_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rfc_comment_rfc_id"), ["rfc_id"], unique=False)

    op.create_table(
        "rfc_concern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfc_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("raised_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column(
            "raised_by_display", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column("raised_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column(
            "resolved_by_display", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rfc_id"],
            ["rfc.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rfc_id", "number"),
    )
    with op.batch_alter_table("rfc_concern", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rfc_concern_rfc_id"), ["rfc_id"], unique=False)

    op.create_table(
        "rfc_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfc_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("actor_display", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("what", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rfc_id"],
            ["rfc.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rfc_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rfc_event_rfc_id"), ["rfc_id"], unique=False)

    op.create_table(
        "rfc_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfc_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("reviewer_display", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("requested", sa.Boolean(), nullable=False),
        sa.Column("requested_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reviewed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["rfc_id"],
            ["rfc.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rfc_id", "reviewer"),
    )
    with op.batch_alter_table("rfc_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rfc_review_rfc_id"), ["rfc_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rfc_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfc_review_rfc_id"))

    op.drop_table("rfc_review")
    with op.batch_alter_table("rfc_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfc_event_rfc_id"))

    op.drop_table("rfc_event")
    with op.batch_alter_table("rfc_concern", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfc_concern_rfc_id"))

    op.drop_table("rfc_concern")
    with op.batch_alter_table("rfc_comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfc_comment_rfc_id"))

    op.drop_table("rfc_comment")
    with op.batch_alter_table("rfc", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfc_vote_id"))
        batch_op.drop_index(batch_op.f("ix_rfc_stage"))
        batch_op.drop_index(batch_op.f("ix_rfc_community_id"))

    op.drop_table("rfc")
