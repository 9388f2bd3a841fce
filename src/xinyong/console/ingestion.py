"""Console pages of data ingestion (数据归集): batches and their review (problems, preview, link candidates),
upload, a single-record form, the item's XLSX template, revocations with their deadlines, and quality
scores with ECharts and drill-down.

Personal ID numbers are masked in the preview table for everybody and in the problem list for staff
without ``records.read_private`` over the batch's unit (ingestion.privacy).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.auth import service as auth
from xinyong.auth.actor import Actor
from xinyong.auth.permissions import (
    BATCHES_READ,
    QUALITY_READ,
    RECORDS_REVIEW,
    RECORDS_REVOKE,
    RECORDS_SUBMIT,
    require,
)
from xinyong.catalog import queries as catalog
from xinyong.catalog.schemas import CatalogItemSpec, FieldRole, FieldType
from xinyong.console.deps import PREFIX, Csrf, render
from xinyong.console.nav import NavEntry, Queue, register_nav, register_queue
from xinyong.errors import XinyongError
from xinyong.ingestion import (
    approvals,
    exports,
    originals,
    privacy,
    progress,
    quality,
    revocations,
    service,
    tasks,
    uploads,
)
from xinyong.ingestion import queries as batches_queries
from xinyong.ingestion.models import ROW_STATUS_LABELS, BatchStatus, IngestUpload
from xinyong.ingestion.rule_names import rule_name
from xinyong.kit import clock
from xinyong.org import queries as org
from xinyong.web import DbSession, save_upload

BASE = f"{PREFIX}/ingestion"
router = APIRouter(prefix=BASE, include_in_schema=False)

Reader = Annotated[Actor, Depends(require(BATCHES_READ))]
Submitter = Annotated[Actor, Depends(require(RECORDS_SUBMIT))]
Reviewer = Annotated[Actor, Depends(require(RECORDS_REVIEW))]
Revoker = Annotated[Actor, Depends(require(RECORDS_REVOKE))]
QualityReader = Annotated[Actor, Depends(require(QUALITY_READ))]


def _units(session: Session, actor: Actor) -> frozenset[str] | None:
    """The units whose batches the actor works on: its own; a district operator's whole district;
    None — every unit — for the credit office."""
    return batches_queries.scope_units(session, actor)


def _unit_choices(session: Session, actor: Actor) -> list[Any]:
    """The units the actor may submit for (a choice is offered when there is more than one)."""
    scope = _units(session, actor)
    return [u for u in org.units(session) if scope is None or u.key in scope]


def _returned(session: Session, actor: Actor) -> int:
    return batches_queries.count_batches(session, status=BatchStatus.RETURNED, units=_units(session, actor))


def _pending(session: Session, actor: Actor) -> int:
    return batches_queries.count_batches(session, status=BatchStatus.PENDING, units=_units(session, actor))


def _rejected_this_month(session: Session, actor: Actor) -> int:
    since, until = quality.month_bounds(clock.today().strftime("%Y-%m"))
    return batches_queries.rejected_rows(session, since=since, until=until, units=_units(session, actor))


register_nav(NavEntry("ingestion", "数据归集", f"{BASE}/batches", permission=RECORDS_SUBMIT, order=20))
register_nav(
    NavEntry(
        "review",
        "批次审核",
        f"{BASE}/batches?status={BatchStatus.PENDING}",
        permission=RECORDS_REVIEW,
        order=21,
    )
)
register_nav(NavEntry("revocations", "撤销决定", f"{BASE}/revocations", permission=RECORDS_REVOKE, order=25))
register_nav(NavEntry("quality", "数据质量", f"{BASE}/quality", permission=QUALITY_READ, order=30))
for _q in (
    Queue(
        "my_batches",
        "我的报送批次",
        RECORDS_SUBMIT,
        "本单位被退回、待更正后重新报送的批次",
        f"{BASE}/batches?status={BatchStatus.RETURNED}",
        _returned,
        10,
    ),
    Queue(
        "pending_batches",
        "待审核批次",
        RECORDS_REVIEW,
        "本单位待审核的报送批次",
        f"{BASE}/batches?status={BatchStatus.PENDING}",
        _pending,
        20,
    ),
    Queue(
        "quality",
        "数据质量",
        QUALITY_READ,
        "本月报送中未通过校验的数据行",
        f"{BASE}/quality",
        _rejected_this_month,
        40,
    ),
):
    register_queue(_q)


def _page(
    request: Request, session: Session, name: str, actor: Actor, status_code: int = 200, **context: Any
) -> HTMLResponse:
    return render(request, session, actor, f"ingestion/{name}", status_code, **_names(session), **context)


def _names(session: Session) -> dict[str, Any]:
    """What the ingestion pages name in Chinese: units, catalogue items and the rules problems cite
    (the keys and codes stay in links and filters)."""
    return {
        "unit_names": {u.key: u.name for u in org.units(session)},
        "item_names": dict(_items(session)),
        "rule_name": rule_name,
    }


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _items(session: Any, units: list[Any] | None = None) -> list[tuple[str, str]]:
    """Catalogue items as (code, name); with ``units``, those one of them provides (what they may send)."""
    specs = catalog.all_specs(session).items()
    return [(c, s.name) for c, s in specs if units is None or any(s.provided_by(u.key) for u in units)]


@router.get("/batches", response_class=HTMLResponse)
def batches(request: Request, session: DbSession, actor: Reader, status: str | None = None) -> HTMLResponse:
    units = _units(session, actor)
    rows = service.list_batches(session, units=units, status=status or None, limit=200)
    return _page(
        request,
        session,
        "batches.html",
        actor,
        batches=rows,
        uploads=[uploads.view(u) for u in uploads.unfinished(session, units=units, now=clock.now())],
        status=status,
        statuses=[s.value for s in BatchStatus],
        can_submit=actor.has(RECORDS_SUBMIT),
    )


#: Problems shown on a batch page (all of them: the errors download).
PROBLEM_LIMIT = 500


def _batch(
    request: Request,
    session: Session,
    actor: Actor,
    batch_id: uuid.UUID,
    status: int = 200,
    code: str | None = None,
    **extra: Any,
) -> HTMLResponse:
    batch = service.get(session, batch_id)
    service.check_unit(session, actor, batch.unit_key)
    item = catalog.item_spec(session, batch.item_code)
    reveal = privacy.may_reveal(session, actor, unit_key=batch.unit_key, item=item)
    found = service.iter_problems(session, batch.id, code=code or None)
    problems = list(privacy.masked_problems(islice(found, PROBLEM_LIMIT), item, reveal=reveal))
    rows = [
        (r, *privacy.masked_row(r.payload, r.raw, item)) for r in service.preview(session, batch.id, limit=50)
    ]
    return render(
        request,
        session,
        actor,
        "ingestion/batch.html",
        status,
        batch=batch,
        item=item,
        problems=problems,
        problem_limit=PROBLEM_LIMIT,
        submitter=auth.actor_name(session, batch.submitted_by),
        reviewer=auth.actor_name(session, batch.reviewed_by),
        row_status=ROW_STATUS_LABELS,
        code=code or None,
        rules=batches_queries.problem_counts(session, [batch.id]),
        rows=rows,
        waiting=service.preview(session, batch.id, limit=100, status="needs_link"),
        candidates=service.candidates(session, batch.id),
        can_review=actor.has(RECORDS_REVIEW),
        can_withdraw=actor.has(RECORDS_SUBMIT),
        **dict(zip(("corrected_by", "corrects"), service.corrections(session, batch), strict=True)),
        approval=approvals.view(batch),
        stale_minutes=progress.minutes(approvals.STALE_AFTER),
        unmapped=service.unknown_columns(session, batch.id),
        original=reveal,
        labels=auth.code_labels(session) if reveal else None,
        actor_purpose=actor.purpose,
        actor_basis=actor.legal_basis,
        **_names(session),
        **extra,
    )


@router.get("/batches/{batch_id}/file", response_class=Response)
def original_file(request: Request, batch_id: uuid.UUID, session: DbSession, actor: Reader) -> Response:
    """The file as the unit sent it (ingestion.originals: read_private, purpose and legal basis; audited)."""
    try:
        found = originals.original(session, batch_id=batch_id, actor=actor, path=request.url.path)
    except XinyongError as exc:
        return _batch(request, session, actor, batch_id, exc.status_code, error=exc.message)
    return FileResponse(found.path, media_type=found.media_type, filename=found.filename)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(
    request: Request, batch_id: uuid.UUID, session: DbSession, actor: Reader, code: str | None = None
) -> HTMLResponse:
    return _batch(request, session, actor, batch_id, code=code)


def _act(request: Request, session: Session, actor: Actor, batch_id: uuid.UUID, step: Any) -> Response:
    """Run one review action; on refusal show the batch page with the reason (nothing of it is kept)."""
    try:
        with session.begin_nested():
            step()
    except XinyongError as exc:
        return _batch(request, session, actor, batch_id, exc.status_code, error=exc.message)
    return _see_other(f"{BASE}/batches/{batch_id}")


@router.post("/batches/{batch_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request,
    batch_id: uuid.UUID,
    session: DbSession,
    actor: Reviewer,
    _csrf: Csrf,
    background: BackgroundTasks,
    note: Annotated[str, Form()] = "",
) -> Response:

    def step() -> None:
        if approvals.in_background(service.get(session, batch_id)):
            # Applied after the response (ingestion.approvals): the page shows the step under way.
            approvals.request(session, batch_id=batch_id, actor=actor, now=clock.now(), note=note or None)
            background.add_task(approvals.run, batch_id)
            return
        service.approve(session, batch_id=batch_id, actor=actor, now=clock.now(), note=note or None)
        tasks.follow_up(background, batch_id, service.get(session, batch_id).search_pending)

    return _act(request, session, actor, batch_id, step)


@router.post("/batches/{batch_id}/resume", response_class=HTMLResponse)
def resume_approval(
    request: Request,
    batch_id: uuid.UUID,
    session: DbSession,
    actor: Reviewer,
    _csrf: Csrf,
    background: BackgroundTasks,
) -> Response:
    """重新入库: a background approval whose process died, run again now rather than by the nightly job."""

    def step() -> None:
        background.add_task(
            approvals.run, approvals.resume(batch_id, session=session, actor=actor), resume=True
        )

    return _act(request, session, actor, batch_id, step)


@router.post("/batches/{batch_id}/return", response_class=HTMLResponse)
def return_(
    request: Request,
    batch_id: uuid.UUID,
    session: DbSession,
    actor: Reviewer,
    _csrf: Csrf,
    note: Annotated[str, Form()],
) -> Response:
    return _act(
        request,
        session,
        actor,
        batch_id,
        lambda: service.return_batch(session, batch_id=batch_id, actor=actor, now=clock.now(), note=note),
    )


@router.post("/batches/{batch_id}/correct", response_class=HTMLResponse)
async def correct(
    request: Request,
    batch_id: uuid.UUID,
    session: DbSession,
    actor: Submitter,
    _csrf: Csrf,
    background: BackgroundTasks,
    file: UploadFile,
    encoding: Annotated[str, Form()] = "",
) -> Response:
    """The corrected file of a returned batch: a new batch (in the background when big, as any upload);
    the returned one becomes 已更正 (service.submit's ``replaces``)."""
    returned = service.get(session, batch_id)
    name = Path(file.filename or returned.filename).name
    try:
        with tempfile.TemporaryDirectory() as tmp, session.begin_nested():
            path = Path(tmp) / name
            await save_upload(file, path)
            received = uploads.Received(
                path, name, returned.item_code, returned.unit_key, actor, encoding or None, batch_id
            )
            return take_file(session, received, background)
    except XinyongError as exc:
        return _batch(request, session, actor, batch_id, exc.status_code, error=exc.message)


@router.post("/batches/{batch_id}/withdraw", response_class=HTMLResponse)
def withdraw(
    request: Request, batch_id: uuid.UUID, session: DbSession, actor: Submitter, _csrf: Csrf
) -> Response:
    return _act(
        request,
        session,
        actor,
        batch_id,
        lambda: service.withdraw(session, batch_id=batch_id, actor=actor, now=clock.now()),
    )


@router.post("/batches/{batch_id}/link", response_class=HTMLResponse)
def link(
    request: Request,
    batch_id: uuid.UUID,
    session: DbSession,
    actor: Reviewer,
    _csrf: Csrf,
    row_no: Annotated[int, Form()],
    subject_id: Annotated[uuid.UUID, Form()],
) -> Response:
    return _act(
        request,
        session,
        actor,
        batch_id,
        lambda: service.link_row(
            session, batch_id=batch_id, row_no=row_no, subject_id=subject_id, actor=actor
        ),
    )


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, session: DbSession, actor: Submitter) -> HTMLResponse:
    units = _unit_choices(session, actor)
    return _page(request, session, "upload.html", actor, items=_items(session, units), units=units)


