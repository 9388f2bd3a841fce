"""Substring search over subject names and exact search by code, fast on SQLite and PostgreSQL.

The index is a gram table: one posting per distinct 1- and 2-character gram of a subject's
normalised name, keyed ``(gram, rank, doc_id)`` so one B-tree range per gram answers a query in
rank order without sorting (docs/search.md gives the design and the measurements behind it).

* 1–2 characters: the query *is* a gram. ``rank`` = (0 when the gram starts the name, else 512)
  + the name's length, so the range yields exact name, then prefix matches, then the rest,
  shorter names first; the total is counted up to a cap.
* 3 or more characters: prefix matches come from a B-tree range over the normalised name
  (code-point order); the rest walks the rarest bigram's postings in rank order and keeps the
  names that contain the query (checked on the name itself, so every hit is a real substring).
* A code (统一社会信用代码, 注册号, 组织机构代码 …) is looked up exactly and ranks first.

Who is searchable is decided by the caller: organisations always; natural persons only while they
have a public record — ``records.queries`` decides that and re-checks every person it shows.
This module returns ids and match tiers only, never a record or a personal identifier.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Engine,
    Select,
    SelectBase,
    Table,
    Uuid,
    any_,
    bindparam,
    delete,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from xinyong.kit import bulk
from xinyong.kit.identifiers import IdType
from xinyong.subjects.models import (
    Subject,
    SubjectIdentifier,
    SubjectKind,
    SubjectSearchDoc,
    SubjectSearchGram,
    SubjectSearchGramStat,
)

DOCS = cast(Table, SubjectSearchDoc.__table__)
GRAMS = cast(Table, SubjectSearchGram.__table__)
STATS = cast(Table, SubjectSearchGramStat.__table__)

#: Rank offset of postings whose gram does not start the name.
NOT_AT_START = 512
MAX_LEN_RANK = NOT_AT_START - 1
#: Every bigram packs to at least this (its first code point is never 0); unigrams are below it.
BIGRAM_MIN = 1 << 21
#: Organisation codes a search may match exactly (personal numbers are never searchable).
CODE_TYPES = (
    IdType.REG_NO.value,
    IdType.ORG_CODE.value,
    IdType.TAX_REG_NO.value,
    IdType.INSTITUTION_CERT.value,
    IdType.SOCIAL_ORG_CERT.value,
)


class Tier:
    CODE = "code"
    EXACT = "exact"
    PREFIX = "prefix"
    CONTAINS = "contains"


@dataclass(frozen=True)
class Hit:
    subject_id: uuid.UUID
    tier: str


@dataclass(frozen=True)
class Hits:
    """One page of hits in rank order; ``total`` is exact unless ``capped`` (then it is the cap)."""

    hits: list[Hit]
    total: int
    capped: bool


def normalise_name(name: str) -> str:
    """The form names are indexed and queried in: NFKC, no whitespace, Latin letters upper-cased."""
    return "".join(unicodedata.normalize("NFKC", name).split()).upper()


def pack(gram: str) -> int:
    """A 1- or 2-character gram as one integer (a bigram's first code point is never 0)."""
    if len(gram) == 1:
        return ord(gram)
    return (ord(gram[0]) << 21) | ord(gram[1])


def postings(norm: str) -> set[tuple[int, int]]:
    """The ``(gram, rank)`` pairs of a normalised name: each distinct unigram and bigram once, ranked by
    the name's length, and after every name that has it at its start when it only occurs later.

    Written for speed (a million new firms mean 27 million postings): the grams are packed from the code
    points directly (as :func:`pack`), every gram first gets the "later" rank and the two grams at the start
    then the smaller one."""
    length = min(len(norm), MAX_LEN_RANK)
    codes = [ord(c) for c in norm]
    out = dict.fromkeys(codes, NOT_AT_START + length)
    out.update(dict.fromkeys([(a << 21) | b for a, b in pairwise(codes)], NOT_AT_START + length))
    if codes:
        out[codes[0]] = length
    if len(codes) > 1:
        out[(codes[0] << 21) | codes[1]] = length
    return set(out.items())


# -- keeping the index in step ------------------------------------------------------------------


def _delete_postings(session: Session, doc: SubjectSearchDoc) -> None:
    keys = [(g, r, doc.doc_id) for g, r in postings(doc.norm_name)]
    if keys:
        session.execute(
            delete(SubjectSearchGram).where(
                tuple_(SubjectSearchGram.gram, SubjectSearchGram.rank, SubjectSearchGram.doc_id).in_(keys)
            )
        )


def index_subject(session: Session, subject: Subject, *, searchable: bool | None = None) -> None:
    """Put ``subject`` into the index under its current name, or take it out.

    ``searchable`` defaults to: an organisation always; a natural person keeps its current
    membership (only a caller that knows the person has a public record may add one).
    """
    doc = session.scalar(select(SubjectSearchDoc).where(SubjectSearchDoc.subject_id == subject.id))
    if searchable is None:
        searchable = subject.kind == SubjectKind.LEGAL_PERSON or doc is not None
    norm = normalise_name(subject.name)
    if doc is not None:
        if searchable and doc.norm_name == norm:
            return
        _delete_postings(session, doc)
        if not searchable:
            session.delete(doc)
            session.flush()
            return
        doc.norm_name = norm
    elif not searchable:
        return
    else:
        doc = SubjectSearchDoc(
            subject_id=subject.id, norm_name=norm, person=subject.kind == SubjectKind.NATURAL_PERSON
        )
        session.add(doc)
    session.flush()
    session.execute(GRAMS.insert(), [{"gram": g, "rank": r, "doc_id": doc.doc_id} for g, r in postings(norm)])


def index_organisations(session: Session, subject_ids: Sequence[uuid.UUID], *, chunk: int = 5_000) -> int:
    """Index organisations created set-based (e.g. provisional subjects of an ingested batch).

    Subjects that already have a document are skipped. Per chunk: one look-up, then
    :func:`_write_documents`. Memory stays bounded by the chunk.
    """
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    added = 0
    ids = list(subject_ids)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        wanted = (
            Subject.id == any_(bindparam("ids", part, type_=ARRAY(Uuid())))
            if postgres
            else Subject.id.in_(part)
        )
        rows = conn.execute(_unindexed_organisations(wanted)).all()
        added += _write_documents(conn, [(sid, name) for sid, name in rows])
    return added


def index_organisations_in(session: Session, ids: SelectBase, *, chunk: int = 5_000) -> int:
    """Index the organisations whose ids the query ``ids`` yields (e.g. a batch's planned provisional
    subjects), those without a document: one streamed join instead of a look-up per chunk of ids —
    for a million new firms the look-ups by id alone took ≈ 20 s — written ``chunk`` at a time."""
    result = session.execute(
        _unindexed_organisations(Subject.id.in_(ids)), execution_options={"yield_per": chunk}
    )
    conn = session.connection()
    return sum(_write_documents(conn, [(sid, name) for sid, name in part]) for part in result.partitions())


def _unindexed_organisations(wanted: ColumnElement[bool]) -> Select[uuid.UUID, str]:
    return select(Subject.id, Subject.name).where(
        wanted,
        Subject.kind == SubjectKind.LEGAL_PERSON,
        ~select(SubjectSearchDoc.doc_id).where(SubjectSearchDoc.subject_id == Subject.id).exists(),
    )


def _write_documents(conn: Connection, rows: list[tuple[uuid.UUID, str]]) -> int:
    """Documents and postings for organisations without a document: document ids reserved in one
    statement, then both written in bulk (COPY on PostgreSQL), the postings sorted in key order so the
    B-tree is filled leaf by leaf rather than at random."""
    if not rows:
        return 0
    doc_ids = _reserve_doc_ids(conn, len(rows))
    docs = [(d, sid, normalise_name(name), False) for d, (sid, name) in zip(doc_ids, rows, strict=True)]
    bulk.write_tuples(conn, DOCS, ["doc_id", "subject_id", "norm_name", "person"], docs)
    bulk.write_ints(
        conn,
        GRAMS,
        ["gram", "rank", "doc_id"],
        sorted([(g, r, d) for d, _, n, _ in docs for g, r in postings(n)]),
    )
    return len(docs)


def _reserve_doc_ids(conn: Connection, n: int) -> list[int]:
    """``n`` fresh document ids: from the serial's sequence on PostgreSQL (safe beside concurrent
    writers), after the largest id on SQLite (one writer at a time holds the database)."""
    if conn.dialect.name == "postgresql":
        return list(
            conn.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('subject_search_docs', 'doc_id'))"
                    " FROM generate_series(1, :n)"
                ).bindparams(n=n)
            )
        )
    top = int(conn.scalar(select(func.coalesce(func.max(SubjectSearchDoc.doc_id), 0))) or 0)
    return list(range(top + 1, top + 1 + n))


