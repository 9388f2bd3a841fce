"""Follow-up work of the ingestion domain: the name index of big batches' new organisations.

A batch that brings more new organisations than ``service.SEARCH_IN_TRANSACTION`` is applied without
indexing their names (see there why); :func:`index_pending_names` does it right after the approving
commit — called by the CLI commands and, as a background task, by the HTTP routes and console pages —
and the daily job catches any batch whose follow-up did not run (a killed process, a restart).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import BackgroundTasks
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.db import transaction
from xinyong.ingestion import service
from xinyong.jobs import job
from xinyong.kit.actor import SYSTEM


def index_pending_names(batch_id: uuid.UUID | None = None) -> dict[str, int]:
    """Index pending names (of ``batch_id``, or of every batch) in a transaction of its own."""
    with transaction() as session:
        return _index(session, batch_id)


def _index(session: Session, batch_id: uuid.UUID | None) -> dict[str, int]:
    result = service.index_pending_names(session, batch_id=batch_id)
    if result["batches"]:
        audit.record(
            session,
            actor=SYSTEM,
            action="ingestion.names_indexed",
            target_type="batch" if batch_id else "search_index",
            target_id=str(batch_id) if batch_id else None,
            batch_id=batch_id,
            details=result,
        )
    return result


def follow_up(background: BackgroundTasks, batch_id: uuid.UUID, search_pending: bool) -> None:
    """An HTTP request's follow-up: after its commit, index the names of a big batch's new organisations."""
    if search_pending:
        background.add_task(index_pending_names, batch_id)


@job(
    "ingestion.index_pending_names",
    hour=0,
    description="补建大批次新增主体的名称检索索引（报送后即时进行，此任务兜底）",
)
def index_pending_names_job(session: Session, today: dt.date) -> dict[str, Any]:
    """Index the names of every approved batch still marked search_pending."""
    return dict(_index(session, None))
