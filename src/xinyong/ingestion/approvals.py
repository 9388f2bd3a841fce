"""Big batches approved in the background, with progress.

Approving a batch applies all its rows in one transaction: about a minute per million rows on
PostgreSQL (docs/benchmarks/ingest.md), longer on SQLite. Held in one HTTP request that outlasts a
proxy's timeout (nginx: 60 s): the reviewer would see an error page for an approval that in fact goes
on. So when a reviewer approves a batch of ``XINYONG_APPROVE_BACKGROUND_FROM_ROWS`` rows or more
(default 50,000) in the console — or any batch through the API with ``background=true`` — it is

1. **requested** (:func:`request`): the batch, still 待审核 and in the reviewer's scope, becomes
   入库中 with the reviewer's snapshot and note; the request commits and answers at once (the batch page,
   which shows the step under way and reloads; API: 202). While 入库中 nobody can approve, return or
   withdraw it, and submitting the same file again finds it as it is;
2. **run** (:func:`run`, after the response, in the web process): the ordinary approval, in one
   transaction — all rows or none — as if the reviewer had waited; the batch becomes 已通过 and its
   approval time (timeliness) is when the rows went online;
3. if the run fails, the batch goes back to 待审核 with the reason shown on its page (nothing of the
   run is kept); a run a dead process left is run again by the ``ingestion.resume_approvals`` job after
   :data:`STALE_AFTER`, at most :data:`MAX_ATTEMPTS` times. A second run cannot apply anything twice:
   the batch row is locked for the whole apply and only a batch still 入库中 is applied.

The CLI (``xinyong batches approve``) approves in the foreground: a terminal has no proxy timeout.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.config import get_settings
from xinyong.db import transaction
from xinyong.errors import XinyongError
from xinyong.ingestion import progress, service
from xinyong.ingestion.errors import BatchStateError
from xinyong.ingestion.models import BatchStatus, IngestBatch
from xinyong.jobs import job
from xinyong.kit import clock
from xinyong.kit.actor import SYSTEM

#: A batch still 入库中 this long after its last run started (or was requested) is taken to be orphaned.
STALE_AFTER = dt.timedelta(minutes=30)
#: Runs of one approval before the batch goes back to 待审核 with the reason.
MAX_ATTEMPTS = 3
#: ingestion.progress's kind for approvals.
KIND = "approval"


def in_background(batch: IngestBatch) -> bool:
    """Whether the console applies this batch's approval in the background (by its row count)."""
    return batch.rows >= get_settings().approve_background_from_rows


def request(
    session: Session, *, batch_id: uuid.UUID | str, actor: Actor, now: dt.datetime, note: str | None = None
) -> IngestBatch:
    """Mark a 待审核 batch 入库中 on ``actor``'s behalf; the caller commits, then schedules :func:`run`.

    Refused as an approval would be: a batch outside the actor's scope, or not 待审核."""
    batch = service.get(session, batch_id, for_change=True)
    service.check_unit(session, actor, batch.unit_key)
    service.require_state(batch, BatchStatus.PENDING)
    batch.status = BatchStatus.APPLYING
    batch.reviewed_by = actor.ref().label
    batch.reviewed_at = now
    batch.review_note = note
    batch.apply_actor = actor.snapshot()
    batch.apply_started_at = None
    batch.apply_attempts = 0
    batch.apply_error = None
    session.flush()
    service.audit_batch(
        session, actor, batch, "ingestion.batch_approval_requested", {"note": note, "rows": batch.rows}
    )
    return batch


def _claim(batch_id: uuid.UUID, *, resume: bool) -> tuple[Actor, str | None] | str | None:
    """Start a run: the approving actor and note, a final status when the batch is given up, or None
    when there is nothing to run (not 入库中, or already running and not stale)."""
    now = clock.now()
    with transaction() as session:
        batch = session.scalar(select(IngestBatch).where(IngestBatch.id == batch_id).with_for_update())
        if batch is None or batch.status != BatchStatus.APPLYING:
            return None
        if resume and not _stalled(batch, now):
            return None
        if not resume and batch.apply_started_at is not None:
            return None
        if batch.apply_attempts >= MAX_ATTEMPTS:
            _give_up(
                session,
                batch,
                f"已尝试入库 {batch.apply_attempts} 次仍未完成，批次已退回待审核，请联系管理员",
            )
            return str(BatchStatus.PENDING)
        batch.apply_started_at = now
        batch.apply_attempts += 1
        return Actor.from_snapshot(dict(batch.apply_actor or {})), batch.review_note


