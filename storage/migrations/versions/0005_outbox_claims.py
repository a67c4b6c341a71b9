"""outbox claims: the replica holding a claim, a priority within a lane, attempts started

Revision ID: 0005_outbox_claims
Revises: 0004_inbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_outbox_claims"
down_revision = "0004_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("tries", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("tries")
        batch.drop_column("priority")
        batch.drop_column("claimed_by")
