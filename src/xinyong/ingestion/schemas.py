"""Request and response models of the ingestion API."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field


class ProblemOut(BaseModel):
    row: int = Field(description="1-based data row; 0 for the whole file")
    field: str | None
    code: str
    message: str
    severity: str


class BatchSummary(BaseModel):
    batch_id: str
    rows: int
    accepted: int
    rejected: int
    warnings: int
    status: str
    errors: list[ProblemOut]


class ApprovalOut(BaseModel):
    """A background approval (ingestion.approvals): under way (入库中) and its step, or why it failed."""

    applying: bool
    #: 入库中 for longer than 30 minutes: its process has most likely died (may be run again).
    stalled: bool
    step: str | None
    started_at: Any
    attempts: int
    error: str | None


class BatchDetail(BatchSummary):
    item: str
    unit: str
    filename: str
    format: str
    encoding: str | None
    content_hash: str
    mapping: dict[str, str]
    trusted: bool
    needs_link: int
    duplicates: int
    skipped: int
    outcome: dict[str, Any]
    submitted_by: str
    submitted_at: Any
    reviewed_by: str | None
    reviewed_at: Any
    review_note: str | None
    #: The batch that corrected this one (status 已更正).
    replaced_by: str | None = None
    approval: ApprovalOut


class BatchListed(BaseModel):
    """One batch in a list (its problems: ``GET /batches/{id}/errors``)."""

    batch_id: str
    item: str
    unit: str
    filename: str
    status: str
    rows: int
    accepted: int
    rejected: int
    warnings: int
    needs_link: int
    duplicates: int
    submitted_by: str
    submitted_at: Any
    reviewed_at: Any


class RowsIn(BaseModel):
    """JSON rows: each object keyed by Chinese label, national field code or field key."""

    item: str
    department: str
    rows: list[dict[str, Any]] = Field(min_length=1)
    mapping: dict[str, str] | None = None
    #: The unit's returned batch (已退回) these rows correct: it becomes 已更正.
    replaces: uuid.UUID | None = None


class MappingIn(BaseModel):
    """A unit's column mapping for an item: file header → catalogue field key."""

    mapping: dict[str, str]


class FeedOut(BaseModel):
    unit: str
    item: str
    mapping: dict[str, str]
    trusted: bool
    updated_by: str | None
    updated_at: Any


class ReviewIn(BaseModel):
    note: str | None = None
