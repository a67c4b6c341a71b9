"""knowledge base: Chinese, Japanese and Korean words found inside unspaced sentences (the
index reads CJK runs as overlapping character bigrams); rebuilds the existing index

Revision ID: 0017_kb_cjk
Revises: 0016_channels_roles
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.cjk_index import CJK_CLASS, for_index

revision = "0017_kb_cjk"
down_revision = "0016_channels_roles"
branch_labels = None
depends_on = None

# commands/kb/cjk.for_index in SQL, for the generated column: each CJK run becomes its
# bigrams and its last character, spaced; text without CJK comes back as it was (the early
# return keeps English rows as cheap to index as before).
_FUNCTION = f"""
CREATE OR REPLACE FUNCTION moot_cjk_index(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  out text := '';
  m text[];
  run text;
  i int;
BEGIN
  IF t !~ '[{CJK_CLASS}]' THEN
    RETURN t;
  END IF;
  FOR m IN SELECT regexp_matches(t, '([^{CJK_CLASS}]*)([{CJK_CLASS}]*)', 'g') LOOP
    out := out || m[1];
    run := m[2];
    IF run <> '' THEN
      out := out || ' ';
      FOR i IN 1 .. char_length(run) - 1 LOOP
        out := out || substr(run, i, 2) || ' ';
      END LOOP;
      out := out || substr(run, char_length(run), 1) || ' ';
    END IF;
  END LOOP;
  RETURN out;
END $$
"""


def _search_column(wrap: str) -> str:
    def part(column: str) -> str:
        return wrap.format(f"coalesce({column}, '')")

    return (
        "ALTER TABLE kb_entry ADD COLUMN search tsvector GENERATED ALWAYS AS ("
        f"setweight(to_tsvector('simple', {part('question')}), 'A') || "
        f"setweight(to_tsvector('simple', {part('tags')}), 'B') || "
        f"setweight(to_tsvector('simple', {part('answer')}), 'C')) STORED"
    )


def _rebuild_postgres(wrap: str) -> None:
    # A generated column's expression cannot be altered before PostgreSQL 17: drop it and
    # add it again, which recomputes every row.
    op.execute("DROP INDEX IF EXISTS ix_kb_entry_search")
    op.execute("ALTER TABLE kb_entry DROP COLUMN search")
    op.execute(_search_column(wrap))
    op.execute("CREATE INDEX ix_kb_entry_search ON kb_entry USING GIN (search)")


def _rebuild_sqlite(transform: bool) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, question, answer, tags FROM kb_entry WHERE NOT removed")
    ).all()
    bind.execute(sa.text("DELETE FROM kb_fts"))
    shown = for_index if transform else str
    for r in rows:
        bind.execute(
            sa.text("INSERT INTO kb_fts (rowid, question, answer, tags) VALUES (:id, :q, :a, :t)"),
            {"id": r.id, "q": shown(r.question), "a": shown(r.answer), "t": shown(r.tags)},
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)
        _rebuild_postgres("moot_cjk_index({})")
    else:
        _rebuild_sqlite(transform=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild_postgres("{}")
        op.execute("DROP FUNCTION IF EXISTS moot_cjk_index(text)")
    else:
        _rebuild_sqlite(transform=False)