def indexed_persons(session: Session) -> set[uuid.UUID]:
    """The natural persons currently in the index."""
    return set(session.scalars(select(SubjectSearchDoc.subject_id).where(SubjectSearchDoc.person)))


def sync_persons(session: Session, *, public: set[uuid.UUID]) -> dict[str, int]:
    """Index exactly the natural persons in ``public`` (those with a public record today)."""
    have = indexed_persons(session)
    added = removed = 0
    for sid in have - public:
        subject = session.get(Subject, sid)
        if subject is not None:
            index_subject(session, subject, searchable=False)
            removed += 1
    for sid in public - have:
        subject = session.get(Subject, sid)
        if subject is not None and subject.kind == SubjectKind.NATURAL_PERSON:
            index_subject(session, subject, searchable=True)
            added += 1
    return {"added": added, "removed": removed, "persons": len(have) - removed + added}


def _doc_rows(conn: Connection, persons: set[uuid.UUID]) -> Iterator[tuple[int, uuid.UUID, str, bool]]:
    doc_id = 0
    rows = conn.execute(
        select(Subject.id, Subject.name, Subject.kind)
        .order_by(Subject.id)
        .execution_options(stream_results=True, yield_per=20_000)
    )
    for sid, name, kind in rows:
        person = kind == SubjectKind.NATURAL_PERSON
        if person and sid not in persons:
            continue
        doc_id += 1
        yield doc_id, sid, normalise_name(name), person


