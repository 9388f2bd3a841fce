"""Staff reads of non-public data: a record with every field, a person with decrypted identifiers.

The public disclosure path is records.queries; this is its staff counterpart. Each read checks, in
the service and not only in the route: the permission ``records.read_private``, a purpose and legal
basis (422 without), and unit/district scope or catalogue sharing (403 outside) — then writes one
read-audit row naming what was read, in the request's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.auth import scope
from xinyong.auth import service as auth_service
from xinyong.auth.actor import Actor
from xinyong.auth.errors import Forbidden, OutOfScope
from xinyong.auth.permissions import RECORDS_READ_PRIVATE
from xinyong.catalog import queries as catalog
from xinyong.errors import NotFound
from xinyong.kit import crypto
from xinyong.org import queries as org
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject, SubjectIdentifier, SubjectKind


@dataclass(frozen=True)
class StaffField:
    key: str
    label: str
    value: Any
    public: bool


@dataclass(frozen=True)
class StaffRecord:
    id: str
    item_code: str
    item_name: str
    sharing_level: str
    subject_id: str
    decision_no: str | None
    decision_date: str | None
    deciding_unit_key: str | None
    providing_unit_key: str
    lifecycle: str
    objection_open: bool
    approved: bool
    version: int
    fields: list[StaffField]


@dataclass(frozen=True)
class StaffIdentifier:
    type: str
    masked: str
    value: str | None
    valid: bool


@dataclass(frozen=True)
class StaffSubject:
    id: str
    kind: str
    category: str
    code: str | None
    name: str
    legal_rep: str | None
    district: str | None
    status: str
    identifiers: list[StaffIdentifier] = field(default_factory=list)


def unit_districts(session: Session) -> dict[str, str]:
    """Unit key → district key, the map auth.scope needs."""
    return {u.key: u.district_key for u in org.units(session)}


def _entitled(actor: Actor) -> None:
    if not actor.has(RECORDS_READ_PRIVATE):
        raise Forbidden("无权查阅非公开信息", details={"missing": [RECORDS_READ_PRIVATE]})


def _may_read(session: Session, actor: Actor, record: CreditRecord, districts: dict[str, str]) -> bool:
    item = catalog.item_spec(session, record.item_code)
    return scope.can_read_private(
        actor,
        providing_unit_key=record.providing_unit_key,
        deciding_unit_key=record.deciding_unit_key,
        item_shared_with=item.shared_with,
        unit_districts=districts,
    )


def read_record(session: Session, *, actor: Actor, record_id: uuid.UUID, path: str) -> StaffRecord:
    """One record with its non-public fields, for an actor whose scope covers it (read-audited)."""
    _entitled(actor)
    purpose, basis = auth_service.require_purpose(session, actor)
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound("未找到该信用记录", code="record_not_found", details={"id": str(record_id)})
    item = catalog.item_spec(session, record.item_code)
    scope.ensure_can_read_private(
        actor,
        providing_unit_key=record.providing_unit_key,
        deciding_unit_key=record.deciding_unit_key,
        item_shared_with=item.shared_with,
        unit_districts=unit_districts(session),
    )
    fields = [
        StaffField(f.key, f.label, record.payload.get(f.key), f.public)
        for f in item.fields
        if record.payload.get(f.key) not in (None, "")
    ]
    audit.record_read(
        session,
        actor=actor.ref(),
        purpose=purpose,
        legal_basis=basis,
        action="records.read",
        target_type="credit_record",
        target_id=str(record.id),
        details={
            "item": record.item_code,
            "sharing_level": str(item.sharing_level),
            "fields": [f.key for f in fields if not f.public or not item.is_public],
            "path": path,
        },
    )
    return StaffRecord(
        id=str(record.id),
        item_code=record.item_code,
        item_name=item.name,
        sharing_level=str(item.sharing_level),
        subject_id=str(record.subject_id),
        decision_no=record.decision_no,
        decision_date=record.decision_date.isoformat() if record.decision_date else None,
        deciding_unit_key=record.deciding_unit_key,
        providing_unit_key=record.providing_unit_key,
        lifecycle=record.lifecycle,
        objection_open=record.objection_open,
        approved=record.approved_at is not None,
        version=record.version,
        fields=fields,
    )


def _may_read_person(
    session: Session, actor: Actor, subject: Subject, idents: list[SubjectIdentifier]
) -> bool:
    """A person's identifiers: the credit office; a unit (or district) that supplied one; or one that
    may read the non-public data of any of the person's records."""
    if actor.is_credit_office:
        return True
    districts = unit_districts(session)
    for ident in idents:
        if ident.source_unit_key and scope.in_scope(
            actor, providing_unit_key=ident.source_unit_key, deciding_unit_key=None, unit_districts=districts
        ):
            return True
    records = session.scalars(select(CreditRecord).where(CreditRecord.subject_id == subject.id))
    return any(_may_read(session, actor, r, districts) for r in records)


def read_subject(session: Session, *, actor: Actor, subject_id: uuid.UUID, path: str) -> StaffSubject:
    """A subject for staff: a natural person's identifiers decrypted for entitled readers (read-audited).

    Legal persons carry only registration data and organisation codes: no purpose needed, no audit row.
    """
    _entitled(actor)
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("未找到该信用主体", code="subject_not_found", details={"id": str(subject_id)})
    idents = list(
        session.scalars(select(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject.id))
    )
    person = subject.kind == SubjectKind.NATURAL_PERSON
    if person:
        purpose, basis = auth_service.require_purpose(session, actor)
        if not _may_read_person(session, actor, subject, idents):
            raise OutOfScope("无权查阅该自然人的信息")
    out = [
        StaffIdentifier(
            type=i.id_type,
            masked=i.masked,
            value=crypto.decrypt(i.encrypted) if i.encrypted else i.masked,
            valid=i.valid,
        )
        for i in idents
    ]
    if person:
        audit.record_read(
            session,
            actor=actor.ref(),
            purpose=purpose,
            legal_basis=basis,
            action="subjects.read",
            target_type="subject",
            target_id=str(subject.id),
            details={
                "identifiers": [i.type for i in out if i.value != i.masked],
                "fields": ["name"],
                "path": path,
            },
        )
    return StaffSubject(
        id=str(subject.id),
        kind=subject.kind,
        category=subject.category,
        code=subject.uscc,
        name=subject.name,
        legal_rep=subject.legal_rep,
        district=subject.district_key,
        status=subject.status,
        identifiers=out,
    )
