"""Public JSON API (/api/v1): anonymous, reading only through records.queries."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from fastapi import APIRouter, Query

from xinyong.errors import NotFound
from xinyong.portal.schemas import CatalogItemOut, RecordOut, RecordPage, SubjectOut
from xinyong.records import queries
from xinyong.web import DbSession, Public, Today

router = APIRouter(prefix="/api/v1", tags=["公开查询"])


def _dump(obj: Any) -> Any:
    return dataclasses.asdict(obj)


@router.get("/catalog", response_model=list[CatalogItemOut], dependencies=[Public], summary="信用信息目录")
def catalog(session: DbSession) -> list[dict[str, Any]]:
    return queries.public_catalog(session)


def _subject_or_404(session: DbSession, code: str, today: Any) -> queries.PublicSubject:
    found = queries.public_subject(session, code, today=today)
    if found is None:
        raise NotFound("未找到该信用主体或其信息未公开", code="subject_not_found", details={"code": code})
    return found


@router.get("/subjects/{code}", response_model=SubjectOut, dependencies=[Public], summary="信用主体基本信息")
def subject(code: str, session: DbSession, today: Today) -> Any:
    """An organisation by its 统一社会信用代码, or a natural person by opaque id."""
    return _dump(_subject_or_404(session, code, today))


@router.get(
    "/subjects/{code}/records", response_model=RecordPage, dependencies=[Public], summary="信用主体的公示记录"
)
def subject_records(
    code: str,
    session: DbSession,
    today: Today,
    category: str | None = Query(None, description="报告栏目，如 行政管理、严重失信主体名单"),
    item: list[str] | None = Query(None, description="目录事项代码"),
    page: int = Query(1, ge=1, le=50),
    per_page: int = Query(20, ge=1, le=100),
) -> Any:
    found = _subject_or_404(session, code, today)
    result = queries.public_records(
        session,
        subject_id=found.id,
        today=today,
        item_codes=item,
        report_section=category,
        page=page,
        per_page=per_page,
    )
    return _dump(result)


@router.get("/records/{record_id}", response_model=RecordOut, dependencies=[Public], summary="公示记录详情")
def record(record_id: uuid.UUID, session: DbSession, today: Today) -> Any:
    found = queries.public_record(session, record_id, today=today)
    if found is None:
        raise NotFound("该记录不存在或不在公示中", code="record_not_found")
    return _dump(found)
