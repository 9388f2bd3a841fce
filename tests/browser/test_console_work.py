"""The domain work in the console, in headless Chromium: a unit's submitter uploads a penalty file, the
unit's reviewer finds it in 待审核批次 and approves it, and the record is then public; a credit-office
administrator opens 名单管理 and the measures catalogue from the menu."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from tests.browser.conftest import screenshot
from tests.browser.test_console import _account, _login

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "ingest" / "penalties_utf8_bom.csv"
#: Row 1 of the fixture (tests/data/ingest/README.md): a company and its decision number.
USCC, DECISION_NO = "91320412MF0000013Q", "常市监罚〔2026〕101号"


def _public_records(base: str, code: str) -> tuple[int, list[dict[str, Any]]]:
    try:
        with urllib.request.urlopen(f"{base}/api/v1/subjects/{code}/records") as response:
            return response.status, json.load(response)["items"]
    except urllib.error.HTTPError as exc:
        return exc.code, []


def _queue_count(page: Any, key: str) -> int:
    return int(page.locator(f"[data-queue={key}] .count").inner_text().strip())


def test_submitter_uploads_reviewer_approves_and_the_record_goes_public(live_server: str, page: Any) -> None:
    status, items = _public_records(live_server, USCC)
    assert not any(r.get("decision_no") == DECISION_NO for r in items), status

    _login(page, live_server, _account("submitter"))
    page.click("nav.side a[data-nav=ingestion]")
    page.get_by_role("link", name="上传文件").click()
    page.select_option("select[name=item]", "xzcf_fr")
    page.set_input_files("input[name=file]", str(FIXTURE))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url("**/console/ingestion/batches/*")
    assert "待审核" in page.locator("h1").inner_text()
    assert "通过校验 5" in page.locator("main").inner_text()
    batch_url = page.url
    screenshot(page, "console-work-uploaded")
    page.get_by_role("button", name="退出登录").click()

    _login(page, live_server, _account("reviewer"))
    page.wait_for_selector("[data-queue=pending_batches]")
    pending = _queue_count(page, "pending_batches")
    screenshot(page, "console-work-reviewer-home")
    page.click("[data-queue=pending_batches] h2 a")
    page.wait_for_url("**/console/ingestion/batches?status=*")
    rows = page.locator("#batches tbody tr[data-batch]")
    assert pending == rows.count() >= 1
    rows.filter(has_text=FIXTURE.name).first.get_by_role("link").click()
    assert page.url == batch_url
    page.fill("form[action$='/approve'] input[name=note]", "核对无误")
    page.get_by_role("button", name="审核通过").click()
    page.wait_for_selector("h1:has-text('已通过')")
    assert "审核意见：核对无误" in page.locator("main").inner_text()
    screenshot(page, "console-work-approved")
    page.goto(live_server + "/console/")
    assert _queue_count(page, "pending_batches") == pending - 1

    status, items = _public_records(live_server, USCC)
    assert status == 200 and any(r.get("decision_no") == DECISION_NO for r in items), items


def test_credit_office_admin_opens_lists_and_the_measures_catalogue(live_server: str, page: Any) -> None:
    _login(page, live_server, _account("credit_office_admin"))
    page.click("nav.side a[data-nav=lists]")
    page.wait_for_selector("#entries")
    assert page.locator("h1").inner_text() == "名单"
    assert page.locator("nav.side a[aria-current=page]").inner_text() == "名单管理"
    assert "政府采购严重违法失信行为记录名单" in page.locator("main").inner_text()
    assert page.locator("form[action='/console/lists/propose'] input[name=csrf_token]").count() == 1
    screenshot(page, "console-work-lists")
    page.click("nav.side a[data-nav=measures]")
    page.wait_for_selector("#measures")
    assert page.locator("#measures tbody tr").count() > 0
    assert "联合奖惩措施清单" in page.locator("h1").inner_text()
    screenshot(page, "console-work-measures")
    page.click("nav.side a[data-nav=check_stats]")
    page.wait_for_selector("#stats")
    screenshot(page, "console-work-check-stats")
