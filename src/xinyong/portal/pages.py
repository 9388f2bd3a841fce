"""Public HTML pages (server-rendered Jinja2, Simplified Chinese), reading only through records.queries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from xinyong.catalog.schemas import ReportSection
from xinyong.errors import XinyongError
from xinyong.org import queries as org
from xinyong.portal import service
from xinyong.portal.errors import check_depth
from xinyong.records import queries
from xinyong.web import DbSession, Public, Today

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)

CATEGORY_NAMES = {
    "enterprise": "企业",
    "individual_business": "个体工商户",
    "farmers_coop": "农民专业合作社",
    "social_org": "社会组织",
    "public_institution": "事业单位",
    "government": "机关",
    "natural_person": "自然人",
}


@dataclasses.dataclass(frozen=True)
class Tab:
    """A tab of the subject page: a report section, 行政管理 split into 行政许可 and 行政处罚."""

    key: str
    label: str
    section: str
    kind: str | None = None  # a 双公示 kind narrowing the section's items


TABS = [
    Tab("basic", "基本信息", ReportSection.BASIC.value),
    Tab("licences", "行政许可", ReportSection.ADMINISTRATIVE.value, "licences"),
    Tab("penalties", "行政处罚", ReportSection.ADMINISTRATIVE.value, "penalties"),
    Tab("honesty", "守信激励", ReportSection.HONESTY.value),
    Tab("serious", "严重失信", ReportSection.SERIOUS_DISHONESTY.value),
    Tab("abnormal", "经营异常", ReportSection.ABNORMAL.value),
    Tab("commitment", "信用承诺", ReportSection.COMMITMENT.value),
    Tab("evaluation", "信用评价", ReportSection.EVALUATION.value),
    Tab("judicial", "司法判决", ReportSection.JUDICIAL.value),
    Tab("other", "其他信息", ReportSection.OTHER.value),
]


def site_context(session: DbSession) -> dict[str, Any]:
    """What every public page needs: portal name, city, footer, and the demo-data banner flag."""
    profile = org.profile_spec(session)
    return {
        "portal": profile["portal"],
        "city": profile["city"],
        "demo": org.demo_loaded(session),
    }


def _render(request: Request, session: DbSession, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {**site_context(session), **ctx}, status_code=status)


def _error(request: Request, session: DbSession, exc: XinyongError) -> HTMLResponse:
    title = "未找到" if exc.status_code == 404 else "无法完成查询"
    return _render(request, session, "error.html", exc.status_code, title=title, message=exc.message)


@router.get("/", response_class=HTMLResponse, dependencies=[Public])
def home(request: Request, session: DbSession) -> HTMLResponse:
    return _render(request, session, "home.html", nav="home")


@router.get("/search", response_class=HTMLResponse, dependencies=[Public])
def search(
    request: Request,
    session: DbSession,
    today: Today,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1),
) -> HTMLResponse:
    q = q.strip()
    result = None
    if q:
        try:
            result = service.search(session, q, today=today, page=page, per_page=20)
        except XinyongError as exc:
            return _error(request, session, exc)
    return _render(request, session, "search.html", nav="search", q=q, result=result)


def _tab_items(sections: dict[str, str], kinds: dict[str, set[str]], tab: Tab) -> list[str]:
    """The catalogue items a tab shows: its section's, narrowed to one 双公示 kind for 行政管理."""
    codes = [c for c, s in sections.items() if s == tab.section]
    if tab.kind is not None:
        return [c for c in codes if c in kinds[tab.kind]]
    return [] if tab.section == ReportSection.ADMINISTRATIVE.value else codes


