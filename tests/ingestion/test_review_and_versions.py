"""Review (待审核 → 已通过/已退回/已撤回), batch identity, trusted feeds, and per-row versioning."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import company
from tests.ingestion.helpers import DATA, staff, submit, submit_rows, trust_feed
from xinyong.ingestion import service
from xinyong.ingestion.errors import BatchStateError, OutOfScope
from xinyong.kit import clock
from xinyong.records import queries as public
from xinyong.records import service as records
from xinyong.records.models import CreditRecord, RecordVersion


def _records(session: Session) -> list[CreditRecord]:
    return list(session.scalars(select(CreditRecord).order_by(CreditRecord.decision_no)))


def test_rows_become_visible_only_when_a_reviewer_of_the_unit_approves(session: Session) -> None:
    sub = submit(session, "penalties_utf8_bom.csv")
    assert sub.batch.status == "待审核"
    assert _records(session) == [], "nothing is visible or usable before review"
    with pytest.raises(OutOfScope):
        service.approve(session, batch_id=sub.batch.id, actor=staff("shi_sw"), now=clock.now())
    approved_at = clock.now() + dt.timedelta(hours=2)
    result = service.approve(session, batch_id=sub.batch.id, actor=staff(), now=approved_at)
    assert result.counts == {"created": 5, "updated": 0, "unchanged": 0, "unlinked": 0}
    recs = _records(session)
    assert len(recs) == 5 and all(r.approved_at == approved_at for r in recs)
    assert all(r.batch_id == sub.batch.id and r.providing_unit_key == "shi_scjgj" for r in recs)
    assert recs[0].fine_fen == 500_000  # 0.5 万元 = 5,000 元 = 500,000 分
    page = public.public_records(session, subject_id=recs[0].subject_id, today=clock.today())
    assert page.total == 1
    with pytest.raises(BatchStateError):
        service.approve(session, batch_id=sub.batch.id, actor=staff(), now=approved_at)


def test_severity_comes_from_the_file_else_derived(session: Session) -> None:
    sub = submit(session, "penalties_utf8_bom.csv")
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    assert all(r.severity_derived for r in _records(session))
    rows = [
        {
            "行政相对人名称": "常州申报严重有限公司",
            "行政相对人类别": "法人及非法人组织",
            "统一社会信用代码": "91320412MF0000900U",
            "法定代表人": "赵六",
            "行政处罚决定书文号": "常市监罚〔2026〕900号",
            "违法行为类型": "x",
            "违法事实": "x",
            "处罚依据": "x",
            "处罚类别": "警告",
            "处罚内容": "x",
            "处罚决定日期": "2026-09-01",
            "处罚有效期": "2027-09-01",
            "处罚机关": "常州市市场监督管理局",
            "处罚机关统一社会信用代码": "11320400000000027L",
            "数据来源单位": "常州市市场监督管理局",
            "数据来源单位统一社会信用代码": "11320400000000027L",
            "失信严重程度": "严重失信",
        }
    ]
    from xinyong.kit.identifiers import make_uscc

    rows[0]["统一社会信用代码"] = make_uscc("9", "1", "320412", "MF000900")
    sub2 = submit_rows(session, rows)
    service.approve(session, batch_id=sub2.batch.id, actor=staff(), now=clock.now())
    declared = session.scalar(select(CreditRecord).where(CreditRecord.decision_no == "常市监罚〔2026〕900号"))
    assert declared is not None and (declared.severity, declared.severity_derived) == ("严重", False)


def test_the_same_batch_again_returns_the_first_result(session: Session) -> None:
    first = submit(session, "penalties_gbk.csv")
    again = submit(session, "penalties_gbk.csv")
    assert (again.new, again.batch.id) == (False, first.batch.id)
    other_unit = submit(session, "penalties_gbk.csv", unit="shi_sw")
    assert other_unit.batch.id != first.batch.id, "identity includes the unit"
    remapped = submit(session, "penalties_gbk.csv", mapping={"备注": "note"})
    assert remapped.batch.id == first.batch.id, "a mapping that changes nothing is the same batch"
    remapped = submit(session, "penalties_gbk.csv", mapping={"法定代表人": "note"})
    assert remapped.batch.id != first.batch.id, "identity includes the column mapping"


def test_a_returned_batch_sent_again_unchanged_goes_back_to_review(session: Session) -> None:
    sub = submit(session, "penalties_gbk.csv")
    with pytest.raises(Exception, match="原因"):
        service.return_batch(session, batch_id=sub.batch.id, actor=staff(), now=clock.now(), note=" ")
    service.return_batch(
        session, batch_id=sub.batch.id, actor=staff(), now=clock.now(), note="请核对第 6 行代码"
    )
    assert sub.batch.status == "已退回"
    again = submit(session, "penalties_gbk.csv")
    assert (again.batch.id, again.batch.status) == (sub.batch.id, "待审核")


def test_a_clerk_withdraws_before_review_but_not_after(session: Session) -> None:
    sub = submit(session, "penalties_utf8_bom.csv")
    service.withdraw(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    assert sub.batch.status == "已撤回"
    with pytest.raises(BatchStateError):
        service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    other = submit(session, "penalties.jsonl")
    service.approve(session, batch_id=other.batch.id, actor=staff(), now=clock.now())
    with pytest.raises(BatchStateError):
        service.withdraw(session, batch_id=other.batch.id, actor=staff(), now=clock.now())


def test_a_trusted_feed_is_approved_automatically(session: Session) -> None:
    trust_feed(session)
    sub = submit(session, "penalties_utf8_bom.csv")
    assert sub.batch.status == "已通过" and sub.batch.reviewed_by == service.TRUSTED_REVIEWER
    assert sub.applied is not None and sub.applied.counts["created"] == 5
    assert len(_records(session)) == 5


def test_a_saved_mapping_maps_odd_headers(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (
        (DATA / "penalties_utf8_bom.csv")
        .read_text(encoding="utf-8-sig")
        .replace("行政处罚决定书文号", "文书号")
    )
    path = tmp_path / "odd.csv"
    path.write_text(text, encoding="utf-8")
    assert submit(session, path).batch.status == "失败"
    service.save_feed(
        session,
        unit_key="shi_scjgj",
        item_code="xzcf_fr",
        mapping={"文书号": "decision_no"},
        trusted=False,
        actor=staff(),
        now=clock.now(),
    )
    sub = submit(session, path)
    assert (sub.batch.status, sub.batch.accepted) == ("待审核", 5)


def test_a_corrected_file_creates_new_versions_not_duplicates(session: Session) -> None:
    first = submit(session, "penalties_utf8_bom.csv")
    service.approve(session, batch_id=first.batch.id, actor=staff(), now=clock.now())
    before = {r.decision_no: (r.id, r.version, r.approved_at) for r in _records(session)}
    later = clock.now() + dt.timedelta(days=1)
    corrected = submit(session, "penalties_corrected.csv")
    result = service.approve(session, batch_id=corrected.batch.id, actor=staff(), now=later)
    assert result.counts == {"created": 0, "updated": 1, "unchanged": 4, "unlinked": 0}
    recs = {r.decision_no: r for r in _records(session)}
    assert len(recs) == 5, "no duplicates"
    changed = recs["常市监罚〔2026〕101号"]
    assert (changed.id, changed.version, changed.payload["fine_amount"]) == (
        before[changed.decision_no][0],
        2,
        "0.600000",
    )
    assert changed.approved_at == before[changed.decision_no][2], "online time stays the first approval"
    assert all(r.version == 1 for no, r in recs.items() if no != changed.decision_no), (
        "unchanged rows untouched"
    )
    history = records.history(session, changed.id)
    assert [(v.version, v.payload["fine_amount"], v.batch_id) for v in history] == [
        (1, "0.500000", corrected.batch.id)
    ]


def test_a_row_missing_from_a_later_file_is_not_a_revocation(session: Session) -> None:
    first = submit(session, "penalties_utf8_bom.csv")
    service.approve(session, batch_id=first.batch.id, actor=staff(), now=clock.now())
    second = submit(session, "penalties.jsonl")  # rows 1–2 only
    service.approve(session, batch_id=second.batch.id, actor=staff(), now=clock.now())
    assert [r.lifecycle for r in _records(session)] == ["有效"] * 5
    assert session.scalar(select(func.count()).select_from(RecordVersion)) == 0


def test_list_items_return_record_ids_for_the_lists_service(session: Session) -> None:
    subject = company(session)
    rows = [
        {
            "被执行人姓名/名称": subject.name,
            "被执行人类别": "法人或其他组织",
            "统一社会信用代码": subject.uscc,
            "执行法院": "常州市中级人民法院",
            "案号": "(2026)苏04执1号",
            "执行依据文号": "(2025)苏04民初1号",
            "做出执行依据单位": "常州市中级人民法院",
            "立案时间": "2026-01-05",
            "生效法律文书确定的义务": "给付",
            "被执行人的履行情况": "全部未履行",
            "失信被执行人行为具体情形": "有履行能力而拒不履行",
            "发布时间": "2026-03-01",
            "数据来源单位": "常州市中级人民法院",
            "数据来源单位统一社会信用代码": "11320400000000027L",
        }
    ]
    sub = service.submit(
        session,
        objects=rows,
        item_code="sxbzxr",
        unit_key="shi_zy",
        actor=staff("shi_zy"),
        now=clock.now(),
        today=clock.today(),
    )
    if sub.batch.status != "待审核":
        pytest.fail(str(service.summary(session, sub.batch)))
    result = service.approve(session, batch_id=sub.batch.id, actor=staff("shi_zy"), now=clock.now())
    ids = result.record_ids["sxbzxr"]
    assert len(ids["created"]) == 1 and ids["updated"] == []
    assert session.get(CreditRecord, ids["created"][0]) is not None
