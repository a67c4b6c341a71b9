"""votes

Revision ID: 0002_votes
Revises: 0001_core
Create Date: 2026-11-28 03:29:07.288978
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0002_votes"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("vote_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("threshold", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("quorum", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("eligible_roles", sa.JSON(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=True),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("hide_results", sa.Boolean(), nullable=False),
        sa.Column("allow_block", sa.Boolean(), nullable=False),
        sa.Column("close_when_decided", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column(
            "created_by_display", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column("opened_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rfc_id", sa.Integer(), nullable=True),
        sa.Column("thread_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("secret_key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("timeline", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_rfc_id"), ["rfc_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_status"), ["status"], unique=False)

    op.create_table(
        "decision_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("rfc_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("roster_size", sa.Integer(), nullable=False),
        sa.Column("roster_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["vote.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vote_id"),
    )
    with op.batch_alter_table("decision_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_record_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decision_record_rfc_id"), ["rfc_id"], unique=False)

    op.create_table(
        "vote_ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("voter", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("weight", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("cast_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["vote.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vote_id", "voter"),
    )
    with op.batch_alter_table("vote_ballot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_ballot_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "vote_voter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["vote.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vote_id", "user_id"),
    )
    with op.batch_alter_table("vote_voter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_voter_vote_id"), ["vote_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vote_voter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_voter_vote_id"))

    op.drop_table("vote_voter")
    with op.batch_alter_table("vote_ballot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_ballot_vote_id"))

    op.drop_table("vote_ballot")
    with op.batch_alter_table("decision_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_record_rfc_id"))
        batch_op.drop_index(batch_op.f("ix_decision_record_community_id"))

    op.drop_table("decision_record")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_status"))
        batch_op.drop_index(batch_op.f("ix_vote_rfc_id"))
        batch_op.drop_index(batch_op.f("ix_vote_community_id"))

    op.drop_table("vote")
