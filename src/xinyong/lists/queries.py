"""Reading lists: the loaded list types (cached per version), a subject's active entries, entry views.

An entry is *active* (the subject is on the list today) when its record is valid (有效), approved (shown),
its publicity has not ended (``publicity_ends`` follows ``exit_on`` or ``valid_to``), and its lifecycle
row — if it has one — says ``listed``. A list record without a lifecycle row arrived already listed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, and_, func, or_, select
from sqlalchemy.orm import Session

from xinyong.catalog import queries as catalog
from xinyong.catalog.schemas import FieldRole
from xinyong.db import get_row
from xinyong.lists.errors import EntryNotFound, UnknownListType
from xinyong.lists.models import ListEntry, ListEntryEvent, ListType
from xinyong.lists.schemas import STATE_ZH, EntryOut, EntryState, ListTypeSpec, classify
from xinyong.org import queries as org
from xinyong.records.models import CreditRecord, Lifecycle
from xinyong.subjects.models import Subject


@dataclass(frozen=True)
class ListIndex:
    """The loaded list types with what the check needs about their items, built once per version."""

    version: str
    types: dict[str, ListTypeSpec]
    items: list[str]
    #: item code → payload key of its deciding-unit name (认定单位 / 执行法院 …)
    authority_keys: dict[str, str]


_index_cache: dict[str, ListIndex] = {}


def types_version(session: Session) -> str:
    """The loaded list-types version ('' when none are loaded)."""
    return session.scalar(select(func.max(ListType.version))) or ""


def index(session: Session, version: str | None = None) -> ListIndex:
    """The list index for ``version`` (default: the loaded one), parsed once and cached."""
    key = version if version is not None else types_version(session)
    found = _index_cache.get(key)
    if found is None:
        rows = session.scalars(select(ListType).order_by(ListType.code))
        types = {r.code: ListTypeSpec.model_validate(r.spec) for r in rows}
        items = sorted({t.item for t in types.values()})
        keys: dict[str, str] = {}
        for code in items:
            spec = catalog.item_spec(session, code).field_by_role(FieldRole.DECIDING_UNIT_NAME)
            if spec is not None:
                keys[code] = spec.key
        found = ListIndex(key, types, items, keys)
        _index_cache.clear()
        _index_cache[key] = found
    return found


def list_types(session: Session) -> dict[str, ListTypeSpec]:
    """Every loaded list type by code."""
    return index(session).types


def list_type(session: Session, code: str) -> ListTypeSpec:
    found = list_types(session).get(code)
    if found is None:
        raise UnknownListType(
            f"没有名单类型 {code}", details={"list_type": code, "known": sorted(list_types(session))}
        )
    return found


def active_condition(today: dt.date | BindParameter[dt.date]) -> Any:
    """SQL condition (over CreditRecord outer-joined with ListEntry) for an entry that is listed today."""
    return and_(
        CreditRecord.lifecycle == Lifecycle.VALID.value,
        CreditRecord.approved_at.is_not(None),
        or_(CreditRecord.publicity_ends.is_(None), CreditRecord.publicity_ends >= today),
        or_(ListEntry.state.is_(None), ListEntry.state == EntryState.LISTED.value),
    )


@dataclass(frozen=True)
class ActiveEntry:
    record_id: uuid.UUID
    list_type: str
    kind: str
    item_code: str
    authority: str | None
    basis: list[str]
    listed_on: dt.date | None
    ends_on: dt.date | None
    objection_open: bool


def active_entries(
    session: Session, *, subject_id: uuid.UUID, today: dt.date, idx: ListIndex | None = None
) -> list[ActiveEntry]:
    """The subject's entries that are listed today: one indexed look-up on (subject_id, item_code)."""
    idx = idx if idx is not None else index(session)
    rows = session.execute(
        select(
            CreditRecord.id,
            CreditRecord.item_code,
            CreditRecord.payload,
            CreditRecord.decision_date,
            CreditRecord.publicity_ends,
            CreditRecord.objection_open,
            ListEntry.list_type,
        )
        .outerjoin(ListEntry, ListEntry.record_id == CreditRecord.id)
        .where(
            CreditRecord.subject_id == subject_id,
            CreditRecord.item_code.in_(idx.items),
            active_condition(today),
        )
    ).all()
    found = (active_entry(idx, *row) for row in rows)
    return [e for e in found if e is not None]