def run(batch_id: uuid.UUID, *, resume: bool = False) -> str | None:
    """Apply a batch 入库中 (see the module's docstring). Never raises: a failure is recorded.

    With ``resume`` (the job) only an orphaned one. Returns the status it left (已通过, or 待审核 after a
    failure), or None when there was nothing to run."""
    claimed = _claim(batch_id, resume=resume)
    if not isinstance(claimed, tuple):
        return claimed
    actor, note = claimed
    reporter = progress.Reporter(KIND, batch_id)
    reporter.step("等待开始")
    error: str | None = None
    search_pending = False
    try:
        with transaction() as session:
            # Held to the commit: a second runner (the job, another worker) waits here, then finds 已通过.
            session.scalar(select(IngestBatch.id).where(IngestBatch.id == batch_id).with_for_update())
            service.approve(
                session,
                batch_id=batch_id,
                actor=actor,
                now=clock.now(),
                note=note,
                step=reporter.step,
                state=BatchStatus.APPLYING,
            )
            search_pending = service.get(session, batch_id).search_pending
    except XinyongError as exc:
        error = exc.message
    except Exception as exc:  # anything else: recorded for the reviewer; the apply rolled back whole
        error = f"入库失败（{type(exc).__name__}），数据未写入，批次已退回待审核，可重新审核通过"
    finally:
        reporter.close()
    if error is not None:
        with transaction() as session:
            batch = session.get(IngestBatch, batch_id)
            if batch is None:
                return None
            if batch.status == BatchStatus.APPLYING:
                _give_up(session, batch, error)
            return str(batch.status)  # 待审核; or what another runner left meanwhile
    if search_pending:
        from xinyong.ingestion import tasks

        tasks.index_pending_names(batch_id)
    return str(BatchStatus.APPROVED)


def _give_up(session: Session, batch: IngestBatch, error: str) -> None:
    """Back to 待审核, with the reason on the batch page; audited."""
    batch.status = BatchStatus.PENDING
    batch.apply_error = error[:500]
    batch.apply_started_at = None
    batch.reviewed_by = batch.reviewed_at = batch.review_note = None
    session.flush()
    details = {"error": batch.apply_error, "attempts": batch.apply_attempts}
    service.audit_batch(session, SYSTEM, batch, "ingestion.batch_approval_failed", details)


def resume(batch_id: uuid.UUID | str, *, session: Session, actor: Actor) -> uuid.UUID:
    """Check that a 入库中 batch the actor may review has stalled (see :data:`STALE_AFTER`); the caller
    then runs it again (``run(id, resume=True)``) after its response — instead of waiting for the job."""
    batch = service.get(session, batch_id, for_change=True)
    service.check_unit(session, actor, batch.unit_key)
    service.require_state(batch, BatchStatus.APPLYING)
    if not _stalled(batch, clock.now()):
        minutes = progress.minutes(STALE_AFTER)
        raise BatchStateError(
            f"入库仍在进行中，请稍候；超过 {minutes} 分钟仍未完成时可重新入库",
            details={"batch": str(batch.id)},
        )
    return batch.id


def _stalled(batch: IngestBatch, now: dt.datetime) -> bool:
    """入库中, and last started (or requested) before :data:`STALE_AFTER`: its process died."""
    since = batch.apply_started_at or batch.reviewed_at or batch.submitted_at
    return batch.status == BatchStatus.APPLYING and since < now - STALE_AFTER


def view(batch: IngestBatch) -> dict[str, Any]:
    """A background approval as the batch page and ``GET /api/v1/staff/batches/{id}`` show it."""
    applying = batch.status == BatchStatus.APPLYING
    state = progress.read(KIND, batch.id) if applying else None
    return {
        "applying": applying,
        "stalled": _stalled(batch, clock.now()),  # the page offers 重新入库
        "step": state.get("step") if state else None,
        "started_at": batch.apply_started_at,
        "attempts": batch.apply_attempts,
        "error": batch.apply_error,
    }


def stale(session: Session, *, now: dt.datetime) -> list[uuid.UUID]:
    """Batches left 入库中 by a process that died (see :data:`STALE_AFTER`)."""
    return progress.orphaned(
        session,
        IngestBatch.id,
        waiting=IngestBatch.status == BatchStatus.APPLYING,
        started=IngestBatch.apply_started_at,
        since=IngestBatch.reviewed_at,
        cutoff=now - STALE_AFTER,
    )


@job(
    "ingestion.resume_approvals",
    hour=0,
    description="重新执行因进程中断而停留在“入库中”的批次审核入库（整批原子提交，不会重复入库）",
)
def resume_approvals_job(session: Session, today: dt.date) -> dict[str, Any]:
    """Run each orphaned background approval again (each in transactions of its own)."""
    return progress.resume_all(session, stale(session, now=clock.now()), run)
