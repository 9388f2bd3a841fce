"""Linking rows to subjects, revocation with its deadline, and quality scores."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import company
from tests.ingestion.helpers import DATA, staff, submit, submit_rows
from xinyong.ingestion import quality, revocations, service
from xinyong.ingestion.errors import AlreadyRevoked, OutOfScope
from xinyong.ingestion.linking import normalise_name
from xinyong.ingestion.models import Revocation
from xinyong.kit import clock
from xinyong.records import queries as public
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject


def _rows(
    session: Session, name: str, code: str, no: str = "常市监罚〔2026〕500号", **extra: str
) -> list[dict[str, str]]:
    from xinyong.org import queries as org

    unit = org.unit(session, "shi_scjgj")
    assert unit is not None
    return [
        {
            "行政相对人名称": name,
            "行政相对人类别": "个体工商户",
            "统一社会信用代码": code,
            "法定代表人": "王五",
            "行政处罚决定书文号": no,
            "违法行为类型": "x",
            "违法事实": "x",
            "处罚依据": "x",
            "处罚类别": "警告",
            "处罚内容": "x",
            "处罚决定日期": "2026-09-01",
            "处罚有效期": "2027-09-01",
            "处罚机关": unit.name,
            "处罚机关统一社会信用代码": unit.uscc,
            "数据来源单位": unit.name,
            "数据来源单位统一社会信用代码": unit.uscc,
            **extra,
        }
    ]


def test_exact_link_by_uscc_even_when_written_full_width(session: Session) -> None:
    known = company(session, name="常州澜泽科技有限公司")
    code = "".join(chr(ord(c) + 0xFEE0) for c in str(known.uscc))
    sub = submit_rows(session, _rows(session, "常州澜泽科技有限公司", code))
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    record = session.scalar(select(CreditRecord))
    assert record is not None and record.subject_id == known.id


def test_an_unknown_valid_code_creates_a_provisional_subject_on_approval(session: Session) -> None:
    sub = submit(session, "penalties_utf8_bom.csv")
    assert session.scalar(select(Subject).where(Subject.name == "常州澜泽科技有限公司")) is None
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    made = session.scalar(select(Subject).where(Subject.name == "常州澜泽科技有限公司"))
    assert made is not None and made.provisional and made.uscc == "91320412MF0000013Q"
    assert {a.value for a in subjects.attributes(session, made)} == {"常州澜泽科技有限公司"}


def test_provisional_subjects_are_searchable_at_once(session: Session) -> None:
    from xinyong.subjects import search

    sub = submit(session, "penalties_utf8_bom.csv")
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    made = session.scalar(select(Subject).where(Subject.name == "常州澜泽科技有限公司"))
    assert made is not None
    hits = search.search(session, "澜泽科")
    assert made.id in {h.subject_id for h in hits.hits}


def test_a_name_alone_never_links_it_only_proposes(session: Session) -> None:
    same_rep = company(session, name="常州市武进区湖塘老王小吃店", district="wujin")
    same_rep.legal_rep = "王五"
    company(session, name="湖塘老王小吃店（溧阳）", district="liyang")  # same core name, nothing else agrees
    rows = _rows(session, "武进区湖塘老王小吃店", "00000000000000000X")
    sub = submit_rows(session, rows)
    assert (sub.batch.needs_link, sub.batch.accepted) == (1, 0)
    cands = service.candidates(session, sub.batch.id)
    assert [s.id for s, _ in cands[1]] == [same_rep.id]
    result = service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    assert result.counts["unlinked"] == 1 and session.scalar(select(CreditRecord)) is None


def test_a_reviewer_links_a_candidate_then_approves(session: Session) -> None:
    shop = company(session, name="常州市武进区湖塘老王小吃店", district="wujin")
    shop.legal_rep = "王五"
    sub = submit_rows(session, _rows(session, "湖塘老王小吃店", "00000000000000000X"))
    service.link_row(session, batch_id=sub.batch.id, row_no=1, subject_id=shop.id, actor=staff())
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    record = session.scalar(select(CreditRecord))
    assert record is not None and record.subject_id == shop.id


def test_normalised_names_strip_legal_form_region_prefix_and_parenthesised_region() -> None:
    assert normalise_name("常州市武进区澜泽科技有限公司", ["武进区"]) == "澜泽科技"
    assert normalise_name("澜泽科技（常州）有限公司") == "澜泽科技"
    assert normalise_name("江苏澜泽科技股份有限公司") == "澜泽科技"


def test_revocation_leaves_public_surfaces_at_once_and_tracks_the_deadline(session: Session) -> None:
    sub = submit(session, "penalties_utf8_bom.csv")
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    record = session.scalars(select(CreditRecord).order_by(CreditRecord.decision_no)).first()
    assert record is not None
    assert public.public_record(session, record.id, today=clock.today()) is not None
    with pytest.raises(OutOfScope):
        revocations.revoke(
            session,
            record_id=record.id,
            reason="复议撤销",
            revoked_on=clock.today(),
            actor=staff("shi_sw"),
            now=clock.now(),
        )
    on_time = revocations.revoke(
        session,
        record_id=record.id,
        reason="行政复议决定撤销",
        revoked_on=dt.date(2026, 11, 18),
        actor=staff(),
        now=clock.now(),
    )
    assert record.lifecycle == "已撤销"
    assert public.public_record(session, record.id, today=clock.today()) is None
    # 2026-11-18 (Wed) + 3 working days = 2026-11-23 (Mon); processed on 2026-11-23: on time.
    assert (on_time.deadline, on_time.on_time) == (dt.date(2026, 11, 23), True)
    late_record = session.scalars(select(CreditRecord).where(CreditRecord.lifecycle == "有效")).first()
    assert late_record is not None
    late = revocations.revoke(
        session,
        record_id=late_record.id,
        reason="撤销",
        revoked_on=dt.date(2026, 11, 10),
        actor=staff(),
        now=clock.now(),
    )
    assert late.on_time is False
    # Revoked once is enough: a second revocation is refused, and one deadline stays logged.
    with pytest.raises(AlreadyRevoked, match="已于 2026-11-10 撤销"):
        revocations.revoke(
            session,
            record_id=late_record.id,
            reason="再次撤销",
            revoked_on=clock.today(),
            actor=staff(),
            now=clock.now(),
        )
    assert session.scalar(select(func.count()).where(Revocation.record_id == late_record.id)) == 1


def test_revocation_by_file(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sub = submit(session, "penalties_utf8_bom.csv")
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    text = "行政处罚决定书文号,处罚机关统一社会信用代码,统一社会信用代码,撤销原因,撤销日期\n"
    text += "常市监罚〔2026〕101号,11320400000000027L,91320412MF0000013Q,行政诉讼判决撤销,2026年11月20日\n"
    text += "常市监罚〔2026〕999号,11320400000000027L,91320412MF0000013Q,不存在,2026-11-20\n"
    path = tmp_path / "revoke.csv"
    path.write_text(text, encoding="gbk")
    result = revocations.revoke_file(session, path=path, item_code="xzcf_fr", actor=staff(), now=clock.now())
    assert result.revoked == 1 and [(p["row"], p["code"]) for p in result.problems] == [
        (2, "revoke.not_found")
    ]
    revoked = session.scalar(select(CreditRecord).where(CreditRecord.decision_no == "常市监罚〔2026〕101号"))
    assert revoked is not None and revoked.lifecycle == "已撤销"


def test_quality_scores_per_unit_and_month(session: Session) -> None:
    sub = submit(session, "penalties_gbk.csv")
    # Rows 1–5 decided 2026-08-31 … 2026-09-04 go online now (2026-11-23): all late.
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    from xinyong.kit.identifiers import make_uscc

    rows = _rows(
        session,
        "常州及时上线有限公司",
        make_uscc("9", "1", "320412", "MF000777"),
        no="常市监罚〔2026〕778号",
        处罚决定日期="2026-11-16",
    )
    rows[0]["行政相对人类别"] = "法人及非法人组织"
    ok = submit_rows(session, rows)
    service.approve(session, batch_id=ok.batch.id, actor=staff(), now=clock.now())
    # Another unit names the same code differently: one conflict for consistency.
    named = subjects.find_by_uscc(session, "91320412MF0000013Q")
    assert named is not None
    subjects.note_attribute(
        session,
        named,
        attr="name",
        value="常州澜泽科技（集团）有限公司",
        unit_key="wujin_scjgj",
        now=clock.now(),
    )
    session.flush()
    [q] = quality.report(session, month="2026-11", unit_key="shi_scjgj", drill=True)
    assert q.timeliness.denominator == 7 and q.timeliness.numerator == 1  # only the 2026-11-16 decision
    assert len(q.late) == 6 and all(x["workdays"] > 7 for x in q.late)
    # 14 rows (13 in the file + 1); rows passing every rule: the file's 6 accepted + 1 needs_link, and 1.
    assert (q.accuracy.numerator, q.accuracy.denominator) == (8, 14)
    assert q.duplicates.numerator == 1
    assert 0 < (q.completeness.value or 0) <= 1
    assert q.consistency.denominator >= 1 and len(q.conflicts) == 1
    # Drill-down: the month's batches, and their problems by rule as counted one by one.
    assert {b["batch_id"] for b in q.month_batches} == {str(sub.batch.id), str(ok.batch.id)}
    counted = Counter(
        (p["code"], p["severity"])
        for b in (sub.batch, ok.batch)
        for p in service.iter_problems(session, b.id)
    )
    assert {(r["code"], r["severity"]): r["problems"] for r in q.rules} == dict(counted)
    assert [r["problems"] for r in q.rules] == sorted(counted.values(), reverse=True)
    assert set(q.as_dict()) & set(quality.DRILL_FIELDS) == set()  # only when drilling
    assert quality.report(session, month="2026-10", unit_key="shi_scjgj")[0].rows == 0


def test_unknown_subject_uuid_cannot_be_linked(session: Session) -> None:
    sub = submit_rows(session, _rows(session, "某某小吃店", "00000000000000000X"))
    with pytest.raises(Exception, match="主体不存在"):
        service.link_row(session, batch_id=sub.batch.id, row_no=1, subject_id=uuid.uuid4(), actor=staff())
    assert DATA.is_dir()
