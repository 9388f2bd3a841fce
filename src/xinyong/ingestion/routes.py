"""Staff API for batches: submit (multipart file or JSON rows), read, problems, review."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import ValidationError

from xinyong.auth.actor import Actor
from xinyong.auth.permissions import BATCHES_READ, QUALITY_READ, RECORDS_REVIEW, RECORDS_SUBMIT, require
from xinyong.catalog import queries as catalog
from xinyong.errors import Invalid
from xinyong.ingestion import (
    approvals,
    exports,
    originals,
    privacy,
    quality,
    queries,
    service,
    tasks,
    uploads,
)
from xinyong.ingestion.models import BatchStatus, IngestUpload
from xinyong.ingestion.schemas import (
    BatchDetail,
    BatchListed,
    BatchSummary,
    FeedOut,
    MappingIn,
    ReviewIn,
    RowsIn,
)
from xinyong.kit import clock
from xinyong.web import DbSession, save_upload

router = APIRouter(prefix="/api/v1/staff", tags=["数据归集"])

Submitter = Annotated[Actor, Depends(require(RECORDS_SUBMIT))]
Reader = Annotated[Actor, Depends(require(BATCHES_READ))]
Reviewer = Annotated[Actor, Depends(require(RECORDS_REVIEW))]


async def _submit(request: Request, session: Any, actor: Actor) -> service.Submission | IngestUpload:
    """The submission, or — a multipart file sent with ``background=true`` — the upload queued for
    :func:`uploads.run` (see ingestion.uploads)."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        item, department = form.get("item"), form.get("department") or actor.unit_key
        if upload is None or isinstance(upload, str) or not item or not department:
            raise Invalid(
                "需要 file、item 与 department 字段", details={"fields": ["file", "item", "department"]}
            )
        name = upload.filename or "upload.csv"
        encoding = str(form["encoding"]) if form.get("encoding") else None
        replaces = _batch_id(form.get("replaces"))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(name).name
            await save_upload(upload, path)
            return uploads.take(
                session,
                uploads.Received(path, name, str(item), str(department), actor, encoding, replaces),
                background=str(form.get("background") or "").lower() in ("1", "true", "yes"),
            )
    try:
        body = RowsIn.model_validate(await request.json())
    except (ValidationError, ValueError) as exc:
        raise Invalid("请求体应为 multipart 文件或 JSON 数据行 {item, department, rows}") from exc
    return service.submit(
        session,
        objects=body.rows,
        item_code=body.item,
        unit_key=body.department,
        actor=actor,
        now=clock.now(),
        today=clock.today(),
        mapping=body.mapping,
        replaces=body.replaces,
    )


def _batch_id(value: Any) -> uuid.UUID | None:
    """A batch id given in a form field (blank: none)."""
    if not value or not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError as exc:
        raise Invalid(f"批次编号格式不正确：{value}", details={"field": "replaces"}) from exc


#: The two bodies POST /batches takes, for the API docs (the route reads the request itself to take both).
SUBMIT_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "item"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "CSV（UTF-8、GBK/GB18030、UTF-16）、XLSX、XLS 或 JSON Lines 文件",
                    },
                    "item": {"type": "string", "description": "目录事项代码，如 xzcf_fr"},
                    "department": {"type": "string", "description": "报送单位代码（默认：调用者所在单位）"},
                    "encoding": {"type": "string", "description": "CSV 编码（不填则自动识别）"},
                    "replaces": {"type": "string", "format": "uuid", "description": "本文件更正的已退回批次"},
                    "background": {
                        "type": "boolean",
                        "description": "true：接收后在后台处理，返回 202 与进度地址（大文件适用）",
                    },
                },
            }
        },
        "application/json": {"schema": RowsIn.model_json_schema()},
    },
}


