"""Credit subjects: legal persons and natural persons, their identifiers and sourced attributes."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import BIGINT_PK, Base


class SubjectKind(StrEnum):
    LEGAL_PERSON = "legal_person"
    NATURAL_PERSON = "natural_person"


class Subject(Base):
    """A credit subject. Organisations are addressed by ``uscc``; persons only by ``id``.

    ``name``/``legal_rep``/``district_key``/``industry``/``status`` hold the current view; where
    they came from — and any conflicting values other units sent — lives in SubjectAttribute.
    """

    __tablename__ = "subjects"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(24))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_rep: Mapped[str | None] = mapped_column(String(100))
    district_key: Mapped[str | None] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default="存续")
    #: 待核实: created from a checksum-valid code the platform did not know yet.
    provisional: Mapped[bool] = mapped_column(default=False)
    #: A flagged identifier (failed checksum) was involved in creating the subject.
    flagged: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class SubjectIdentifier(Base):
    """A further identifier of a subject: legacy codes, and personal numbers (encrypted)."""

    __tablename__ = "subject_identifiers"
    __table_args__ = (UniqueConstraint("id_type", "lookup"),)

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    id_type: Mapped[str] = mapped_column(String(24))
    #: The normalised value for organisation codes; an HMAC for personal numbers.
    lookup: Mapped[str] = mapped_column(String(64))
    #: AES-GCM ciphertext of a personal number; NULL for organisation codes.
    encrypted: Mapped[str | None] = mapped_column(String(128))
    masked: Mapped[str] = mapped_column(String(32))
    valid: Mapped[bool]
    source_unit_key: Mapped[str | None] = mapped_column(String(48))
    first_seen: Mapped[dt.datetime]


class SubjectAttribute(Base):
    """One value one unit said about a subject (name, legal_rep, district, industry, status)."""

    __tablename__ = "subject_attributes"
    __table_args__ = (
        UniqueConstraint("subject_id", "attr", "value", "source_unit_key"),
        Index("ix_subject_attributes_attr_value", "attr", "value"),
    )

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    attr: Mapped[str] = mapped_column(String(24))
    value: Mapped[str] = mapped_column(String(200))
    source_unit_key: Mapped[str] = mapped_column(String(48))
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]


#: Normalised names sort and range-scan by code point on both databases (C collation on PostgreSQL).
SEARCH_NAME = String(200).with_variant(String(200, collation="C"), "postgresql")


class SubjectSearchDoc(Base):
    """One searchable subject: every organisation; a natural person only while publicly listed.

    ``doc_id`` is a compact integer key for the gram postings; ``norm_name`` is the normalised name
    (NFKC, no whitespace, upper case) that substring semantics and prefix ranges are defined on.
    """

    __tablename__ = "subject_search_docs"
    __table_args__ = (Index("ix_subject_search_docs_name", "norm_name", "doc_id"),)

    doc_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), unique=True)
    norm_name: Mapped[str] = mapped_column(SEARCH_NAME)
    person: Mapped[bool] = mapped_column(default=False)


class SubjectSearchGram(Base):
    """A posting: gram (1 or 2 code points packed in an integer) → doc, in rank order.

    ``rank`` = 0 when the gram starts the name, else 512, plus the name's length (capped at
    511): one B-tree range per gram yields exact name, then prefix matches, then the rest, shorter
    names first — no sorting at query time. The table is its own index (no rowid on SQLite).
    """

    __tablename__ = "subject_search_grams"
    __table_args__ = ({"sqlite_with_rowid": False},)

    gram: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    rank: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    doc_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class SubjectSearchGramStat(Base):
    """How many postings a bigram has, as of the last rebuild or refresh: only a hint for picking
    the rarest bigram of a query (a stale or missing figure costs speed, never correctness)."""

    __tablename__ = "subject_search_gram_stats"

    gram: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    postings: Mapped[int]
