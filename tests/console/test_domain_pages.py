"""The domain pages inside the staff console: shell and menu, CSRF on every form, live home-page
queues, and ID numbers masked in a batch's review pages."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import builders as b
from tests.ingestion.helpers import submit
from tests.test_routes_access import flat_routes
from xinyong.auth.actor import Actor
from xinyong.auth.permissions import current_actor
from xinyong.console.nav import queues_for
from xinyong.ingestion import service as ingestion
from xinyong.kit import clock
from xinyong.kit.identifiers import make_resident_id
from xinyong.kit.masking import mask_id_number
from xinyong.lists import service as lists
from xinyong.measures import service as measures
from xinyong.measures.schemas import CheckIn, SubjectRef
from xinyong.org import queries as org

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
DOMAIN_PAGES = (
    "/console/lists",
    "/console/measures",
    "/console/measures/stats",
    "/console/ingestion/batches",
    "/console/ingestion/upload",
    "/console/ingestion/record",
    "/console/ingestion/revocations",
    "/console/ingestion/quality",
)


def _console_login(client: TestClient, username: str) -> None:
    page = client.get("/console/login")
    token = CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/console/login",
        data={"username": username, "password": b.STAFF_PASSWORD, "csrf_token": token, "next": "/console/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _as(client: TestClient, actor: Actor) -> None:
    client.app.dependency_overrides[current_actor] = lambda: actor  # type: ignore[attr-defined]


def _actor(
    unit: str, *permissions: str, roles: frozenset[str] = frozenset(), uid: str = "u-console"
) -> Actor:
    return Actor(
        kind="user",
        id=uid,
        name=f"{unit} 工作人员",
        unit_key=unit,
        district_key=None,
        roles=roles,
        permissions=frozenset(permissions),
    )


def _queue_counts(session: Session, actor: Actor) -> dict[str, int | None]:
    return {v.queue.key: v.count for v in queues_for(session, actor)}


def test_domain_pages_render_in_the_console_shell_with_the_menu_and_csrf_token(
    session: Session, client: TestClient
) -> None:
    user = b.staff_user(session, role="credit_office_admin", unit="shi_fgw")
    _console_login(client, user.username)
    home = client.get("/console/")
    menu = re.findall(r'data-nav="([a-z_]+)"', home.text)
    assert menu == [
        "home",
        "ingestion",
        "review",
        "revocations",
        "quality",
        "lists",
        "measures",
        "check_stats",
        "lookup",
    ]
    for url in DOMAIN_PAGES:
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'class="side"' in page.text and "测试credit_office_admin" in page.text, url
        assert "/static/console.css" in page.text and "_base" not in page.text, url
        forms = page.text.count('method="post"')
        # every post form (the logout form of the header included) carries the session's token
        assert len(CSRF_FIELD.findall(page.text)) >= forms >= 1, url
    assert "echarts.min.js" in client.get("/console/ingestion/quality").text


def _console_posts(client: TestClient) -> list[str]:
    paths = []
    for route in flat_routes(client.app):
        if "POST" in getattr(route, "methods", ()) and route.path.startswith(
            ("/console/lists", "/console/measures", "/console/ingestion")
        ):
            paths.append(route.path)
    return paths


def test_every_domain_form_post_refuses_a_cookie_session_without_the_csrf_token(
    session: Session, client: TestClient
) -> None:
    user = b.staff_user(session, role="credit_office_admin", unit="shi_fgw")
    _console_login(client, user.username)
    posts = _console_posts(client)
    assert {
        "/console/lists/propose",
        "/console/lists/{record_id}/notify",
        "/console/ingestion/upload",
        "/console/ingestion/record",
        "/console/ingestion/batches/{batch_id}/approve",
        "/console/ingestion/revocations",
    } <= set(posts)
    for path in posts:
        url = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), path)
        forged = client.post(url, data={"csrf_token": "forged"}, follow_redirects=False)
        assert forged.status_code == 403 and "CSRF" in forged.text, path


def test_a_cookie_session_acts_on_a_list_entry_with_the_pages_token(
    session: Session, client: TestClient
) -> None:
    user = b.staff_user(session, role="credit_office_admin", unit="shi_czj")
    _console_login(client, user.username)
    entry = lists.propose(
        session,
        list_type="zfcg",
        subject=b.company(session, name="常州令牌测试有限公司"),
        decision_no="常财采〔2026〕21号",
        facts="串通投标",
        reasons="依法列入",
        valid_months=None,
        actor=b.staff("shi_czj"),
        now=clock.now(),
        today=clock.today(),
    )
    page = client.get(f"/console/lists/{entry.record_id}")
    token = CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
    url = f"/console/lists/{entry.record_id}/notify"
    assert client.post(url, data={}, follow_redirects=False).status_code == 403
    done = client.post(url, data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and "已告知" in client.get(f"/console/lists/{entry.record_id}").text


def test_a_refused_list_action_shows_the_reason_on_the_entry_page(
    session: Session, client: TestClient
) -> None:
    _as(client, b.staff("shi_czj"))
    e = lists.propose(
        session,
        list_type="zfcg",
        subject=b.company(session),
        decision_no="常财采〔2026〕22号",
        facts="串通投标",
        reasons="依法列入",
        valid_months=None,
        actor=b.staff("shi_czj"),
        now=clock.now(),
        today=clock.today(),
    )
    early = client.post(f"/console/lists/{e.record_id}/list", follow_redirects=False)  # not yet notified
    assert early.status_code >= 400 and 'role="alert"' in early.text and 'class="side"' in early.text
    assert lists_state(client, e.record_id) == "拟列入"


def lists_state(client: TestClient, record_id: Any) -> str:
    page = client.get(f"/console/lists/{record_id}").text
    return re.search(r'<strong id="state">([^<]+)</strong>', page).group(1)  # type: ignore[union-attr]


def test_batch_queues_count_the_units_pending_and_returned_batches_and_rejected_rows(
    session: Session,
) -> None:
    mine = submit(session, "penalties_gbk.csv").batch
    other = submit(session, "penalties_gbk.csv", unit="shi_swj").batch
    reviewer = _actor("shi_scjgj", "records.review", "records.submit", "quality.read")
    office = _actor(
        "shi_fgw",
        "records.review",
        "records.submit",
        "quality.read",
        roles=frozenset({"credit_office_admin"}),
    )
    counts = _queue_counts(session, reviewer)
    assert (counts["pending_batches"], counts["my_batches"]) == (1, 0)
    assert _queue_counts(session, office)["pending_batches"] == 2
    assert _queue_counts(session, reviewer)["quality"] == mine.rejected > 0 and other.rejected > 0
    assert _queue_counts(session, office)["quality"] == mine.rejected + other.rejected
    ingestion.return_batch(session, batch_id=mine.id, actor=reviewer, now=clock.now(), note="补充代码")
    counts = _queue_counts(session, reviewer)
    assert (counts["pending_batches"], counts["my_batches"]) == (0, 1)


def test_list_recognition_queue_counts_entries_awaiting_notice_service_or_decision(
    session: Session, client: TestClient
) -> None:
    recogniser = b.staff("shi_czj")
    e = lists.propose(
        session,
        list_type="zfcg",
        subject=b.company(session),
        decision_no="常财采〔2026〕23号",
        facts="串通投标",
        reasons="依法列入",
        valid_months=None,
        actor=recogniser,
        now=clock.now(),
        today=clock.today(),
    )
    assert _queue_counts(session, recogniser)["list_recognition"] == 1
    assert _queue_counts(session, b.staff("shi_scjgj"))["list_recognition"] == 0  # another unit's entry
    lists.notify(session, record_id=e.record_id, actor=recogniser, now=clock.now(), today=clock.today())
    assert _queue_counts(session, recogniser)["list_recognition"] == 1  # still to serve and decide
    _as(client, recogniser)
    awaiting = client.get("/console/lists?state=awaiting").text
    assert f"/console/lists/{e.record_id}" in awaiting
    home = client.get("/console/").text
    card = re.search(r'data-queue="list_recognition".*?<p class="count">([^<]+)</p>', home, re.S)
    assert card is not None and card.group(1).strip() == "1"


def test_check_stats_queue_counts_this_months_checks(session: Session) -> None:
    office = b.staff("shi_fgw", credit_office=True)
    before = _queue_counts(session, office)["check_stats"]
    s = b.company(session, name="常州核查计数有限公司")
    measures.check(
        session,
        body=CheckIn(subject=SubjectRef(code=s.uscc), matter="zfcg"),
        actor=b.api_client(),
        now=clock.now(),
        today=clock.today(),
    )
    assert _queue_counts(session, office)["check_stats"] == (before or 0) + 1


# --------------------------------------------------------------------------- ID numbers in review pages


def _person_rows(session: Session, number: str, bad_number: str) -> list[dict[str, str]]:
    unit = org.unit(session, "shi_scjgj")
    assert unit is not None
    code = b.unit_code(session, "shi_scjgj")
    base = {
        "证件类型": "身份证",
        "违法行为类型": "违反治安管理",
        "违法事实": f"当事人（身份证 {number}）违反规定。",
        "处罚依据": "《中华人民共和国治安管理处罚法》",
        "处罚类别": "罚款",
        "处罚内容": "罚款五百元",
        "罚款金额（万元）": "0.05",
        "处罚决定日期": "2026-09-01",
        "处罚有效期": "2027-09-01",
        "处罚机关": unit.name,
        "处罚机关统一社会信用代码": code,
        "数据来源单位": unit.name,
        "数据来源单位统一社会信用代码": code,
    }
    return [
        base | {"行政相对人名称": "张三", "证件号码": number, "行政处罚决定书文号": "常公罚〔2026〕901号"},
        base
        | {"行政相对人名称": "李四", "证件号码": bad_number, "行政处罚决定书文号": "常公罚〔2026〕902号"},
    ]


@pytest.mark.parametrize("private", [False, True], ids=["without-read-private", "with-read-private"])
def test_batch_review_masks_id_numbers(session: Session, client: TestClient, private: bool) -> None:
    number = make_resident_id("320402", clock.today().replace(year=1985), 17)
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")  # wrong check character: a problem row
    clerk = _actor("shi_scjgj", "records.submit", "records.review", "batches.read")
    batch = ingestion.submit(
        session,
        objects=_person_rows(session, number, bad),
        item_code="xzcf_zrr",
        unit_key="shi_scjgj",
        actor=clerk,
        now=clock.now(),
        today=clock.today(),
        filename="自然人处罚.json",
    ).batch
    assert batch.rows == 2 and batch.rejected == 1, ingestion.summary(session, batch)
    reader = _actor(
        "shi_scjgj",
        "records.review",
        "batches.read",
        *(("records.read_private",) if private else ()),
    )
    _as(client, reader)
    page = client.get(f"/console/ingestion/batches/{batch.id}").text
    preview = page[page.index("<h2>预览") :]
    assert number not in preview and mask_id_number(number) in preview  # never in full in the preview
    problems = page[page.index("<h2>问题") : page.index("<h2>预览")]
    errors_csv = client.get(f"/api/v1/staff/batches/{batch.id}/errors?format=csv").content.decode("utf-8-sig")
    if private:
        assert bad in problems and bad in errors_csv
    else:
        assert bad not in page and mask_id_number(bad) in problems
        assert bad not in errors_csv and mask_id_number(bad) in errors_csv
