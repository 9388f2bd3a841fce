"""Console pages of lists and measures render for staff (the browser harness covers layout elsewhere)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import builders as b
from xinyong.auth.permissions import current_actor
from xinyong.kit import clock
from xinyong.lists import service


def test_lists_overview_entry_page_and_measures_pages(client: TestClient, session: Session) -> None:
    client.app.dependency_overrides[current_actor] = lambda: b.staff("shi_czj", credit_office=True)  # type: ignore[attr-defined]
    s = b.company(session, name="常州页面测试有限公司")
    b.listed(session, s, "sxbzxr")
    e = service.propose(
        session,
        list_type="zfcg",
        subject=s,
        decision_no="常财采〔2026〕9号",
        facts="串通投标",
        reasons="依法列入",
        valid_months=None,
        actor=b.staff("shi_czj"),
        now=clock.now(),
        today=clock.today(),
    )
    page = client.get("/console/lists")
    assert page.status_code == 200
    assert "政府采购严重违法失信行为记录名单" in page.text and "常州页面测试有限公司" in page.text
    detail = client.get(f"/console/lists/{e.record_id}")
    assert detail.status_code == 200 and "拟列入" in detail.text and "制作告知书" in detail.text
    posted = client.post(f"/console/lists/{e.record_id}/notify", follow_redirects=False)
    assert posted.status_code == 303
    assert "已告知" in client.get(f"/console/lists/{e.record_id}").text
    measures = client.get("/console/measures")
    assert (
        measures.status_code == 200 and "限制参加政府采购活动" in measures.text and "待核对" in measures.text
    )
    assert client.get("/console/measures/stats").status_code == 200


def test_console_pages_need_staff_permissions(client: TestClient) -> None:
    anonymous = client.get("/console/lists", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/console/login")
    client.app.dependency_overrides[current_actor] = lambda: b.api_client()  # type: ignore[attr-defined]
    assert client.get("/console/lists").status_code == 403
