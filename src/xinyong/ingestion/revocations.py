"""Revocation (已撤销) of decisions by their deciding unit, by file or in the console, with the
3-working-day deadline tracked (DOMAIN §4: a revoked decision is withdrawn within 3 working days).

The record leaves every public surface at once (records.queries shows only 有效 records). Each
revocation keeps the decision's revocation date, the deadline counted in working days from it (the
day itself not counted) and whether the platform processed it on time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.auth.scope import can_change_record
from xinyong.catalog import queries as catalog
from xinyong.catalog.schemas import normalise_header
from xinyong.errors import Invalid
from xinyong.ingestion.errors import AlreadyRevoked, OutOfScope
from xinyong.ingestion.models import Revocation
from xinyong.ingestion.normalise import (
    RowNormaliser,
    clean,
    clean_text,
    is_summary_row,
    parse_date,
    resolve_mapping,
)
from xinyong.ingestion.queries import within
from xinyong.ingestion.readers import detect_format, open_table
from xinyong.kit import clock
from xinyong.org import queries as org
from xinyong.records import service as records
from xinyong.records.models import CreditRecord, Lifecycle
from xinyong.records.queries import contains_pattern
from xinyong.subjects.models import Subject

DEADLINE_WORKDAYS = 3


REASON_HEADERS = ("撤销原因", "撤销理由", "原因")
DATE_HEADERS = ("撤销日期", "撤销决定日期", "撤销时间")


def revoke(
    session: Session,
    *,
    record_id: uuid.UUID,
    reason: str,
    revoked_on: dt.date,
    actor: Actor,
    now: dt.datetime,
    source: str = "console",
) -> Revocation:
    """Mark a record 已撤销 (its deciding or providing unit only) and log the deadline. A record already
    revoked is refused (:class:`AlreadyRevoked`): a second revocation logged a second deadline and told
    the clerk nothing."""
    record = records.get(session, record_id, for_change=True)
    districts = {u.key: u.district_key for u in org.units(session)}
    if not can_change_record(
        actor,
        providing_unit_key=record.providing_unit_key,
        deciding_unit_key=record.deciding_unit_key,
        unit_districts=districts,
    ):
        raise OutOfScope("只能撤销本单位作出或报送的决定", details={"record_id": str(record_id)})
    if record.lifecycle == Lifecycle.REVOKED:
        on = record.lifecycle_changed_on
        raise AlreadyRevoked(
            f"该决定已于 {on.isoformat() if on else '此前'} 撤销，无需再次撤销",
            details={"record_id": str(record_id)},
        )
    if revoked_on > clock.today():
        raise Invalid("撤销日期不能晚于今天", details={"field": "revoked_on"})
    records.set_lifecycle(
        session,
        record=record,
        state=Lifecycle.REVOKED,
        reason=reason,
        on=revoked_on,
        actor=actor.ref(),
        now=now,
    )
    deadline = org.calendar(session).add_workdays(revoked_on, DEADLINE_WORKDAYS)
    row = Revocation(
        record_id=record.id,
        unit_key=actor.unit_key or record.providing_unit_key,
        reason=reason,
        revoked_on=revoked_on,
        deadline=deadline.date,
        deadline_provisional=deadline.provisional,
        processed_at=now,
        on_time=now.astimezone(clock.SHANGHAI).date() <= deadline.date,
        source=source,
        actor=actor.ref().label,
    )
    session.add(row)
    session.flush()
    return row


@dataclass
class FileResult:
    revoked: int
    problems: list[dict[str, Any]]


def revoke_file(
    session: Session,
    *,
    path: Path,
    item_code: str,
    actor: Actor,
    now: dt.datetime,
    encoding: str | None = None,
) -> FileResult:
    """Revoke the decisions a file lists: the item's natural-key columns plus 撤销原因 and 撤销日期."""
    item = catalog.item_spec(session, item_code)
    index = item.header_index()
    extra = {normalise_header(h) for h in (*REASON_HEADERS, *DATE_HEADERS)}

    def resolve(h: str) -> str | None:
        norm = normalise_header(h)
        return index.get(norm) or ("_extra" if norm in extra else None)

    table = open_table(path, detect_format(path.name), resolve=resolve, encoding=encoding)
    mapping, _ = resolve_mapping(item, table.header, None, None)
    missing = [k for k in item.natural_key if k not in mapping.values()]
    reason_col = _find(table.header, REASON_HEADERS)
    date_col = _find(table.header, DATE_HEADERS)
    if missing or reason_col is None or date_col is None:
        labels = [item.field(k).label for k in missing]
        if reason_col is None:
            labels.append("撤销原因")
        if date_col is None:
            labels.append("撤销日期")
        raise Invalid(f"撤销文件缺少列：{'、'.join(labels)}", code="file.missing_column")
    normaliser = RowNormaliser(item, table.header, mapping)
    problems: list[dict[str, Any]] = []
    revoked = 0
    row_no = 0
    for cells in table.rows:
        if not any(c.strip() for c in cells) or is_summary_row(cells):
            continue
        row_no += 1
        payload = normaliser(cells).payload
        key = records.natural_key(item, payload)
        record = session.scalar(
            select(CreditRecord).where(CreditRecord.item_code == item.code, CreditRecord.natural_key == key)
        )
        reason = clean_text(cells[reason_col]) if reason_col < len(cells) else ""
        on = parse_date(clean(cells[date_col])) if date_col < len(cells) else None
        if record is None:
            problems.append(_p(row_no, "revoke.not_found", f"未找到该决定（{key}）"))
        elif not reason:
            problems.append(_p(row_no, "revoke.reason", "撤销原因必填"))
        elif on is None:
            problems.append(_p(row_no, "revoke.date", "撤销日期无效"))
        elif record.lifecycle == Lifecycle.REVOKED:
            problems.append(_p(row_no, "revoke.already", "该决定已撤销", "warning"))
        else:
            revoke(
                session,
                record_id=record.id,
                reason=reason,
                revoked_on=dt.date.fromisoformat(on),
                actor=actor,
                now=now,
                source="file",
            )
            revoked += 1
    return FileResult(revoked, problems)


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    wanted = {normalise_header(n) for n in names}
    return next((i for i, h in enumerate(header) if normalise_header(h) in wanted), None)


