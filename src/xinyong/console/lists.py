"""Console pages for lists (名单管理): the overview, a recognising unit's tracking and its actions.

Forms post to these page routes, which call the same services as the API and redirect back (PRG); a
refused action re-renders the page with the reason.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.auth.permissions import LISTS_READ, LISTS_RECOGNISE, require
from xinyong.console.deps import PREFIX, Csrf, render
from xinyong.console.nav import NavEntry, Queue, register_nav, register_queue
from xinyong.errors import XinyongError
from xinyong.kit import clock
from xinyong.lists import queries, service
from xinyong.lists.errors import ListInputInvalid
from xinyong.lists.schemas import EXIT_ZH, STATE_ZH, ExitKind
from xinyong.subjects import service as subjects
from xinyong.web import DbSession, Today

BASE = f"{PREFIX}/lists"
router = APIRouter(prefix=BASE, include_in_schema=False)

Reader = Annotated[Actor, Depends(require(LISTS_READ))]
Recogniser = Annotated[Actor, Depends(require(LISTS_RECOGNISE))]

#: Pseudo state of the index filter: the entries the recognising unit still has to act on.
AWAITING = "awaiting"

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


def _unit(actor: Actor) -> str | None:
    return None if actor.is_credit_office else actor.unit_key


def _awaiting(session: Session, actor: Actor) -> int:
    return queries.count_awaiting_action(session, unit_key=_unit(actor))


register_nav(NavEntry("lists", "名单管理", BASE, permission=LISTS_READ, order=40))
register_queue(
    Queue(
        "list_recognition",
        "名单认定",
        LISTS_RECOGNISE,
        "待制作告知书、待登记送达或待作出列入决定的名单",
        f"{BASE}?state={AWAITING}",
        _awaiting,
        30,
    )
)


def _index(
    request: Request,
    session: Session,
    actor: Actor,
    today: dt.date,
    state: str,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    filters: dict[str, Any] = (
        {"states": queries.AWAITING_ACTION} if state == AWAITING else {"state": state or None}
    )
    entries, total = queries.entries(session, unit_key=_unit(actor), limit=100, **filters)
    return render(
        request,
        session,
        actor,
        "lists/index.html",
        status,
        types=list(queries.list_types(session).values()),
        counts=queries.counts_by_type(session, today=today),
        entries=entries,
        total=total,
        state=state,
        states={AWAITING: "待办理（拟列入、已告知）"} | {s.value: v for s, v in STATE_ZH.items()},
        kinds=KINDS,
        can_propose=actor.has(LISTS_RECOGNISE),
        **extra,
    )


@router.get("", response_class=HTMLResponse)
def index(request: Request, session: DbSession, actor: Reader, today: Today, state: str = "") -> HTMLResponse:
    return _index(request, session, actor, today, state)


def _entry(
    request: Request, session: Session, actor: Actor, record_id: uuid.UUID, status: int = 200, **extra: Any
) -> HTMLResponse:
    e = queries.entry_view(session, queries.entry(session, record_id))
    return render(
        request,
        session,
        actor,
        "lists/entry.html",
        status,
        e=e,
        events=queries.events(session, record_id),
        steps=STEPS,
        exit_labels={k.value: v for k, v in EXIT_ZH.items()},
        can_act=actor.has(LISTS_RECOGNISE),
        **extra,
    )


@router.get("/{record_id}", response_class=HTMLResponse)
def entry(request: Request, record_id: uuid.UUID, session: DbSession, actor: Reader) -> HTMLResponse:
    return _entry(request, session, actor, record_id)


def _back(record_id: uuid.UUID) -> RedirectResponse:
    return RedirectResponse(f"{BASE}/{record_id}", status_code=303)


@router.post("/propose", response_class=HTMLResponse)
def propose(
    request: Request,
    session: DbSession,
    actor: Recogniser,
    _csrf: Csrf,
    today: Today,
    list_type: Annotated[str, Form()],
    subject_code: Annotated[str, Form()],
    decision_no: Annotated[str, Form()],
    facts: Annotated[str, Form()],
    reasons: Annotated[str, Form()],
) -> Response:
    try:
        with session.begin_nested():
            subject = subjects.find_by_code(session, subject_code.strip())
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
    except XinyongError as exc:
        return _index(request, session, actor, today, "", exc.status_code, error=exc.message)
    return _back(e.record_id)


def _act(
    request: Request,
    session: Session,
    actor: Actor,
    record_id: uuid.UUID,
    action: Callable[..., Any],
    **form: Any,
) -> Response:
    """Run one entry action of the lists service — ``action(session, record_id=…, actor=…, now=…,
    **form)`` — and go back to the entry; on refusal show the entry page with the reason."""
    try:
        with session.begin_nested():
            action(session, record_id=record_id, actor=actor, now=clock.now(), **form)
    except XinyongError as exc:
        return _entry(request, session, actor, record_id, exc.status_code, error=exc.message)
    return _back(record_id)


@router.post("/{record_id}/notify", response_class=HTMLResponse)
def notify(
    request: Request, record_id: uuid.UUID, session: DbSession, actor: Recogniser, _csrf: Csrf, today: Today
) -> Response:
    return _act(request, session, actor, record_id, service.notify, today=today)


@router.post("/{record_id}/serve", response_class=HTMLResponse)
def serve(
    request: Request,
    record_id: uuid.UUID,
    session: DbSession,
    actor: Recogniser,
    _csrf: Csrf,
    today: Today,
    served_on: Annotated[dt.date, Form()],
) -> Response:
    return _act(request, session, actor, record_id, service.serve, served_on=served_on, today=today)


@router.post("/{record_id}/list", response_class=HTMLResponse)
def list_entry(
    request: Request, record_id: uuid.UUID, session: DbSession, actor: Recogniser, _csrf: Csrf, today: Today
) -> Response:
    return _act(request, session, actor, record_id, service.list_entry, today=today)


@router.post("/{record_id}/exit", response_class=HTMLResponse)
def exit_entry(
    request: Request,
    record_id: uuid.UUID,
    session: DbSession,
    actor: Recogniser,
    _csrf: Csrf,
    today: Today,
    kind: Annotated[ExitKind, Form()],
    reason: Annotated[str, Form()],
) -> Response:
    return _act(request, session, actor, record_id, service.exit_entry, kind=kind, reason=reason, today=today)
