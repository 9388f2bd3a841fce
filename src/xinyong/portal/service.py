"""Read operations the public pages and the public API share, composed from records.queries only."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from xinyong.errors import Invalid
from xinyong.portal.errors import check_depth
from xinyong.records import queries

#: URL names of the 双公示 kinds and list kinds, with their Chinese titles.
PUBLICITY_TITLES = {"licences": "行政许可", "penalties": "行政处罚"}
LIST_TITLES = {
    "red": "红名单（守信激励对象）",
    "black": "黑名单（严重失信主体）",
    "watch": "重点关注名单",
    "abnormal": "经营异常名录",
}


def _with_subjects(session: Session, page: queries.Page, today: dt.date) -> list[dict[str, Any]]:
    names = queries.subject_names(session, list({r.subject_id for r in page.items}), today=today)
    out = []
    for r in page.items:
        name, key = names.get(r.subject_id, (None, None))
        out.append({**dataclasses.asdict(r), "subject_name": name, "subject_key": key})
    return out


def publicity(
    session: Session,
    kind: str,
    *,
    today: dt.date,
    filters: queries.PublicityFilter,
    page: int,
    per_page: int,
) -> dict[str, Any]:
    """One page of public licences or penalties with their subjects' names."""
    if kind not in PUBLICITY_TITLES:
        raise Invalid(
            "仅支持 licences（行政许可）或 penalties（行政处罚）", code="unknown_kind", details={"kind": kind}
        )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise Invalid(
            "开始日期不能晚于结束日期", code="bad_date_range", details={"date_from": str(filters.date_from)}
        )
    check_depth(page, per_page)
    result, capped = queries.publicity_records(
        session, kind, today=today, filters=filters, page=page, per_page=per_page
    )
    return {
        "items": _with_subjects(session, result, today),
        "total": result.total,
        "capped": capped,
        "page": page,
        "per_page": per_page,
    }


def list_page(session: Session, kind: str, *, today: dt.date, page: int, per_page: int) -> dict[str, Any]:
    """One page of a public list (red, black, watch, abnormal) with its items' legal bases."""
    if kind not in LIST_TITLES:
        raise Invalid(
            "未知的名单类型", code="unknown_list", details={"kind": kind, "known": list(LIST_TITLES)}
        )
    check_depth(page, per_page)
    result, capped = queries.list_entries(session, kind, today=today, page=page, per_page=per_page)
    return {
        "kind": kind,
        "title": LIST_TITLES[kind],
        "items_info": queries.list_items(session, kind),
        "items": _with_subjects(session, result, today),
        "total": result.total,
        "capped": capped,
        "page": page,
        "per_page": per_page,
    }


def search(session: Session, q: str, *, today: dt.date, page: int, per_page: int) -> queries.SearchPage:
    check_depth(page, per_page)
    return queries.search_subjects(session, q, today=today, page=page, per_page=per_page)
