"""Big files from the console or the API, turned into batches in the background, with progress.

A file of a million rows takes minutes to stage; held in one HTTP request it would outlast every proxy's
timeout (nginx: 60 s) and leave the clerk staring at a spinning page. So from
``XINYONG_UPLOAD_BACKGROUND_FROM_BYTES`` (default 4 MB) on, a file is

1. **received**: stored content-addressed (``storage.store``) and recorded as an upload 排队中 with the
   submitting actor's snapshot, after the same up-front checks as a submission (the catalogue gate, the
   unit in the actor's scope) — the request commits and answers at once (console: a progress page;
   API: 202 with the upload's address);
2. **run** (:func:`run`, after the response, in the web process): marked 处理中 in a transaction of its
   own, then submitted exactly as a small file is — one transaction, atomic, same identity rules — with
   the rows read so far kept in this process for the progress page; then 已完成 with its batch, or 失败
   with the reason in Chinese;
3. **resumed** if the process died meanwhile: an upload still 排队中 or 处理中 after
   :data:`STALE_AFTER` is run again by the ``ingestion.resume_uploads`` job (or by hand:
   ``xinyong jobs run ingestion.resume_uploads``). A re-run cannot apply anything twice: the submission
   is atomic and a batch's identity finds the first one.

Progress — the step under way and the rows read — is reported through :mod:`ingestion.progress`, so
whichever web worker serves the progress page shows it; the status itself is in the database.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.config import get_settings
from xinyong.db import transaction
from xinyong.errors import Conflict, NotFound, XinyongError
from xinyong.ingestion import progress, queries, service, storage
from xinyong.ingestion.models import IngestUpload, UploadStatus
from xinyong.ingestion.readers import detect_format
from xinyong.jobs import job
from xinyong.kit import clock

#: An upload still queued or running this long after it was last started is taken to be orphaned.
STALE_AFTER = dt.timedelta(minutes=30)
#: Runs of one upload before it is left 失败 (a file that kills the process each time).
MAX_ATTEMPTS = 3
#: ingestion.progress's kind for uploads.
KIND = "upload"
#: Not yet a batch: waiting for its run, or in it.
WAITING = (UploadStatus.QUEUED, UploadStatus.RUNNING)


def in_background(path: Path) -> bool:
    """Whether the console turns this file into its batch in the background (by its size)."""
    return path.stat().st_size >= get_settings().upload_background_from_bytes


@dataclass(frozen=True)
class Received:
    """A file the console or the API received, and what it is to become."""

    path: Path
    filename: str
    item_code: str
    unit_key: str
    actor: Actor
    encoding: str | None = None
    #: The returned batch this file corrects (service.submit's ``replaces``).
    replaces: uuid.UUID | None = None


def receive(session: Session, file: Received) -> IngestUpload:
    """Store the file and record an upload 排队中; the caller commits, then schedules :func:`run`.

    Refused at once, as a submission would be: an item outside the catalogue, a unit outside the
    actor's scope or not among the item's providing units, an unknown file type."""
    service.admissible(
        session, file.actor, item_code=file.item_code, unit_key=file.unit_key, replaces=file.replaces
    )
    detect_format(file.filename, None)
    content_hash, _stored = storage.store(file.path)
    upload = IngestUpload(
        id=uuid.uuid4(),
        content_hash=content_hash,
        filename=file.filename.replace("\x00", "")[:255],  # PostgreSQL text cannot hold NUL
        encoding=file.encoding or None,
        item_code=file.item_code,
        unit_key=file.unit_key,
        actor=file.actor.snapshot(),
        status=UploadStatus.QUEUED,
        replaces=file.replaces,
        created_at=clock.now(),
    )
    session.add(upload)
    session.flush()
    return upload


def take(session: Session, file: Received, *, background: bool) -> service.Submission | IngestUpload:
    """Queue ``file`` (:func:`receive`; the caller schedules :func:`run` after its commit) when
    ``background``, else submit it at once."""
    return receive(session, file) if background else _submit(session, file)


def _submit(
    session: Session, file: Received, reporter: progress.Reporter | None = None
) -> service.Submission:
    return service.submit(
        session,
        path=file.path,
        filename=file.filename,
        item_code=file.item_code,
        unit_key=file.unit_key,
        actor=file.actor,
        now=clock.now(),
        today=clock.today(),
        encoding=file.encoding,
        replaces=file.replaces,
        progress=reporter.rows if reporter else None,
        step=reporter.step if reporter else service.no_step,
    )


def run(upload_id: uuid.UUID, *, resume: bool = False) -> str | None:
    """Turn an upload into its batch (see the module's docstring). Never raises: a failure is recorded.

    Runs an upload 排队中; with ``resume`` (the job) only one orphaned — queued or running since before
    :data:`STALE_AFTER` — so a fresh upload about to be run by its own request is left alone. The row is
    locked while it is claimed (PostgreSQL), so two runners never both start it. Returns the status it
    left, or None when there was nothing to run."""
    now = clock.now()
    with transaction() as session:
        upload = session.scalar(select(IngestUpload).where(IngestUpload.id == upload_id).with_for_update())
        if upload is None or not _runnable(upload, now=now, resume=resume):
            return None
        if upload.attempts >= MAX_ATTEMPTS:
            upload.status, upload.finished_at = UploadStatus.FAILED, now
            upload.error = f"已尝试处理 {upload.attempts} 次仍未完成，请检查文件后重新上传"
            return str(upload.status)
        upload.status = UploadStatus.RUNNING
        upload.started_at = now
        upload.attempts += 1
        actor = Actor.from_snapshot(dict(upload.actor))
        content_hash, filename, encoding = upload.content_hash, upload.filename, upload.encoding
        item_code, unit_key, replaces = upload.item_code, upload.unit_key, upload.replaces
    reporter = progress.Reporter(KIND, upload_id)
    reporter.step("等待开始")
    batch_id: uuid.UUID | None = None
    error: str | None = None
    search_pending = False
    try:
        stored = storage.find(content_hash)
        if stored is None:
            raise NotFound("上传的文件已不在文件库中，请重新上传", details={"content_hash": content_hash})
        file = Received(stored, filename, item_code, unit_key, actor, encoding, replaces)
        with transaction() as session:
            sub = _submit(session, file, reporter)
            batch_id, search_pending = sub.batch.id, sub.batch.search_pending
    except XinyongError as exc:
        error = exc.message
    except Exception as exc:  # anything else: recorded for the clerk; the batch rolled back whole
        error = f"处理失败（{type(exc).__name__}），文件已保存，可重新处理"
    finally:
        reporter.close()
    status = UploadStatus.FAILED if error else UploadStatus.DONE
    with transaction() as session:
        upload = session.get(IngestUpload, upload_id)
        if upload is not None:
            upload.status, upload.batch_id = status, batch_id
            upload.error = error[:500] if error else None
            upload.finished_at = clock.now()
    if search_pending and batch_id is not None:
        from xinyong.ingestion import tasks

        tasks.index_pending_names(batch_id)
    return str(status)


def resume(upload_id: uuid.UUID, *, session: Session, actor: Actor) -> uuid.UUID:
    """Check that an upload the actor may see has stalled (see :data:`STALE_AFTER`); the caller then runs
    it again (``run(id, resume=True)``) after its response — instead of waiting for the job."""
    upload = get(session, upload_id, actor)
    if not _stalled(upload, clock.now()):
        raise Conflict(
            f"文件仍在处理或已处理完毕；排队或处理超过 {progress.minutes(STALE_AFTER)} 分钟仍未完成时可重新处理",
            code="upload_state",
            details={"upload": str(upload_id), "status": upload.status},
        )
    return upload.id


def _stalled(upload: IngestUpload, now: dt.datetime) -> bool:
    """Not yet a batch, and last started (or received) before :data:`STALE_AFTER`: its process died."""
    return upload.status in WAITING and (upload.started_at or upload.created_at) < now - STALE_AFTER


def _runnable(upload: IngestUpload, *, now: dt.datetime, resume: bool) -> bool:
    return _stalled(upload, now) if resume else upload.status == UploadStatus.QUEUED


def get(session: Session, upload_id: uuid.UUID, actor: Actor) -> IngestUpload:
    """An upload the actor may see (its unit within the actor's scope)."""
    upload = session.get(IngestUpload, upload_id)
    if upload is None:
        raise NotFound("未找到该上传任务", details={"upload": str(upload_id)})
    service.check_unit(session, actor, upload.unit_key)
    return upload


def view(upload: IngestUpload) -> dict[str, Any]:
    """An upload as the progress page and ``GET /api/v1/staff/uploads/{id}`` show it."""
    state = progress.read(KIND, upload.id) if upload.status == UploadStatus.RUNNING else None
    return {
        "stalled": _stalled(upload, clock.now()),  # the page offers 重新处理
        "upload_id": str(upload.id),
        "filename": upload.filename,
        "item": upload.item_code,
        "unit": upload.unit_key,
        "status": upload.status,
        "rows_read": state.get("rows") if state else None,
        "step": state.get("step") if state else None,
        "batch_id": str(upload.batch_id) if upload.batch_id else None,
        "error": upload.error,
        "created_at": upload.created_at,
        "started_at": upload.started_at,
        "finished_at": upload.finished_at,
    }


#: A failed upload stays listed (batches page, ``GET /api/v1/staff/uploads``) this long.
FAILED_LISTED_FOR = dt.timedelta(days=7)


def unfinished(
    session: Session, *, units: Collection[str] | None, now: dt.datetime, limit: int = 50
) -> list[IngestUpload]:
    """Uploads of ``units`` (every unit when None) not yet batches — 排队中, 处理中 — and those that failed
    in the last :data:`FAILED_LISTED_FOR`, newest first: so a clerk who left the progress page finds them."""
    waiting = IngestUpload.status.in_(WAITING)
    failed = (IngestUpload.status == UploadStatus.FAILED) & (
        IngestUpload.created_at >= now - FAILED_LISTED_FOR
    )
    stmt = select(IngestUpload).where(or_(waiting, failed), *queries.within(IngestUpload.unit_key, units))
    return list(session.scalars(stmt.order_by(IngestUpload.created_at.desc()).limit(limit)))


def stale(session: Session, *, now: dt.datetime) -> list[uuid.UUID]:
    """Uploads left 排队中 or 处理中 by a process that died (see :data:`STALE_AFTER`)."""
    return progress.orphaned(
        session,
        IngestUpload.id,
        waiting=IngestUpload.status.in_(WAITING),
        started=IngestUpload.started_at,
        since=IngestUpload.created_at,
        cutoff=now - STALE_AFTER,
    )


@job(
    "ingestion.resume_uploads",
    hour=0,
    description="重新处理因进程中断而停留在“排队中/处理中”的上传文件（批次原子提交，不会重复入库）",
)
def resume_uploads_job(session: Session, today: dt.date) -> dict[str, Any]:
    """Run each orphaned upload again (each in transactions of its own; failed for good after
    MAX_ATTEMPTS runs)."""
    return progress.resume_all(session, stale(session, now=clock.now()), run)
