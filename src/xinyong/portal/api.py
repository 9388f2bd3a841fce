"""Public JSON API (/api/v1): anonymous, reading only through records.queries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Query

from xinyong.errors import NotFound
from xinyong.portal import service
from xinyong.portal.errors import check_depth
from xinyong.portal.schemas import (
    CatalogItemOut,
    PublicityPage,
    RecordOut,
    RecordPage,
    SearchOut,
    SubjectOut,
    TimelinessOut,
)
from xinyong.records import queries
from xinyong.web import DbSession, Public, Today

router = APIRouter(prefix="/api/v1", tags=["公开查询"])

#: Categories that narrow the 行政管理 section to one 双公示 kind, as the subject page's tabs do.
TAB_KINDS = {"行政许可": "licences", "行政处罚": "penalties"}


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
    category: str | None = Query(
        None, description="报告栏目，如 行政管理、严重失信主体名单；或 行政许可、行政处罚"
    ),
    item: list[str] | None = Query(None, description="目录事项代码"),
    page: int = Query(1, ge=1),
    per_page: int = Query(20, ge=1, le=100),
) -> Any:
    check_depth(page, per_page)
    found = _subject_or_404(session, code, today)
    kind = TAB_KINDS.get(category or "")
    if kind is not None:  # 行政管理 split as on the subject page
        category, item = None, [c for c in queries.publicity_items(session, kind) if not item or c in item]
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


@router.get("/search", response_model=SearchOut, dependencies=[Public], summary="按名称或代码查询信用主体")
def search(
    session: DbSession,
    today: Today,
    q: str = Query(
        ..., min_length=1, max_length=100, description="统一社会信用代码、注册号或名称中的任意片段"
    ),
    page: int = Query(1, ge=1),
    per_page: int = Query(20, ge=1, le=50),
) -> Any:
    """Ranked: exact code, exact name, names starting with the query, then the rest; total counted to 1000."""
    return _dump(service.search(session, q, today=today, page=page, per_page=per_page))


@router.get(
    "/publicity/timeliness",
    response_model=list[TimelinessOut],
    dependencies=[Public],
    summary="双公示：各单位 7 个工作日上网及时率",
)
def timeliness(session: DbSession, today: Today, days: int = Query(30, ge=1, le=366)) -> Any:
    return [_dump(u) for u in queries.unit_timeliness(session, today=today, days=days)]


@router.get(
    "/publicity/{kind}",
    response_model=PublicityPage,
    dependencies=[Public],
    summary="双公示：行政许可或行政处罚",
)
def publicity(
    kind: Literal["licences", "penalties"],
    session: DbSession,
    today: Today,
    unit: str | None = Query(None, description="决定机关（单位代码）"),
    district: str | None = Query(None, description="辖区（代码）"),
    date_from: dt.date | None = Query(None, description="决定日期起"),
    date_to: dt.date | None = Query(None, description="决定日期止"),
    category: str | None = Query(None, max_length=20, description="处罚类别或许可类别"),
    keyword: str | None = Query(None, max_length=50, description="相对人名称或决定文书号"),
    page: int = Query(1, ge=1),
    per_page: int = Query(20, ge=1, le=50),
) -> Any:
    filters = queries.PublicityFilter(unit, district, date_from, date_to, category, keyword)
    return service.publicity(session, kind, today=today, filters=filters, page=page, per_page=per_page)


@router.get("/lists/{kind}", dependencies=[Public], summary="红名单、黑名单、重点关注名单、经营异常名录")
def lists(
    kind: Literal["red", "black", "watch", "abnormal"],
    session: DbSession,
    today: Today,
    page: int = Query(1, ge=1),
    per_page: int = Query(20, ge=1, le=50),
) -> Any:
    return service.list_page(session, kind, today=today, page=page, per_page=per_page)
