"""The check answered in one statement gives exactly the step-by-step answer, and stores what it sends."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import builders as b
from xinyong.auth.permissions import current_actor
from xinyong.kit import clock
from xinyong.lists import service as lists
from xinyong.lists.schemas import ExitKind
from xinyong.measures import service as measures
from xinyong.measures.models import Check
from xinyong.measures.schemas import CheckIn, CheckOut, SubjectRef

ZFCG_LIST = "政府采购严重违法失信行为记录名单"
MATTERS = ("zfcg", "xzsp", "gxf", "ztb", "rzxd", "cj", "ypyx", "hgtg")


@pytest.fixture
def api(client: TestClient) -> Iterator[TestClient]:
    client.app.dependency_overrides[current_actor] = lambda: b.api_client()  # type: ignore[attr-defined]
    yield client


def _no_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the step-by-step path fail loudly, so an answer proves it came from the one-statement read."""

    def refuse(_: Session) -> Any:
        raise AssertionError("the one-statement read fell back to the step-by-step path")

    monkeypatch.setattr(measures, "data_state", refuse)


def _answer(session: Session, code: str, matter: str) -> dict[str, Any]:
    out = measures.check(
        session,
        body=CheckIn(subject=SubjectRef(code=code), matter=matter),
        actor=b.api_client(),
        now=clock.now(),
        today=clock.today(),
    )
    return out.model_dump(mode="json", exclude={"check_id", "checked_at"})


def _exit(session: Session, record_id: uuid.UUID, kind: ExitKind) -> None:
    reason = "已完成信用修复" if kind == ExitKind.REPAIR else "认定错误"
    actor = b.staff("shi_czj")
    lists.exit_entry(
        session,
        record_id=record_id,
        kind=kind,
        reason=reason,
        actor=actor,
        now=clock.now(),
        today=clock.today(),
    )


def _subjects(session: Session) -> list[str]:
    on_list = b.company(session)
    b.listed(session, on_list, "yzsx", list_name=ZFCG_LIST)
    debtor_and_a_grade = b.company(session)
    b.listed(session, debtor_and_a_grade, "sxjl", incentive_kind="纳税信用A级纳税人", valid_to="2027-06-30")
    b.listed(session, debtor_and_a_grade, "sxbzxr")
    a_grade = b.company(session)
    b.listed(session, a_grade, "sxjl", incentive_kind="纳税信用A级纳税人", valid_to="2027-06-30")
    fined = b.company(session)
    b.record(session, fined, fine_amount="350.000000", penalty_types=["罚款"], decision_date="2025-03-01")
    b.record(session, fined, fine_amount="1.000000", penalty_types=["罚款"], decision_date="2026-03-01")
    exited = b.company(session)
    _exit(session, b.listed(session, exited, "yzsx", list_name=ZFCG_LIST).id, ExitKind.REPAIR)
    clean = b.company(session)
    return [s.uscc or "" for s in (on_list, debtor_and_a_grade, a_grade, fined, exited, clean)]


def test_the_one_statement_answer_equals_the_step_by_step_answer(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = _subjects(session)
    step_by_step = {}
    for code in codes:
        for matter in MATTERS:
            monkeypatch.setattr(measures, "_latest", None)  # forget the versions: the slow path answers
            step_by_step[code, matter] = _answer(session, code, matter)
    assert {a["result"] for a in step_by_step.values()} == {"restricted", "review", "incentive", "clear"}
    _no_step_by_step(monkeypatch)
    for (code, matter), expected in step_by_step.items():
        assert _answer(session, code, matter) == expected, (code, matter)


def test_the_data_version_of_the_one_statement_read_follows_a_list_change(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = b.company(session)
    rec = b.listed(session, s, "yzsx", list_name=ZFCG_LIST)
    _answer(session, s.uscc or "", "zfcg")  # this process now knows the current versions
    _no_step_by_step(monkeypatch)
    first = _answer(session, s.uscc or "", "zfcg")
    clock.freeze(clock.now() + dt.timedelta(seconds=1))
    _exit(session, rec.id, ExitKind.REVOCATION)
    again = _answer(session, s.uscc or "", "zfcg")
    assert (first["result"], again["result"]) == ("restricted", "clear")
    assert again["data_version"] != first["data_version"]


def test_a_legacy_code_or_unknown_code_still_gets_its_answer(session: Session) -> None:
    s = b.company(session)
    b.listed(session, s, "yzsx", list_name=ZFCG_LIST)
    _answer(session, s.uscc or "", "zfcg")
    unknown = _answer(session, b.uscc(), "zfcg")
    assert (unknown["known"], unknown["result"]) == (False, "clear")


def test_the_stored_check_is_exactly_what_the_client_received(api: TestClient, session: Session) -> None:
    s = b.company(session)
    b.listed(session, s, "yzsx", list_name=ZFCG_LIST)
    for _ in range(2):  # the first may take the step-by-step path, the second the one-statement read
        r = api.post(
            "/api/v1/checks", json={"subject": {"code": s.uscc}, "matter": "政府采购", "request_ref": "ZB-7"}
        )
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        sent = r.json()
        CheckOut.model_validate(sent)
        row = session.scalar(select(Check).where(Check.id == uuid.UUID(sent["check_id"])))
        assert row is not None
        assert row.response == sent
        assert row.request == {"subject": {"code": s.uscc}, "matter": "zfcg", "request_ref": "ZB-7"}
        assert (row.client_id, row.client_name, row.unit_key) == ("c-zfcg", "政府采购交易系统", "shi_czj")
        assert (row.subject_id, row.known, row.result, row.hit_count) == (s.id, True, "restricted", 1)
        assert row.data_version == sent["data_version"] and row.matter == "zfcg" and row.month == "2026-11"
        assert api.get(f"/api/v1/checks/{sent['check_id']}").json() == sent


def test_the_openapi_document_still_describes_the_check_answer(client: TestClient) -> None:
    op = client.get("/api/openapi.json").json()["paths"]["/api/v1/checks"]["post"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/CheckOut"}
