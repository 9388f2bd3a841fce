"""Read-only helpers over submission batches: whose batches an actor sees, counts for the console queues."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from xinyong.auth.actor import Actor
from xinyong.auth.scope import units_in_scope
from xinyong.ingestion.models import BatchStatus, IngestBatch, IngestProblem
from xinyong.org import queries as org


def scope_units(session: Session, actor: Actor) -> frozenset[str] | None:
    """The units whose batches, revocations and quality ``actor`` lists (None: every unit — the credit
    office). A district operator sees every unit of its district, as it may act for each of them."""
    return units_in_scope(actor, {u.key: u.district_key for u in org.units(session)})


def within(column: Any, units: Collection[str] | None) -> tuple[ColumnElement[bool], ...]:
    """WHERE terms keeping ``column`` within ``units``: none when ``units`` is None (every unit); an empty
    set matches nothing. Use as ``stmt.where(*within(...))``."""
    return () if units is None else (column.in_(sorted(units)),)


def count_batches(session: Session, *, status: BatchStatus, units: Collection[str] | None = None) -> int:
    """Batches in ``status`` of ``units`` (every unit when None)."""
    stmt = select(func.count()).select_from(IngestBatch).where(IngestBatch.status == status)
    stmt = stmt.where(*within(IngestBatch.unit_key, units))
    return int(session.scalar(stmt) or 0)


def rejected_rows(
    session: Session, *, since: dt.datetime, until: dt.datetime, units: Collection[str] | None = None
) -> int:
    """Data rows refused by validation in batches submitted in [since, until) (withdrawn ones aside)."""
    stmt = select(func.coalesce(func.sum(IngestBatch.rejected), 0)).where(
        IngestBatch.submitted_at >= since,
        IngestBatch.submitted_at < until,
        IngestBatch.status != BatchStatus.WITHDRAWN,
    )
    stmt = stmt.where(*within(IngestBatch.unit_key, units))
    return int(session.scalar(stmt) or 0)


def listed(batch: IngestBatch) -> dict[str, Any]:
    """A batch as a line of a list (API, CLI, the quality drill-down)."""
    return {
        "batch_id": str(batch.id),
        "item": batch.item_code,
        "unit": batch.unit_key,
        "filename": batch.filename,
        "status": batch.status,
        "rows": batch.rows,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "warnings": batch.warnings,
        "needs_link": batch.needs_link,
        "duplicates": batch.duplicates,
        "submitted_by": batch.submitted_by,
        "submitted_at": batch.submitted_at,
        "reviewed_at": batch.reviewed_at,
    }


def problem_counts(session: Session, batch_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """Problems of ``batch_ids`` by rule, most frequent first: rule, severity, how many problems, in how
    many batches, and one message as an example — what a unit most often gets wrong."""
    if not batch_ids:
        return []
    stmt = (
        select(
            IngestProblem.code,
            IngestProblem.severity,
            func.count(),
            func.count(func.distinct(IngestProblem.batch_id)),
            func.min(IngestProblem.message),
        )
        .where(IngestProblem.batch_id.in_(list(batch_ids)))
        .group_by(IngestProblem.code, IngestProblem.severity)
        .order_by(func.count().desc(), IngestProblem.code)
    )
    return [
        {"code": code, "severity": severity, "problems": int(n), "batches": int(b), "example": example}
        for code, severity, n, b, example in session.execute(stmt)
    ]