@router.post(
    "/batches",
    response_model=BatchSummary,
    summary="报送批次（文件或 JSON 数据行）",
    description=(
        "上传一个文件（multipart/form-data），或以 JSON 提交数据行（每行以中文列名、国家标准字段代码或字段键为键）。"
        "同一内容再次报送返回首次的结果（200）；新批次返回 201。"
    ),
    openapi_extra={"requestBody": SUBMIT_BODY},
    responses={
        201: {"model": BatchSummary},
        202: {"description": "multipart 文件带 background=true：已接收，后台处理；进度见 status_url"},
    },
)
async def submit_batch(
    request: Request, session: DbSession, actor: Submitter, background: BackgroundTasks
) -> JSONResponse:
    sub = await _submit(request, session, actor)
    if isinstance(sub, IngestUpload):
        background.add_task(uploads.run, sub.id)
        return JSONResponse(jsonable_encoder(_upload_out(sub)), status_code=202)
    tasks.follow_up(background, sub.batch.id, sub.batch.search_pending)
    body = service.summary(session, sub.batch)
    return JSONResponse(body, status_code=201 if sub.new else 200)


@router.get("/uploads/{upload_id}", summary="后台处理中的上传文件：状态、进度与批次")
def get_upload(upload_id: uuid.UUID, session: DbSession, actor: Reader) -> dict[str, Any]:
    upload = uploads.get(session, upload_id, actor)
    body = uploads.view(upload)
    if upload.batch_id is not None:
        body["batch"] = service.summary(session, service.get(session, upload.batch_id))
    return body


@router.get("/uploads", summary="后台处理的上传文件（未完成的，及近 7 天失败的）")
def list_uploads(session: DbSession, actor: Reader) -> list[dict[str, Any]]:
    found = uploads.unfinished(session, units=queries.scope_units(session, actor), now=clock.now())
    return [_upload_out(u) for u in found]


def _upload_out(upload: IngestUpload) -> dict[str, Any]:
    """An upload as the API gives it, with the address to follow it at."""
    return uploads.view(upload) | {"status_url": f"/api/v1/staff/uploads/{upload.id}"}


