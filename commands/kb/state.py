"""Knowledge-base rows and the full-text index, on either database. SQLite keeps an FTS5
table in step with kb_entry inside the same transaction; PostgreSQL derives its tsvector
column itself. Searches are ranked by the engine (bm25, ts_rank_cd), never a LIKE scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from commands.kb import rules
from storage import cjk_index as cjk
from storage import repos
from storage.kb_tables import KbEntry
from storage.prepared import Prepared, attach, core, placeholders, values

NUMBER_ATTEMPTS = 8
# session.info key: community id -> the entry this session added last (see next_number).
LAST_ADDED = "moot_kb_last_added"


@dataclass(frozen=True)
class Hit:
    entry: KbEntry
    snippet: str
    rank: float


def is_postgres(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def next_number(s: Session, community_id: int) -> int:
    # A batch of vote closes files one entry per vote in one transaction: after the first,
    # the next number is the last one this session inserted, plus one, while that row is
    # still in it (a savepoint rolled back takes it out, and the maximum is read again).
    last = s.info.get(LAST_ADDED, {}).get(community_id)
    if last is not None and inspect(last).persistent:
        return int(last.number) + 1
    top = s.execute(
        select(func.max(KbEntry.number)).where(KbEntry.community_id == community_id)
    ).scalar_one()
    return (top or 0) + 1


def index(s: Session, entry: KbEntry, new: bool = False) -> None:
    """Bring the SQLite index in step with the row (PostgreSQL's column is generated)."""
    if is_postgres(s):
        return
    s.flush()
    if not new:
        s.execute(text("DELETE FROM kb_fts WHERE rowid = :id"), {"id": entry.id})
    if not entry.removed:
        s.execute(
            text("INSERT INTO kb_fts (rowid, question, answer, tags) VALUES (:id, :q, :a, :t)"),
            {
                "id": entry.id,
                "q": cjk.for_index(entry.question),
                "a": cjk.for_index(entry.answer),
                "t": cjk.for_index(entry.tags),
            },
        )


def add(
    s: Session,
    community_id: int,
    *,
    question: str,
    answer: str,
    by: str,
    at: datetime,
    tags: str = "",
    source: str = "manual",
    source_ref: str | None = None,
    link: str | None = None,
) -> KbEntry:
    # Replicas file decisions at once (each vote's close makes an entry): a number another
    # transaction took first is skipped by ON CONFLICT DO NOTHING, and the next one is tried,
    # instead of holding a community-wide lock through every close. One statement, where a
    # savepoint around an ORM flush cost three round trips per close.
    fields = {
        "community_id": community_id,
        "question": question,
        "answer": answer,
        "tags": tags,
        "source": source,
        "source_ref": source_ref,
        "link": link,
        "created_by": by,
        "created_at": at,
        "updated_at": at,
        "removed": False,
    }
    for _attempt in range(NUMBER_ATTEMPTS):
        number = next_number(s, community_id)
        made = core(s, _ADD, values(**fields, number=number)).first()
        if made is not None:
            break
        s.info.get(LAST_ADDED, {}).pop(community_id, None)
    else:
        raise IntegrityError(
            "INSERT INTO kb_entry", {"community_id": community_id}, Exception("no free number")
        )
    entry = attach(s, KbEntry(**fields, number=number, id=made[0]))
    s.info.setdefault(LAST_ADDED, {})[community_id] = entry
    index(s, entry, new=True)
    return entry


# Built once per dialect: composing the statement costs more than running it.
_ADD = Prepared(
    lambda d: (
        repos.dialect_insert(d)(KbEntry)
        .values(**placeholders(KbEntry, *_ADDED))
        .on_conflict_do_nothing(index_elements=["community_id", "number"])
        .returning(KbEntry.id)
    )
)
_ADDED = (
    "community_id",
    "number",
    "question",
    "answer",
    "tags",
    "source",
    "source_ref",
    "link",
    "created_by",
    "created_at",
    "updated_at",
    "removed",
)


def has_source(s: Session, community_id: int, source_ref: str) -> bool:
    """Whether an entry came from this source already: one id, no row to load."""
    found = s.execute(_HAS_SOURCE, {"c": community_id, "ref": source_ref}).first()
    return found is not None


# Built once: composing a statement costs a vote's close more than running it.
_HAS_SOURCE = (
    select(KbEntry.id)
    .where(KbEntry.community_id == bindparam("c"), KbEntry.source_ref == bindparam("ref"))
    .limit(1)
)


def by_source(s: Session, community_id: int, source_ref: str) -> KbEntry | None:
    return s.execute(
        select(KbEntry).where(
            KbEntry.community_id == community_id, KbEntry.source_ref == source_ref
        )
    ).scalar_one_or_none()


def find(s: Session, community_id: int, number: int) -> KbEntry | None:
    return s.execute(
        select(KbEntry).where(
            KbEntry.community_id == community_id,
            KbEntry.number == number,
            KbEntry.removed.is_(False),
        )
    ).scalar_one_or_none()


# At most this many entries are ranked per step. An engine ranks every entry a query
# matches, and a common word matches most of them: ranking 100,000 entries to show five was
# the PostgreSQL p99 of 2.6 s. Candidates come from the index first, capped; only they are
# ranked (by every word of the question).
CANDIDATES = 500


def _ranked(
    s: Session, community_id: int, words: list[str], every: bool, n: int, pick: list[str]
) -> list[tuple[int, float, str]]:
    """The n best of at most CANDIDATES entries matching `pick` (every or any of them),
    ranked by `words`."""
    if is_postgres(s):
        rows = s.execute(
            text(
                "SELECT e.id, ts_rank_cd(e.search, q) AS rank, "
                "ts_headline('simple', e.answer, q, "
                "'StartSel=**,StopSel=**,MaxWords=24,MinWords=8,MaxFragments=1') AS snip "
                "FROM (SELECT id FROM kb_entry WHERE community_id = :c AND NOT removed "
                "AND search @@ to_tsquery('simple', :pick) LIMIT :cap) c "
                "JOIN kb_entry e ON e.id = c.id, to_tsquery('simple', :q) q "
                "ORDER BY rank DESC, e.id LIMIT :n"
            ),
            {
                "q": rules.tsquery(words, every=every),
                "pick": rules.tsquery(pick, every=every),
                "c": community_id,
                "n": n,
                "cap": CANDIDATES,
            },
        ).all()
        return [(r.id, float(r.rank), r.snip) for r in rows]
    # bm25 is lower-is-better; weigh the question over tags over the answer. FTS5 scores
    # only what the MATCH selects, so here the telling words both pick and rank (a common
    # word would make it score most of the table).
    rows = s.execute(
        text(
            "SELECT f.rowid AS id, bm25(kb_fts, 10.0, 1.0, 4.0) AS rank, "
            "snippet(kb_fts, 1, '**', '**', '…', 16) AS snip "
            "FROM kb_fts f JOIN kb_entry e ON e.id = f.rowid "
            "WHERE kb_fts MATCH :q AND e.community_id = :c "
            "ORDER BY rank, f.rowid LIMIT :n"
        ),
        {"q": rules.fts5_query(pick, every=every), "c": community_id, "n": n},
    ).all()
    return [(r.id, -float(r.rank), r.snip) for r in rows]


def common_words(s: Session, community_id: int, words: list[str]) -> set[str]:
    """The words more than CANDIDATES entries hold: they say little about which entry a
    question means, so they rank candidates but do not pick them. Each count stops at
    CANDIDATES + 1 (PostgreSQL reads its statistics), so this costs the same at any size."""
    if is_postgres(s):
        # ANALYZE keeps each frequent lexeme's share of entries (most_common_elems): one
        # catalogue read instead of a count per word. The LIMIT on the candidates keeps the
        # cost bounded even where the estimate is off; without statistics yet, count.
        rows = s.execute(
            text(
                "SELECT st.w, st.f * c.reltuples AS n FROM (SELECT "
                "unnest(most_common_elems::text::text[]) AS w, unnest(most_common_elem_freqs) "
                "AS f FROM pg_stats WHERE schemaname = current_schema() "
                "AND tablename = 'kb_entry' AND attname = 'search') st, pg_class c "
                "WHERE c.oid = 'kb_entry'::regclass"
            )
        ).all()
        if rows:
            return {r.w for r in rows if r.w in words and (r.n or 0) > CANDIDATES}
    out: set[str] = set()
    for w in words:
        if is_postgres(s):
            sql = (
                "SELECT count(*) FROM (SELECT 1 FROM kb_entry WHERE community_id = :c "
                "AND NOT removed AND search @@ to_tsquery('simple', :w) LIMIT :cap) x"
            )
            arg = rules.tsquery([w])
        else:
            sql = (
                "SELECT count(*) FROM (SELECT rowid FROM kb_fts WHERE kb_fts MATCH :w LIMIT :cap) x"
            )
            arg = rules.fts5_query([w])
        found = s.execute(
            text(sql), {"c": community_id, "w": arg, "cap": CANDIDATES + 1}
        ).scalar_one()
        if found > CANDIDATES:
            out.add(w)
    return out


def search(s: Session, community_id: int, query: str, limit: int = 5) -> list[Hit]:
    """Entries with every word first; only when those are too few, entries with any of
    them. Each step ranks at most CANDIDATES entries, so its cost does not grow with the
    knowledge base."""
    typed = rules.check_query(query)
    # Index terms: a Chinese word is looked for as its bigrams (see storage/cjk_index.py).
    words = cjk.search_terms(typed)[: rules.MAX_TERMS * 2]
    scored = _ranked(s, community_id, words, True, limit * 4, words)
    if len(scored) < limit and len(words) > 1:
        seen = {i for i, _, _ in scored}
        # Entries with every word outrank those with only some, whatever their scores.
        floor = min((r for _, r, _ in scored), default=0.0)
        # Any word: picked by the telling ones (all of them when every word is common).
        telling = [w for w in words if w not in common_words(s, community_id, words)]
        more = _ranked(s, community_id, words, False, limit * 4, telling or words)
        scored += [(i, min(r, floor) - 1e6, sn) for i, r, sn in more if i not in seen]
    if not scored:
        return []
    entries = {
        e.id: e
        for e in s.execute(
            select(KbEntry).where(KbEntry.id.in_([i for i, _, _ in scored]))
        ).scalars()
    }
    hits = [
        Hit(entries[i], _snippet(entries[i], snip, typed), rank)
        for i, rank, snip in scored
        if i in entries
    ]
    # An entry whose question is the query, word for word, comes first whatever the engine
    # thought of the answers' lengths.
    hits.sort(key=lambda h: (not rules.is_exact(h.entry.question, query), -h.rank))
    return hits[:limit]


def _snippet(entry: KbEntry, engine: str | None, typed: list[str]) -> str:
    # The engine's snippet of a CJK answer is cut from the bigram form (SQLite) or cannot
    # mark a word inside a sentence (PostgreSQL): cut one from the answer itself.
    if cjk.has_cjk(entry.answer):
        return cjk.highlight(entry.answer, typed)
    return engine or ""
