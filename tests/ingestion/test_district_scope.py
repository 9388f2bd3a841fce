"""Whose batches, revocations and quality an actor lists: its unit's; a district operator's whole district.

A district operator (辖区操作员, e.g. 武进区发改局) may submit and review for every unit of its district
(auth.scope.in_scope); its queues, lists, forms and quality pages must show those units too — and
nothing of units outside the district.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, staff
from xinyong.auth.actor import Actor
from xinyong.auth.permissions import current_actor
from xinyong.auth.scope import DISTRICT_OPERATOR, units_in_scope
from xinyong.ingestion import quality, queries, service
from xinyong.ingestion.errors import OutOfScope
from xinyong.ingestion.models import BatchStatus
from xinyong.kit import clock

ROWS = [json.loads(line) for line in (DATA / "penalties.jsonl").read_text(encoding="utf-8").splitlines()]
PERMISSIONS = frozenset(
    {"records.submit", "records.review", "records.revoke", "batches.read", "quality.read"}
)


def operator(unit: str = "wujin_fgj", district: str = "wujin") -> Actor:
    return Actor(
        kind="user",
        id="u-district",
        name="辖区操作员",
        unit_key=unit,
        district_key=district,
        roles=frozenset({DISTRICT_OPERATOR}),
        permissions=PERMISSIONS,
    )


def _submit(session: Session, unit: str, actor: Actor, tag: str) -> service.Submission:
    rows = [{**r, "备注": tag} for r in ROWS]  # a distinct content per batch (identity is the hash)
    return service.submit(
        session,
        objects=rows,
        item_code="xzcf_fr",
        unit_key=unit,
        actor=actor,
        now=clock.now(),
        today=clock.today(),
    )


def test_units_in_scope_by_role() -> None:
    districts = {"shi_scjgj": "city", "wujin_fgj": "wujin", "wujin_scjgj": "wujin", "xinbei_scjgj": "xinbei"}
    office = Actor("user", "o", "信用办", "shi_fgw", "city", roles=frozenset({"credit_office_admin"}))
    assert units_in_scope(office, districts) is None
    assert units_in_scope(staff("wujin_scjgj"), districts) == {"wujin_scjgj"}
    assert units_in_scope(operator(), districts) == {"wujin_fgj", "wujin_scjgj"}
    nowhere = Actor("user", "n", "无单位", None, None)
    assert units_in_scope(nowhere, districts) == frozenset()


@pytest.fixture
def batches(session: Session) -> dict[str, service.Submission]:
    """Pending batches of two 武进 units (sent by the district operator) and of the city's 市场监管局."""
    return {
        "wujin_scjgj": _submit(session, "wujin_scjgj", operator(), "a"),
        "wujin_sw": _submit(session, "wujin_sw", operator(), "b"),
        "shi_scjgj": _submit(session, "shi_scjgj", staff(), "c"),
    }


def _units_listed(session: Session, actor: Actor, **kw: object) -> set[str]:
    units = queries.scope_units(session, actor)
    return {b.unit_key for b in service.list_batches(session, units=units, **kw)}  # type: ignore[arg-type]


def test_batch_lists_and_queue_counts_follow_the_scope(
    session: Session, batches: dict[str, service.Submission]
) -> None:
    assert all(s.batch.status == BatchStatus.PENDING for s in batches.values())
    assert _units_listed(session, operator()) == {"wujin_scjgj", "wujin_sw"}
    assert _units_listed(session, staff("wujin_scjgj")) == {"wujin_scjgj"}
    assert _units_listed(session, staff("shi_scjgj")) == {"shi_scjgj"}
    assert _units_listed(session, operator("xinbei_fgj", "xinbei")) == set()
    pending = queries.count_batches(
        session, status=BatchStatus.PENDING, units=queries.scope_units(session, operator())
    )
    assert pending == 2
    assert queries.count_batches(session, status=BatchStatus.PENDING, units=None) == 3
    # The operator reviews a batch of a unit of its district, then it leaves the pending list.
    service.return_batch(
        session, batch_id=batches["wujin_sw"].batch.id, actor=operator(), now=clock.now(), note="请更正"
    )
    assert _units_listed(session, operator(), status=BatchStatus.PENDING) == {"wujin_scjgj"}
    assert _units_listed(session, operator(), status=BatchStatus.RETURNED) == {"wujin_sw"}


