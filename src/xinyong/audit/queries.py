"""Searching the audit tables (the console's audit viewer and its CSV export)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEntry, ReadAuditEntry
from xinyong.kit.clock import SHANGHAI

#: The two logs: changes (操作日志) and reads of non-public data (查询日志).
KINDS = {"changes": AuditEntry, "reads": ReadAuditEntry}


@dataclass(frozen=True)
class AuditFilter:
    kind: str = "changes"
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(dt.UTC)


def _select(f: AuditFilter) -> Select[Any]:
    model: Any = KINDS.get(f.kind, AuditEntry)
    cond: list[ColumnElement[bool]] = []
    if f.actor:
        like = f"%{f.actor.strip()}%"
        cond.append(or_(model.actor_name.like(like), model.actor_id.like(like), model.actor_unit.like(like)))
    if f.action:
        cond.append(model.action.like(f"{f.action.strip()}%"))
    if f.target:
        like = f"%{f.target.strip()}%"
        cond.append(or_(model.target_id.like(like), model.target_type.like(like)))
    if f.date_from:
        cond.append(model.at >= _start(f.date_from))
    if f.date_to:
        cond.append(model.at < _start(f.date_to + dt.timedelta(days=1)))
    return select(model).where(*cond)


def search(session: Session, f: AuditFilter, *, page: int = 1, per_page: int = 50) -> tuple[list[Any], int]:
    """One page of matching rows, newest first, and the total count."""
    q = _select(f)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    model: Any = KINDS.get(f.kind, AuditEntry)
    rows = session.scalars(
        q.order_by(model.at.desc(), model.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(rows), int(total)


def iterate(session: Session, f: AuditFilter, *, batch: int = 1000) -> Iterator[Any]:
    """Every matching row, oldest first, fetched in batches (CSV export)."""
    model: Any = KINDS.get(f.kind, AuditEntry)
    yield from session.scalars(_select(f).order_by(model.at, model.id).execution_options(yield_per=batch))


def count_reads_since(session: Session, since: dt.datetime) -> int:
    return (
        session.scalar(select(func.count()).select_from(ReadAuditEntry).where(ReadAuditEntry.at >= since))
        or 0
    )
