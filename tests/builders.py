"""Plain builder functions for test data: each returns what it made, with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from xinyong.catalog import queries as catalog
from xinyong.kit import clock as clock
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


# --------------------------------------------------------------------------- access control (issue 3)

#: A password that meets the default policy (tests only).
STAFF_PASSWORD = "Test-Staff-Pass-2026"


def staff_user(
    session: Session,
    *,
    role: str,
    unit: str = "shi_scjgj",
    username: str | None = None,
    password: str = STAFF_PASSWORD,
    roles: list[str] | None = None,
) -> Any:
    """A staff account holding ``role`` (or ``roles``) in ``unit``, created as the CLI would."""
    from xinyong.auth import service as auth
    from xinyong.kit.actor import CLI

    return auth.create_user(
        session,
        username=username or f"{role}_{unit}_{next(_seq)}",
        display_name=f"测试{role}",
        unit_key=unit,
        role_keys=roles or [role],
        password=password,
        actor=CLI,
    )


def person_penalty(
    session: Session,
    subject: Subject,
    number: str,
    *,
    unit: str = "shi_scjgj",
    decision_no: str | None = None,
) -> CreditRecord:
    """An approved 行政处罚（自然人） record (xzcf_zrr: conditional sharing, not public) of ``unit``."""
    item = catalog.item_spec(session, "xzcf_zrr")
    by_role: dict[str, Any] = {
        "subject_name": subject.name,
        "subject_id_type": "身份证",
        "subject_id_number": number,
        "decision_no": decision_no or f"常罚〔2026〕{next(_seq)}号",
        "decision_date": "2026-08-31",
        "valid_to": "2026-12-31",
        "penalty_types": ["罚款"],
        "fine_amount": "0.050000",
        "facts": "当事人违反规定。",
        "legal_basis": "《中华人民共和国治安管理处罚法》",
        "deciding_unit_name": org.unit(session, unit).name,  # type: ignore[union-attr]
        "deciding_unit_code": unit_code(session, unit),
        "source_unit_name": org.unit(session, unit).name,  # type: ignore[union-attr]
        "source_unit_code": unit_code(session, unit),
    }
    payload: dict[str, Any] = {}
    for f in item.fields:
        role = str(f.role) if f.role else None
        if role in by_role:
            payload[f.key] = by_role[role]
        elif f.required:
            payload[f.key] = (
                ([f.codes[0]] if str(f.type) == "code_list" else f.codes[0]) if f.codes else f"测试{f.label}"
            )
    return record(session, subject, item="xzcf_zrr", payload=payload, unit=unit)


def unit_penalty(session: Session, subject: Subject, *, unit: str) -> CreditRecord:
    """An approved legal-person penalty (xzcf_fr) decided and provided by ``unit``."""
    code = unit_code(session, unit)
    name = org.unit(session, unit).name  # type: ignore[union-attr]
    return record(
        session,
        subject,
        unit=unit,
        decision_no=f"罚〔2026〕{next(_seq)}号",
        deciding_unit_code=code,
        deciding_unit_name=name,
        source_unit_code=code,
        source_unit_name=name,
    )


# --------------------------------------------------------------------------- lists and checks (issue 6)


def staff(
    unit: str | None = "shi_czj", *, credit_office: bool = False, permissions: tuple[str, ...] = ()
) -> Any:
    """A staff Actor of ``unit`` holding the lists permissions (plus ``permissions``)."""
    from xinyong.auth.actor import Actor
    from xinyong.auth.permissions import CHECKS_STATS, LISTS_READ, LISTS_RECOGNISE, MEASURES_READ

    return Actor(
        kind="user",
        id=f"u-{unit}",
        name=f"{unit} 经办人",
        unit_key=unit,
        district_key=None,
        roles=frozenset({"credit_office_admin"} if credit_office else set()),
        permissions=frozenset({LISTS_RECOGNISE, LISTS_READ, MEASURES_READ, CHECKS_STATS, *permissions}),
    )


def api_client(name: str = "政府采购交易系统", *, client_id: str = "c-zfcg", unit: str = "shi_czj") -> Any:
    """A business-system API client allowed to run checks."""
    from xinyong.auth.actor import Actor
    from xinyong.auth.permissions import CHECKS_RUN

    return Actor(
        kind="client",
        id=client_id,
        name=name,
        unit_key=unit,
        district_key=None,
        permissions=frozenset({CHECKS_RUN}),
    )


def list_payload(session: Session, subject: Subject, item: str, **by_key: Any) -> dict[str, Any]:
    """A valid payload of list item ``item`` (yzsx, sxbzxr, sxjl, zdgz, jyyc) for ``subject``; overrides by key."""
    spec = catalog.item_spec(session, item)
    unit = "shi_zy" if item == "sxbzxr" else "shi_fgw"
    by_role = {
        "subject_name": subject.name,
        "subject_code": subject.uscc,
        "deciding_unit_name": org.unit(session, unit).name,  # type: ignore[union-attr]
        "deciding_unit_code": unit_code(session, unit),
        "source_unit_name": org.unit(session, unit).name,  # type: ignore[union-attr]
        "source_unit_code": unit_code(session, unit),
        "decision_no": f"常信认〔2026〕{next(_seq)}号",
        "listed_on": "2026-06-01",
        "facts": "测试失信事实",
        "list_basis": "测试认定依据",
    }
    payload: dict[str, Any] = {}
    for f in spec.fields:
        role = str(f.role) if f.role else None
        if f.codes and (f.required or role in by_role):
            payload[f.key] = f.codes[0]
        elif role in by_role and by_role[role] is not None:
            payload[f.key] = by_role[role]
        elif f.required:
            payload[f.key] = "2026-06-01" if str(f.type) == "date" else f"测试{f.label}"
    if item == "sxbzxr" and subject.uscc:
        payload["subject_category"] = "法人或其他组织"
    for key, value in by_key.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def listed(session: Session, subject: Subject, item: str = "yzsx", **by_key: Any) -> CreditRecord:
    """An already-listed, shown list record (as a national list or the demo delivers it; no lifecycle row)."""
    unit = "shi_zy" if item == "sxbzxr" else "shi_fgw"
    return record(
        session, subject, item=item, payload=list_payload(session, subject, item, **by_key), unit=unit
    )


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
