"""console messages and screen feed

Revision ID: 0007_console
Revises: 0006_vote_tallies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_console"
down_revision = "0006_vote_tallies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.Column("thread", sa.String(length=64), nullable=True),
        sa.Column("header", sa.String(length=512), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("card", sa.JSON(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("reactions", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "console_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("shown", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_feed_number", "console_feed", ["number"])


def downgrade() -> None:
    op.drop_index("ix_console_feed_number", table_name="console_feed")
    op.drop_table("console_feed")
    op.drop_table("console_message")
