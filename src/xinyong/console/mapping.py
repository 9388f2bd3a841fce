"""Console page 列映射: a unit's saved column mapping for a catalogue item, kept by its own clerks.

A department's spreadsheet often names a column its own way (企业名称 for 行政相对人名称). The catalogue's
labels and national codes are matched automatically; for the rest a clerk of the unit maps the header to
its field here, once, and every later file of that unit and item is read with it (ingestion.normalise:
explicit > saved > catalogue). Coming from a batch whose file had unrecognised columns — or was refused
for a missing required column — the page lists those headers ready to map, and can send the same stored
file through again with the new mapping (a new batch: the mapping is part of a batch's identity).
Whether the unit's feed is trusted (auto-approved) is not on this page: the credit office sets it
(``xinyong batches feed``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.auth.permissions import RECORDS_SUBMIT, require
from xinyong.catalog import queries as catalog
from xinyong.console.deps import PREFIX, Csrf, render
from xinyong.console.ingestion import take_file
from xinyong.errors import NotFound, XinyongError
from xinyong.ingestion import service, storage, uploads
from xinyong.kit import clock
from xinyong.org import queries as org
from xinyong.web import DbSession

BASE = f"{PREFIX}/ingestion"
router = APIRouter(prefix=BASE, include_in_schema=False)
Submitter = Annotated[Actor, Depends(require(RECORDS_SUBMIT))]

#: Empty rows offered for new pairs.
BLANK_ROWS = 3


def _form(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    item: str,
    unit: str,
    batch: uuid.UUID | None,
    status_code: int = 200,
    pairs: list[tuple[str, str]] | None = None,
    **extra: Any,
) -> HTMLResponse:
    spec = catalog.item_spec(session, item)
    service.check_unit(session, actor, unit)
    saved = service.feed(session, unit, item)
    if pairs is None:
        pairs = list((saved.mapping if saved else {}).items())
        waiting = _unmapped(session, actor, batch, item=item, unit=unit) if batch else []
        pairs += [(h, "") for h in waiting if h not in dict(pairs)]
    return render(
        request,
        session,
        actor,
        "ingestion/mapping.html",
        status_code,
        item=spec,
        unit=unit,
        unit_name=getattr(org.unit(session, unit), "name", unit),
        batch=batch,
        pairs=pairs + [("", "")] * BLANK_ROWS,
        saved=saved,
        **extra,
    )


def _unmapped(session: Session, actor: Actor, batch_id: uuid.UUID, *, item: str, unit: str) -> list[str]:
    """The batch's unrecognised headers — only for a batch of this item and unit (its headers are the
    unit's file, read under the same scope as the batch page)."""
    found = service.get(session, batch_id)
    service.check_unit(session, actor, found.unit_key)
    if (found.item_code, found.unit_key) != (item, unit):
        return []
    return service.unknown_columns(session, found.id)


@router.get("/mapping", response_class=HTMLResponse)
def mapping_page(
    request: Request,
    session: DbSession,
    actor: Submitter,
    item: str,
    unit: str = "",
    batch: uuid.UUID | None = None,
    done: bool = False,
) -> HTMLResponse:
    return _form(
        request, session, actor, item=item, unit=unit or actor.unit_key or "", batch=batch, notice=done
    )


@router.post("/mapping", response_class=HTMLResponse)
def save_mapping(
    request: Request,
    session: DbSession,
    actor: Submitter,
    _csrf: Csrf,
    background: BackgroundTasks,
    item: Annotated[str, Form()],
    unit: Annotated[str, Form()],
    header: Annotated[list[str] | None, Form()] = None,
    field: Annotated[list[str] | None, Form()] = None,
    batch: Annotated[uuid.UUID | None, Form()] = None,
    reprocess: Annotated[bool, Form()] = False,
) -> Response:
    pairs = list(zip(header or [], field or [], strict=False))
    try:
        with session.begin_nested():
            service.save_mapping(
                session, unit_key=unit, item_code=item, mapping=dict(pairs), actor=actor, now=clock.now()
            )
            if batch is not None and reprocess:
                return _reprocess(session, actor, background, batch_id=batch, item=item, unit=unit)
    except XinyongError as exc:
        kept = [(h, f) for h, f in pairs if h.strip() or f.strip()]
        return _form(
            request,
            session,
            actor,
            item=item,
            unit=unit,
            batch=batch,
            status_code=exc.status_code,
            pairs=kept,
            error=exc.message,
        )
    query = f"item={item}&unit={unit}&done=1" + (f"&batch={batch}" if batch else "")
    return RedirectResponse(f"{BASE}/mapping?{query}", status_code=303)


def _reprocess(
    session: Session, actor: Actor, background: BackgroundTasks, *, batch_id: uuid.UUID, item: str, unit: str
) -> Response:
    """The batch's stored file, submitted again with the unit's new mapping (a big one in the background)."""
    old = service.get(session, batch_id)
    if (old.item_code, old.unit_key) != (item, unit):
        raise NotFound("批次与所设映射的事项或单位不符", details={"batch": str(batch_id)})
    stored = storage.find(old.content_hash)
    if stored is None:
        raise NotFound("原始文件已不在文件库中，请重新上传", details={"content_hash": old.content_hash})
    return take_file(
        session, uploads.Received(stored, old.filename, item, unit, actor, old.encoding), background
    )