def rebuild(conn: Connection, *, persons: Iterable[uuid.UUID]) -> dict[str, int]:
    """Rebuild the whole index in bulk: every organisation, and the natural persons given."""
    person_set = set(persons)
    pg = conn.dialect.name == "postgresql"
    if pg:
        conn.execute(text("TRUNCATE subject_search_grams, subject_search_docs"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        conn.execute(text("ALTER TABLE subject_search_grams DROP CONSTRAINT pk_subject_search_grams"))
    else:
        conn.execute(delete(GRAMS))
        conn.execute(delete(DOCS))
        conn.exec_driver_sql("PRAGMA cache_size = -1000000")
    docs = grams = 0
    batch: list[tuple[int, uuid.UUID, str, bool]] = []

    def flush() -> None:
        nonlocal docs, grams
        docs += bulk.write_tuples(conn, DOCS, ["doc_id", "subject_id", "norm_name", "person"], batch)
        grams += bulk.write_tuples(
            conn,
            GRAMS,
            ["gram", "rank", "doc_id"],
            sorted((g, r, d) for d, _, norm, _ in batch for g, r in postings(norm)),
        )
        batch.clear()

    with bulk.DeferredIndexes(conn, [DOCS]):
        for row in _doc_rows(conn, person_set):
            batch.append(row)
            if len(batch) >= 50_000:
                flush()
        if batch:
            flush()
    if pg:
        conn.execute(
            text(
                "ALTER TABLE subject_search_grams ADD CONSTRAINT pk_subject_search_grams PRIMARY KEY (gram, rank, doc_id)"
            )
        )
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('subject_search_docs', 'doc_id'), "
                "GREATEST((SELECT max(doc_id) FROM subject_search_docs), 1))"
            )
        )
    else:
        conn.exec_driver_sql("PRAGMA cache_size = -2000")
    bigrams = refresh_stats(conn)
    if pg:
        conn.execute(text("ANALYZE subject_search_docs, subject_search_grams, subject_search_gram_stats"))
    return {"docs": docs, "grams": grams, "bigrams": bigrams}