@router.get(
    "/batches", response_model=list[BatchListed], summary="报送批次列表（本单位；区县操作员为本辖区各单位）"
)
def list_batches(
    session: DbSession,
    actor: Reader,
    status: Annotated[
        str | None, Query(description="待审核、入库中、已通过、已退回、已更正、已撤回或失败")
    ] = None,
    unit: Annotated[str | None, Query(description="只看这一单位（须在本人范围内）")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    if status is not None and status not in {s.value for s in BatchStatus}:
        raise Invalid(f"未知的批次状态：{status}", details={"status": status})
    units = queries.scope_units(session, actor)
    if unit:
        service.check_unit(session, actor, unit)
        units = frozenset({unit})
    batches = service.list_batches(session, units=units, status=status, limit=limit, offset=offset)
    return [queries.listed(b) for b in batches]


def _readable(session: Any, batch_id: uuid.UUID, actor: Actor) -> Any:
    batch = service.get(session, batch_id)
    service.check_unit(session, actor, batch.unit_key)
    return batch


@router.get("/batches/{batch_id}", response_model=BatchDetail, summary="批次详情")
def get_batch(batch_id: uuid.UUID, session: DbSession, actor: Reader) -> dict[str, Any]:
    batch = _readable(session, batch_id, actor)
    return {**service.detail(session, batch), "approval": approvals.view(batch)}


@router.get(
    "/batches/{batch_id}/file",
    summary="批次的原始文件（未脱敏：须 records.read_private、查询目的与法律依据，记入查询日志）",
    response_class=FileResponse,
)
def get_original(request: Request, batch_id: uuid.UUID, session: DbSession, actor: Reader) -> FileResponse:
    found = originals.original(session, batch_id=batch_id, actor=actor, path=request.url.path)
    return FileResponse(found.path, media_type=found.media_type, filename=found.filename)


@router.get("/batches/{batch_id}/errors", summary="批次问题清单（JSON、CSV 或 XLSX）")
def get_errors(
    batch_id: uuid.UUID,
    session: DbSession,
    actor: Reader,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
    code: Annotated[str | None, Query(description="只要这一规则的问题，如 uscc.checksum")] = None,
) -> Response:
    batch = _readable(session, batch_id, actor)
    item = catalog.item_spec(session, batch.item_code)
    problems = privacy.masked_problems(
        service.iter_problems(session, batch.id, code=code or None),
        item,
        reveal=privacy.may_reveal(session, actor, unit_key=batch.unit_key, item=item),
    )
    if format == "csv":
        return Response(
            exports.problems_csv(problems),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{batch.id}-errors.csv"'},
        )
    if format == "xlsx":
        return Response(
            exports.problems_xlsx(problems),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{batch.id}-errors.xlsx"'},
        )
    return JSONResponse({"batch_id": str(batch.id), "errors": list(problems)})


@router.post(
    "/batches/{batch_id}/approve",
    summary="审核通过",
    responses={202: {"description": "background=true：已受理，后台入库（入库中）；进度见 status_url"}},
)
def approve_batch(
    batch_id: uuid.UUID,
    session: DbSession,
    actor: Reviewer,
    background: BackgroundTasks,
    body: ReviewIn | None = None,
    in_background: Annotated[
        bool, Query(alias="background", description="大批次：立即返回 202，后台入库，整批原子提交")
    ] = False,
) -> Any:
    if in_background:
        batch = approvals.request(
            session, batch_id=batch_id, actor=actor, now=clock.now(), note=body.note if body else None
        )
        background.add_task(approvals.run, batch.id)
        url = f"/api/v1/staff/batches/{batch.id}"
        return JSONResponse({"batch_id": str(batch.id), "status": batch.status, "status_url": url}, 202)
    result = service.approve(
        session, batch_id=batch_id, actor=actor, now=clock.now(), note=body.note if body else None
    )
    tasks.follow_up(background, batch_id, service.get(session, batch_id).search_pending)
    return {"batch_id": str(batch_id), "status": "已通过", "outcome": result.counts}


@router.post("/batches/{batch_id}/return", summary="退回修改")
def return_batch(batch_id: uuid.UUID, body: ReviewIn, session: DbSession, actor: Reviewer) -> dict[str, Any]:
    batch = service.return_batch(
        session, batch_id=batch_id, actor=actor, now=clock.now(), note=body.note or ""
    )
    return {"batch_id": str(batch.id), "status": batch.status}


@router.post("/batches/{batch_id}/withdraw", summary="审核前撤回")
def withdraw_batch(batch_id: uuid.UUID, session: DbSession, actor: Submitter) -> dict[str, Any]:
    batch = service.withdraw(session, batch_id=batch_id, actor=actor, now=clock.now())
    return {"batch_id": str(batch.id), "status": batch.status}


def _feed_out(session: Any, unit: str, item: str) -> dict[str, Any]:
    saved = service.feed(session, unit, item)
    return {
        "unit": unit,
        "item": item,
        "mapping": dict(saved.mapping) if saved else {},
        "trusted": bool(saved and saved.trusted),
        "updated_by": saved.updated_by if saved else None,
        "updated_at": saved.updated_at if saved else None,
    }


@router.get("/feeds/{unit}/{item}", response_model=FeedOut, summary="单位某事项的列映射与是否可信接口")
def get_feed(unit: str, item: str, session: DbSession, actor: Reader) -> dict[str, Any]:
    catalog.item_spec(session, item)
    service.check_unit(session, actor, unit)
    return _feed_out(session, unit, item)


@router.put("/feeds/{unit}/{item}/mapping", response_model=FeedOut, summary="保存单位某事项的列映射")
def put_mapping(
    unit: str, item: str, body: MappingIn, session: DbSession, actor: Submitter
) -> dict[str, Any]:
    service.save_mapping(
        session, unit_key=unit, item_code=item, mapping=body.mapping, actor=actor, now=clock.now()
    )
    return _feed_out(session, unit, item)


@router.get("/quality", summary="数据质量（按单位、月份）")
def quality_report(
    session: DbSession,
    actor: Annotated[Actor, Depends(require(QUALITY_READ))],
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
    unit: str | None = None,
) -> list[dict[str, Any]]:
    unit, units = quality.scoped(session, actor, unit or None)
    drill = unit is not None
    rows = quality.report(session, month=month, unit_key=unit, units=units, drill=drill)
    return [q.as_dict(drill=drill) for q in rows]


@router.get("/quality/silent", summary="本月未报送的单位（此前报送过），最久未报送的在前")
def quality_silent(
    session: DbSession,
    actor: Annotated[Actor, Depends(require(QUALITY_READ))],
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
) -> list[dict[str, Any]]:
    return quality.silent(session, month=month, units=queries.scope_units(session, actor))
