"""Subject operations: find by code or number, create, and record sourced attributes.

Every value a unit sends about a subject is kept as a SubjectAttribute with the unit and the
first/last time it was seen, so conflicting sources stay visible instead of overwriting each
other. The subject row carries the current view (the latest registration-authority value wins
for ``name``; otherwise the first value seen is kept until a registration source says more).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.kit import crypto
from xinyong.kit.identifiers import IdType, check, normalise
from xinyong.kit.masking import mask_id_number
from xinyong.subjects import search
from xinyong.subjects.errors import InvalidIdentifier
from xinyong.subjects.models import Subject, SubjectAttribute, SubjectIdentifier, SubjectKind

#: Identifier types that belong to a natural person: stored encrypted, looked up by HMAC.
PERSONAL_ID_TYPES = frozenset({IdType.RESIDENT_ID, IdType.RESIDENCE_PERMIT, IdType.PASSPORT})

#: Attributes whose provenance is tracked.
TRACKED_ATTRS = ("name", "legal_rep", "district_key", "industry", "status")


def identifier_lookup(id_type: IdType, value: str) -> str:
    """The stored look-up key of a normalised identifier (HMAC for personal numbers)."""
    if id_type in PERSONAL_ID_TYPES:
        return crypto.lookup_hash(f"{id_type.value}:{value}")
    return value


def find_by_uscc(session: Session, code: str) -> Subject | None:
    return session.scalar(select(Subject).where(Subject.uscc == normalise(code)))


def find_by_identifier(session: Session, id_type: IdType, raw: str) -> Subject | None:
    """Find a subject by any identifier: USCC on the subject row, others in subject_identifiers."""
    value = normalise(raw)
    if id_type == IdType.USCC:
        return find_by_uscc(session, value)
    if id_type == IdType.RESIDENT_ID and len(value) == 15:
        from xinyong.kit.identifiers import upgrade_15_to_18

        value = upgrade_15_to_18(value)
    sid = session.scalar(
        select(SubjectIdentifier.subject_id).where(
            SubjectIdentifier.id_type == id_type.value,
            SubjectIdentifier.lookup == identifier_lookup(id_type, value),
        )
    )
    return session.get(Subject, sid) if sid is not None else None


def find_by_code(session: Session, code: str) -> Subject | None:
    """Find an organisation by USCC or by a legacy code (registration number, organisation code)."""
    value = normalise(code)
    found = find_by_uscc(session, value)
    if found is not None:
        return found
    for id_type in (
        IdType.REG_NO,
        IdType.ORG_CODE,
        IdType.TAX_REG_NO,
        IdType.INSTITUTION_CERT,
        IdType.SOCIAL_ORG_CERT,
    ):
        found = find_by_identifier(session, id_type, value)
        if found is not None:
            return found
    return None


def note_attribute(
    session: Session, subject: Subject, *, attr: str, value: str | None, unit_key: str, now: dt.datetime
) -> None:
    """Record that ``unit_key`` said ``attr`` = ``value`` about ``subject`` (first/last seen)."""
    if value is None or value == "":
        return
    existing = session.scalar(
        select(SubjectAttribute).where(
            SubjectAttribute.subject_id == subject.id,
            SubjectAttribute.attr == attr,
            SubjectAttribute.value == value,
            SubjectAttribute.source_unit_key == unit_key,
        )
    )
    if existing is None:
        session.add(
            SubjectAttribute(
                subject_id=subject.id,
                attr=attr,
                value=value,
                source_unit_key=unit_key,
                first_seen=now,
                last_seen=now,
            )
        )
    else:
        existing.last_seen = now


def create_legal_person(
    session: Session,
    *,
    uscc: str,
    name: str,
    category: str,
    unit_key: str,
    now: dt.datetime,
    legal_rep: str | None = None,
    district_key: str | None = None,
    industry: str | None = None,
    status: str = "存续",
    provisional: bool = False,
) -> Subject:
    """Create an organisation addressed by a checksum-valid USCC."""
    result = check(IdType.USCC, uscc)
    if not result.valid:
        raise InvalidIdentifier(result.errors[0].message, details={"field": "uscc", "raw": uscc})
    subject = Subject(
        id=uuid.uuid4(),
        kind=SubjectKind.LEGAL_PERSON,
        category=category,
        uscc=result.value,
        name=name,
        legal_rep=legal_rep,
        district_key=district_key,
        industry=industry,
        status=status,
        provisional=provisional,
        created_at=now,
        updated_at=now,
    )
    session.add(subject)
    session.flush()
    for attr in TRACKED_ATTRS:
        note_attribute(session, subject, attr=attr, value=getattr(subject, attr), unit_key=unit_key, now=now)
    session.flush()
    search.index_subject(session, subject)
    return subject


def set_name(session: Session, subject: Subject, *, name: str, unit_key: str, now: dt.datetime) -> None:
    """Change a subject's current name (a registration source said so), noted and re-indexed."""
    note_attribute(session, subject, attr="name", value=name, unit_key=unit_key, now=now)
    if subject.name != name:
        subject.name = name
        subject.updated_at = now
        session.flush()
        search.index_subject(session, subject)


def add_identifier(
    session: Session, subject: Subject, *, id_type: IdType, raw: str, unit_key: str | None, now: dt.datetime
) -> SubjectIdentifier:
    """Attach a further identifier; personal numbers are encrypted and looked up by HMAC."""
    result = check(id_type, raw)
    value = result.value
    personal = id_type in PERSONAL_ID_TYPES
    row = SubjectIdentifier(
        subject_id=subject.id,
        id_type=id_type.value,
        lookup=identifier_lookup(id_type, value),
        encrypted=crypto.encrypt(value) if personal else None,
        masked=mask_id_number(value) if personal else value,
        valid=result.valid,
        source_unit_key=unit_key,
        first_seen=now,
    )
    session.add(row)
    session.flush()
    return row


def create_natural_person(
    session: Session,
    *,
    name: str,
    id_type: IdType,
    id_number: str,
    unit_key: str,
    now: dt.datetime,
    district_key: str | None = None,
) -> Subject:
    """Create a natural person, addressed only by an opaque id; the number is stored encrypted."""
    result = check(id_type, id_number)
    if not result.valid:
        raise InvalidIdentifier(result.errors[0].message, details={"field": "id_number"})
    subject = Subject(
        id=uuid.uuid4(),
        kind=SubjectKind.NATURAL_PERSON,
        category="natural_person",
        uscc=None,
        name=name,
        district_key=district_key,
        status="正常",
        created_at=now,
        updated_at=now,
    )
    session.add(subject)
    session.flush()
    add_identifier(session, subject, id_type=id_type, raw=id_number, unit_key=unit_key, now=now)
    note_attribute(session, subject, attr="name", value=name, unit_key=unit_key, now=now)
    return subject


def attributes(session: Session, subject: Subject) -> list[SubjectAttribute]:
    """Every sourced value of ``subject``, oldest first: the provenance view for staff."""
    return list(
        session.scalars(
            select(SubjectAttribute)
            .where(SubjectAttribute.subject_id == subject.id)
            .order_by(SubjectAttribute.attr, SubjectAttribute.first_seen)
        )
    )


def identifiers(session: Session, subject: Subject) -> list[SubjectIdentifier]:
    return list(session.scalars(select(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject.id)))


def conflicts(session: Session, subject: Subject) -> dict[str, list[str]]:
    """Attributes for which different units said different values."""
    seen: dict[str, set[str]] = {}
    for a in attributes(session, subject):
        seen.setdefault(a.attr, set()).add(a.value)
    return {k: sorted(v) for k, v in seen.items() if len(v) > 1}
