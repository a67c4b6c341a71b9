"""platform roles: each adapter's list of the platform's real roles; an index for the
support channel's per-person suggestion limit

Revision ID: 0016_channels_roles
Revises: 0015_feedback
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

# alembic_version holds at most 32 characters.
revision = "0016_channels_roles"
down_revision = "0015_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "role_id"),
    )
    op.create_index("ix_platform_role_community_id", "platform_role", ["community_id"])
    # The support channel's suggestions are rate-limited per person: their latest, by index.
    op.create_index("ix_kb_suggestion_user_at", "kb_suggestion", ["community_id", "user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_kb_suggestion_user_at", table_name="kb_suggestion")
    op.drop_index("ix_platform_role_community_id", table_name="platform_role")
    op.drop_table("platform_role")
