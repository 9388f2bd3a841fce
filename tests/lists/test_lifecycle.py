"""The list lifecycle: propose → notify → serve → objection window (working days) → list → exit."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import builders as b
from xinyong.audit.models import AuditEntry
from xinyong.errors import ConfigError
from xinyong.jobs import REGISTRY
from xinyong.jobs_registry import register_all
from xinyong.kit import clock
from xinyong.lists import queries, service
from xinyong.lists.errors import NotRecognisingUnit, ObjectionWindowClosed, ObjectionWindowOpen
from xinyong.lists.models import ListNotice
from xinyong.lists.schemas import ExitKind, load_list_types
from xinyong.records import queries as public
from xinyong.records.models import CreditRecord, RecordVersion

CZJ = b.staff("shi_czj")  # 市财政局: recognises the procurement list
SEP25, SEP29 = dt.date(2026, 9, 25), dt.date(2026, 9, 29)  # Friday before / Tuesday before 国庆 2026


def _proposed(session: Session, **kw: object) -> tuple[object, CreditRecord]:
    subject = b.company(session, name="常州恒丰建设工程有限公司")
    entry = service.propose(
        session,
        list_type="zfcg",
        subject=subject,
        decision_no="常财采〔2026〕7号",
        facts="在政府采购活动中提供虚假材料谋取中标",
        reasons="依法应列入政府采购严重违法失信行为记录名单",
        valid_months=None,
        actor=kw.get("actor", CZJ),  # type: ignore[arg-type]
        now=clock.now(),
        today=dt.date(2026, 9, 24),
    )
    return subject, session.get(CreditRecord, entry.record_id)  # type: ignore[return-value]


def _served(session: Session) -> tuple[object, CreditRecord]:
    subject, rec = _proposed(session)
    service.notify(session, record_id=rec.id, actor=CZJ, now=clock.now(), today=SEP25)
    service.serve(session, record_id=rec.id, served_on=SEP29, actor=CZJ, now=clock.now(), today=SEP29)
    return subject, rec


def test_a_proposed_entry_is_not_public_and_only_its_recognising_unit_may_propose(session: Session) -> None:
    subject, rec = _proposed(session)
    today = clock.today()
    assert not public.has_public_record(session, subject.id, today=today)  # type: ignore[attr-defined]
    assert queries.entry(session, rec.id).state == "proposed"
    with pytest.raises(NotRecognisingUnit):
        _proposed(session, actor=b.staff("shi_sw"))


def test_notice_pdf_names_reasons_basis_and_rights_in_chinese(session: Session) -> None:
    _, rec = _proposed(session)
    notice = service.notify(session, record_id=rec.id, actor=CZJ, now=clock.now(), today=SEP25)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(notice.pdf)).pages).replace("\n", "")
    assert "政府采购严重违法失信行为记录名单列入告知书" in text
    assert notice.notice_no in text
    assert "提供虚假材料谋取中标" in text  # the facts
    assert "第七十七条" in text  # the legal basis
    assert "5 个工作日内" in text and "陈述和申辩" in text  # the rights and the window
    assert session.get(ListNotice, notice.notice_no) is not None


def test_objection_window_counts_working_days_from_service_across_the_national_day_holiday(
    session: Session,
) -> None:
    _, rec = _served(session)
    entry = queries.entry(session, rec.id)
    # Served Tue 29 Sep: Sep 30 (1), [Oct 1–7 holiday], Oct 8 (2), Oct 9 (3), Sat Oct 10 make-up day (4),
    # Oct 12 (5). Counted from the drafting date (Fri 25 Sep) it would have ended on Oct 9.
    assert entry.objection_deadline == dt.date(2026, 10, 12)
    assert entry.objection_deadline_provisional is False


def test_an_objection_on_the_last_day_of_the_window_is_received(session: Session) -> None:
    _, rec = _served(session)
    e = service.receive_objection(
        session,
        record_id=rec.id,
        received_on=dt.date(2026, 10, 12),
        text="材料系他人伪造",
        actor=CZJ,
        now=clock.now(),
    )
    assert e.objection_outcome == "pending"
    with pytest.raises(Exception, match="异议尚未处理"):
        service.list_entry(session, record_id=rec.id, actor=CZJ, now=clock.now(), today=dt.date(2026, 10, 20))


def test_an_objection_the_day_after_the_window_is_refused(session: Session) -> None:
    _, rec = _served(session)
    with pytest.raises(ObjectionWindowClosed) as err:
        service.receive_objection(
            session,
            record_id=rec.id,
            received_on=dt.date(2026, 10, 13),
            text="逾期异议",
            actor=CZJ,
            now=clock.now(),
        )
    assert err.value.details["objection_deadline"] == "2026-10-12"


def test_an_upheld_objection_withdraws_the_entry_which_is_never_shown(session: Session) -> None:
    subject, rec = _served(session)
    service.receive_objection(
        session,
        record_id=rec.id,
        received_on=dt.date(2026, 10, 9),
        text="非本单位行为",
        actor=CZJ,
        now=clock.now(),
    )
    service.decide_objection(
        session,
        record_id=rec.id,
        accepted=True,
        reason="经核实系冒用名义",
        actor=CZJ,
        now=clock.now(),
        today=dt.date(2026, 10, 14),
    )
    assert queries.entry(session, rec.id).state == "withdrawn"
    assert not public.has_public_record(session, subject.id, today=clock.today())  # type: ignore[attr-defined]


def test_listing_waits_for_the_window_then_publishes_with_default_validity(session: Session) -> None:
    subject, rec = _served(session)
    with pytest.raises(ObjectionWindowOpen):
        service.list_entry(session, record_id=rec.id, actor=CZJ, now=clock.now(), today=dt.date(2026, 10, 12))
    e = service.list_entry(session, record_id=rec.id, actor=CZJ, now=clock.now(), today=dt.date(2026, 10, 13))
    assert e.state == "listed" and e.listed_on == dt.date(2026, 10, 13)
    assert e.valid_to == dt.date(2029, 10, 13)  # 36 months, the list type's default
    assert public.has_public_record(session, subject.id, today=clock.today())  # type: ignore[attr-defined]
    steps = [ev.step for ev in queries.events(session, rec.id)]
    assert steps == ["proposed", "notified", "served", "listed"]
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(rec.id))))
    assert {"lists.proposed", "lists.notified", "lists.served", "lists.listed"} <= actions


def test_early_exit_after_correction_stops_publication_at_once(session: Session) -> None:
    subject, rec = _served(session)
    service.list_entry(session, record_id=rec.id, actor=CZJ, now=clock.now(), today=dt.date(2026, 10, 13))
    today = clock.today()
    assert public.has_public_record(session, subject.id, today=today)  # type: ignore[attr-defined]
    e = service.exit_entry(
        session,
        record_id=rec.id,
        kind=ExitKind.REPAIR,
        reason="已整改并提交信用承诺书",
        actor=CZJ,
        now=clock.now(),
        today=today,
    )
    assert e.state == "exited" and e.exited_on == today and e.exit_kind == "repair"
    assert not public.has_public_record(session, subject.id, today=today)  # type: ignore[attr-defined]
    session.refresh(rec)
    assert rec.lifecycle == "已修复" and rec.payload["exit_on"] == today.isoformat()
    kept = session.scalars(select(RecordVersion.version).where(RecordVersion.record_id == rec.id)).all()
    assert len(kept) >= 2  # the record's shown versions are kept


def test_the_daily_job_exits_entries_whose_validity_ended(session: Session) -> None:
    _, rec = _served(session)
    service.list_entry(session, record_id=rec.id, actor=CZJ, now=clock.now(), today=dt.date(2026, 10, 13))
    register_all()
    job = REGISTRY["lists.expire"].func
    assert job(session, dt.date(2029, 10, 13)) == {"expired": 0, "today": "2029-10-13"}  # last valid day
    assert job(session, dt.date(2029, 10, 14))["expired"] == 1
    e = queries.entry(session, rec.id)
    assert (e.state, e.exit_kind, e.exited_on) == ("exited", "expiry", dt.date(2029, 10, 14))
    assert job(session, dt.date(2029, 10, 15))["expired"] == 0  # idempotent


def test_an_already_listed_bulk_entry_can_be_revoked_and_gets_its_lifecycle_row(session: Session) -> None:
    subject = b.company(session)
    rec = b.listed(session, subject, "sxbzxr")
    today = clock.today()
    assert public.has_public_record(session, subject.id, today=today)
    e = service.exit_entry(
        session,
        record_id=rec.id,
        kind=ExitKind.REVOCATION,
        reason="执行依据被撤销",
        actor=b.staff("shi_zy"),
        now=clock.now(),
        today=today,
    )
    assert (e.list_type, e.state, e.exit_kind) == ("sxbzxr", "exited", "revocation")
    assert not public.has_public_record(session, subject.id, today=today)


def test_register_listed_writes_lifecycle_rows_set_based_and_skips_repeats(session: Session) -> None:
    subject = b.company(session)
    recs = [
        b.listed(session, subject, "yzsx", list_name="重大税收违法失信主体"),
        b.listed(session, subject, "jyyc"),
    ]
    penalty = b.record(session, subject)
    result = service.register_listed(
        session, record_ids=[r.id for r in recs] + [penalty.id], actor=b.CLERK, now=clock.now()
    )
    assert result == {"registered": 2, "skipped": 1}
    assert queries.entry(session, recs[0].id).list_type == "zdsswf"
    assert queries.entry(session, recs[1].id).state == "listed"
    again = service.register_listed(session, record_ids=[recs[0].id], actor=b.CLERK, now=clock.now())
    assert again == {"registered": 0, "skipped": 1}


def test_a_list_type_without_legal_basis_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "profiles" / "changzhou" / "lists.yaml"
    text = source.read_text(encoding="utf-8")
    start = text.index("    legal_basis:\n      - 《保障农民工工资支付条例》第四十八条\n")
    broken = text[:start] + text[start:].replace(
        "    legal_basis:\n      - 《保障农民工工资支付条例》第四十八条\n", "", 1
    )
    path = tmp_path / "lists.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_list_types(path)
    assert "lists.yaml" in err.value.message
    assert err.value.details["field"] == "list_types[5].legal_basis"
    empty = text.replace("      - 《保障农民工工资支付条例》第四十八条\n", "", 1).replace(
        "    legal_basis:\n    exit_conditions: 有效期届满，或已改正",
        "    legal_basis: []\n    exit_conditions: 有效期届满，或已改正",
    )
    path.write_text(empty, encoding="utf-8")
    with pytest.raises(ConfigError) as err2:
        load_list_types(path)
    assert err2.value.details["field"] == "list_types[5].legal_basis"
