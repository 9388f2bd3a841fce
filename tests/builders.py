"""Plain builder functions for test data: each returns what it made, with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from xinyong.catalog import queries as catalog
from xinyong.kit import clock
from xinyong.kit.actor import ActorRef
from xinyong.kit.identifiers import IdType, make_resident_id, make_uscc
from xinyong.org import queries as org
from xinyong.records import service as records
from xinyong.records.models import CreditRecord
from xinyong.records.rules import current_rules
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject

CLERK = ActorRef(kind="user", name="测试填报员", id="u-test", unit_key="shi_scjgj")
_seq = itertools.count(1)


def uscc(division: str = "320412", n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    body = ""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for _ in range(6):
        n, r = divmod(n, 31)
        body = alphabet[r] + body
    return make_uscc("9", "1", division, "MT" + body)


def company(
    session: Session,
    *,
    name: str = "常州澜泽科技有限公司",
    code: str | None = None,
    district: str = "wujin",
    category: str = "enterprise",
    unit: str = "wujin_scjgj",
) -> Subject:
    return subjects.create_legal_person(
        session,
        uscc=code or uscc(),
        name=name,
        category=category,
        unit_key=unit,
        now=clock.now(),
        legal_rep="张三",
        district_key=district,
        industry="I",
    )


def person(
    session: Session, *, name: str = "李四", birth: dt.date = dt.date(1985, 6, 1), seq: int | None = None
) -> tuple[Subject, str]:
    number = make_resident_id("320402", birth, seq or next(_seq) % 999 + 1)
    s = subjects.create_natural_person(
        session, name=name, id_type=IdType.RESIDENT_ID, id_number=number, unit_key="shi_gaj", now=clock.now()
    )
    return s, number


def unit_code(session: Session, key: str) -> str:
    u = org.unit(session, key)
    assert u is not None, key
    return u.uscc


def penalty_payload(session: Session, subject: Subject, **overrides: Any) -> dict[str, Any]:
    """A valid legal-person penalty payload (xzcf_fr) for ``subject``; keys are field keys."""
    item = catalog.item_spec(session, "xzcf_fr")
    by_role = {
        "subject_name": subject.name,
        "subject_code": subject.uscc,
        "legal_rep": subject.legal_rep,
        "decision_no": "常市监罚〔2026〕1号",
        "decision_date": "2026-08-31",
        "penalty_types": ["罚款"],
        "fine_amount": "1.500000",
        "deciding_unit_name": "常州市市场监督管理局",
        "deciding_unit_code": unit_code(session, "shi_scjgj"),
        "source_unit_name": "常州市市场监督管理局",
        "source_unit_code": unit_code(session, "shi_scjgj"),
        "facts": "经查，当事人销售过期食品，联系电话13812345678。",
        "legal_basis": "《中华人民共和国产品质量法》第四十九条",
    }
    payload: dict[str, Any] = {}
    for f in item.fields:
        role = str(f.role) if f.role else None
        if role in by_role and by_role[role] is not None:
            payload[f.key] = by_role[role]
        elif f.required:
            if f.codes:
                payload[f.key] = [f.codes[0]] if str(f.type) == "code_list" else f.codes[0]
            elif str(f.type) == "date":
                payload[f.key] = "2026-08-31"
            else:
                payload[f.key] = f"测试{f.label}"
    for role, value in overrides.items():
        spec = item.field_by_role(role)
        key = spec.key if spec is not None else role
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def record(
    session: Session,
    subject: Subject,
    *,
    item: str = "xzcf_fr",
    payload: dict[str, Any] | None = None,
    unit: str = "shi_scjgj",
    approved: bool = True,
    **overrides: Any,
) -> CreditRecord:
    spec = catalog.item_spec(session, item)
    row = catalog.item_row(session, item)
    if payload is None:
        payload = penalty_payload(session, subject, **overrides)
    result = records.upsert(
        session,
        item=spec,
        item_version=row.version,
        subject_id=subject.id,
        is_person=subject.kind == "natural_person",
        payload=payload,
        providing_unit_key=unit,
        rules=current_rules(session),
        units_by_uscc=org.units_by_uscc(session),
        actor=CLERK,
        now=clock.now(),
        today=clock.today(),
        approved_at=clock.now() if approved else None,
    )
    return result.record


def item_payload(session: Session, item: str, subject: Subject, **by_role: Any) -> dict[str, Any]:
    """A valid payload of any catalogue item for ``subject``: subject fields by role, the given
    roles, and every other required field filled with a plain value of its type."""
    spec = catalog.item_spec(session, item)
    values: dict[str, Any] = {
        "subject_name": subject.name,
        "subject_code": subject.uscc,
        "legal_rep": subject.legal_rep,
        "decision_no": f"常测〔2026〕{next(_seq)}号",
        "decision_date": "2026-08-31",
        "listed_on": "2026-08-31",
        "valid_from": "2026-08-31",
        "deciding_unit_name": "常州市市场监督管理局",
        "deciding_unit_code": unit_code(session, "shi_scjgj"),
        "source_unit_name": "常州市市场监督管理局",
        "source_unit_code": unit_code(session, "shi_scjgj"),
        **by_role,
    }
    payload: dict[str, Any] = {}
    for f in spec.fields:
        role = str(f.role) if f.role else None
        if role in values and values[role] is not None:
            payload[f.key] = values[role]
        elif f.required:
            t = str(f.type)
            if f.codes:
                payload[f.key] = [f.codes[0]] if t == "code_list" else f.codes[0]
            elif t == "date":
                payload[f.key] = "2026-08-31"
            elif t == "decimal":
                payload[f.key] = "1.000000"
            elif t == "integer":
                payload[f.key] = 2026
            else:
                payload[f.key] = f"测试{f.label}"
    return payload