def test_quality_scope(session: Session, batches: dict[str, service.Submission]) -> None:
    unit, units = quality.scoped(session, operator(), None)
    assert unit is None and units == queries.scope_units(session, operator())
    assert units is not None and {"wujin_scjgj", "wujin_sw"} <= units and "shi_scjgj" not in units
    month = clock.today().strftime("%Y-%m")
    listed = {q.unit_key for q in quality.report(session, month=month, unit_key=unit, units=units)}
    assert listed == {"wujin_scjgj", "wujin_sw"}
    assert quality.scoped(session, operator(), "wujin_sw")[0] == "wujin_sw"
    with pytest.raises(OutOfScope):
        quality.scoped(session, operator(), "shi_scjgj")
    # A unit's clerk gets its own unit, drilled into; the credit office every unit.
    assert quality.scoped(session, staff("shi_scjgj"), None) == ("shi_scjgj", frozenset({"shi_scjgj"}))
    office = Actor("user", "o", "信用办", "shi_fgw", "city", roles=frozenset({"credit_office_admin"}))
    assert quality.scoped(session, office, None) == (None, None)
    everyone = {q.unit_key for q in quality.report(session, month=month)}
    assert {"wujin_scjgj", "wujin_sw", "shi_scjgj"} <= everyone


def test_api_lists_the_district_and_refuses_other_units(
    client, session: Session, batches: dict[str, service.Submission]
) -> None:  # type: ignore[no-untyped-def]
    client.app.dependency_overrides[current_actor] = lambda: operator()
    res = client.get("/api/v1/staff/batches")
    assert res.status_code == 200, res.text
    body = res.json()
    assert {b["unit"] for b in body} == {"wujin_scjgj", "wujin_sw"}
    assert {"batch_id", "item", "unit", "status", "rows", "accepted", "rejected"} <= set(body[0])
    one = client.get("/api/v1/staff/batches", params={"unit": "wujin_sw", "status": "待审核"}).json()
    assert [b["batch_id"] for b in one] == [str(batches["wujin_sw"].batch.id)]
    refused = client.get("/api/v1/staff/batches", params={"unit": "shi_scjgj"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "out_of_scope"
    bad = client.get("/api/v1/staff/batches", params={"status": "进行中"})
    assert bad.status_code == 422 and "进行中" in bad.json()["error"]["message"]
    assert (
        client.get("/api/v1/staff/quality", params={"month": "2026-11", "unit": "shi_scjgj"}).status_code
        == 403
    )
    client.app.dependency_overrides[current_actor] = lambda: staff("shi_scjgj")
    assert {b["unit"] for b in client.get("/api/v1/staff/batches").json()} == {"shi_scjgj"}


def test_console_offers_the_district_units_and_lists_their_batches(
    client, session: Session, batches: dict[str, service.Submission]
) -> None:  # type: ignore[no-untyped-def]
    client.app.dependency_overrides[current_actor] = lambda: operator()
    page = client.get("/console/ingestion/batches").text
    assert str(batches["wujin_sw"].batch.id)[:8] in page and str(batches["wujin_scjgj"].batch.id)[:8] in page
    assert str(batches["shi_scjgj"].batch.id)[:8] not in page
    for url in ("/console/ingestion/upload", "/console/ingestion/record"):
        form = client.get(url).text
        assert 'value="wujin_sw"' in form and 'value="shi_scjgj"' not in form, url
    # A unit's clerk is offered no choice: it submits for its own unit.
    client.app.dependency_overrides[current_actor] = lambda: staff("shi_scjgj")
    assert "报送单位" not in client.get("/console/ingestion/upload").text
    assert client.get("/console/ingestion/quality", params={"unit": "wujin_sw"}).status_code == 403