def active_entry(
    idx: ListIndex,
    record_id: uuid.UUID,
    item_code: str,
    payload: dict[str, Any],
    decided: dt.date | None,
    ends: dt.date | None,
    objection: bool | None,
    entry_type: str | None,
) -> ActiveEntry | None:
    """The entry a record that meets :func:`active_condition` stands for (None: no list type matches)."""
    code = entry_type or classify(idx.types, item_code, payload)
    if code is None:
        return None
    spec = idx.types[code]
    authority = payload.get(idx.authority_keys.get(item_code, ""))
    return ActiveEntry(
        record_id=record_id,
        list_type=code,
        kind=str(spec.kind),
        item_code=item_code,
        authority=str(authority) if authority else None,
        basis=list(spec.legal_basis),
        listed_on=decided,
        ends_on=ends,
        objection_open=bool(objection),
    )


def entry(session: Session, record_id: uuid.UUID, *, for_change: bool = False) -> ListEntry:
    """The entry; ``for_change`` (db.get_row): two steps on one entry at once (two clerks notifying it)
    run one after the other, the second refused by the state the first left."""
    row = get_row(session, ListEntry, record_id, for_change=for_change)
    if row is None:
        raise EntryNotFound("名单条目不存在", details={"record_id": str(record_id)})
    return row


def entry_view(session: Session, row: ListEntry) -> EntryOut:
    spec = list_types(session).get(row.list_type)
    subject = session.get(Subject, row.subject_id)
    unit = org.unit(session, row.recognising_unit_key) if row.recognising_unit_key else None
    state = EntryState(row.state)
    return EntryOut(
        record_id=row.record_id,
        list_type=row.list_type,
        list_type_name=spec.name if spec else row.list_type,
        state=state.value,
        state_label=STATE_ZH[state],
        subject_id=row.subject_id,
        subject_name=subject.name if subject else "",
        recognising_unit=unit.name if unit else row.recognising_unit_key,
        reasons=row.reasons,
        proposed_on=row.proposed_on,
        notice_no=row.notice_no,
        notified_on=row.notified_on,
        served_on=row.served_on,
        objection_deadline=row.objection_deadline,
        objection_deadline_provisional=row.objection_deadline_provisional,
        objection_received_on=row.objection_received_on,
        objection_outcome=row.objection_outcome,
        listed_on=row.listed_on,
        valid_to=row.valid_to,
        exited_on=row.exited_on,
        exit_kind=row.exit_kind,
        exit_reason=row.exit_reason,
        version=row.version,
    )


def events(session: Session, record_id: uuid.UUID) -> list[ListEntryEvent]:
    return list(
        session.scalars(
            select(ListEntryEvent)
            .where(ListEntryEvent.record_id == record_id)
            .order_by(ListEntryEvent.version)
        )
    )


def entries(
    session: Session,
    *,
    list_type: str | None = None,
    state: str | None = None,
    unit_key: str | None = None,
    limit: int = 50,
    offset: int = 0,
    states: tuple[str, ...] | None = None,
) -> tuple[list[EntryOut], int]:
    """Entries with a lifecycle row, newest change first (a recognising unit's tracking view)."""
    cond = []
    if list_type:
        cond.append(ListEntry.list_type == list_type)
    if state:
        cond.append(ListEntry.state == state)
    if states:
        cond.append(ListEntry.state.in_(states))
    if unit_key:
        cond.append(ListEntry.recognising_unit_key == unit_key)
    total = session.scalar(select(func.count()).select_from(ListEntry).where(*cond)) or 0
    rows = session.scalars(
        select(ListEntry).where(*cond).order_by(ListEntry.updated_at.desc()).limit(limit).offset(offset)
    ).all()
    return [entry_view(session, r) for r in rows], int(total)


def counts_by_type(session: Session, *, today: dt.date) -> dict[str, int]:
    """Active entries per list type (for the credit office's overview); one grouped scan of list items."""
    types = list_types(session)
    rows = session.execute(
        select(CreditRecord.item_code, ListEntry.list_type, CreditRecord.payload)
        .outerjoin(ListEntry, ListEntry.record_id == CreditRecord.id)
        .where(CreditRecord.item_code.in_(index(session).items), active_condition(today))
    )
    out = dict.fromkeys(types, 0)
    for item_code, entry_type, payload in rows:
        code = entry_type or classify(types, item_code, payload)
        if code is not None:
            out[code] += 1
    return out


#: Entry states a recognising unit still has to act on: notice (拟列入), then service and the decision (已告知).
AWAITING_ACTION = (EntryState.PROPOSED.value, EntryState.NOTIFIED.value)


def count_awaiting_action(session: Session, *, unit_key: str | None = None) -> int:
    """Entries awaiting a notice, its service or the listing decision (of ``unit_key``; all when None)."""
    stmt = select(func.count()).select_from(ListEntry).where(ListEntry.state.in_(AWAITING_ACTION))
    if unit_key:
        stmt = stmt.where(ListEntry.recognising_unit_key == unit_key)
    return int(session.scalar(stmt) or 0)