def vacuum(engine: Engine) -> None:
    """After a bulk rebuild on PostgreSQL: set the visibility map so the posting scans are
    index-only from the first query (VACUUM cannot run inside the rebuild's transaction)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) subject_search_grams, subject_search_docs"))


# -- querying -----------------------------------------------------------------------------------


def _position(conn_dialect: str, haystack: Any, needle: str) -> ColumnElement[int]:
    """1-based position of ``needle`` in ``haystack`` (0 when absent), on either database."""
    if conn_dialect == "postgresql":
        return func.strpos(haystack, literal(needle))
    return func.instr(haystack, literal(needle))


def _successor(norm: str) -> str:
    """The least string above every string starting with ``norm`` (code-point order)."""
    return norm[:-1] + chr(min(ord(norm[-1]) + 1, 0x10FFFF))


def _capped_count(session: Session, stmt: Select[Any], cap: int) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.limit(cap).subquery())) or 0)


def looks_like_code(norm: str) -> bool:
    return 8 <= len(norm) <= 20 and norm.isascii() and norm.isalnum() and any(c.isdigit() for c in norm)


def code_hits(session: Session, norm: str) -> list[uuid.UUID]:
    """Organisations whose USCC or legacy code equals ``norm``."""
    if not looks_like_code(norm):
        return []
    by_uscc = select(Subject.id).where(Subject.uscc == norm, Subject.kind == SubjectKind.LEGAL_PERSON)
    by_legacy = (
        select(SubjectIdentifier.subject_id)
        .join(Subject, Subject.id == SubjectIdentifier.subject_id)
        .where(
            SubjectIdentifier.id_type.in_(CODE_TYPES),
            SubjectIdentifier.lookup == norm,
            Subject.kind == SubjectKind.LEGAL_PERSON,
        )
    )
    found: list[uuid.UUID] = []
    for sid in session.scalars(by_uscc.union(by_legacy)):
        if sid not in found:
            found.append(sid)
    return found


def _rarest_bigram(session: Session, norm: str) -> int:
    """The bigram of ``norm`` with the fewest postings by the stats table; a bigram without a
    figure (new since the last refresh) counts as rarest, which is right for a new gram."""
    grams = sorted({pack(norm[i : i + 2]) for i in range(len(norm) - 1)})
    known = dict(
        session.execute(
            select(SubjectSearchGramStat.gram, SubjectSearchGramStat.postings).where(
                SubjectSearchGramStat.gram.in_(grams)
            )
        ).all()
    )
    return min(grams, key=lambda g: (known.get(g, 0), g))


def refresh_stats(conn: Connection) -> int:
    """Recount the postings of every bigram (after a rebuild, and daily); returns the bigram count."""
    conn.execute(delete(STATS))
    conn.execute(
        STATS.insert().from_select(
            ["gram", "postings"],
            select(SubjectSearchGram.gram, func.count())
            .where(SubjectSearchGram.gram >= BIGRAM_MIN)
            .group_by(SubjectSearchGram.gram),
        )
    )
    return int(conn.scalar(select(func.count()).select_from(STATS)) or 0)


@dataclass(frozen=True)
class _Tier:
    """One tier: a statement counting its matches, and one selecting them in rank order."""

    count: Select[*tuple[Any, ...]]
    rows: Select[*tuple[Any, ...]]


def _name_tiers(session: Session, norm: str) -> list[_Tier]:
    """The tiers of a name query, to be read one after another."""
    g, d = SubjectSearchGram, SubjectSearchDoc
    hit = (d.subject_id, d.norm_name)
    if len(norm) <= 2:
        where = g.gram == pack(norm)
        rows = select(*hit).select_from(g).join(d, d.doc_id == g.doc_id).where(where)
        return [_Tier(select(g.doc_id).where(where), rows.order_by(g.rank, g.doc_id))]
    in_range = (d.norm_name >= norm, d.norm_name < _successor(norm))
    prefix = _Tier(
        select(d.doc_id).where(*in_range).order_by(d.norm_name, d.doc_id),
        select(*hit).where(*in_range).order_by(d.norm_name, d.doc_id),
    )
    rare = _rarest_bigram(session, norm)
    dialect = session.get_bind().dialect.name
    rest = (
        select(*hit)
        .select_from(g)
        .join(d, d.doc_id == g.doc_id)
        .where(g.gram == rare, _position(dialect, d.norm_name, norm) > 1)
        .order_by(g.rank, g.doc_id)
    )
    return [prefix, _Tier(rest, rest)]


def _tier_of(name: str, norm: str) -> str:
    if name == norm:
        return Tier.EXACT
    return Tier.PREFIX if name.startswith(norm) else Tier.CONTAINS


def search(session: Session, query: str, *, offset: int = 0, limit: int = 20, cap: int = 1000) -> Hits:
    """Subjects matching ``query`` (a code or any name fragment), ranked, one page of them.

    Ranking: exact code, exact name, names starting with the query, then the rest. ``total``
    counts matches up to ``cap``; beyond it ``capped`` is set (the page says "超过 1000 条").
    """
    norm = normalise_name(query)
    if not norm:
        return Hits([], 0, False)
    codes = code_hits(session, norm)
    # A code that names a subject is the answer; names are not searched for it as well.
    tiers = [] if codes else _name_tiers(session, norm)
    total = len(codes)
    counts: list[int] = []
    for tier in tiers:
        n = _capped_count(session, tier.count, cap + 1 - total) if total <= cap else 0
        counts.append(n)
        total += n
    capped = total > cap
    hits: list[Hit] = [Hit(sid, Tier.CODE) for sid in codes[offset : offset + limit]]
    skip = max(0, offset - len(codes))
    want = limit - len(hits)
    for tier, n in zip(tiers, counts, strict=True):
        if want <= 0:
            break
        if skip >= n:
            skip -= n
            continue
        page = session.execute(tier.rows.offset(skip).limit(want)).all()
        hits.extend(Hit(sid, _tier_of(name, norm)) for sid, name in page)
        want -= len(page)
        skip = 0
    return Hits(hits, min(total, cap), capped)
