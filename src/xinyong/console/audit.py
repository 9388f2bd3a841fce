"""Console audit viewer (audit.read): change log and read log, filters, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from xinyong.audit import queries
from xinyong.audit import service as audit
from xinyong.auth.actor import Actor
from xinyong.auth.permissions import AUDIT_READ, require
from xinyong.console.deps import PREFIX, local_time, render
from xinyong.errors import Invalid
from xinyong.kit import clock
from xinyong.web import DbSession

router = APIRouter(prefix=PREFIX, include_in_schema=False)

PER_PAGE = 50
COMMON_COLUMNS = ["时间", "操作者类型", "操作者ID", "操作者", "单位", "动作", "对象类型", "对象ID"]


def _filter(
    kind: str = Query("changes", pattern="^(changes|reads)$"),
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> queries.AuditFilter:
    """The viewer's filters; empty form fields mean "any"."""
    return queries.AuditFilter(
        kind,
        actor or None,
        action or None,
        target or None,
        _date("date_from", date_from),
        _date("date_to", date_to),
    )


def _date(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"日期格式应为 YYYY-MM-DD：{value}", details={"field": name, "value": value}) from None


@router.get("/audit", response_class=HTMLResponse)
def viewer(
    request: Request,
    session: DbSession,
    f: queries.AuditFilter = Depends(_filter),
    page: int = Query(1, ge=1),
    actor: Actor = Depends(require(AUDIT_READ)),
) -> Response:
    rows, total = queries.search(session, f, page=page, per_page=PER_PAGE)
    return render(
        request,
        session,
        actor,
        "audit.html",
        f=f,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        query=request.url.query,
    )


def _csv_rows(session: DbSession, f: queries.AuditFilter) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    extra = ["查询目的", "法律依据", "详情"] if f.kind == "reads" else ["批次", "详情"]
    writer.writerow(COMMON_COLUMNS + extra)
    yield "\ufeff" + buf.getvalue()  # BOM: Excel opens UTF-8 Chinese text correctly
    for row in queries.iterate(session, f):
        buf.seek(0)
        buf.truncate()
        values: list[Any] = [
            local_time(row.at, seconds=True),
            row.actor_type,
            row.actor_id or "",
            row.actor_name,
            row.actor_unit or "",
            row.action,
            row.target_type,
            row.target_id or "",
        ]
        if f.kind == "reads":
            values += [row.purpose, row.legal_basis, row.details]
        else:
            values += [row.batch_id or "", row.details]
        writer.writerow(values)
        yield buf.getvalue()


@router.get("/audit.csv")
def export(
    session: DbSession,
    f: queries.AuditFilter = Depends(_filter),
    actor: Actor = Depends(require(AUDIT_READ)),
) -> Response:
    """All matching rows as CSV (UTF-8 with BOM); the export itself is audited."""
    audit.record(
        session,
        actor=actor.ref(),
        action="audit.exported",
        target_type="audit_" + f.kind,
        details={k: str(v) for k, v in vars(f).items() if v is not None},
    )
    rows = list(_csv_rows(session, f))  # read inside the request's transaction
    name = f"audit-{f.kind}-{clock.today().isoformat()}.csv"
    return StreamingResponse(
        iter(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )
