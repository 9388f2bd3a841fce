"""Batches of department data, their staged rows, problems, link candidates, feeds and revocations.

A batch's ``identity`` is the SHA-256 of (content hash, item, unit, column mapping): submitting the same
batch again finds the first one. The raw file lives content-addressed on disk (``XINYONG_DATA_DIR``); the
normalised rows wait in ``ingest_rows`` (the staging table) until a reviewer approves, when they are
applied to ``credit_records`` set-based.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import BIGINT_PK, Base


class BatchStatus(StrEnum):
    PENDING = "待审核"
    #: Approved by a reviewer and being applied in the background (ingestion.approvals): no other
    #: review action until it is 已通过 — or back to 待审核 with ``apply_error`` if the run failed.
    APPLYING = "入库中"
    APPROVED = "已通过"
    RETURNED = "已退回"
    #: A returned batch its unit sent again corrected (``replaced_by`` the new batch): out of the
    #: 我的报送批次 queue, kept with its problems as what was first sent.
    CORRECTED = "已更正"
    WITHDRAWN = "已撤回"
    FAILED = "失败"


class RowStatus(StrEnum):
    """What became of one data row."""

    ACCEPTED = "accepted"  # valid and linked: applied on approval
    REJECTED = "rejected"  # an error blocks it
    NEEDS_LINK = "needs_link"  # no usable code: a reviewer must pick a subject
    DUPLICATE = "duplicate"  # the same row again in the file: applied once
    MERGED = "merged"  # differs only in merge fields (处罚类别): merged into an earlier row


#: A row's status as the console shows it.
ROW_STATUS_LABELS = {
    RowStatus.ACCEPTED: "通过",
    RowStatus.REJECTED: "有错误",
    RowStatus.NEEDS_LINK: "待关联主体",
    RowStatus.DUPLICATE: "重复（只入库一次）",
    RowStatus.MERGED: "已并入前一行",
}


class IngestBatch(Base):
    __tablename__ = "ingest_batches"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    identity: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("catalog_items.code"))
    item_version: Mapped[str] = mapped_column(String(64))
    unit_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(16))
    #: Column header (as in the file) → catalogue field key, as applied.
    mapping: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(8), index=True)
    trusted: Mapped[bool] = mapped_column(default=False)
    rows: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    needs_link: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)  # blank and 合计 rows
    #: Required/important field cells expected and filled (completeness score).
    fields_expected: Mapped[int] = mapped_column(BigInteger, default=0)
    fields_filled: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Field values checked and values failing a rule (accuracy score).
    values_failed: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Apply outcome counts (created / updated / unchanged / unlinked) once approved.
    outcome: Mapped[dict[str, Any]]
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[dt.datetime | None]
    review_note: Mapped[str | None] = mapped_column(String(500), info={"label": "审核意见"})
    #: Approved with more new organisations than service.SEARCH_IN_TRANSACTION: their names go into
    #: the public name index after the commit (service.index_pending_names); until then they are found
    #: by code only. False once indexed (and for every batch indexed in its own transaction).
    search_pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: A background approval (ingestion.approvals): the approving actor's snapshot, when its last run
    #: started, how many runs it took, and why the last one failed (shown on the 待审核 batch).
    apply_actor: Mapped[dict[str, Any] | None]
    apply_started_at: Mapped[dt.datetime | None]
    apply_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    apply_error: Mapped[str | None] = mapped_column(String(500))
    #: The batch that corrected this returned one (status 已更正).
    replaced_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ingest_batches.id"), index=True)


class IngestRow(Base):
    """One staged data row: normalised payload, the raw cells that differ from it, derived columns, link."""

    __tablename__ = "ingest_rows"
    __table_args__ = (
        UniqueConstraint("batch_id", "row_no"),
        Index("ix_ingest_rows_batch_key", "batch_id", "natural_key"),
    )

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ingest_batches.id"))
    row_no: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    payload: Mapped[dict[str, Any]]
    #: Raw cell text of the fields whose normalised value differs from it (the rest equal their payload).
    raw: Mapped[dict[str, Any]]
    natural_key: Mapped[str | None] = mapped_column(String(400))
    subject_id: Mapped[uuid.UUID | None]
    #: How the subject was found: uscc, id_number, legacy, new (provisional on approval), candidate.
    link: Mapped[str | None] = mapped_column(String(12))
    subject_code: Mapped[str | None] = mapped_column(String(64))
    subject_lookup: Mapped[str | None] = mapped_column(String(64))
    subject_name: Mapped[str | None] = mapped_column(String(200))
    record_id: Mapped[uuid.UUID | None]
    #: Once the batch is approved: updated / unchanged for rows matching a stored record; NULL on an
    #: accepted, linked row means created (not written row by row — see service._classify).
    outcome: Mapped[str | None] = mapped_column(String(10))
    decision_no: Mapped[str | None] = mapped_column(String(200))
    decision_date: Mapped[dt.date | None]
    deciding_unit_key: Mapped[str | None] = mapped_column(String(48))
    severity: Mapped[str | None] = mapped_column(String(4))
    severity_derived: Mapped[bool] = mapped_column(default=False)
    penalty_types: Mapped[str | None] = mapped_column(String(200))
    fine_fen: Mapped[int | None] = mapped_column(BigInteger)
    special_domain: Mapped[str | None] = mapped_column(String(32))
    rule_set: Mapped[str | None] = mapped_column(String(32))
    published: Mapped[bool] = mapped_column(default=True)
    repair_eligible_from: Mapped[dt.date | None]
    publicity_ends: Mapped[dt.date | None]
    valid_to: Mapped[dt.date | None]


class IngestProblem(Base):
    """One problem of a batch: ``row_no`` 0 for the whole file, else the 1-based data row."""

    __tablename__ = "ingest_problems"
    __table_args__ = (Index("ix_ingest_problems_batch_row", "batch_id", "row_no"),)

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ingest_batches.id"))
    row_no: Mapped[int]
    column: Mapped[str | None] = mapped_column(String(200))
    field: Mapped[str | None] = mapped_column(String(64))
    raw: Mapped[str | None] = mapped_column(String(500))
    code: Mapped[str] = mapped_column(String(48))
    message: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(8))


class LinkCandidate(Base):
    """A subject proposed for a row without a usable code (name + legal rep or district): never auto-linked."""

    __tablename__ = "ingest_link_candidates"
    __table_args__ = (UniqueConstraint("batch_id", "row_no", "subject_id"),)

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ingest_batches.id"))
    row_no: Mapped[int]
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    reason: Mapped[str] = mapped_column(String(200))


class IngestFeed(Base):
    """A unit's feed of one item: its saved column mapping and whether it is trusted (auto-approved)."""

    __tablename__ = "ingest_feeds"

    unit_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("catalog_items.code"), primary_key=True)
    mapping: Mapped[dict[str, Any]]
    trusted: Mapped[bool] = mapped_column(default=False)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime]