@router.get("/subjects/{code}", response_class=HTMLResponse, dependencies=[Public])
def subject(
    request: Request,
    code: str,
    session: DbSession,
    today: Today,
    tab: str = Query("basic"),
    page: int = Query(1, ge=1),
) -> HTMLResponse:
    found = queries.public_subject(session, code, today=today)
    if found is None:
        return _render(
            request,
            session,
            "error.html",
            404,
            title="未找到",
            message="未找到该信用主体，或其信息未依法公示",
        )
    current = next((t for t in TABS if t.key == tab), TABS[0])
    counts = queries.item_counts(session, found.id, today=today)
    sections = queries.report_sections(session)
    kinds = {k: set(queries.publicity_items(session, k)) for k in service.PUBLICITY_TITLES}
    items = {t.key: _tab_items(sections, kinds, t) for t in TABS}
    tabs = [
        {"key": t.key, "label": t.label, "count": sum(counts.get(c, 0) for c in items[t.key])} for t in TABS
    ]
    try:
        check_depth(page, 20)
    except XinyongError as exc:
        return _error(request, session, exc)
    codes = items[current.key]
    records = (
        queries.public_records(session, subject_id=found.id, today=today, item_codes=codes, page=page)
        if codes
        else queries.Page([], 0, page, 20)
    )
    return _render(
        request,
        session,
        "subject.html",
        nav="search",
        subject=found,
        key=found.code or str(found.id),
        tabs=tabs,
        tab=current,
        records=records,
        categories=CATEGORY_NAMES,
    )


@router.get("/records/{record_id}", response_class=HTMLResponse, dependencies=[Public])
def record(request: Request, record_id: uuid.UUID, session: DbSession, today: Today) -> HTMLResponse:
    found = queries.public_record(session, record_id, today=today)
    if found is None:
        return _render(
            request, session, "error.html", 404, title="未找到", message="该记录不存在或不在公示中"
        )
    names = queries.subject_names(session, [found.subject_id], today=today)
    name, key = names.get(found.subject_id, (None, None))
    return _render(
        request,
        session,
        "record.html",
        record=found,
        subject_name=name,
        subject_key=key,
    )


@router.get("/publicity/timeliness", response_class=HTMLResponse, dependencies=[Public])
def timeliness(
    request: Request, session: DbSession, today: Today, days: int = Query(30, ge=1, le=366)
) -> HTMLResponse:
    rows = queries.unit_timeliness(session, today=today, days=days)
    return _render(request, session, "timeliness.html", nav="licences", rows=rows, days=days)


@router.get("/publicity/{kind}", response_class=HTMLResponse, dependencies=[Public])
def publicity(
    request: Request,
    kind: str,
    session: DbSession,
    today: Today,
    unit: str = Query(""),
    district: str = Query(""),
    date_from: str = Query(""),
    date_to: str = Query(""),
    category: str = Query("", max_length=20),
    keyword: str = Query("", max_length=50),
    page: int = Query(1, ge=1),
) -> HTMLResponse:
    if kind not in service.PUBLICITY_TITLES:
        return _render(request, session, "error.html", 404, title="未找到", message="页面不存在")
    error = None
    try:
        filters = queries.PublicityFilter(
            unit=unit or None,
            district=district or None,
            date_from=dt.date.fromisoformat(date_from) if date_from else None,
            date_to=dt.date.fromisoformat(date_to) if date_to else None,
            category=category or None,
            keyword=keyword.strip() or None,
        )
    except ValueError:
        filters = queries.PublicityFilter()
        error = "日期格式不正确，请按 年-月-日 填写"
    result = None
    if error is None:
        try:
            result = service.publicity(session, kind, today=today, filters=filters, page=page, per_page=20)
        except XinyongError as exc:
            error = exc.message
    params = {k: v for k, v in dict(request.query_params).items() if k != "page" and v}
    return _render(
        request,
        session,
        "publicity.html",
        nav=kind,
        kind=kind,
        title=service.PUBLICITY_TITLES[kind],
        f=filters,
        result=result,
        error=error,
        units=org.units(session),
        districts=org.districts(session),
        categories=queries.publicity_categories(session, kind),
        query_url=f"/publicity/{kind}?" + (urlencode(params) + "&" if params else ""),
    )


@router.get("/lists", response_class=HTMLResponse, dependencies=[Public])
def lists_index(request: Request, session: DbSession) -> HTMLResponse:
    return _render(request, session, "lists.html", nav="lists", titles=service.LIST_TITLES, data=None)


@router.get("/lists/{kind}", response_class=HTMLResponse, dependencies=[Public])
def lists(
    request: Request, kind: str, session: DbSession, today: Today, page: int = Query(1, ge=1)
) -> HTMLResponse:
    try:
        data = service.list_page(session, kind, today=today, page=page, per_page=20)
    except XinyongError as exc:
        return _error(request, session, exc)
    return _render(request, session, "lists.html", nav="lists", titles=service.LIST_TITLES, data=data)
