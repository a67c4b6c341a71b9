"""vote rosters frozen at open, running tallies

Revision ID: 0006_vote_tallies
Revises: 0005_outbox_claims
Create Date: 2026-12-02 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_vote_tallies"
down_revision = "0005_outbox_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vote_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("weight", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["vote.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vote_id", "user_id"),
    )
    op.create_index(op.f("ix_vote_roster_vote_id"), "vote_roster", ["vote_id"], unique=False)
    # Open votes from before this migration get their roster and totals on their next
    # ballot (commands/votes/tally.py builds them from the directory and a recount).
    op.create_table(
        "vote_tally",
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.Column("weight_cast", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("pairwise", sa.JSON(), nullable=False),
        sa.Column("roster_size", sa.Integer(), nullable=False),
        sa.Column("roster_weight", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("roster_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("known_upto", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["vote.id"]),
        sa.PrimaryKeyConstraint("vote_id"),
    )


def downgrade() -> None:
    op.drop_table("vote_tally")
    op.drop_index(op.f("ix_vote_roster_vote_id"), table_name="vote_roster")
    op.drop_table("vote_roster")