@router.post("/upload", response_class=HTMLResponse)
async def upload(
    request: Request,
    session: DbSession,
    actor: Submitter,
    _csrf: Csrf,
    background: BackgroundTasks,
    file: UploadFile,
    item: Annotated[str, Form()],
    department: Annotated[str, Form()] = "",
    encoding: Annotated[str, Form()] = "",
) -> Response:
    name = Path(file.filename or "upload.csv").name
    try:
        with tempfile.TemporaryDirectory() as tmp, session.begin_nested():
            path = Path(tmp) / name
            await save_upload(file, path)
            unit = department or actor.unit_key or ""
            received = uploads.Received(path, name, item, unit, actor, encoding or None)
            return take_file(session, received, background)
    except XinyongError as exc:
        units = _unit_choices(session, actor)
        return _page(
            request,
            session,
            "upload.html",
            actor,
            exc.status_code,
            items=_items(session, units),
            units=units,
            error=exc.message,
        )


def take_file(session: Session, received: uploads.Received, background: BackgroundTasks) -> Response:
    """Turn a received file into its batch — a big one in the background (uploads.in_background) — and
    lead to the batch page, or to the upload's progress page."""
    sub = uploads.take(session, received, background=uploads.in_background(received.path))
    if isinstance(sub, IngestUpload):
        background.add_task(uploads.run, sub.id)
        return _see_other(f"{BASE}/uploads/{sub.id}")
    tasks.follow_up(background, sub.batch.id, sub.batch.search_pending)
    return _see_other(f"{BASE}/batches/{sub.batch.id}")


