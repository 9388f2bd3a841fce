"""The public portal in headless Chromium: search → results → subject page → a penalty's detail,
the 双公示 filters, the phone-width layout, the larger-text mode and keyboard access."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from tests.browser.conftest import screenshot


def _api(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path) as r:
        return json.loads(r.read().decode())


def _penalised_company(base: str) -> dict[str, Any]:
    """A public penalty of an organisation in the demo data, found the way a visitor could."""
    for item in _api(base, "/api/v1/publicity/penalties?per_page=50")["items"]:
        if item["subject_key"] and not item["subject_key"].count("-"):
            return dict(item)
    raise AssertionError("the demo data set has no public penalty of an organisation")


def test_search_results_subject_page_and_penalty_detail(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    penalty = _penalised_company(live_server)
    name: str = penalty["subject_name"]
    fragment = name[-6:-4] if len(name) > 6 else name[:2]
    page.goto(live_server + "/")
    page.get_by_label("输入统一社会信用代码、注册号或名称").fill(fragment)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/search?q=*")
    assert "共" in page.locator(".total").inner_text()
    screenshot(page, "portal-search-results")
    results = page.locator(".result-name")
    assert all(fragment in t for t in results.all_inner_texts())
    link = page.locator(".result-name", has_text=name).first
    if link.count() == 0:  # not on the first page: search the full name, which ranks it first
        page.goto(live_server + "/search?q=" + urllib.request.quote(name))
        link = page.locator(".result-name", has_text=name).first
    link.click()
    page.wait_for_url("**/subjects/*")
    assert page.locator("h1").inner_text() == name
    tabs = page.get_by_role("navigation", name="信用信息栏目")
    tabs.get_by_role("link", name="行政处罚").click()
    page.wait_for_url("**tab=penalties*")
    screenshot(page, "portal-subject-penalties")
    row = page.locator("table.records tbody tr", has_text=penalty["decision_no"])
    row.get_by_role("link").click()
    page.wait_for_url("**/records/*")
    detail = page.locator("dl.fields").inner_text()
    assert penalty["decision_no"] in detail
    assert "处罚决定日期" in detail or "决定日期" in detail
    screenshot(page, "portal-penalty-detail")


def test_publicity_filters_narrow_the_list(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    penalty = _penalised_company(live_server)
    page.goto(live_server + "/publicity/penalties")
    before = page.locator(".total").inner_text()
    page.get_by_label("关键字").fill(penalty["subject_name"])
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**keyword=*")
    names = page.locator("table.records tbody td[data-label='相对人']").all_inner_texts()
    assert names and all(n == penalty["subject_name"] for n in names)
    assert page.locator(".total").inner_text() != before or len(names) > 1
    page.get_by_label("决定日期自").fill("2099-01-01")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**date_from=2099-01-01*")
    assert "没有符合条件" in page.locator("main").inner_text()
    screenshot(page, "portal-publicity-filtered")
    page.goto(live_server + "/publicity/timeliness")
    assert page.locator("table.records tbody tr").count() >= 1


def test_phone_width_layout_larger_text_and_keyboard(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True)
    pg = ctx.new_page()
    try:
        penalty = _penalised_company(live_server)
        pg.goto(live_server + f"/subjects/{penalty['subject_key']}?tab=penalties")
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"page scrolls sideways at phone width ({width}px)"
        assert pg.locator("table.records thead").is_hidden()  # rows become stacked cards
        screenshot(pg, "portal-phone-subject")
        pg.goto(live_server + "/search?q=" + urllib.request.quote(penalty["subject_name"][:2]))
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375
        base = pg.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        toggle = pg.get_by_role("button", name="大字模式")
        toggle.click()
        assert pg.locator("html.large-text").count() == 1
        assert pg.locator("#text-size").get_attribute("aria-pressed") == "true"
        assert pg.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > base
        pg.reload()
        assert pg.locator("html.large-text").count() == 1  # remembered
        screenshot(pg, "portal-phone-large-text")
        pg.keyboard.press("Tab")
        assert pg.evaluate("document.activeElement.textContent") == "跳到正文"
    finally:
        ctx.close()