def _p(row: int, code: str, message: str, severity: str = "error") -> dict[str, Any]:
    return {"row": row, "field": None, "code": code, "message": message, "severity": severity}


def listing(session: Session, *, units: Collection[str] | None = None, limit: int = 100) -> list[Revocation]:
    """Revocations processed by ``units`` (every unit when None), newest first."""
    stmt = select(Revocation)
    stmt = stmt.where(*within(Revocation.unit_key, units))
    return list(session.scalars(stmt.order_by(Revocation.processed_at.desc()).limit(limit)))


@dataclass(frozen=True)
class Decision:
    """A record as the revocation page shows it: what a clerk recognises a decision by."""

    record_id: uuid.UUID
    item_name: str
    decision_no: str | None
    decision_date: dt.date | None
    subject_name: str
    subject_code: str | None
    lifecycle: str


#: At most this many decisions answer one search on the revocation page.
FIND_LIMIT = 20


def find(
    session: Session, *, query: str, units: Collection[str] | None, limit: int = FIND_LIMIT
) -> list[Decision]:
    """Decisions of ``units`` (decided or sent by one of them; every unit when None) a clerk may mean by
    ``query``: part of the 决定书文号, the subject's unified social credit code, or the record id. Clerks know
    decisions by their number, never by the platform's record id, which is what revoking needs."""
    text = clean(query)
    if not text:
        return []
    try:
        match = CreditRecord.id == uuid.UUID(text)
    except ValueError:
        pattern = contains_pattern(text)
        match = or_(CreditRecord.decision_no.like(pattern, escape="\\"), Subject.uscc == text.upper())
    stmt = _decisions().where(match)
    if units is not None:
        scope = sorted(units)
        stmt = stmt.where(
            or_(CreditRecord.providing_unit_key.in_(scope), CreditRecord.deciding_unit_key.in_(scope))
        )
    stmt = stmt.order_by(CreditRecord.decision_date.desc().nulls_last(), CreditRecord.id).limit(limit)
    return _described(session, stmt)


def described(session: Session, record_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Decision]:
    """The decisions behind ``record_ids`` (the revocation list names them, not their ids)."""
    if not record_ids:
        return {}
    found = _described(session, _decisions().where(CreditRecord.id.in_(list(record_ids))))
    return {d.record_id: d for d in found}


#: What :class:`Decision` is read from.
_Columns = Select[uuid.UUID, str, str | None, dt.date | None, str, str | None, str]


def _decisions() -> _Columns:
    return select(
        CreditRecord.id,
        CreditRecord.item_code,
        CreditRecord.decision_no,
        CreditRecord.decision_date,
        Subject.name,
        Subject.uscc,
        CreditRecord.lifecycle,
    ).join(Subject, Subject.id == CreditRecord.subject_id)


def _described(session: Session, stmt: _Columns) -> list[Decision]:
    items = catalog.all_specs(session)
    return [
        Decision(
            record_id=rid,
            item_name=items[code].name if code in items else code,
            decision_no=no,
            decision_date=on,
            subject_name=name,
            subject_code=uscc,
            lifecycle=state,
        )
        for rid, code, no, on, name, uscc, state in session.execute(stmt)
    ]
