"""The public API: subjects by code, records with their publicity object, JSON errors, local docs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tests import builders as b
from xinyong.kit.actor import SYSTEM
from xinyong.records import service
from xinyong.records.models import Lifecycle


def test_healthz(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").json()["status"] == "ok"


def test_subject_by_code_and_its_records_with_publicity_dates(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    firm = b.company(session, name="常州澜泽科技有限公司")
    rec = b.record(session, firm, decision_date="2026-08-31", fine_amount="1.000000")
    got = client.get(f"/api/v1/subjects/{firm.uscc}")
    assert got.status_code == 200
    assert got.json()["name"] == "常州澜泽科技有限公司"
    page = client.get(f"/api/v1/subjects/{firm.uscc}/records").json()
    assert page["total"] == 1
    item = page["items"][0]
    assert item["id"] == str(rec.id)
    assert item["publicity"] == {
        "status": "公示中",
        "repair_eligible_from": "2026-12-01",
        "publicity_ends": "2027-08-31",
    }


def test_lower_case_and_full_width_code_finds_the_subject(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    firm = b.company(session)
    code = firm.uscc or ""
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    assert client.get(f"/api/v1/subjects/{full_width}").status_code == 200


def test_unknown_subject_is_a_json_404(client) -> None:  # type: ignore[no-untyped-def]
    res = client.get("/api/v1/subjects/91320412MA1MABCD6H")
    assert res.status_code == 404
    assert res.json()["error"]["code"] == "subject_not_found"
    assert res.json()["error"]["message"]


def test_bad_query_parameter_is_a_json_422(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    firm = b.company(session)
    res = client.get(f"/api/v1/subjects/{firm.uscc}/records?page=0")
    assert res.status_code == 422
    assert res.json()["error"]["code"] == "invalid_request"


def test_revoked_record_leaves_the_public_api_at_once(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    firm = b.company(session)
    rec = b.record(session, firm)
    assert client.get(f"/api/v1/records/{rec.id}").status_code == 200
    service.set_lifecycle(
        session,
        record=rec,
        state=Lifecycle.REVOKED,
        reason="撤销",
        on=dt.date(2026, 11, 23),
        actor=SYSTEM,
        now=b.clock.now(),
    )
    assert client.get(f"/api/v1/records/{rec.id}").status_code == 404
    assert client.get(f"/api/v1/subjects/{firm.uscc}/records").json()["total"] == 0


def test_unapproved_and_expired_records_are_not_public(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    firm = b.company(session)
    pending = b.record(session, firm, approved=False)
    old = b.record(
        session, firm, decision_no="常市监罚〔2021〕3号", decision_date="2021-03-01", fine_amount="0.500000"
    )
    assert old.publicity_ends is not None and old.publicity_ends < dt.date(2026, 11, 23)
    for rec in (pending, old):
        assert client.get(f"/api/v1/records/{rec.id}").status_code == 404


def test_free_text_is_scrubbed_and_private_fields_hidden(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    firm = b.company(session)
    rec = b.record(session, firm)
    body = client.get(f"/api/v1/records/{rec.id}").json()
    text = str(body)
    assert "13812345678" not in text
    labels = {f["label"] for f in body["fields"]}
    assert "法定代表人证件号码" not in labels


def test_natural_person_is_hidden_without_a_public_record(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    someone, number = b.person(session)
    assert client.get(f"/api/v1/subjects/{someone.id}").status_code == 404
    assert number not in str(client.get(f"/api/v1/subjects/{someone.id}").json())


def test_catalog_lists_items_with_labels(client) -> None:  # type: ignore[no-untyped-def]
    items = {i["code"]: i for i in client.get("/api/v1/catalog").json()}
    assert {"xzcf_fr", "xzxk_fr", "djzc", "sxbzxr"} <= set(items)
    labels = {f["label"] for f in items["xzcf_fr"]["fields"]}
    assert "行政处罚决定书文号" in labels
    aliases = {a for f in items["xzcf_fr"]["fields"] for a in f["aliases"]}
    assert "CF_WSH" in aliases


def test_openapi_is_served_and_docs_use_local_assets(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/subjects/{code}/records" in spec["paths"]
    html = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
