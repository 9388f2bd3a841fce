"""Staff API for the list lifecycle (recognising units) and the list types."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from xinyong.auth.actor import Actor
from xinyong.auth.permissions import LISTS_READ, LISTS_RECOGNISE, require
from xinyong.kit import clock
from xinyong.lists import queries, service
from xinyong.lists.errors import ListInputInvalid
from xinyong.lists.models import ListNotice
from xinyong.lists.schemas import EntryOut, ExitKind, ProposeIn
from xinyong.subjects import service as subjects
from xinyong.web import DbSession, Today

router = APIRouter(prefix="/api/v1/staff/lists", tags=["名单（工作人员）"])

Recogniser = Annotated[Actor, Depends(require(LISTS_RECOGNISE))]
Reader = Annotated[Actor, Depends(require(LISTS_READ))]


class ServeIn(BaseModel):
    served_on: dt.date


class ObjectionIn(BaseModel):
    received_on: dt.date
    text: str = Field(min_length=1, max_length=5000)


class DecisionIn(BaseModel):
    accepted: bool
    reason: str = Field(min_length=1, max_length=2000)


class ExitIn(BaseModel):
    kind: ExitKind
    reason: str = Field(min_length=1, max_length=500)
    on: dt.date | None = None


class EntryPage(BaseModel):
    items: list[EntryOut]
    total: int


@router.get("/types", summary="名单类型")
def list_types(session: DbSession, _: Reader) -> list[dict[str, Any]]:
    return [t.model_dump(mode="json") for t in queries.list_types(session).values()]


@router.get("/entries", response_model=EntryPage, summary="名单条目（认定流程跟踪）")
def entries(
    session: DbSession,
    actor: Reader,
    list_type: str | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> EntryPage:
    unit = None if actor.is_credit_office else actor.unit_key
    items, total = queries.entries(
        session, list_type=list_type, state=state, unit_key=unit, limit=min(limit, 200), offset=offset
    )
    return EntryPage(items=items, total=total)


@router.post("/entries", response_model=EntryOut, status_code=201, summary="拟列入（认定单位提出）")
def propose(body: ProposeIn, session: DbSession, actor: Recogniser, today: Today) -> EntryOut:
    subject = subjects.find_by_code(session, body.subject_code)
    if subject is None:
        raise ListInputInvalid("主体不存在", details={"field": "subject_code"})
    entry = service.propose(
        session,
        list_type=body.list_type,
        subject=subject,
        decision_no=body.decision_no,
        facts=body.facts,
        reasons=body.reasons,
        valid_months=body.valid_months,
        actor=actor,
        now=clock.now(),
        today=today,
    )
    return queries.entry_view(session, entry)


@router.get("/entries/{record_id}", response_model=EntryOut, summary="名单条目")
def entry(record_id: uuid.UUID, session: DbSession, _: Reader) -> EntryOut:
    return queries.entry_view(session, queries.entry(session, record_id))


@router.post("/entries/{record_id}/notify", response_model=EntryOut, summary="制作告知书（PDF）")
def notify(record_id: uuid.UUID, session: DbSession, actor: Recogniser, today: Today) -> EntryOut:
    service.notify(session, record_id=record_id, actor=actor, now=clock.now(), today=today)
    return queries.entry_view(session, queries.entry(session, record_id))


@router.get("/entries/{record_id}/notice.pdf", summary="告知书 PDF")
def notice_pdf(record_id: uuid.UUID, session: DbSession, _: Reader) -> Response:
    row = queries.entry(session, record_id)
    notice = session.get(ListNotice, row.notice_no) if row.notice_no else None
    if notice is None:
        raise ListInputInvalid("尚未制作告知书", details={"record_id": str(record_id)})
    return Response(
        notice.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{notice.notice_no}.pdf"'},
    )


@router.post("/entries/{record_id}/serve", response_model=EntryOut, summary="登记送达日期")
def serve(
    record_id: uuid.UUID, body: ServeIn, session: DbSession, actor: Recogniser, today: Today
) -> EntryOut:
    e = service.serve(
        session, record_id=record_id, served_on=body.served_on, actor=actor, now=clock.now(), today=today
    )
    return queries.entry_view(session, e)


@router.post("/entries/{record_id}/objection", response_model=EntryOut, summary="登记异议")
def objection(record_id: uuid.UUID, body: ObjectionIn, session: DbSession, actor: Recogniser) -> EntryOut:
    e = service.receive_objection(
        session,
        record_id=record_id,
        received_on=body.received_on,
        text=body.text,
        actor=actor,
        now=clock.now(),
    )
    return queries.entry_view(session, e)


@router.post("/entries/{record_id}/objection/decision", response_model=EntryOut, summary="异议处理决定")
def decide(
    record_id: uuid.UUID, body: DecisionIn, session: DbSession, actor: Recogniser, today: Today
) -> EntryOut:
    e = service.decide_objection(
        session,
        record_id=record_id,
        accepted=body.accepted,
        reason=body.reason,
        actor=actor,
        now=clock.now(),
        today=today,
    )
    return queries.entry_view(session, e)


@router.post("/entries/{record_id}/list", response_model=EntryOut, summary="作出列入决定并公示")
def list_entry(record_id: uuid.UUID, session: DbSession, actor: Recogniser, today: Today) -> EntryOut:
    e = service.list_entry(session, record_id=record_id, actor=actor, now=clock.now(), today=today)
    return queries.entry_view(session, e)


@router.post(
    "/entries/{record_id}/exit", response_model=EntryOut, summary="移出（届满、整改后提前移出、撤销）"
)
def exit_entry(
    record_id: uuid.UUID, body: ExitIn, session: DbSession, actor: Recogniser, today: Today
) -> EntryOut:
    e = service.exit_entry(
        session,
        record_id=record_id,
        kind=body.kind,
        reason=body.reason,
        actor=actor,
        now=clock.now(),
        today=today,
        on=body.on,
    )
    return queries.entry_view(session, e)
