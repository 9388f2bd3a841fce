"""Every role × representative action, through real logins, the loaded role data and auth.scope.

Reads go through the real staff routes (/api/v1/staff/records, /subjects) and console pages (audit
viewer, account admin). Submit, review, recognise and run-a-check routes belong to later issues
(ingestion, lists, checks); here a test-only router puts ``require(permission)`` and the service-level
``scope.ensure_can_change`` in front of each, exactly as those routes must.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from tests.auth.conftest import PURPOSE, bearer
from tests.builders import company, person, person_penalty, staff_user, unit_penalty
from xinyong.auth import scope
from xinyong.auth.actor import Actor
from xinyong.auth.permissions import CHECKS_RUN, LISTS_RECOGNISE, RECORDS_REVIEW, RECORDS_SUBMIT, require
from xinyong.records import service as records
from xinyong.records.staff import unit_districts
from xinyong.web import DbSession

#: Where each role's test account sits: the district operator in 武进 (wujin), clerks in 市市场监管局.
ROLE_UNITS = {
    "credit_office_admin": "shi_fgw",
    "submitter": "shi_scjgj",
    "reviewer": "shi_scjgj",
    "district_operator": "wujin_fgj",
    "auditor": "shi_scjgj",
    "system_admin": "shi_fgw",
}

ACTIONS = [
    "read_nonpublic_record",  # xzcf_zrr of 市市场监管局 (shared with every 发改 unit)
    "read_person_identifiers",  # the person of that record, identifiers decrypted
    "read_record_of_other_unit",  # xzcf_fr (non-public fields) of 武进区市场监管局
    "read_record_outside_district",  # xzcf_fr of 市市场监管局 (city level, not 武进)
    "submit_own_unit",  # correct a record of 市市场监管局
    "submit_other_unit",  # correct a record of 武进区市场监管局
    "review",  # approve 市市场监管局's record
    "recognise_list_entry",  # recognise on 市市场监管局's record
    "read_audit",  # console audit viewer
    "manage_users",  # console account admin
    "run_check",  # joint reward/punishment check
]

Y, N = 200, 403
EXPECTED: dict[str, dict[str, int]] = {
    "credit_office_admin": dict.fromkeys(ACTIONS, Y) | {"read_audit": N, "manage_users": N},
    "submitter": {
        "read_nonpublic_record": Y,
        "read_person_identifiers": Y,
        "read_record_of_other_unit": N,
        "read_record_outside_district": Y,
        "submit_own_unit": Y,
        "submit_other_unit": N,  # a clerk of one unit changing another unit's record
        "review": N,
        "recognise_list_entry": N,
        "read_audit": N,
        "manage_users": N,
        "run_check": N,
    },
    "reviewer": {
        "read_nonpublic_record": Y,
        "read_person_identifiers": Y,
        "read_record_of_other_unit": N,
        "read_record_outside_district": Y,
        "submit_own_unit": N,
        "submit_other_unit": N,
        "review": Y,
        "recognise_list_entry": Y,
        "read_audit": N,
        "manage_users": N,
        "run_check": N,
    },
    "district_operator": {
        "read_nonpublic_record": Y,  # the catalogue shares xzcf_zrr with every district 发改局
        "read_person_identifiers": Y,
        "read_record_of_other_unit": Y,  # 武进区市场监管局 lies in its district
        "read_record_outside_district": N,  # reaching outside the district
        "submit_own_unit": N,  # 市市场监管局 is outside 武进
        "submit_other_unit": Y,
        "review": N,
        "recognise_list_entry": N,
        "read_audit": N,
        "manage_users": N,
        "run_check": N,
    },
    "auditor": dict.fromkeys(ACTIONS, N) | {"read_audit": Y},
    # 三员分立: the system administrator manages accounts and reads no credit data nor audit rows.
    "system_admin": dict.fromkeys(ACTIONS, N) | {"manage_users": Y},
}


def _test_router() -> APIRouter:
    router = APIRouter(prefix="/test-only")

    def _change(session: Session, actor: Actor, record_id: uuid.UUID) -> dict[str, bool]:
        record = records.get(session, record_id)
        scope.ensure_can_change(
            actor,
            providing_unit_key=record.providing_unit_key,
            deciding_unit_key=record.deciding_unit_key,
            unit_districts=unit_districts(session),
        )
        return {"ok": True}

    @router.post("/records/{record_id}/submit")
    def submit(
        record_id: uuid.UUID, session: DbSession, actor: Actor = Depends(require(RECORDS_SUBMIT))
    ) -> Any:
        return _change(session, actor, record_id)

    @router.post("/records/{record_id}/review")
    def review(
        record_id: uuid.UUID, session: DbSession, actor: Actor = Depends(require(RECORDS_REVIEW))
    ) -> Any:
        return _change(session, actor, record_id)

    @router.post("/records/{record_id}/recognise")
    def recognise(
        record_id: uuid.UUID, session: DbSession, actor: Actor = Depends(require(LISTS_RECOGNISE))
    ) -> Any:
        return _change(session, actor, record_id)

    @router.post("/checks", dependencies=[Depends(require(CHECKS_RUN))])
    def run_check() -> dict[str, str]:
        return {"result": "clear"}

    return router


@pytest.fixture
def world(session: Session, client: Any) -> dict[str, Any]:
    client.app.include_router(_test_router())
    someone, number = person(session)
    firm = company(session)
    return {
        "private": person_penalty(session, someone, number, unit="shi_scjgj"),
        "person": someone,
        "city": unit_penalty(session, firm, unit="shi_scjgj"),
        "wujin": unit_penalty(session, firm, unit="wujin_scjgj"),
    }


def _outcomes(client: Any, headers: dict[str, str], w: dict[str, Any]) -> dict[str, int]:
    h = headers | PURPOSE
    calls = {
        "read_nonpublic_record": lambda: client.get(f"/api/v1/staff/records/{w['private'].id}", headers=h),
        "read_person_identifiers": lambda: client.get(f"/api/v1/staff/subjects/{w['person'].id}", headers=h),
        "read_record_of_other_unit": lambda: client.get(f"/api/v1/staff/records/{w['wujin'].id}", headers=h),
        "read_record_outside_district": lambda: client.get(
            f"/api/v1/staff/records/{w['city'].id}", headers=h
        ),
        "submit_own_unit": lambda: client.post(f"/test-only/records/{w['city'].id}/submit", headers=h),
        "submit_other_unit": lambda: client.post(f"/test-only/records/{w['wujin'].id}/submit", headers=h),
        "review": lambda: client.post(f"/test-only/records/{w['city'].id}/review", headers=h),
        "recognise_list_entry": lambda: client.post(
            f"/test-only/records/{w['city'].id}/recognise", headers=h
        ),
        "read_audit": lambda: client.get("/console/audit", headers=h),
        "manage_users": lambda: client.get("/console/users", headers=h),
        "run_check": lambda: client.post("/test-only/checks", headers=h),
    }
    out = {}
    for action in ACTIONS:
        response = calls[action]()
        out[action] = response.status_code
        if response.status_code == 403 and "application/json" in response.headers["content-type"]:
            body = response.json()
            assert set(body) == {"error"}, f"{action}: a refusal carries no data: {body}"
    return out


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_may_do_exactly_what_its_row_says(
    role: str, session: Session, client: Any, world: dict[str, Any]
) -> None:
    user = staff_user(session, role=role, unit=ROLE_UNITS[role])
    assert _outcomes(client, bearer(client, user.username), world) == EXPECTED[role]


def test_no_credentials_is_401_never_data(client: Any, world: dict[str, Any]) -> None:
    for url in (
        f"/api/v1/staff/records/{world['private'].id}",
        f"/api/v1/staff/subjects/{world['person'].id}",
    ):
        response = client.get(url, headers=PURPOSE)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    wrong = client.get(
        f"/api/v1/staff/records/{world['private'].id}",
        headers=PURPOSE | {"Authorization": "Bearer xyt_forged"},
    )
    assert wrong.status_code == 401 and set(wrong.json()) == {"error"}


def test_api_client_with_checks_run_may_run_a_check_and_read_nothing(
    session: Session, client: Any, world: dict[str, Any]
) -> None:
    from xinyong.auth import service as auth
    from xinyong.kit.actor import CLI

    _c, key = auth.create_client(
        session, name="政府采购系统", unit_key="shi_czj", permissions=[CHECKS_RUN], actor=CLI
    )
    _d, other = auth.create_client(
        session, name="统计系统", unit_key=None, permissions=["checks.stats"], actor=CLI
    )
    assert client.post("/test-only/checks", headers={"X-Api-Key": key}).status_code == 200
    assert client.post("/test-only/checks", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert client.post("/test-only/checks", headers={"X-Api-Key": other}).status_code == 403
    read = client.get(f"/api/v1/staff/records/{world['private'].id}", headers={"X-Api-Key": key} | PURPOSE)
    assert read.status_code == 403
