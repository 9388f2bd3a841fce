"""The list lifecycle: propose → notify (告知书) → serve (送达) → objection window → list → exit.

Every step is dated, attributed (an event row carrying the actor), audited (same transaction) and
versioned (the event rows are the entry's versions; the record's own versions keep what was shown).
The entry's facts live in its credit record: proposing creates it unshown (``approved_at`` empty),
listing shows it, and every exit sets its ``exit_on`` so ``publicity_ends`` — and with it every public
surface and the check — stops at once. A revocation also marks the record 已撤销, a repair 已修复.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.auth.actor import Actor
from xinyong.catalog import queries as catalog
from xinyong.catalog.schemas import CatalogItemSpec, FieldRole
from xinyong.db import advisory_lock
from xinyong.kit import bulk
from xinyong.kit.actor import ActorRef
from xinyong.lists import notice as notices
from xinyong.lists import queries
from xinyong.lists.errors import (
    ListInputInvalid,
    NotRecognisingUnit,
    ObjectionWindowClosed,
    ObjectionWindowOpen,
    WrongState,
)
from xinyong.lists.models import ListEntry, ListEntryEvent, ListNotice, ListType
from xinyong.lists.schemas import (
    EXIT_ZH,
    EntryState,
    ExitKind,
    ListTypeSpec,
    ListTypesSpec,
    add_months,
    classify,
)
from xinyong.org import queries as org
from xinyong.records import service as records
from xinyong.records.models import CreditRecord, Lifecycle
from xinyong.records.rules import current_rules
from xinyong.subjects.models import Subject, SubjectKind

ENTRIES = cast(Table, ListEntry.__table__)
EVENTS = cast(Table, ListEntryEvent.__table__)


def load(session: Session, spec: ListTypesSpec, *, actor: ActorRef, now: dt.datetime) -> dict[str, Any]:
    """Upsert every list type of ``spec`` (audited as one row when anything changed)."""
    added, changed = [], []
    for t in spec.list_types:
        data = t.model_dump(mode="json")
        row = session.get(ListType, t.code)
        if row is not None and row.version == spec.version and row.spec == data:
            continue
        if row is None:
            row = ListType(code=t.code)
            session.add(row)
            added.append(t.code)
        else:
            changed.append(t.code)
        row.name, row.kind, row.item_code = t.name, str(t.kind), t.item
        row.version, row.spec, row.loaded_at = spec.version, data, now
    session.flush()
    result = {"version": spec.version, "list_types": len(spec.list_types), "added": added, "changed": changed}
    if added or changed:
        audit.record(
            session, actor=actor, action="lists.types_loaded", target_type="list_types", details=result
        )
    return result


# --------------------------------------------------------------------------- helpers


def _event(
    session: Session,
    entry: ListEntry,
    *,
    step: str,
    on: dt.date,
    actor: ActorRef,
    now: dt.datetime,
    **details: Any,
) -> None:
    """Bump the entry's version, write its event row (the version) and the audit row."""
    entry.version += 1
    entry.updated_at = now
    session.add(
        ListEntryEvent(
            record_id=entry.record_id,
            version=entry.version,
            step=step,
            dated=on,
            at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_name=actor.name,
            actor_unit=actor.unit_key,
            state=entry.state,
            details={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in details.items()},
        )
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"lists.{step}",
        target_type="list_entry",
        target_id=str(entry.record_id),
        details={"state": entry.state, "on": on.isoformat(), **{k: str(v) for k, v in details.items()}},
    )


def _require(entry: ListEntry, *states: EntryState) -> None:
    if entry.state not in {s.value for s in states}:
        allowed = "、".join(s.value for s in states)
        raise WrongState(
            f"名单条目当前状态为 {entry.state}，此操作要求 {allowed}",
            details={"state": entry.state, "allowed": [s.value for s in states]},
        )


def _check_unit(actor: Actor, spec: ListTypeSpec, unit_key: str | None) -> None:
    if actor.is_credit_office:
        return
    if (
        actor.unit_key is None
        or not spec.recognised_by(actor.unit_key)
        or (unit_key and unit_key != actor.unit_key)
    ):
        raise NotRecognisingUnit(
            f"本单位不是「{spec.name}」的认定单位",
            details={"list_type": spec.code, "unit": actor.unit_key},
        )


def _set(item: CatalogItemSpec, payload: dict[str, Any], role: str, value: Any) -> None:
    spec = item.field_by_role(role)
    if spec is not None and value is not None:
        payload[spec.key] = value


