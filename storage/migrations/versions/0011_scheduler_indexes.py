"""scheduler indexes: the due-work walk and key-prefix ranges stay indexed at 10,000 rows

Revision ID: 0011_scheduler_indexes
Revises: 0010_tickets
"""

from __future__ import annotations

from alembic import op

revision = "0011_scheduler_indexes"
down_revision = "0010_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (status, due_at, id): `next_due_at` and the (due_at, id) keyset walk read it in order
    # and stop at the first row. It supersedes (status, due_at).
    op.create_index("ix_due_work_walk", "due_work", ["status", "due_at", "id"])
    op.drop_index("ix_due_pending", table_name="due_work")
    if op.get_bind().dialect.name == "postgresql":
        # Key-prefix ranges compare bytes (COLLATE "C"), so they are exact under any database
        # collation; this index serves them. SQLite's (kind, key) unique index already does.
        op.execute('CREATE INDEX ix_due_work_kind_key_c ON due_work (kind, key COLLATE "C")')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_due_work_kind_key_c", table_name="due_work")
    op.create_index("ix_due_pending", "due_work", ["status", "due_at"])
    op.drop_index("ix_due_work_walk", table_name="due_work")
