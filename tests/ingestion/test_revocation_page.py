"""The revocation page: a clerk finds a decision by its number or the subject's code (never by the
platform's record id), revokes it from the result, and the list names each revoked decision."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.ingestion.helpers import staff, submit
from xinyong.auth.permissions import current_actor
from xinyong.ingestion import revocations, service
from xinyong.kit import clock
from xinyong.records.models import CreditRecord

URL = "/console/ingestion/revocations"
#: Rows 1 and 2 of penalties_utf8_bom.csv (tests/data/ingest/README.md).
FIRST, SECOND = "常市监罚〔2026〕101号", "常市监罚〔2026〕102号"
FIRST_CODE = "91320412MF0000013Q"


@pytest.fixture
def approved(session: Session) -> None:
    sub = submit(session, "penalties_utf8_bom.csv")
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())


@pytest.fixture
def api(client):  # type: ignore[no-untyped-def]
    client.app.dependency_overrides[current_actor] = lambda: staff()
    return client


def _record(session: Session, decision_no: str) -> CreditRecord:
    record = session.scalar(select(CreditRecord).where(CreditRecord.decision_no == decision_no))
    assert record is not None
    return record


@pytest.mark.usefixtures("approved")
def test_find_by_part_of_the_number_by_the_subjects_code_or_by_the_record_id(session: Session) -> None:
    mine = {"shi_scjgj"}
    by_part = revocations.find(session, query="〔2026〕10", units=mine)
    assert {d.decision_no for d in by_part} >= {FIRST, SECOND} and all(
        "〔2026〕10" in (d.decision_no or "") for d in by_part
    )
    (only,) = revocations.find(session, query=" 101号 ", units=mine)  # trimmed
    assert (only.decision_no, only.subject_code, only.lifecycle) == (FIRST, FIRST_CODE, "有效")
    assert only.item_name == "行政处罚（法人和非法人组织）" and only.subject_name
    by_code = revocations.find(session, query=FIRST_CODE.lower(), units=mine)
    assert [d.decision_no for d in by_code] == [FIRST]
    record = _record(session, SECOND)
    assert [d.decision_no for d in revocations.find(session, query=str(record.id), units=mine)] == [SECOND]
    assert revocations.find(session, query="101号", units={"shi_sw"}) == []  # another unit's decisions
    assert revocations.find(session, query="%", units=mine) == []  # LIKE wildcards are literal
    assert revocations.find(session, query="  ", units=mine) == []


@pytest.mark.usefixtures("approved")
def test_the_page_finds_revokes_and_names_the_revoked_decision(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    page = api.get(URL, params={"q": "101号"}).text
    record = _record(session, FIRST)
    found = page.split('data-testid="found"')[1].split("</table>")[0]
    assert f'data-record="{record.id}"' in found and FIRST in found and FIRST_CODE in found
    assert 'name="reason"' in found and found.count("<tr data-record") == 1
    res = api.post(
        URL,
        data={
            "record_id": str(record.id),
            "reason": "行政复议决定撤销",
            "revoked_on": "2026-11-20",
            "q": "101号",
        },
        follow_redirects=False,
    )
    assert res.status_code == 303 and record.lifecycle == "已撤销"
    listing = api.get(URL).text.split("<h2>已撤销的决定</h2>")[1]
    assert f"{FIRST} · " in listing and "行政复议决定撤销" in listing and str(record.id) not in listing
    again = api.get(URL, params={"q": "101号"}).text
    assert "已撤销，不能撤销" in again  # no second revocation offered


@pytest.mark.usefixtures("approved")
def test_a_refused_revocation_keeps_the_search(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    record = _record(session, SECOND)
    res = api.post(
        URL, data={"record_id": str(record.id), "reason": "撤销", "revoked_on": "2099-01-01", "q": "102号"}
    )
    assert res.status_code == 422 and "撤销日期不能晚于今天" in res.text
    assert f'data-record="{record.id}"' in res.text and record.lifecycle == "有效"


def test_nothing_found_says_what_to_try(api) -> None:  # type: ignore[no-untyped-def]
    page = api.get(URL, params={"q": "不存在的文号"}).text
    assert 'data-testid="not-found"' in page and "统一社会信用代码" in page
