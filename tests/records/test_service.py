"""Credit records: natural keys, merging 处罚类别 rows, versions, revocation, derived publicity."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import builders as b
from xinyong.audit.models import AuditEntry
from xinyong.kit.actor import SYSTEM
from xinyong.records import service
from xinyong.records.errors import RecordRejected
from xinyong.records.models import CreditRecord, Lifecycle


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CreditRecord)) or 0


def test_penalty_natural_key_is_decision_no_unit_code_and_party_code(session: Session) -> None:
    firm = b.company(session)
    rec = b.record(session, firm)
    assert rec.natural_key == "|".join(
        ["常市监罚〔2026〕1号", b.unit_code(session, "shi_scjgj"), firm.uscc or ""]
    )
    assert rec.deciding_unit_key == "shi_scjgj"


def test_rows_differing_only_in_penalty_type_merge_into_one_record(session: Session) -> None:
    firm = b.company(session)
    before = _count(session)
    first = b.record(session, firm, penalty_types=["罚款"])
    second = b.record(session, firm, penalty_types=["没收违法所得"])
    assert first.id == second.id
    assert _count(session) == before + 1
    types_key = next(k for k in second.payload if isinstance(second.payload[k], list))
    assert second.payload[types_key] == ["罚款", "没收违法所得"]
    assert second.penalty_types == "罚款,没收违法所得"
    assert second.version == 2


def test_correction_is_a_new_version_and_history_keeps_the_old_one(session: Session) -> None:
    firm = b.company(session)
    rec = b.record(session, firm, fine_amount="1.500000")
    fixed = b.record(session, firm, fine_amount="2.000000")
    assert fixed.id == rec.id and fixed.version == 2
    assert fixed.fine_fen == 2_000_000
    history = service.history(session, rec.id)
    assert [h.version for h in history] == [1]
    fine_key = next(k for k, v in history[0].payload.items() if v == "1.500000")
    assert history[0].payload[fine_key] == "1.500000"


def test_resubmitting_identical_payload_changes_nothing(session: Session) -> None:
    firm = b.company(session)
    rec = b.record(session, firm)
    again = b.record(session, firm)
    assert again.version == rec.version == 1
    assert service.history(session, rec.id) == []


def test_fine_is_stored_as_exact_integer_fen(session: Session) -> None:
    firm = b.company(session)
    rec = b.record(session, firm, fine_amount="199.999999")
    assert rec.fine_fen == 199_999_999


def test_general_penalty_of_2026_08_31_repair_from_2026_12_01(session: Session) -> None:
    firm = b.company(session)
    rec = b.record(session, firm, decision_date="2026-08-31", fine_amount="1.000000")
    assert rec.severity == "一般" and rec.severity_derived
    assert rec.rule_set == "gbf-2025-22-ndrc-order-36"
    assert rec.repair_eligible_from == dt.date(2026, 12, 1)
    assert rec.publicity_ends == dt.date(2027, 8, 31)


def test_minor_penalty_under_order_36_is_not_published(session: Session) -> None:
    firm = b.company(session)
    rec = b.record(session, firm, penalty_types=["警告"], fine_amount=None)
    assert rec.severity == "轻微"
    assert rec.published is False


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"decision_date": "2026-12-01"}, "date.future"),
        ({"fine_amount": "-1"}, "amount.negative"),
        ({"penalty_types": ["警告"], "fine_amount": "1.0"}, "cross.fine_without_type"),
        ({"penalty_types": ["打板子"]}, "code.unknown"),
        ({"decision_no": None}, "required"),
    ],
)
def test_invalid_payload_is_rejected_naming_field_and_rule(
    session: Session, override: dict, code: str
) -> None:
    firm = b.company(session)
    before = _count(session)
    with pytest.raises(RecordRejected) as err:
        b.record(session, firm, **override)
    assert code in {p["code"] for p in err.value.details["problems"]}
    assert all(p["message"] for p in err.value.details["problems"])
    assert _count(session) == before


def test_bad_subject_code_checksum_is_flagged_as_error(session: Session) -> None:
    firm = b.company(session)
    bad = (firm.uscc or "")[:-1] + ("0" if (firm.uscc or "")[-1] != "0" else "1")
    with pytest.raises(RecordRejected) as err:
        b.record(session, firm, subject_code=bad)
    assert "uscc.checksum" in {p["code"] for p in err.value.details["problems"]}


def test_revocation_is_versioned_and_audited(session: Session) -> None:
    firm = b.company(session)
    rec = b.record(session, firm)
    service.set_lifecycle(
        session,
        record=rec,
        state=Lifecycle.REVOKED,
        reason="复议撤销",
        on=dt.date(2026, 11, 20),
        actor=b.CLERK,
        now=b.clock.now(),
    )
    assert rec.lifecycle == "已撤销" and rec.version == 2
    assert service.history(session, rec.id)[0].lifecycle == "有效"
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(rec.id))).all()
    assert "records.revoked" in actions and "records.created" in actions


def test_revocation_needs_a_reason(session: Session) -> None:
    rec = b.record(session, b.company(session))
    with pytest.raises(RecordRejected):
        service.set_lifecycle(
            session,
            record=rec,
            state=Lifecycle.REVOKED,
            reason=" ",
            on=dt.date(2026, 11, 20),
            actor=b.CLERK,
            now=b.clock.now(),
        )


def test_expire_publicity_job_records_expiries_once(session: Session) -> None:
    firm = b.company(session)
    old = b.record(
        session,
        firm,
        decision_no="常市监罚〔2022〕9号",
        decision_date="2022-08-31",
        penalty_types=["罚款"],
        fine_amount="0.500000",
    )
    assert old.publicity_ends is not None and old.publicity_ends < dt.date(2026, 11, 23)
    first = service.expire_publicity(session, today=dt.date(2026, 11, 23), actor=SYSTEM)
    assert first["expired"] >= 1
    assert old.expired_recorded_on is None or old.expired_recorded_on == dt.date(2026, 11, 23)
    session.refresh(old)
    assert old.expired_recorded_on == dt.date(2026, 11, 23)
    again = service.expire_publicity(session, today=dt.date(2026, 11, 23), actor=SYSTEM)
    assert again["expired"] == 0