@router.get("/uploads/{upload_id}", response_class=HTMLResponse)
def upload_progress(request: Request, upload_id: uuid.UUID, session: DbSession, actor: Reader) -> Response:
    """A big file's progress; reloads itself while it runs, then leads to its batch."""
    upload = uploads.get(session, upload_id, actor)
    return _upload_page(request, session, actor, upload)


def _upload_page(
    request: Request,
    session: Session,
    actor: Actor,
    upload: IngestUpload,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    return _page(
        request,
        session,
        "upload_progress.html",
        actor,
        status_code,
        upload=uploads.view(upload),
        stale_minutes=progress.minutes(uploads.STALE_AFTER),
        **extra,
    )


@router.post("/uploads/{upload_id}/resume", response_class=HTMLResponse)
def resume_upload(
    request: Request,
    upload_id: uuid.UUID,
    session: DbSession,
    actor: Submitter,
    _csrf: Csrf,
    background: BackgroundTasks,
) -> Response:
    """重新处理: an upload whose process died, run again now rather than by the nightly job."""
    try:
        background.add_task(uploads.run, uploads.resume(upload_id, session=session, actor=actor), resume=True)
    except XinyongError as exc:
        upload = uploads.get(session, upload_id, actor)
        return _upload_page(request, session, actor, upload, exc.status_code, error=exc.message)
    return _see_other(f"{BASE}/uploads/{upload_id}")


#: The unit fields the single-record form fills in with the submitting unit (data-unit-field: name/uscc).
_UNIT_ROLES = {
    FieldRole.DECIDING_UNIT_NAME: "name",
    FieldRole.DECIDING_UNIT_CODE: "uscc",
    FieldRole.SOURCE_UNIT_NAME: "name",
    FieldRole.SOURCE_UNIT_CODE: "uscc",
}


def _record_page(
    request: Request,
    session: Session,
    actor: Actor,
    spec: CatalogItemSpec,
    *,
    department: str | None,
    values: dict[str, Any] | None = None,
    problems: list[dict[str, Any]] | None = None,
    status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    """The single-record form: empty with the unit's own name and code filled in, or as the clerk sent
    it with each problem under its field (rows' problems without a field above the form)."""
    units = _unit_choices(session, actor)
    chosen = next((u for u in units if u.key == department), units[0] if units else None)
    unit_fields = {
        f.key: attr for role, attr in _UNIT_ROLES.items() if (f := spec.field_by_role(role)) is not None
    }
    if values is None:
        values = {k: getattr(chosen, attr) for k, attr in unit_fields.items()} if chosen else {}
    problems = problems or []
    by_field: dict[str, list[dict[str, Any]]] = {}
    for p in problems:
        by_field.setdefault(p["field"] or "", []).append(p)
    return _page(
        request,
        session,
        "record.html",
        actor,
        status_code,
        items=_items(session, units),
        item=spec,
        units=units,
        department=chosen.key if chosen else None,
        values=values,
        unit_fields=unit_fields,
        field_problems=by_field,
        row_problems=by_field.get("", []),
        errors=sum(1 for p in problems if p["severity"] == "error"),
        error=error,
    )


@router.get("/record", response_class=HTMLResponse)
def record_form(
    request: Request, session: DbSession, actor: Submitter, item: str = "xzcf_fr"
) -> HTMLResponse:
    spec = catalog.item_spec(session, item)
    return _record_page(request, session, actor, spec, department=actor.unit_key)


@router.post("/record", response_class=HTMLResponse)
async def record_submit(request: Request, session: DbSession, actor: Submitter, _csrf: Csrf) -> Response:
    """Checked first (service.check_objects): a row with errors comes back as the form, filled in as sent,
    and nothing is stored; a row without errors becomes a batch of one for review (warnings shown there)."""
    form = await request.form()
    item = str(form.get("_item") or "")
    department = str(form.get("_department") or actor.unit_key or "")
    spec = catalog.item_spec(session, item)
    values: dict[str, Any] = {}
    row: dict[str, str] = {}
    for f in spec.fields:
        if f.type is FieldType.CODE_LIST and f.codes:
            chosen = [str(v) for v in form.getlist(f.key) if str(v).strip()]
            values[f.key], row[f.key] = chosen, "；".join(chosen)
        else:
            values[f.key] = row[f.key] = str(form.get(f.key) or "").strip()

    def again(status_code: int, **shown: Any) -> HTMLResponse:  # the form as sent, with why it came back
        return _record_page(
            request,
            session,
            actor,
            spec,
            department=department,
            values=values,
            status_code=status_code,
            **shown,
        )

    problems = service.check_objects(session, item_code=item, objects=[row], today=clock.today())
    if any(p["severity"] == "error" for p in problems):
        return again(422, problems=problems)
    try:
        with session.begin_nested():
            sub = service.submit(
                session,
                objects=[row],
                item_code=item,
                unit_key=department,
                actor=actor,
                now=clock.now(),
                today=clock.today(),
                filename="单条录入.json",
            )
    except XinyongError as exc:
        return again(exc.status_code, error=exc.message)
    return _see_other(f"{BASE}/batches/{sub.batch.id}")


@router.get("/template/{item}.xlsx")
def template(item: str, session: DbSession, actor: Reader) -> Response:
    spec = catalog.item_spec(session, item)
    return Response(
        exports.item_template(spec),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{item}-template.xlsx"'},
    )


def _revocations_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    q: str = "",
    status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    """Find a decision by its number or the subject's code, revoke it from the result; the unit's
    revocations below, each named by its decision and subject."""
    units = _units(session, actor)
    rows = revocations.listing(session, units=units)
    return _page(
        request,
        session,
        "revocations.html",
        actor,
        status_code,
        q=q,
        found=revocations.find(session, query=q, units=units) if q.strip() else None,
        find_limit=revocations.FIND_LIMIT,
        rows=rows,
        decisions=revocations.described(session, {r.record_id for r in rows}),
        error=error,
        today=clock.today(),
    )


@router.get("/revocations", response_class=HTMLResponse)
def revocations_page(request: Request, session: DbSession, actor: Revoker, q: str = "") -> HTMLResponse:
    return _revocations_page(request, session, actor, q=q)


@router.post("/revocations", response_class=HTMLResponse)
def revoke(
    request: Request,
    session: DbSession,
    actor: Revoker,
    _csrf: Csrf,
    record_id: Annotated[uuid.UUID, Form()],
    reason: Annotated[str, Form()],
    revoked_on: Annotated[dt.date, Form()],
    q: Annotated[str, Form()] = "",
) -> Response:
    try:
        with session.begin_nested():
            revocations.revoke(
                session,
                record_id=record_id,
                reason=reason,
                revoked_on=revoked_on,
                actor=actor,
                now=clock.now(),
            )
    except XinyongError as exc:
        return _revocations_page(request, session, actor, q=q, status_code=exc.status_code, error=exc.message)
    return _see_other(f"{BASE}/revocations")


@router.get("/quality", response_class=HTMLResponse)
def quality_page(
    request: Request,
    session: DbSession,
    actor: QualityReader,
    month: str | None = None,
    unit: str | None = None,
) -> HTMLResponse:
    month = month or clock.today().strftime("%Y-%m")
    unit, units = quality.scoped(session, actor, unit or None)
    rows = quality.report(session, month=month, unit_key=unit, units=units, drill=unit is not None)
    chart = {
        "units": [r.unit_name for r in rows],
        # A list, not a dict: the template's tojson sorts a dict's keys, which would put 一致性 first.
        "series": [
            {
                "name": name,
                "data": [
                    None if getattr(r, key).value is None else round(getattr(r, key).value * 100, 1)
                    for r in rows
                ],
            }
            for key, name in (
                ("completeness", "完整性"),
                ("accuracy", "准确性"),
                ("timeliness", "及时性"),
                ("consistency", "一致性"),
            )
        ],
    }
    quiet = None if unit else quality.silent(session, month=month, units=units)
    return _page(
        request, session, "quality.html", actor, rows=rows, month=month, unit=unit, chart=chart, silent=quiet
    )