def _amend(
    session: Session,
    record: CreditRecord,
    changes: dict[str, Any],
    *,
    actor: ActorRef,
    now: dt.datetime,
    today: dt.date,
    approve: bool = False,
    action: str,
) -> None:
    item = catalog.item_spec(session, record.item_code)
    subject = session.get(Subject, record.subject_id)
    records.amend(
        session,
        record=record,
        item=item,
        changes=changes,
        rules=current_rules(session),
        units_by_uscc=org.units_by_uscc(session),
        is_person=subject is not None and subject.kind == SubjectKind.NATURAL_PERSON,
        actor=actor,
        now=now,
        today=today,
        approved_at=now if approve else None,
        action=action,
    )


def _key(item: CatalogItemSpec, role: str) -> str | None:
    spec = item.field_by_role(role)
    return spec.key if spec is not None else None


# --------------------------------------------------------------------------- lifecycle


def propose(
    session: Session,
    *,
    list_type: str,
    subject: Subject,
    decision_no: str,
    facts: str,
    reasons: str,
    valid_months: int | None,
    actor: Actor,
    now: dt.datetime,
    today: dt.date,
) -> ListEntry:
    """The recognising unit proposes ``subject`` for ``list_type``: an unshown record plus a proposed entry."""
    spec = queries.list_type(session, list_type)
    _check_unit(actor, spec, None)
    if spec.arrives_listed:
        raise ListInputInvalid(
            f"「{spec.name}」由上级或行业系统认定后整批归集，本平台不办理告知程序",
            details={"list_type": spec.code},
        )
    unit_key = actor.unit_key
    unit = org.unit(session, unit_key) if unit_key else None
    if unit is None:
        raise ListInputInvalid("认定单位须为本市已登记单位", details={"field": "unit"})
    item = catalog.item_spec(session, spec.item)
    payload: dict[str, Any] = {}
    _set(item, payload, FieldRole.SUBJECT_NAME, subject.name)
    _set(item, payload, FieldRole.SUBJECT_CODE, subject.uscc)
    _set(item, payload, FieldRole.LEGAL_REP, subject.legal_rep)
    _set(item, payload, FieldRole.DECISION_NO, decision_no)
    _set(item, payload, FieldRole.FACTS, facts)
    _set(item, payload, FieldRole.LIST_BASIS, "；".join(spec.legal_basis))
    _set(item, payload, FieldRole.LISTED_ON, today.isoformat())
    for role in (FieldRole.DECIDING_UNIT_NAME, FieldRole.SOURCE_UNIT_NAME):
        _set(item, payload, role, unit.name)
    for role in (FieldRole.DECIDING_UNIT_CODE, FieldRole.SOURCE_UNIT_CODE):
        _set(item, payload, role, unit.uscc)
    if spec.match is not None:
        payload[spec.match.field] = spec.match.values[0]
    created = records.upsert(
        session,
        item=item,
        item_version=catalog.item_row(session, item.code).version,
        subject_id=subject.id,
        is_person=subject.kind == SubjectKind.NATURAL_PERSON,
        payload=payload,
        providing_unit_key=unit.key,
        rules=current_rules(session),
        units_by_uscc=org.units_by_uscc(session),
        actor=actor.ref(),
        now=now,
        today=today,
        approved_at=None,
        merge=False,
    )
    if created.outcome != "created":
        raise WrongState("该认定文号已有名单条目", details={"record_id": str(created.record.id)})
    months = valid_months or spec.default_validity_months
    entry = ListEntry(
        record_id=created.record.id,
        list_type=spec.code,
        subject_id=subject.id,
        state=EntryState.PROPOSED.value,
        recognising_unit_key=unit.key,
        reasons=reasons,
        proposed_on=today,
        valid_months=months,
        version=0,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.flush()
    _event(session, entry, step="proposed", on=today, actor=actor.ref(), now=now, valid_months=months)
    return entry


def notify(
    session: Session, *, record_id: uuid.UUID, actor: Actor, now: dt.datetime, today: dt.date
) -> ListNotice:
    """Issue the pre-notification: a numbered Chinese PDF with reasons, basis and rights."""
    entry = queries.entry(session, record_id, for_change=True)
    _require(entry, EntryState.PROPOSED)
    spec = queries.list_type(session, entry.list_type)
    _check_unit(actor, spec, entry.recognising_unit_key)
    record = records.get(session, record_id)
    item = catalog.item_spec(session, record.item_code)
    subject = session.get(Subject, entry.subject_id)
    unit = org.unit(session, entry.recognising_unit_key or "")
    # Numbers are taken one transaction at a time: two notices issued at once took the same number,
    # and the second failed on it.
    advisory_lock(session, f"xinyong.lists.notice_no:{today.year}")
    seq = (
        session.scalar(
            select(ListNotice.notice_no)
            .where(ListNotice.issued_on >= today.replace(month=1, day=1))
            .order_by(ListNotice.notice_no.desc())
            .limit(1)
        )
        or ""
    )
    n = int(seq.rsplit("-", 1)[-1]) + 1 if seq else 1
    notice_no = f"XYGZ-{today.year}-{n:06d}"
    facts_key = _key(item, FieldRole.FACTS)
    pdf = notices.render(
        notices.NoticeContent(
            notice_no=notice_no,
            issued_on=today,
            subject_name=subject.name if subject else "",
            subject_code=subject.uscc if subject else None,
            list_name=spec.name,
            unit_name=unit.name if unit else "",
            facts=str(record.payload.get(facts_key, "")) if facts_key else "",
            reasons=entry.reasons or "",
            legal_basis=list(spec.legal_basis),
            objection_workdays=spec.objection_workdays or 0,
            remedies=spec.remedies,
            exit_conditions=spec.exit_conditions,
            validity_months=entry.valid_months,
        )
    )
    row = ListNotice(
        notice_no=notice_no,
        record_id=record_id,
        issued_on=today,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    session.add(row)
    entry.state = EntryState.NOTIFIED.value
    entry.notice_no = notice_no
    entry.notified_on = today
    _event(
        session,
        entry,
        step="notified",
        on=today,
        actor=actor.ref(),
        now=now,
        notice_no=notice_no,
        sha256=row.sha256,
    )
    return row


def serve(
    session: Session,
    *,
    record_id: uuid.UUID,
    served_on: dt.date,
    actor: Actor,
    now: dt.datetime,
    today: dt.date,
) -> ListEntry:
    """Record the date of service (送达); the objection window counts working days from it."""
    entry = queries.entry(session, record_id, for_change=True)
    _require(entry, EntryState.NOTIFIED)
    spec = queries.list_type(session, entry.list_type)
    _check_unit(actor, spec, entry.recognising_unit_key)
    if entry.served_on is not None:
        raise WrongState("送达日期已登记", details={"served_on": entry.served_on.isoformat()})
    if entry.notified_on is not None and served_on < entry.notified_on:
        raise ListInputInvalid("送达日期不得早于告知书制作日期", details={"field": "served_on"})
    if served_on > today:
        raise ListInputInvalid("送达日期不得晚于今天", details={"field": "served_on"})
    deadline = org.calendar(session).add_workdays(served_on, spec.objection_workdays or 1)
    entry.served_on = served_on
    entry.objection_deadline = deadline.date
    entry.objection_deadline_provisional = deadline.provisional
    _event(
        session,
        entry,
        step="served",
        on=served_on,
        actor=actor.ref(),
        now=now,
        objection_deadline=deadline.date,
        provisional=deadline.provisional,
    )
    return entry


def receive_objection(
    session: Session, *, record_id: uuid.UUID, received_on: dt.date, text: str, actor: Actor, now: dt.datetime
) -> ListEntry:
    """Register the subject's objection; refused when received after the window closed."""
    entry = queries.entry(session, record_id, for_change=True)
    _require(entry, EntryState.NOTIFIED)
    if entry.served_on is None or entry.objection_deadline is None:
        raise WrongState("告知书尚未送达，异议期未开始", details={"field": "served_on"})
    if entry.objection_received_on is not None:
        raise WrongState("已登记异议", details={"received_on": entry.objection_received_on.isoformat()})
    if received_on < entry.served_on:
        raise ListInputInvalid("异议日期早于送达日期", details={"field": "received_on"})
    if received_on > entry.objection_deadline:
        raise ObjectionWindowClosed(
            f"异议期已于 {entry.objection_deadline.isoformat()} 届满（自送达之日 {entry.served_on.isoformat()} "
            "起计算工作日），不予受理",
            details={
                "served_on": entry.served_on.isoformat(),
                "objection_deadline": entry.objection_deadline.isoformat(),
                "received_on": received_on.isoformat(),
            },
        )
    if not text.strip():
        raise ListInputInvalid("异议内容不能为空", details={"field": "text"})
    entry.objection_received_on = received_on
    entry.objection_text = text
    entry.objection_outcome = "pending"
    _event(session, entry, step="objection_received", on=received_on, actor=actor.ref(), now=now)
    return entry


def decide_objection(
    session: Session,
    *,
    record_id: uuid.UUID,
    accepted: bool,
    reason: str,
    actor: Actor,
    now: dt.datetime,
    today: dt.date,
) -> ListEntry:
    """Decide an objection: accepted → the entry is withdrawn (never shown); rejected → listing may proceed."""
    entry = queries.entry(session, record_id, for_change=True)
    _require(entry, EntryState.NOTIFIED)
    spec = queries.list_type(session, entry.list_type)
    _check_unit(actor, spec, entry.recognising_unit_key)
    if entry.objection_outcome != "pending":
        raise WrongState("没有待处理的异议", details={"objection_outcome": entry.objection_outcome})
    if not reason.strip():
        raise ListInputInvalid("须说明理由", details={"field": "reason"})
    entry.objection_outcome = "accepted" if accepted else "rejected"
    if accepted:
        entry.state = EntryState.WITHDRAWN.value
        record = records.get(session, record_id)
        records.set_lifecycle(
            session,
            record=record,
            state=Lifecycle.REVOKED,
            reason=f"异议成立，不予列入：{reason}",
            on=today,
            actor=actor.ref(),
            now=now,
        )
    _event(
        session,
        entry,
        step="objection_decided",
        on=today,
        actor=actor.ref(),
        now=now,
        outcome=entry.objection_outcome,
        reason=reason,
    )
    return entry


def list_entry(
    session: Session, *, record_id: uuid.UUID, actor: Actor, now: dt.datetime, today: dt.date
) -> ListEntry:
    """Decide the listing once the objection window has closed and any objection is decided; publish."""
    entry = queries.entry(session, record_id, for_change=True)
    _require(entry, EntryState.NOTIFIED)
    spec = queries.list_type(session, entry.list_type)
    _check_unit(actor, spec, entry.recognising_unit_key)
    if entry.objection_deadline is None:
        raise WrongState("告知书尚未送达", details={"field": "served_on"})
    if today <= entry.objection_deadline:
        raise ObjectionWindowOpen(
            f"异议期至 {entry.objection_deadline.isoformat()} 届满，届满后方可列入",
            details={"objection_deadline": entry.objection_deadline.isoformat()},
        )
    if entry.objection_outcome == "pending":
        raise WrongState("异议尚未处理", details={"objection_outcome": "pending"})
    record = records.get(session, record_id)
    item = catalog.item_spec(session, record.item_code)
    months = entry.valid_months
    valid_to = add_months(today, months) if months else None
    changes: dict[str, Any] = {}
    for role, value in (
        (FieldRole.LISTED_ON, today.isoformat()),
        (FieldRole.VALID_TO, valid_to.isoformat() if valid_to else None),
    ):
        key = _key(item, role)
        if key is not None and value is not None:
            changes[key] = value
    _amend(
        session,
        record,
        changes,
        actor=actor.ref(),
        now=now,
        today=today,
        approve=True,
        action="records.listed",
    )
    entry.state = EntryState.LISTED.value
    entry.listed_on = today
    entry.valid_to = valid_to
    _event(session, entry, step="listed", on=today, actor=actor.ref(), now=now, valid_to=valid_to)
    return entry


def _ensure_entry(session: Session, record: CreditRecord, *, now: dt.datetime) -> ListEntry:
    """The entry row of a list record; an already-listed record without one gets a ``listed`` row."""
    found = session.get(ListEntry, record.id)
    if found is not None:
        return found
    types = queries.list_types(session)
    code = classify(types, record.item_code, record.payload)
    if code is None:
        raise ListInputInvalid("该记录不是名单条目", details={"record_id": str(record.id)})
    row = ListEntry(
        record_id=record.id,
        list_type=code,
        subject_id=record.subject_id,
        state=EntryState.LISTED.value,
        recognising_unit_key=record.deciding_unit_key or record.providing_unit_key,
        listed_on=record.decision_date,
        valid_to=record.valid_to,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def exit_entry(
    session: Session,
    *,
    record_id: uuid.UUID,
    kind: ExitKind,
    reason: str,
    actor: Actor,
    now: dt.datetime,
    today: dt.date,
    on: dt.date | None = None,
) -> ListEntry:
    """Exit a listed entry (expiry, early removal after correction, revocation); publication stops at once."""
    record = records.get(session, record_id)
    entry = _ensure_entry(session, record, now=now)
    _require(entry, EntryState.LISTED)
    spec = queries.list_type(session, entry.list_type)
    if kind is not ExitKind.EXPIRY:
        _check_unit(actor, spec, None)
    if not reason.strip():
        raise ListInputInvalid("须填写移出原因", details={"field": "reason"})
    exit_on = on or today
    if exit_on > today:
        raise ListInputInvalid("移出日期不得晚于今天", details={"field": "on"})
    item = catalog.item_spec(session, record.item_code)
    changes: dict[str, Any] = {}
    for role, value in (
        (FieldRole.EXIT_ON, exit_on.isoformat()),
        (FieldRole.EXIT_REASON, f"{EXIT_ZH[kind]}：{reason}"),
    ):
        key = _key(item, role)
        if key is not None:
            changes[key] = value
    _amend(session, record, changes, actor=actor.ref(), now=now, today=today, action="records.list_exit")
    if kind is not ExitKind.EXPIRY:
        records.set_lifecycle(
            session,
            record=record,
            state=Lifecycle.REVOKED if kind is ExitKind.REVOCATION else Lifecycle.REPAIRED,
            reason=reason,
            on=exit_on,
            actor=actor.ref(),
            now=now,
        )
    entry.state = EntryState.EXITED.value
    entry.exited_on = exit_on
    entry.exit_kind = kind.value
    entry.exit_reason = reason
    _event(
        session, entry, step="exited", on=exit_on, actor=actor.ref(), now=now, kind=kind.value, reason=reason
    )
    return entry


def expire(session: Session, *, today: dt.date, actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """The daily job: exit every listed entry whose validity ended before ``today`` (idempotent).

    Entries without a lifecycle row need nothing: their record's ``publicity_ends`` is ``valid_to``,
    so they already stopped showing; they get a row when someone acts on them.
    """
    due = session.scalars(
        select(ListEntry).where(ListEntry.state == EntryState.LISTED.value, ListEntry.valid_to < today)
    ).all()
    for entry in due:
        assert entry.valid_to is not None
        exit_entry(
            session,
            record_id=entry.record_id,
            kind=ExitKind.EXPIRY,
            reason="有效期届满",
            actor=actor,
            now=now,
            today=today,
            on=entry.valid_to + dt.timedelta(days=1),
        )
    return {"expired": len(due), "today": today.isoformat()}


def register_listed(
    session: Session,
    *,
    record_ids: Sequence[uuid.UUID],
    actor: ActorRef,
    now: dt.datetime,
    batch_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Lifecycle rows (state ``listed``) for list records that arrived already decided, set-based.

    The ingestion batch-apply path calls this in the same transaction as the records' write. Records
    that already have a row or are not list records are skipped. One audit row for the batch.
    """
    idx = queries.index(session)
    types, items = idx.types, idx.items
    entries: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    ids = list(record_ids)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        have = set(session.scalars(select(ListEntry.record_id).where(ListEntry.record_id.in_(chunk))))
        rows = session.execute(
            select(
                CreditRecord.id,
                CreditRecord.item_code,
                CreditRecord.payload,
                CreditRecord.subject_id,
                CreditRecord.decision_date,
                CreditRecord.valid_to,
                CreditRecord.deciding_unit_key,
                CreditRecord.providing_unit_key,
            ).where(CreditRecord.id.in_(chunk), CreditRecord.item_code.in_(items))
        ).all()
        for rid, item_code, payload, subject_id, decided, valid_to, deciding, providing in rows:
            code = classify(types, item_code, payload)
            if rid in have or code is None:
                continue
            entries.append(
                {
                    "record_id": rid,
                    "list_type": code,
                    "subject_id": subject_id,
                    "state": EntryState.LISTED.value,
                    "recognising_unit_key": deciding or providing,
                    "listed_on": decided,
                    "valid_to": valid_to,
                    "objection_deadline_provisional": False,
                    "version": 1,
                    "batch_id": batch_id,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            events.append(
                {
                    "record_id": rid,
                    "version": 1,
                    "step": "registered_listed",
                    "dated": decided or now.date(),
                    "at": now,
                    "actor_kind": actor.kind,
                    "actor_id": actor.id,
                    "actor_name": actor.name,
                    "actor_unit": actor.unit_key,
                    "state": EntryState.LISTED.value,
                    "details": {"batch_id": str(batch_id) if batch_id else None},
                }
            )
    if entries:
        session.flush()
        conn = session.connection()
        bulk.write(conn, ENTRIES, entries)
        bulk.write(conn, EVENTS, events)
    result = {"registered": len(entries), "skipped": len(ids) - len(entries)}
    audit.record(
        session,
        actor=actor,
        action="lists.registered_listed",
        target_type="list_entries",
        details=result,
        batch_id=batch_id,
    )
    return result
