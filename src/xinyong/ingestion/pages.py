"""Console pages of the ingestion domain (staff; server-rendered, Simplified Chinese).

Kept apart from ``xinyong.console`` (built in parallel): the lead wires the navigation at merge.
Pages: batches and their review (problems, preview, link candidates), upload, a single-record form, the
item's XLSX template, revocations with their deadlines, and quality scores with ECharts and drill-down.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

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
from xinyong.errors import XinyongError
from xinyong.ingestion import exports, quality, revocations, service
from xinyong.kit import clock
from xinyong.org import queries as org
from xinyong.web import DbSession

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(prefix="/console/ingestion", include_in_schema=False)

Reader = Annotated[Actor, Depends(require(BATCHES_READ))]
Submitter = Annotated[Actor, Depends(require(RECORDS_SUBMIT))]
Reviewer = Annotated[Actor, Depends(require(RECORDS_REVIEW))]
Revoker = Annotated[Actor, Depends(require(RECORDS_REVOKE))]
QualityReader = Annotated[Actor, Depends(require(QUALITY_READ))]


def _page(request: Request, name: str, actor: Actor, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"actor": actor, **context})


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _items(session: Any) -> list[tuple[str, str]]:
    return [(code, spec.name) for code, spec in catalog.all_specs(session).items()]


@router.get("/batches", response_class=HTMLResponse)
def batches(request: Request, session: DbSession, actor: Reader, status: str | None = None) -> HTMLResponse:
    unit = None if actor.is_credit_office else actor.unit_key
    rows = service.list_batches(session, unit_key=unit, status=status or None, limit=200)
    return _page(request, "ingest_batches.html", actor, batches=rows, status=status)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: uuid.UUID, session: DbSession, actor: Reader) -> HTMLResponse:
    batch = service.get(session, batch_id)
    service.check_unit(session, actor, batch.unit_key)
    item = catalog.item_spec(session, batch.item_code)
    problems = list(service.iter_problems(session, batch.id))[:500]
    return _page(
        request,
        "ingest_batch.html",
        actor,
        batch=batch,
        item=item,
        problems=problems,
        rows=service.preview(session, batch.id, limit=50),
        waiting=service.preview(session, batch.id, limit=100, status="needs_link"),
        candidates=service.candidates(session, batch.id),
    )


@router.post("/batches/{batch_id}/approve")
def approve(
    batch_id: uuid.UUID, session: DbSession, actor: Reviewer, note: Annotated[str, Form()] = ""
) -> Response:
    service.approve(session, batch_id=batch_id, actor=actor, now=clock.now(), note=note or None)
    return _see_other(f"/console/ingestion/batches/{batch_id}")


@router.post("/batches/{batch_id}/return")
def return_(
    batch_id: uuid.UUID, session: DbSession, actor: Reviewer, note: Annotated[str, Form()]
) -> Response:
    service.return_batch(session, batch_id=batch_id, actor=actor, now=clock.now(), note=note)
    return _see_other(f"/console/ingestion/batches/{batch_id}")


@router.post("/batches/{batch_id}/withdraw")
def withdraw(batch_id: uuid.UUID, session: DbSession, actor: Submitter) -> Response:
    service.withdraw(session, batch_id=batch_id, actor=actor, now=clock.now())
    return _see_other(f"/console/ingestion/batches/{batch_id}")


@router.post("/batches/{batch_id}/link")
def link(
    batch_id: uuid.UUID,
    session: DbSession,
    actor: Reviewer,
    row_no: Annotated[int, Form()],
    subject_id: Annotated[uuid.UUID, Form()],
) -> Response:
    service.link_row(session, batch_id=batch_id, row_no=row_no, subject_id=subject_id, actor=actor)
    return _see_other(f"/console/ingestion/batches/{batch_id}")


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, session: DbSession, actor: Submitter) -> HTMLResponse:
    return _page(
        request, "ingest_upload.html", actor, items=_items(session), units=org.units(session), error=None
    )


@router.post("/upload", response_class=HTMLResponse)
async def upload(
    request: Request,
    session: DbSession,
    actor: Submitter,
    file: UploadFile,
    item: Annotated[str, Form()],
    department: Annotated[str, Form()] = "",
    encoding: Annotated[str, Form()] = "",
) -> Response:
    name = Path(file.filename or "upload.csv").name
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(await file.read())
            sub = service.submit(
                session,
                path=path,
                filename=name,
                item_code=item,
                unit_key=department or actor.unit_key or "",
                actor=actor,
                now=clock.now(),
                today=clock.today(),
                encoding=encoding or None,
            )
    except XinyongError as exc:
        return _page(
            request,
            "ingest_upload.html",
            actor,
            items=_items(session),
            units=org.units(session),
            error=exc.message,
        )
    return _see_other(f"/console/ingestion/batches/{sub.batch.id}")


@router.get("/record", response_class=HTMLResponse)
def record_form(
    request: Request, session: DbSession, actor: Submitter, item: str = "xzcf_fr"
) -> HTMLResponse:
    spec = catalog.item_spec(session, item)
    return _page(request, "ingest_record.html", actor, items=_items(session), item=spec, error=None)


@router.post("/record", response_class=HTMLResponse)
async def record_submit(request: Request, session: DbSession, actor: Submitter) -> Response:
    form = await request.form()
    item = str(form.get("_item") or "")
    spec = catalog.item_spec(session, item)
    row = {f.key: str(form.get(f.key) or "") for f in spec.fields if form.get(f.key)}
    try:
        sub = service.submit(
            session,
            objects=[row],
            item_code=item,
            unit_key=actor.unit_key or "",
            actor=actor,
            now=clock.now(),
            today=clock.today(),
            filename="单条录入.json",
        )
    except XinyongError as exc:
        return _page(
            request, "ingest_record.html", actor, items=_items(session), item=spec, error=exc.message
        )
    return _see_other(f"/console/ingestion/batches/{sub.batch.id}")


@router.get("/template/{item}.xlsx")
def template(item: str, session: DbSession, actor: Reader) -> Response:
    spec = catalog.item_spec(session, item)
    return Response(
        exports.item_template(spec),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{item}-template.xlsx"'},
    )


@router.get("/revocations", response_class=HTMLResponse)
def revocations_page(request: Request, session: DbSession, actor: Revoker) -> HTMLResponse:
    unit = None if actor.is_credit_office else actor.unit_key
    return _page(
        request,
        "ingest_revocations.html",
        actor,
        rows=revocations.listing(session, unit_key=unit),
        error=None,
        today=clock.today(),
    )


@router.post("/revocations", response_class=HTMLResponse)
def revoke(
    request: Request,
    session: DbSession,
    actor: Revoker,
    record_id: Annotated[uuid.UUID, Form()],
    reason: Annotated[str, Form()],
    revoked_on: Annotated[dt.date, Form()],
) -> Response:
    try:
        revocations.revoke(
            session, record_id=record_id, reason=reason, revoked_on=revoked_on, actor=actor, now=clock.now()
        )
    except XinyongError as exc:
        unit = None if actor.is_credit_office else actor.unit_key
        return _page(
            request,
            "ingest_revocations.html",
            actor,
            rows=revocations.listing(session, unit_key=unit),
            error=exc.message,
            today=clock.today(),
        )
    return _see_other("/console/ingestion/revocations")


@router.get("/quality", response_class=HTMLResponse)
def quality_page(
    request: Request,
    session: DbSession,
    actor: QualityReader,
    month: str | None = None,
    unit: str | None = None,
) -> HTMLResponse:
    month = month or clock.today().strftime("%Y-%m")
    if not actor.is_credit_office:
        unit = actor.unit_key
    rows = quality.report(session, month=month, unit_key=unit, drill=unit is not None)
    chart = {
        "units": [r.unit_name for r in rows],
        "series": {
            name: [
                None if getattr(r, key).value is None else round(getattr(r, key).value * 100, 1) for r in rows
            ]
            for key, name in (
                ("completeness", "完整性"),
                ("accuracy", "准确性"),
                ("timeliness", "及时性"),
                ("consistency", "一致性"),
            )
        },
    }
    return _page(request, "ingest_quality.html", actor, rows=rows, month=month, unit=unit, chart=chart)
