"""The check API for business systems: checks, batches, stored answers, feedback; the measures catalogue."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from xinyong.auth.actor import Actor
from xinyong.auth.permissions import CHECKS_RUN, CHECKS_STATS, require
from xinyong.kit import clock
from xinyong.measures import service
from xinyong.measures.schemas import BatchIn, BatchOut, CheckIn, CheckOut, FeedbackIn, FeedbackOut, StatRow
from xinyong.web import DbSession, Public, Today

router = APIRouter(prefix="/api/v1", tags=["联合奖惩核查"])

Runner = Annotated[Actor, Depends(require(CHECKS_RUN))]


@router.get("/ping", summary="空操作（客户端鉴权后立即返回；性能基准的对照）")
async def ping(actor: Runner) -> dict[str, Any]:
    return {"ok": True, "client": actor.id}


@router.post("/checks", response_model=CheckOut, summary="核查一个主体在某事项上的联合奖惩措施")
def create_check(body: CheckIn, session: DbSession, actor: Runner, today: Today) -> Response:
    # A plain def (threadpool), not async: with keep-alive clients uvicorn's workers accept connections
    # unevenly, and an async route blocking on PostgreSQL serialises every connection its worker holds
    # (measured: docs/benchmarks/check.md). The JSON rendered once from CheckOut is stored and sent as
    # is; response_model keeps it in the OpenAPI document.
    stored = service.check_stored(session, body=body, actor=actor, now=clock.now(), today=today)
    return Response(stored.json, media_type="application/json")


@router.post(
    "/checks/batch", response_model=BatchOut, summary="批量核查（最多 200 个主体，每个主体一条核查记录）"
)
def create_batch(body: BatchIn, session: DbSession, actor: Runner, today: Today) -> BatchOut:
    checks = service.check_batch(session, body=body, actor=actor, now=clock.now(), today=today)
    matter = checks[0].matter if checks else body.matter
    return BatchOut(matter=matter, request_ref=body.request_ref, checks=checks)


@router.get(
    "/staff/checks/stats", response_model=list[StatRow], summary="核查与措施应用统计（按月、事项、单位）"
)
def check_stats(
    session: DbSession,
    _: Annotated[Actor, Depends(require(CHECKS_STATS))],
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    matter: str | None = None,
) -> list[StatRow]:
    return service.stats(session, month=month, matter=matter)


@router.get(
    "/checks/{check_id}", response_model=CheckOut, summary="取回已存储的核查结果（原样，不随数据变化）"
)
def get_check(check_id: uuid.UUID, session: DbSession, actor: Runner) -> CheckOut:
    return service.get_check(session, check_id=check_id, actor=actor)


@router.post("/checks/{check_id}/feedback", response_model=FeedbackOut, summary="反馈措施是否实施及理由")
def post_feedback(
    check_id: uuid.UUID, body: FeedbackIn, session: DbSession, actor: Runner, today: Today
) -> FeedbackOut:
    return service.feedback(session, check_id=check_id, body=body, actor=actor, now=clock.now(), today=today)


@router.get("/measures", dependencies=[Public], summary="联合奖惩措施清单（公开）")
def measures(session: DbSession) -> dict[str, Any]:
    c = service.compiled(session)
    return c.spec.model_dump(mode="json")
