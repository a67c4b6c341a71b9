"""Knowledge-base search latency over N entries (default 100,000), beside a plain indexed
primary-key lookup from the same run, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

    python -m bench.kb [N] [SEARCHES]   (PostgreSQL too when MOOT_BENCH_DATABASE_URL or
                                          MOOT_TEST_DATABASE_URL is set)
"""

from __future__ import annotations

import itertools
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import Stats, pg_url, timed
from commands.kb import state
from storage import migrate
from storage.db import Database, normalise_url
from storage.tables import Community

WORDS = [
    "release",
    "build",
    "commit",
    "rights",
    "docs",
    "review",
    "security",
    "licence",
    "vote",
    "rfc",
    "governance",
    "meeting",
    "calendar",
    "ticket",
    "support",
    "plugin",
    "api",
    "migration",
    "python",
    "rust",
    "ci",
    "runner",
    "cache",
    "deploy",
    "mirror",
    "package",
    "version",
    "branch",
    "tag",
    "freeze",
    "hotfix",
    "roadmap",
    "charter",
    "election",
    "board",
    "treasurer",
    "sponsor",
    "trademark",
    "logo",
    "website",
    "forum",
    "chat",
    "matrix",
    "slack",
    "discord",
    "mailing",
    "list",
    "archive",
    "translation",
    "chinese",
    "english",
    "onboarding",
    "mentor",
    "newcomer",
    "issue",
    "triage",
    "label",
    "bot",
    "token",
]


# A vocabulary like a real one: a few common words and a long tail (Zipf), so a search is
# neither trivially selective nor matching every entry.
VOCABULARY = WORDS + [f"term{i}" for i in range(6000)]
CUM_ZIPF = list(itertools.accumulate(1 / (k + 1) for k in range(len(VOCABULARY))))


def sentence(rnd: random.Random, n: int) -> str:
    return " ".join(rnd.choices(VOCABULARY, cum_weights=CUM_ZIPF, k=n))


def populate(db: Database, n: int) -> float:
    rnd = random.Random(7)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    start = time.perf_counter()
    with db.transaction() as s:
        community = Community(platform="console", workspace="bench", created_at=now)
        s.add(community)
        s.flush()
        cid = community.id
        rows = [
            {
                "c": cid,
                "n": i + 1,
                "q": sentence(rnd, 8) + "?",
                "a": sentence(rnd, 40) + ".",
                "t": ",".join(rnd.sample(WORDS, 2)),
                "now": now,
            }
            for i in range(n)
        ]
        for k in range(0, n, 5000):
            s.execute(
                text(
                    "INSERT INTO kb_entry (community_id, number, question, answer, tags, source,"
                    " created_by, created_at, updated_at, removed) VALUES (:c, :n, :q, :a, :t,"
                    " 'manual', 'bench', :now, :now, false)"
                ),
                rows[k : k + 5000],
            )
        if not state.is_postgres(s):
            s.execute(
                text(
                    "INSERT INTO kb_fts (rowid, question, answer, tags) "
                    "SELECT id, question, answer, tags FROM kb_entry"
                )
            )
        else:
            s.execute(text("ANALYZE kb_entry"))
    return time.perf_counter() - start


def measure(db: Database, n: int, searches: int, label: str) -> tuple[Stats, Stats]:
    secs = populate(db, n)
    print(f"{label}: {n} entries loaded and indexed in {secs:.1f} s")
    rnd = random.Random(11)
    queries = [sentence(rnd, rnd.randint(2, 5)) for _ in range(searches)]
    ids = [rnd.randint(1, n) for _ in range(searches)]
    found = 0
    with db.transaction() as s:
        cid = s.execute(text("SELECT id FROM community WHERE workspace = 'bench'")).scalar_one()
        # Warm the caches the way a running bot's would be.
        for q in queries[:20]:
            state.search(s, cid, q)

        def search(i: int) -> None:
            nonlocal found
            found += bool(state.search(s, cid, queries[i]))

        def lookup(i: int) -> None:
            s.execute(text("SELECT * FROM kb_entry WHERE id = :id"), {"id": ids[i]}).one()

        hits = timed(f"moot: /kb search, top 5 of {n} ({label})", searches, search)
        pk = timed(f"baseline: primary-key lookup ({label})", searches, lookup)
    print(f"  {found} of {searches} searches found something")
    return hits, pk


def report(hits: Stats, pk: Stats) -> None:
    print(hits.line("searches"))
    print(pk.line("lookups"))
    print(f"  search p50 / lookup p50: {hits.pct(50) / max(pk.pct(50), 1e-9):.0f}x\n")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    searches = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    print(f"Moot knowledge-base benchmark: {searches} searches over {n} entries\n")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'kb.db'}")
        migrate.upgrade(db)
        report(*measure(db, n, searches, "SQLite FTS5"))
        db.dispose()
    url = pg_url()
    if not url:
        return
    base_url = make_url(normalise_url(url))
    name = f"moot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        db = Database(base_url.set(database=name).render_as_string(hide_password=False))
        migrate.upgrade(db)
        report(*measure(db, n, searches, "PostgreSQL GIN"))
        db.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
