"""Read-only counts over submission batches (console queues)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.ingestion.models import BatchStatus, IngestBatch


def count_batches(session: Session, *, status: BatchStatus, unit_key: str | None = None) -> int:
    """Batches in ``status``, of ``unit_key`` (every unit when None)."""
    stmt = select(func.count()).select_from(IngestBatch).where(IngestBatch.status == status)
    if unit_key:
        stmt = stmt.where(IngestBatch.unit_key == unit_key)
    return int(session.scalar(stmt) or 0)


def rejected_rows(
    session: Session, *, since: dt.datetime, until: dt.datetime, unit_key: str | None = None
) -> int:
    """Data rows refused by validation in batches submitted in [since, until) (withdrawn ones aside)."""
    stmt = select(func.coalesce(func.sum(IngestBatch.rejected), 0)).where(
        IngestBatch.submitted_at >= since,
        IngestBatch.submitted_at < until,
        IngestBatch.status != BatchStatus.WITHDRAWN,
    )
    if unit_key:
        stmt = stmt.where(IngestBatch.unit_key == unit_key)
    return int(session.scalar(stmt) or 0)
