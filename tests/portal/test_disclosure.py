"""What never reaches a public page or the public API, and what always carries its mark.

Every public surface is checked: the search results, the subject page (every tab), the record page,
the 双公示 pages and the lists pages, and the JSON API behind them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests import builders as b
from xinyong.kit import clock
from xinyong.records import queries
from xinyong.records import service as records
from xinyong.records.models import Lifecycle
from xinyong.subjects import search

TODAY = dt.date(2026, 11, 23)
TABS = (
    "basic",
    "licences",
    "penalties",
    "honesty",
    "serious",
    "abnormal",
    "commitment",
    "evaluation",
    "other",
)
PHONE = "13812345678"


def everything_public(client: Any, code: str, record_ids: list[str]) -> str:
    """The text of every public page and API answer that could show the subject or its records."""
    parts = []
    for tab in TABS:
        parts.append(client.get(f"/subjects/{code}?tab={tab}").text)
    parts.append(client.get(f"/api/v1/subjects/{code}").text)
    parts.append(client.get(f"/api/v1/subjects/{code}/records?per_page=100").text)
    for kind in ("penalties", "licences"):
        parts.append(client.get(f"/publicity/{kind}").text)
        parts.append(client.get(f"/api/v1/publicity/{kind}?per_page=50").text)
    for kind in ("black", "red", "watch", "abnormal"):
        parts.append(client.get(f"/lists/{kind}").text)
        parts.append(client.get(f"/api/v1/lists/{kind}?per_page=50").text)
    for rid in record_ids:
        parts.append(client.get(f"/records/{rid}").text)
        parts.append(client.get(f"/api/v1/records/{rid}").text)
    return "\n".join(parts)


def _revoke(session: Session, record: Any, state: Lifecycle) -> None:
    records.set_lifecycle(
        session, record=record, state=state, reason="测试", on=TODAY, actor=b.CLERK, now=clock.now()
    )


def test_expired_repaired_and_revoked_records_never_appear(session: Session, client: Any) -> None:
    s = b.company(session, name="常州澜泽科技有限公司")
    expired = b.record(session, s, decision_no="常市监罚〔2021〕11号", decision_date="2021-03-01")
    repaired = b.record(session, s, decision_no="常市监罚〔2026〕22号")
    revoked = b.record(session, s, decision_no="常市监罚〔2026〕33号")
    shown = b.record(session, s, decision_no="常市监罚〔2026〕44号")
    assert expired.publicity_ends is not None and expired.publicity_ends < TODAY
    _revoke(session, repaired, Lifecycle.REPAIRED)
    _revoke(session, revoked, Lifecycle.REVOKED)
    ids = [str(r.id) for r in (expired, repaired, revoked, shown)]
    text = everything_public(client, str(s.uscc), ids)
    assert "常市监罚〔2026〕44号" in text
    for hidden in ("〔2021〕11号", "〔2026〕22号", "〔2026〕33号"):
        assert hidden not in text, hidden
    for rid in ids[:3]:
        assert client.get(f"/records/{rid}").status_code == 404
        assert client.get(f"/api/v1/records/{rid}").status_code == 404


def test_a_record_of_a_shared_only_item_never_appears(session: Session, client: Any) -> None:
    person, number = b.person(session, name="王澜泽")
    licence = b.record(
        session,
        person,
        item="xzxk_zrr",
        payload=b.item_payload(
            session,
            "xzxk_zrr",
            person,
            subject_id_type="身份证",
            subject_id_number=number,
            decision_no="常许〔2026〕7号",
        ),
    )
    assert client.get(f"/records/{licence.id}").status_code == 404
    assert "常许〔2026〕7号" not in client.get("/publicity/licences").text
    assert "常许〔2026〕7号" not in client.get("/api/v1/publicity/licences?per_page=50").text
    assert client.get(f"/subjects/{person.id}").status_code == 404


def test_non_public_natural_persons_penalty_and_the_person_never_appear(
    session: Session, client: Any
) -> None:
    person, number = b.person(session, name="赵澜泽")
    penalty = b.record(
        session,
        person,
        item="xzcf_zrr",
        payload=b.item_payload(
            session,
            "xzcf_zrr",
            person,
            subject_id_type="身份证",
            subject_id_number=number,
            decision_no="常罚〔2026〕9号",
        ),
    )
    search.index_subject(session, person, searchable=True)  # even if wrongly indexed
    assert "赵澜泽" not in client.get("/search?q=澜泽").text
    assert client.get("/api/v1/search?q=澜泽").json()["items"] == []
    assert client.get(f"/subjects/{person.id}").status_code == 404
    assert client.get(f"/api/v1/subjects/{person.id}").status_code == 404
    assert client.get(f"/records/{penalty.id}").status_code == 404
    assert "常罚〔2026〕9号" not in client.get("/publicity/penalties").text
    assert number not in client.get("/api/v1/publicity/penalties?per_page=50").text


def test_publicly_listed_person_appears_with_masked_number_only(session: Session, client: Any) -> None:
    person, number = b.person(session, name="钱澜泽")
    b.record(
        session,
        person,
        item="sxbzxr",
        payload=b.item_payload(session, "sxbzxr", person, subject_id_type="身份证", subject_id_number=number),
    )
    search.sync_persons(session, public=queries.public_person_ids(session, today=TODAY))
    found = client.get("/api/v1/search?q=钱澜泽").json()["items"]
    assert [h["name"] for h in found] == ["钱澜泽"]
    assert found[0]["code"] is None
    text = everything_public(client, str(person.id), [])
    assert "钱澜泽" in text
    assert number not in text
    assert number[:4] + "*" in text  # masked, as the catalogue says


def test_non_public_field_never_appears_and_free_text_is_scrubbed(session: Session, client: Any) -> None:
    s = b.company(session, name="常州澜泽科技有限公司")
    rep_number = b.person(session, name="法人甲")[1]
    facts = f"经查，当事人销售过期食品，联系电话{PHONE}，负责人身份证号{rep_number}。"
    rec = b.record(
        session,
        s,
        legal_rep_id_type="身份证",
        legal_rep_id_number=rep_number,
        facts=facts,
    )
    assert rec.payload.get("legal_rep_id_number") == rep_number  # stored, just never shown
    text = everything_public(client, str(s.uscc), [str(rec.id)])
    assert "当事人销售过期食品" in text
    assert PHONE not in text
    assert rep_number not in text
    assert "138****5678" in text
    assert "法定代表人证件号码" not in client.get(f"/records/{rec.id}").text


@pytest.mark.parametrize("open_", [True, False])
def test_open_objection_is_marked_wherever_the_record_shows(
    session: Session, client: Any, open_: bool
) -> None:
    s = b.company(session, name="常州澜泽科技有限公司")
    rec = b.record(session, s)
    records.set_objection(session, record=rec, open_=open_, actor=b.CLERK)
    pages = [
        client.get(f"/records/{rec.id}").text,
        client.get(f"/subjects/{s.uscc}?tab=penalties").text,
        client.get("/publicity/penalties").text,
    ]
    for page in pages:
        assert ("异议处理中" in page) is open_
    assert client.get(f"/api/v1/records/{rec.id}").json()["objection_open"] is open_
