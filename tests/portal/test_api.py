"""The public JSON API and pages: search, page depth, 双公示 filters, timeliness, lists, rate limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests import builders as b
from xinyong.portal.ratelimit import Limit, RateLimiter
from xinyong.records import queries


def test_search_api_and_page_agree_and_page_through(session: Session, client: Any) -> None:
    for i in range(25):
        b.company(session, name=f"常州澜泽{i:02d}科技有限公司")
    first = client.get("/api/v1/search", params={"q": "澜泽", "per_page": 20}).json()
    second = client.get("/api/v1/search", params={"q": "澜泽", "page": 2, "per_page": 20}).json()
    assert first["total"] == 25 and first["capped"] is False
    assert len(first["items"]) == 20 and len(second["items"]) == 5
    assert not {h["id"] for h in first["items"]} & {h["id"] for h in second["items"]}
    html = client.get("/search", params={"q": "澜泽"}).text
    assert "共 25 条" in html and first["items"][0]["name"] in html
    assert 'rel="next"' in html


def test_cap_is_announced_on_the_page(session: Session, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "SEARCH_CAP", 3)
    for i in range(5):
        b.company(session, name=f"常州澜泽{i}科技有限公司")
    body = client.get("/api/v1/search", params={"q": "澜泽"}).json()
    assert (body["total"], body["capped"]) == (3, True)
    assert "共超过 3 条" in client.get("/search", params={"q": "澜泽"}).text


def test_pages_beyond_the_first_thousand_results_are_refused_with_a_reason(client: Any) -> None:
    r = client.get("/api/v1/search", params={"q": "澜泽", "page": 51, "per_page": 20})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "page_too_deep"
    assert "1000" in r.json()["error"]["message"]
    assert client.get("/api/v1/publicity/penalties", params={"page": 101, "per_page": 10}).status_code == 422
    page = client.get("/search", params={"q": "澜泽", "page": 51})
    assert page.status_code == 422 and "最多只能翻阅前 1000 条" in page.text


def test_subject_records_api_by_category_tab(session: Session, client: Any) -> None:
    s = b.company(session)
    b.record(session, s, decision_no="常市监罚〔2026〕5号")
    body = client.get(f"/api/v1/subjects/{s.uscc}/records", params={"category": "行政管理"}).json()
    assert [r["decision_no"] for r in body["items"]] == ["常市监罚〔2026〕5号"]
    assert (
        client.get(f"/api/v1/subjects/{s.uscc}/records", params={"category": "信用承诺"}).json()["total"] == 0
    )
    by_tab = client.get(f"/api/v1/subjects/{s.uscc}/records", params={"category": "行政处罚"}).json()
    assert by_tab["total"] == 1
    licences = client.get(f"/api/v1/subjects/{s.uscc}/records", params={"category": "行政许可"}).json()
    assert licences["total"] == 0
    page = client.get(f"/subjects/{s.uscc}", params={"tab": "penalties"}).text
    assert "常市监罚〔2026〕5号" in page
    assert "查询期内无相关信息" in client.get(f"/subjects/{s.uscc}", params={"tab": "commitment"}).text


def test_subject_tabs_follow_the_national_report_order(session: Session, client: Any) -> None:
    s = b.company(session)
    page = client.get(f"/subjects/{s.uscc}").text
    page = page[page.index('class="tabs"') :]
    order = [
        "基本信息",
        "行政许可",
        "行政处罚",
        "守信激励",
        "严重失信",
        "经营异常",
        "信用承诺",
        "信用评价",
        "司法判决",
    ]
    positions = [page.index(label) for label in order]
    assert positions == sorted(positions)


def test_publicity_filters(session: Session, client: Any) -> None:
    a = b.company(session, name="常州澜泽科技有限公司")
    c = b.company(session, name="常州蔚来贸易有限公司")
    b.record(
        session,
        a,
        decision_no="常市监罚〔2026〕1号",
        decision_date="2026-08-31",
        penalty_types=["罚款", "没收违法所得"],
    )
    b.record(session, c, decision_no="常市监罚〔2026〕2号", decision_date="2026-10-10")

    def nos(**params: str) -> list[str]:
        body = client.get("/api/v1/publicity/penalties", params=params).json()
        return sorted(r["decision_no"] for r in body["items"])

    assert nos() == ["常市监罚〔2026〕1号", "常市监罚〔2026〕2号"]
    assert nos(keyword="澜泽") == ["常市监罚〔2026〕1号"]
    assert nos(category="没收违法所得") == ["常市监罚〔2026〕1号"]
    assert nos(date_from="2026-09-01") == ["常市监罚〔2026〕2号"]
    assert nos(date_to="2026-09-01") == ["常市监罚〔2026〕1号"]
    assert nos(unit="shi_scjgj") == ["常市监罚〔2026〕1号", "常市监罚〔2026〕2号"]
    assert nos(unit="shi_sw") == []
    assert nos(district="city") == ["常市监罚〔2026〕1号", "常市监罚〔2026〕2号"]
    assert nos(district="wujin") == []
    bad = client.get(
        "/api/v1/publicity/penalties", params={"date_from": "2026-10-01", "date_to": "2026-09-01"}
    )
    assert bad.status_code == 422 and "开始日期" in bad.json()["error"]["message"]
    html = client.get("/publicity/penalties", params={"keyword": "澜泽"}).text
    assert "常州澜泽科技有限公司" in html and "常州蔚来贸易有限公司" not in html


def test_timeliness_counts_working_days_from_the_decision(session: Session, client: Any) -> None:
    s = b.company(session)
    # Approved at the frozen now (2026-11-23, Monday). Decision on 2026-11-13 (Fri): 6 working days → on time.
    # Decision on 2026-11-02 (Mon): 15 working days → late.
    b.record(session, s, decision_no="常市监罚〔2026〕31号", decision_date="2026-11-13")
    b.record(session, s, decision_no="常市监罚〔2026〕32号", decision_date="2026-11-02")
    rows = {r["unit_key"]: r for r in client.get("/api/v1/publicity/timeliness").json()}
    row = rows["shi_scjgj"]
    assert (row["total"], row["on_time"], row["late"], row["rate"]) == (2, 1, 1, 0.5)
    assert "50.0%" in client.get("/publicity/timeliness").text


def test_lists_pages_show_basis_and_an_empty_state(session: Session, client: Any) -> None:
    page = client.get("/lists/black").text
    assert "国办发〔2020〕49号" in page
    assert "目前暂无公示中的" in page
    s = b.company(session, name="常州澜泽科技有限公司")
    b.record(session, s, item="yzsx", payload=b.item_payload(session, "yzsx", s))
    page = client.get("/lists/black").text
    assert "常州澜泽科技有限公司" in page and "目前暂无公示中的" not in page
    body = client.get("/api/v1/lists/black").json()
    assert body["total"] == 1 and body["items"][0]["subject_name"] == "常州澜泽科技有限公司"
    assert client.get("/lists/nope").status_code == 422


def test_footer_and_larger_text_toggle_on_every_page(client: Any) -> None:
    for url in ("/", "/search?q=澜", "/publicity/penalties", "/lists"):
        html = client.get(url).text
        assert "网站标识码" in html and "公安备案号" in html
        assert 'id="text-size"' in html and "/static/portal.js" in html
    assert client.get("/static/portal.js").status_code == 200


# -- rate limits ----------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_token_bucket_refuses_beyond_burst_and_refills_over_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"search": Limit(burst=3, per_minute=60)}, clock=clock)
    assert [limiter.take("search", "1.2.3.4") for _ in range(3)] == [None, None, None]
    wait = limiter.take("search", "1.2.3.4")
    assert wait is not None and 0 < wait <= 1.0
    assert limiter.take("search", "5.6.7.8") is None  # per client
    clock.t += 1.0
    assert limiter.take("search", "1.2.3.4") is None


def test_forwarded_for_is_trusted_only_from_configured_proxies() -> None:
    limiter = RateLimiter(trusted_proxies=frozenset({"10.0.0.1"}))
    assert limiter.client_address("10.0.0.1", "6.6.6.6, 1.2.3.4") == "1.2.3.4"
    assert limiter.client_address("10.0.0.1", "1.2.3.4, 10.0.0.1") == "1.2.3.4"
    assert limiter.client_address("9.9.9.9", "1.2.3.4") == "9.9.9.9"  # a client cannot claim another address


def test_search_over_the_limit_gets_429_with_retry_after_and_a_chinese_message(client: Any) -> None:
    limiter: RateLimiter = client.app.state.rate_limiter
    limiter.limits = {"search": Limit(burst=2, per_minute=6), "pages": Limit(burst=100, per_minute=100)}
    assert client.get("/api/v1/search?q=澜").status_code == 200
    assert client.get("/search?q=澜").status_code == 200
    api = client.get("/api/v1/search?q=澜")
    assert api.status_code == 429
    assert int(api.headers["retry-after"]) >= 1
    assert api.json()["error"]["code"] == "rate_limited" and "访问过于频繁" in api.json()["error"]["message"]
    page = client.get("/search?q=澜")
    assert page.status_code == 429 and "访问过于频繁" in page.text
    assert client.get("/publicity/penalties").status_code == 200  # other pages have their own budget
    assert client.get("/static/portal.css").status_code == 200


def test_pages_are_limited_too(client: Any) -> None:
    limiter: RateLimiter = client.app.state.rate_limiter
    limiter.limits = {"search": Limit(burst=100, per_minute=100), "pages": Limit(burst=1, per_minute=1)}
    assert client.get("/lists").status_code == 200
    assert client.get("/lists").status_code == 429


def test_dates_are_today_in_shanghai(frozen: dt.datetime) -> None:
    assert frozen.date() == dt.date(2026, 11, 23)


def test_daily_job_indexes_listed_persons_and_audits_it(session: Session) -> None:
    from xinyong.portal import tasks
    from xinyong.subjects import search

    person, number = b.person(session, name="孙澜泽")
    payload = b.item_payload(session, "sxbzxr", person, subject_id_type="身份证", subject_id_number=number)
    b.record(session, person, item="sxbzxr", payload=payload)
    assert search.search(session, "孙澜泽").total == 0
    assert tasks.sync_persons(session, dt.date(2026, 11, 23))["added"] == 1
    assert search.search(session, "孙澜泽").total == 1
    again = tasks.sync_persons(session, dt.date(2026, 11, 23))
    assert (again["added"], again["removed"], again["persons"]) == (0, 0, 1)
    assert again["bigrams"] > 0


def test_clients_behind_a_trusted_proxy_are_limited_one_by_one(client: Any) -> None:
    limiter: RateLimiter = client.app.state.rate_limiter
    limiter.limits = {"search": Limit(burst=1, per_minute=1), "pages": Limit(burst=100, per_minute=100)}
    limiter.trusted_proxies = frozenset({"testclient"})  # the test client's peer address plays the proxy
    one, two = {"X-Forwarded-For": "203.0.113.1"}, {"X-Forwarded-For": "203.0.113.2"}
    assert client.get("/api/v1/search?q=澜", headers=one).status_code == 200
    assert client.get("/api/v1/search?q=澜", headers=two).status_code == 200
    assert client.get("/api/v1/search?q=澜", headers=one).status_code == 429
    # A forged left-most hop does not buy a new budget: the proxy appended the real peer.
    forged = {"X-Forwarded-For": "198.51.100.9, 203.0.113.1"}
    assert client.get("/api/v1/search?q=澜", headers=forged).status_code == 429


@pytest.mark.parametrize(
    ("path", "limited"),
    [
        ("/api/v1/search", "search"),
        ("/search", "search"),
        ("/api/v1/subjects/x", "pages"),
        ("/publicity/penalties", "pages"),
        ("/api/v1/checks", None),
        ("/api/v1/ping", None),
        ("/api/v1/staff/batches", None),
        ("/console/lists", None),
    ],
)
def test_only_public_surfaces_are_limited_per_ip(path: str, limited: str | None) -> None:
    from xinyong.portal.ratelimit import classify

    assert classify(path) == limited


def test_staff_list_routes_do_not_collide_with_public_list_pages(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/staff/lists/types").status_code == 401
    assert client.get("/api/v1/staff/lists/entries").status_code == 401
    assert client.get("/api/v1/lists/black").status_code == 200
