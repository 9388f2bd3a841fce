"""Console pages for lists: the credit office's overview, a recognising unit's tracking and actions.

Kept in the lists package until the console package lands; the lead wires navigation at merge. Forms
post to these page routes, which call the same services as the API and redirect back (PRG).
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from xinyong.auth.actor import Actor
from xinyong.auth.permissions import LISTS_READ, LISTS_RECOGNISE, require
from xinyong.kit import clock
from xinyong.lists import queries, service
from xinyong.lists.errors import ListInputInvalid
from xinyong.lists.schemas import EXIT_ZH, STATE_ZH, ExitKind
from xinyong.subjects import service as subjects
from xinyong.web import DbSession, Today

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(prefix="/console/lists", include_in_schema=False)

Reader = Annotated[Actor, Depends(require(LISTS_READ))]
Recogniser = Annotated[Actor, Depends(require(LISTS_RECOGNISE))]

KINDS = {
    "black": "严重失信（黑名单）",
    "red": "守信激励（红名单）",
    "watch": "重点关注",
    "abnormal": "经营异常",
}
STEPS = {
    "proposed": "拟列入",
    "notified": "制作告知书",
    "served": "登记送达",
    "objection_received": "收到异议",
    "objection_decided": "异议处理",
    "listed": "列入并公示",
    "exited": "移出",
    "registered_listed": "整批归集（已列入）",
}


@router.get("", response_class=HTMLResponse)
def index(request: Request, session: DbSession, actor: Reader, today: Today, state: str = "") -> HTMLResponse:
    unit = None if actor.is_credit_office else actor.unit_key
    entries, total = queries.entries(session, state=state or None, unit_key=unit, limit=100)
    return templates.TemplateResponse(
        request,
        "lists/index.html",
        {
            "types": list(queries.list_types(session).values()),
            "counts": queries.counts_by_type(session, today=today),
            "entries": entries,
            "total": total,
            "state": state,
            "states": {s.value: v for s, v in STATE_ZH.items()},
            "kinds": KINDS,
            "can_propose": actor.has(LISTS_RECOGNISE),
        },
    )


@router.get("/{record_id}", response_class=HTMLResponse)
def entry(request: Request, record_id: uuid.UUID, session: DbSession, actor: Reader) -> HTMLResponse:
    e = queries.entry_view(session, queries.entry(session, record_id))
    return templates.TemplateResponse(
        request,
        "lists/entry.html",
        {
            "e": e,
            "events": queries.events(session, record_id),
            "steps": STEPS,
            "exit_labels": {k.value: v for k, v in EXIT_ZH.items()},
            "can_act": actor.has(LISTS_RECOGNISE),
        },
    )


def _back(record_id: uuid.UUID) -> RedirectResponse:
    return RedirectResponse(f"/console/lists/{record_id}", status_code=303)


@router.post("/propose")
def propose(
    session: DbSession,
    actor: Recogniser,
    today: Today,
    list_type: Annotated[str, Form()],
    subject_code: Annotated[str, Form()],
    decision_no: Annotated[str, Form()],
    facts: Annotated[str, Form()],
    reasons: Annotated[str, Form()],
) -> RedirectResponse:
    subject = subjects.find_by_code(session, subject_code)
    if subject is None:
        raise ListInputInvalid("主体不存在", details={"field": "subject_code"})
    e = service.propose(
        session,
        list_type=list_type,
        subject=subject,
        decision_no=decision_no,
        facts=facts,
        reasons=reasons,
        valid_months=None,
        actor=actor,
        now=clock.now(),
        today=today,
    )
    return _back(e.record_id)


@router.post("/{record_id}/notify")
def notify(record_id: uuid.UUID, session: DbSession, actor: Recogniser, today: Today) -> RedirectResponse:
    service.notify(session, record_id=record_id, actor=actor, now=clock.now(), today=today)
    return _back(record_id)


@router.post("/{record_id}/serve")
def serve(
    record_id: uuid.UUID,
    session: DbSession,
    actor: Recogniser,
    today: Today,
    served_on: Annotated[dt.date, Form()],
) -> RedirectResponse:
    service.serve(
        session, record_id=record_id, served_on=served_on, actor=actor, now=clock.now(), today=today
    )
    return _back(record_id)


@router.post("/{record_id}/list")
def list_entry(record_id: uuid.UUID, session: DbSession, actor: Recogniser, today: Today) -> RedirectResponse:
    service.list_entry(session, record_id=record_id, actor=actor, now=clock.now(), today=today)
    return _back(record_id)


@router.post("/{record_id}/exit")
def exit_entry(
    record_id: uuid.UUID,
    session: DbSession,
    actor: Recogniser,
    today: Today,
    kind: Annotated[ExitKind, Form()],
    reason: Annotated[str, Form()],
) -> RedirectResponse:
    service.exit_entry(
        session, record_id=record_id, kind=kind, reason=reason, actor=actor, now=clock.now(), today=today
    )
    return _back(record_id)
