"""knowledge base: entries, suggestions, and the database's own full-text index

Revision ID: 0013_kb
Revises: 0012_rfc_assess
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0013_kb"
down_revision = "0012_rfc_assess"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("tags", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "number"),
    )
    op.create_index("ix_kb_entry_community_id", "kb_entry", ["community_id"])
    op.create_index("ix_kb_entry_source_ref", "kb_entry", ["source_ref"])
    op.create_table(
        "kb_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.Column("entry_numbers", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("context", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kb_suggestion_community_id", "kb_suggestion", ["community_id"])
    if op.get_bind().dialect.name == "postgresql":
        # 'simple': no stemming, as SQLite's unicode61, so both rank alike and any language
        # (Chinese included) is indexed word by word.
        op.execute(
            "ALTER TABLE kb_entry ADD COLUMN search tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', coalesce(question, '')), 'A') || "
            "setweight(to_tsvector('simple', coalesce(tags, '')), 'B') || "
            "setweight(to_tsvector('simple', coalesce(answer, '')), 'C')) STORED"
        )
        op.execute("CREATE INDEX ix_kb_entry_search ON kb_entry USING GIN (search)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE kb_fts USING fts5("
            "question, answer, tags, tokenize = 'unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS kb_fts")
    op.drop_table("kb_suggestion")
    op.drop_table("kb_entry")
