"""Cross-domain wiring: a batch of 失信被执行人 entries enters the list lifecycle as listed, in one transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import company
from tests.ingestion.helpers import staff
from xinyong import wiring
from xinyong.ingestion import service
from xinyong.kit import clock
from xinyong.lists.models import ListEntry


def test_approved_list_batch_registers_lifecycle_rows(session: Session) -> None:
    wiring.wire()
    subject = company(session)
    row = {
        "被执行人姓名/名称": subject.name,
        "被执行人类别": "法人或其他组织",
        "统一社会信用代码": subject.uscc,
        "执行法院": "常州市中级人民法院",
        "案号": "(2026)苏04执77号",
        "执行依据文号": "(2025)苏04民初7号",
        "做出执行依据单位": "常州市中级人民法院",
        "立案时间": "2026-01-05",
        "生效法律文书确定的义务": "给付",
        "被执行人的履行情况": "全部未履行",
        "失信被执行人行为具体情形": "有履行能力而拒不履行",
        "发布时间": "2026-03-01",
        "数据来源单位": "常州市中级人民法院",
        "数据来源单位统一社会信用代码": "11320400000000027L",
    }
    sub = service.submit(
        session,
        objects=[row],
        item_code="sxbzxr",
        unit_key="shi_zy",
        actor=staff("shi_zy"),
        now=clock.now(),
        today=clock.today(),
    )
    result = service.approve(session, batch_id=sub.batch.id, actor=staff("shi_zy"), now=clock.now())
    record_id = result.record_ids["sxbzxr"]["created"][0]
    entry = session.scalar(select(ListEntry).where(ListEntry.record_id == record_id))
    assert entry is not None and entry.state == "listed"
