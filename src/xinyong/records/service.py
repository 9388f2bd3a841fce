"""Writing credit records: derive their columns from the catalogue, upsert by natural key, revoke.

One function, :func:`derive`, turns (item spec, payload) into the record's columns — natural key,
decision fields, severity, publicity dates — so the single-record path, ingestion and the demo's
bulk path all compute the same thing. Rows that differ only in the item's ``merge_fields`` (a
penalty's 处罚类别) land on the same natural key and merge; a changed payload becomes a new version
and the superseded one is kept in ``credit_record_versions``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.catalog.schemas import CatalogItemSpec
from xinyong.db import get_row
from xinyong.kit.actor import ActorRef
from xinyong.records.errors import RecordNotFound, RecordRejected
from xinyong.records.models import CreditRecord, Lifecycle, RecordVersion
from xinyong.records.publicity import (
    PublicityKind,
    PublicityRules,
    classify_severity,
    penalty_period,
    special_domain_for,
)
from xinyong.records.validation import validate

FEN_PER = {"万元": Decimal(1_000_000), "元": Decimal(100)}


@dataclass(frozen=True)
class Derived:
    """The columns of a record that follow from its item and payload."""

    natural_key: str
    decision_no: str | None
    decision_date: dt.date | None
    deciding_unit_key: str | None
    severity: str | None
    severity_derived: bool
    penalty_types: str | None
    fine_fen: int | None
    special_domain: str | None
    rule_set: str | None
    published: bool
    repair_eligible_from: dt.date | None
    publicity_ends: dt.date | None
    valid_to: dt.date | None


def _get(item: CatalogItemSpec, payload: dict[str, Any], role: str) -> Any:
    spec = item.field_by_role(role)
    return payload.get(spec.key) if spec is not None else None


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value not in (None, "") else None


def to_fen(item: CatalogItemSpec, role: str, payload: dict[str, Any]) -> int | None:
    """An amount field as integer 分 (exact; the field's unit says 万元 or 元)."""
    spec = item.field_by_role(role)
    if spec is None or payload.get(spec.key) in (None, ""):
        return None
    return int(Decimal(str(payload[spec.key])) * FEN_PER[spec.unit or "万元"])


def natural_key(item: CatalogItemSpec, payload: dict[str, Any]) -> str:
    """The item's natural key: its key fields joined; a penalty's is 文号 + 处罚机关代码 + 相对人代码."""
    parts = []
    for key in item.natural_key:
        value = payload.get(key)
        parts.append("" if value is None else str(value).strip().upper())
    return "|".join(parts)


def derive(
    item: CatalogItemSpec,
    payload: dict[str, Any],
    *,
    rules: PublicityRules,
    units_by_uscc: dict[str, str],
    is_person: bool,
) -> Derived:
    """Compute every derived column of a record of ``item`` with ``payload``."""
    decision_date = _date(_get(item, payload, "decision_date") or _get(item, payload, "listed_on"))
    deciding_code = _get(item, payload, "deciding_unit_code")
    deciding_unit = units_by_uscc.get(str(deciding_code)) if deciding_code else None
    types_value = _get(item, payload, "penalty_types")
    types: list[str] = (
        [str(t) for t in types_value]
        if isinstance(types_value, list)
        else ([str(types_value)] if types_value else [])
    )
    fine_fen = to_fen(item, "fine_amount", payload)
    valid_to = _date(_get(item, payload, "valid_to"))
    severity: str | None = None
    derived_flag = False
    special: str | None = None
    rule_set: str | None = None
    published = True
    repair_from: dt.date | None = None
    ends: dt.date | None = None
    kind = PublicityKind(str(item.publicity_kind))
    if kind == PublicityKind.PENALTY and decision_date is not None:
        declared = _get(item, payload, "severity")
        fine_yuan = Decimal(fine_fen) / 100 if fine_fen is not None else None
        sev, derived_flag = classify_severity(
            rules.severity_proxy,
            penalty_types=types,
            fine_yuan=fine_yuan,
            is_person=is_person,
            declared=str(declared) if declared else None,
        )
        severity = sev.value
        special = special_domain_for(
            rules, deciding_unit_key=deciding_unit, basis_text=_get(item, payload, "legal_basis")
        )
        period = penalty_period(rules, decision_date=decision_date, severity=sev, special_domain=special)
        rule_set, published = period.rule_set, period.published
        repair_from, ends = period.repair_eligible_from, period.publicity_ends
    elif kind == PublicityKind.UNTIL_VALID_TO:
        ends = valid_to
    elif kind == PublicityKind.WHILE_LISTED:
        exit_on = _date(_get(item, payload, "exit_on"))
        ends = exit_on - dt.timedelta(days=1) if exit_on else valid_to
    return Derived(
        natural_key=natural_key(item, payload),
        decision_no=_get(item, payload, "decision_no"),
        decision_date=decision_date,
        deciding_unit_key=deciding_unit,
        severity=severity,
        severity_derived=derived_flag,
        penalty_types=",".join(types) if types else None,
        fine_fen=fine_fen,
        special_domain=special,
        rule_set=rule_set,
        published=published,
        repair_eligible_from=repair_from,
        publicity_ends=ends,
        valid_to=valid_to,
    )


def _merge(item: CatalogItemSpec, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with the item's merge fields (lists) united with ``old``'s, order kept."""
    merged = dict(new)
    for key in item.merge_fields:
        a, b = old.get(key) or [], new.get(key) or []
        a = a if isinstance(a, list) else [a]
        b = b if isinstance(b, list) else [b]
        merged[key] = list(dict.fromkeys([*a, *b]))
    return merged


@dataclass(frozen=True)
class UpsertResult:
    record: CreditRecord
    outcome: str  # created | updated | unchanged


def upsert(
    session: Session,
    *,
    item: CatalogItemSpec,
    item_version: str,
    subject_id: uuid.UUID,
    is_person: bool,
    payload: dict[str, Any],
    providing_unit_key: str,
    rules: PublicityRules,
    units_by_uscc: dict[str, str],
    actor: ActorRef,
    now: dt.datetime,
    today: dt.date,
    approved_at: dt.datetime | None,
    batch_id: uuid.UUID | None = None,
    merge: bool = True,
) -> UpsertResult:
    """Create or version the record of ``item`` with ``payload``'s natural key; flushes, never commits.

    ``merge`` unites merge fields with the stored version (rows of one decision that differ only in
    处罚类别); a correction that should *replace* them passes ``merge=False``.
    """
    key = natural_key(item, payload)
    existing = session.scalar(
        select(CreditRecord).where(CreditRecord.item_code == item.code, CreditRecord.natural_key == key)
    )
    if existing is not None and merge:
        payload = _merge(item, existing.payload, payload)
    # Validated after merging: rows of one decision that differ only in 处罚类别 are judged together.
    errors = [p for p in validate(item, payload, today=today) if p.severity == "error"]
    if errors:
        raise RecordRejected(
            "；".join(p.message for p in errors),
            details={"problems": [p.__dict__ for p in errors]},
        )
    d = derive(item, payload, rules=rules, units_by_uscc=units_by_uscc, is_person=is_person)
    columns = {k: getattr(d, k) for k in Derived.__dataclass_fields__}
    if existing is None:
        record = CreditRecord(
            id=uuid.uuid4(),
            item_code=item.code,
            item_version=item_version,
            subject_id=subject_id,
            providing_unit_key=providing_unit_key,
            payload=payload,
            version=1,
            batch_id=batch_id,
            approved_at=approved_at,
            created_at=now,
            updated_at=now,
            lifecycle=Lifecycle.VALID,
            objection_open=False,
            **columns,
        )
        session.add(record)
        session.flush()
        if batch_id is None:
            audit.record(
                session,
                actor=actor,
                action="records.created",
                target_type="record",
                target_id=str(record.id),
                details={"item": item.code, "natural_key": key},
            )
        return UpsertResult(record, "created")
    if existing.payload == payload and existing.subject_id == subject_id:
        return UpsertResult(existing, "unchanged")
    _keep_version(session, existing, superseded_by=actor.label, batch_id=batch_id, now=now)
    for k, v in columns.items():
        setattr(existing, k, v)
    existing.payload = payload
    existing.subject_id = subject_id
    existing.item_version = item_version
    existing.version += 1
    existing.batch_id = batch_id
    existing.updated_at = now
    if approved_at is not None and existing.approved_at is None:
        existing.approved_at = approved_at
    session.flush()
    if batch_id is None:
        audit.record(
            session,
            actor=actor,
            action="records.corrected",
            target_type="record",
            target_id=str(existing.id),
            details={"version": existing.version},
        )
    return UpsertResult(existing, "updated")


def _keep_version(
    session: Session,
    record: CreditRecord,
    *,
    superseded_by: str,
    batch_id: uuid.UUID | None,
    now: dt.datetime,
) -> None:
    session.add(
        RecordVersion(
            record_id=record.id,
            version=record.version,
            payload=record.payload,
            lifecycle=record.lifecycle,
            severity=record.severity,
            publicity_ends=record.publicity_ends,
            batch_id=batch_id,
            superseded_at=now,
            superseded_by=superseded_by,
        )
    )


def history(session: Session, record_id: uuid.UUID) -> list[RecordVersion]:
    """Superseded versions of a record, oldest first (the current one is the record itself)."""
    return list(
        session.scalars(
            select(RecordVersion).where(RecordVersion.record_id == record_id).order_by(RecordVersion.version)
        )
    )


def get(session: Session, record_id: uuid.UUID, *, for_change: bool = False) -> CreditRecord:
    """The record; ``for_change`` (db.get_row): two clerks revoking it at once act one after the other."""
    record = get_row(session, CreditRecord, record_id, for_change=for_change)
    if record is None:
        raise RecordNotFound("信用记录不存在", details={"record_id": str(record_id)})
    return record


def set_lifecycle(
    session: Session,
    *,
    record: CreditRecord,
    state: Lifecycle,
    reason: str,
    on: dt.date,
    actor: ActorRef,
    now: dt.datetime,
) -> CreditRecord:
    """Revoke (已撤销) or mark repaired (已修复): the record leaves public surfaces at once."""
    if record.lifecycle == state:
        return record
    if not reason.strip():
        raise RecordRejected("必须填写原因", details={"field": "reason"})
    _keep_version(session, record, superseded_by=actor.label, batch_id=None, now=now)
    before = record.lifecycle
    record.lifecycle = state
    record.lifecycle_reason = reason
    record.lifecycle_changed_on = on
    record.version += 1
    record.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"records.{'revoked' if state == Lifecycle.REVOKED else 'repaired'}",
        target_type="record",
        target_id=str(record.id),
        details={"from": before, "to": state.value, "reason": reason, "on": on.isoformat()},
    )
    return record


def set_objection(session: Session, *, record: CreditRecord, open_: bool, actor: ActorRef) -> None:
    """Raise or clear the 异议处理中 flag (the record stays shown, marked)."""
    if record.objection_open == open_:
        return
    record.objection_open = open_
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="records.objection_" + ("opened" if open_ else "closed"),
        target_type="record",
        target_id=str(record.id),
    )


def expire_publicity(session: Session, *, today: dt.date, actor: ActorRef) -> dict[str, Any]:
    """Record the expiry of every record whose publicity ended before ``today`` (idempotent)."""
    res = session.execute(
        update(CreditRecord)
        .where(CreditRecord.publicity_ends < today, CreditRecord.expired_recorded_on.is_(None))
        .values(expired_recorded_on=today)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(res, "rowcount", 0) or 0)
    result: dict[str, Any] = {"expired": count, "today": today.isoformat()}
    if count:
        audit.record(
            session, actor=actor, action="records.publicity_expired", target_type="records", details=result
        )
    return result


def amend(
    session: Session,
    *,
    record: CreditRecord,
    item: CatalogItemSpec,
    changes: dict[str, Any],
    rules: PublicityRules,
    units_by_uscc: dict[str, str],
    is_person: bool,
    actor: ActorRef,
    now: dt.datetime,
    today: dt.date,
    approved_at: dt.datetime | None = None,
    action: str = "records.amended",
) -> CreditRecord:
    """Change some payload fields of ``record`` (keyed by field key; ``None`` removes one) as a new version.

    The record keeps its identity (id and natural key) even when a changed field is part of the natural
    key; derived columns — publicity dates above all — are recomputed. Used by the lists lifecycle (a
    listing date set on listing, ``exit_on`` set on exit). ``approved_at`` makes a not-yet-shown record
    visible.
    """
    payload = dict(record.payload)
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    errors = [p for p in validate(item, payload, today=today) if p.severity == "error"]
    if errors:
        raise RecordRejected(
            "；".join(p.message for p in errors),
            details={"problems": [p.__dict__ for p in errors]},
        )
    d = derive(item, payload, rules=rules, units_by_uscc=units_by_uscc, is_person=is_person)
    _keep_version(session, record, superseded_by=actor.label, batch_id=None, now=now)
    for k in Derived.__dataclass_fields__:
        if k != "natural_key":
            setattr(record, k, getattr(d, k))
    record.payload = payload
    record.version += 1
    record.updated_at = now
    if approved_at is not None and record.approved_at is None:
        record.approved_at = approved_at
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="record",
        target_id=str(record.id),
        details={"version": record.version, "changed": sorted(changes)},
    )
    return record
