"""The joint reward/punishment check through the API, as a business system calls it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import builders as b
from xinyong.auth.permissions import current_actor
from xinyong.kit import clock
from xinyong.kit.identifiers import make_uscc
from xinyong.lists import service as lists
from xinyong.lists.schemas import ExitKind
from xinyong.measures import service as measures
from xinyong.measures.models import Check

ZFCG_LIST = "政府采购严重违法失信行为记录名单"


@pytest.fixture
def api(client: TestClient) -> Iterator[TestClient]:
    client.app.dependency_overrides[current_actor] = lambda: b.api_client()  # type: ignore[attr-defined]
    yield client


def check(api: TestClient, subject: dict[str, str], matter: str = "zfcg", **extra: Any) -> dict[str, Any]:
    r = api.post("/api/v1/checks", json={"subject": subject, "matter": matter, **extra})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def codes(answer: dict[str, Any]) -> set[str]:
    return {m["code"] for h in answer["hits"] for m in h["measures"]}


def test_a_subject_on_the_procurement_blacklist_is_restricted_by_code(
    api: TestClient, session: Session
) -> None:
    s = b.company(session, name="常州恒丰建设工程有限公司")
    rec = b.listed(session, s, "yzsx", list_name=ZFCG_LIST)
    a = check(api, {"code": s.uscc or ""}, "政府采购", request_ref="ZB-2026-001")  # matter by name
    assert (a["known"], a["result"], a["matter"], a["request_ref"]) == (
        True,
        "restricted",
        "zfcg",
        "ZB-2026-001",
    )
    [hit] = a["hits"]
    assert hit["record_id"] == str(rec.id) and hit["list_type"] == "zfcg"
    assert "第七十七条" in hit["basis"] and hit["authority"] == "常州市发展和改革委员会"
    cj03 = next(m for m in hit["measures"] if m["code"] == "cj03")
    assert cj03["mandatory"] is True and cj03["kind"] == "惩戒" and "第二十二条" in cj03["basis"]
    assert a["subject"] == {
        "code": s.uscc,
        "name": s.name,
        "kind": "legal_person",
        "id_number_masked": None,
        "candidates": None,
    }


def test_clear_for_a_subject_whose_entry_has_exited(api: TestClient, session: Session) -> None:
    s = b.company(session)
    rec = b.listed(session, s, "yzsx", list_name=ZFCG_LIST)
    lists.exit_entry(
        session,
        record_id=rec.id,
        kind=ExitKind.REPAIR,
        reason="已完成信用修复",
        actor=b.staff("shi_czj"),
        now=clock.now(),
        today=clock.today(),
    )
    a = check(api, {"code": s.uscc or ""})
    assert (a["known"], a["result"], a["hits"]) == (True, "clear", [])


def test_an_a_grade_taxpayer_gets_incentives(api: TestClient, session: Session) -> None:
    s = b.company(session)
    b.listed(session, s, "sxjl", incentive_kind="纳税信用A级纳税人", valid_to="2027-06-30")
    a = check(api, {"code": s.uscc or ""}, "xzsp")
    assert a["result"] == "incentive"
    assert [h["list_type"] for h in a["hits"]] == ["nsxy_a"]
    assert codes(a) == {"jl03"}
    assert check(api, {"code": s.uscc or ""}, "rzxd")["result"] == "incentive"  # 银税互动 (jl02)
    assert codes(check(api, {"code": s.uscc or ""}, "rzxd")) == {"jl02"}


def test_an_a_grade_taxpayer_who_is_a_dishonest_judgment_debtor_is_restricted(
    api: TestClient, session: Session
) -> None:
    s = b.company(session)
    b.listed(session, s, "sxjl", incentive_kind="纳税信用A级纳税人", valid_to="2027-06-30")
    b.listed(session, s, "sxbzxr")
    a = check(api, {"code": s.uscc or ""}, "xzsp")
    assert a["result"] == "restricted"
    assert {"jl03", "cj12"} <= codes(a)


def test_an_unknown_code_is_known_false_and_clear(api: TestClient) -> None:
    unknown = make_uscc("9", "1", "320412", "MT9YYYYY")
    a = check(api, {"code": unknown})
    assert (a["known"], a["result"], a["hits"]) == (False, "clear", [])


def test_a_name_alone_yields_review_with_candidates_never_restricted(
    api: TestClient, session: Session
) -> None:
    s = b.company(session, name="常州同名科技有限公司")
    b.listed(session, s, "yzsx", list_name=ZFCG_LIST)
    other = b.company(session, name="常州同名科技有限公司", district="tianning")
    a = check(api, {"name": "常州同名科技有限公司"})
    assert (a["result"], a["known"], a["hits"]) == ("review", True, [])
    assert {c["code"] for c in a["subject"]["candidates"]} == {s.uscc, other.uscc}
    nobody = check(api, {"name": "常州并不存在有限公司"})
    assert (nobody["result"], nobody["known"], nobody["subject"]["candidates"]) == ("review", False, [])


def test_the_measures_depend_on_the_matter(api: TestClient, session: Session) -> None:
    s = b.company(session)
    b.listed(session, s, "sxbzxr")
    code = {"code": s.uscc or ""}
    high = check(api, code, "高消费")
    assert (high["result"], codes(high)) == ("restricted", {"cj09"})
    exit_ban = check(api, code, "cj")  # 限制出境 is decided case by case: discretionary
    assert (exit_ban["result"], codes(exit_ban)) == ("review", {"cj10"})
    awards = check(api, code, "ypyx")
    assert (awards["result"], codes(awards)) == ("review", {"cj14"})
    customs = check(api, code, "hgtg")  # no measure for this matter: the hit is shown, nothing applies
    assert customs["result"] == "clear" and len(customs["hits"]) == 1 and codes(customs) == set()


def test_a_dishonest_judgment_debtor_is_found_by_id_number(api: TestClient, session: Session) -> None:
    p, number = b.person(session, name="王五")
    b.listed(
        session, p, "sxbzxr", subject_category="自然人", subject_id_type="身份证", subject_id_number=number
    )
    a = check(api, {"id_number": number}, "gxf")
    assert a["result"] == "restricted" and a["subject"]["name"] == "王五"
    assert a["subject"]["id_number_masked"].startswith("3204") and "*" in a["subject"]["id_number_masked"]
    stored = session.scalar(select(Check.request).where(Check.id == uuid.UUID(a["check_id"])))
    assert number not in str(stored)  # the full ID number is not kept in the check log


@pytest.mark.parametrize(
    ("fine", "types", "decided", "expected"),
    [
        ("199.999999", ["罚款"], "2026-08-31", "clear"),  # one 分 below 200万元
        ("200.000000", ["罚款"], "2026-08-31", "restricted"),  # exactly 200万元 counts (以上 includes)
        ("350.000000", ["罚款"], "2023-11-22", "clear"),  # outside the three-year look-back
        ("350.000000", ["罚款"], "2023-11-23", "restricted"),  # first day inside it
        ("1.000000", ["责令停产停业", "罚款"], "2025-01-10", "restricted"),
        (None, ["吊销许可证件"], "2025-01-10", "restricted"),
    ],
)
def test_procurement_major_violation_test(
    api: TestClient, session: Session, fine: str | None, types: list[str], decided: str, expected: str
) -> None:
    s = b.company(session)
    rec = b.record(session, s, fine_amount=fine, penalty_types=types, decision_date=decided)
    a = check(api, {"code": s.uscc or ""}, "zfcg")
    assert a["result"] == expected
    if expected == "restricted":
        [hit] = a["hits"]
        assert hit["record_id"] == str(rec.id) and hit["list_type"] is None
        assert codes(a) == {"cj03"}
        assert (
            hit["ends_on"] == (dt.date.fromisoformat(decided).replace(year=int(decided[:4]) + 3)).isoformat()
        )


def test_a_stored_answer_is_unchanged_after_the_entry_exits(api: TestClient, session: Session) -> None:
    s = b.company(session)
    rec = b.listed(session, s, "yzsx", list_name=ZFCG_LIST)
    first = check(api, {"code": s.uscc or ""})
    assert first["result"] == "restricted"
    clock.freeze(clock.now() + dt.timedelta(seconds=5))
    lists.exit_entry(
        session,
        record_id=rec.id,
        kind=ExitKind.REVOCATION,
        reason="认定错误",
        actor=b.staff("shi_czj"),
        now=clock.now(),
        today=clock.today(),
    )
    again = api.get(f"/api/v1/checks/{first['check_id']}")
    assert again.status_code == 200 and again.json() == first
    fresh = check(api, {"code": s.uscc or ""})
    assert fresh["result"] == "clear" and fresh["data_version"] != first["data_version"]


def test_a_client_cannot_read_another_clients_check(api: TestClient, session: Session) -> None:
    s = b.company(session)
    first = check(api, {"code": s.uscc or ""})
    api.app.dependency_overrides[current_actor] = lambda: b.api_client("招投标系统", client_id="c-ztb")  # type: ignore[attr-defined]
    assert api.get(f"/api/v1/checks/{first['check_id']}").status_code == 404


def test_batch_stores_one_check_per_subject(api: TestClient, session: Session) -> None:
    bidders = [b.company(session) for _ in range(3)]
    b.listed(session, bidders[1], "yzsx", list_name=ZFCG_LIST)
    before = session.scalar(select(func.count()).select_from(Check))
    r = api.post(
        "/api/v1/checks/batch",
        json={"subjects": [{"code": x.uscc} for x in bidders], "matter": "zfcg", "request_ref": "ZB-9"},
    )
    assert r.status_code == 200, r.text
    results = [c["result"] for c in r.json()["checks"]]
    assert results == ["clear", "restricted", "clear"]
    assert session.scalar(select(func.count()).select_from(Check)) == (before or 0) + 3
    too_many = api.post("/api/v1/checks/batch", json={"subjects": [{"code": "x"}] * 201, "matter": "zfcg"})
    assert too_many.status_code == 422


def test_feedback_closes_the_loop_and_feeds_statistics(api: TestClient, session: Session) -> None:
    s = b.company(session)
    b.listed(session, s, "yzsx", list_name=ZFCG_LIST)
    a = check(api, {"code": s.uscc or ""})
    bad = api.post(
        f"/api/v1/checks/{a['check_id']}/feedback", json={"measure": "jl01", "applied": True, "reason": "x"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_measure"
    ok = api.post(
        f"/api/v1/checks/{a['check_id']}/feedback",
        json={"measure": "cj03", "applied": True, "reason": "已取消其投标资格"},
    )
    assert ok.status_code == 200, ok.text
    [row] = [r for r in measures.stats(session, month="2026-11", matter="zfcg") if r.unit == "shi_czj"]
    assert (row.checks, row.with_hits, row.restricted, row.measures_applied) == (1, 1, 1, 1)


def test_an_unknown_matter_is_refused_listing_the_known_ones(api: TestClient, session: Session) -> None:
    r = api.post("/api/v1/checks", json={"subject": {"code": b.company(session).uscc}, "matter": "炒股"})
    assert r.status_code == 422
    assert {"code": "zfcg", "name": "政府采购"} in r.json()["error"]["details"]["known"]


def test_checks_need_the_checks_run_permission(client: TestClient) -> None:
    assert client.post("/api/v1/checks", json={"subject": {"code": "x"}, "matter": "zfcg"}).status_code == 401
    client.app.dependency_overrides[current_actor] = lambda: b.staff("shi_czj")  # type: ignore[attr-defined]
    assert client.post("/api/v1/checks", json={"subject": {"code": "x"}, "matter": "zfcg"}).status_code == 403
    assert client.get("/api/v1/ping").status_code == 403
