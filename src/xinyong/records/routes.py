"""Staff API (/api/v1/staff): non-public record and subject reads, read-audited, scope-checked."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request

from xinyong.auth.actor import Actor
from xinyong.auth.permissions import RECORDS_READ_PRIVATE, require
from xinyong.records import staff
from xinyong.records.schemas import StaffRecordOut, StaffSubjectOut
from xinyong.web import DbSession

router = APIRouter(prefix="/api/v1/staff", tags=["工作人员接口"])

PURPOSE_DOC = (
    "查阅非公开信息须给出 X-Purpose（查询目的代码）与 X-Legal-Basis（法律依据代码），"
    "或合写为 X-Purpose: 目的;依据；缺少时返回 422。每次查阅写入一条查询日志。"
)


@router.get(
    "/records/{record_id}",
    response_model=StaffRecordOut,
    summary="查阅信用记录（含非公开字段）",
    description=PURPOSE_DOC,
)
def read_record(
    record_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Actor = Depends(require(RECORDS_READ_PRIVATE)),
) -> Any:
    return dataclasses.asdict(
        staff.read_record(session, actor=actor, record_id=record_id, path=request.url.path)
    )


@router.get(
    "/subjects/{subject_id}",
    response_model=StaffSubjectOut,
    summary="查阅信用主体（含证件号码）",
    description=PURPOSE_DOC,
)
def read_subject(
    subject_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Actor = Depends(require(RECORDS_READ_PRIVATE)),
) -> Any:
    return dataclasses.asdict(
        staff.read_subject(session, actor=actor, subject_id=subject_id, path=request.url.path)
    )