class Revocation(Base):
    """A revoked decision (已撤销) and its 3-working-day deadline, by file or console."""

    __tablename__ = "ingest_revocations"

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_records.id"), index=True)
    unit_key: Mapped[str] = mapped_column(String(48), index=True)
    reason: Mapped[str] = mapped_column(String(500), info={"label": "撤销原因"})
    revoked_on: Mapped[dt.date]
    deadline: Mapped[dt.date]
    deadline_provisional: Mapped[bool] = mapped_column(default=False)
    processed_at: Mapped[dt.datetime]
    on_time: Mapped[bool]
    source: Mapped[str] = mapped_column(String(16))  # file | console
    actor: Mapped[str] = mapped_column(String(64))


class UploadStatus(StrEnum):
    QUEUED = "排队中"
    RUNNING = "处理中"
    DONE = "已完成"
    FAILED = "失败"


class IngestUpload(Base):
    """A big file received through the console or the API and turned into a batch in the background
    (``ingestion.uploads``): the file is stored first, so nothing is lost if the worker dies; the
    submission then runs as any other (one transaction, same identity rules)."""

    __tablename__ = "ingest_uploads"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    content_hash: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    encoding: Mapped[str | None] = mapped_column(String(16))
    item_code: Mapped[str] = mapped_column(ForeignKey("catalog_items.code"))
    unit_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"), index=True)
    #: The submitting actor as it was (kind, id, name, unit, district, roles, permissions): the
    #: background run checks scope and audits as that actor.
    actor: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(8), index=True)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ingest_batches.id"))
    #: The returned batch this file corrects (service.submit's ``replaces``).
    replaces: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ingest_batches.id"))
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
