"""The domain work in the console, in headless Chromium: a unit's submitter uploads a penalty file, the
unit's reviewer finds it in 待审核批次 and approves it, and the record is then public; a credit-office
administrator opens 名单管理 and the measures catalogue from the menu."""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from tests.browser.conftest import screenshot
from tests.browser.test_console import _account, _login

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "ingest" / "penalties_utf8_bom.csv"
#: A GBK file with bad checksums, future dates, negative amounts … among its rows: problems to drill into.
WITH_PROBLEMS = FIXTURE.with_name("penalties_gbk.csv")
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


def test_district_operator_submits_for_a_district_unit_and_drills_into_its_quality(
    live_server: str, page: Any
) -> None:
    _login(page, live_server, _account("district_operator"))
    page.wait_for_selector("[data-queue=pending_batches]")
    pending = _queue_count(page, "pending_batches")
    page.goto(live_server + "/console/ingestion/upload")
    units = page.locator("select[name=department] option").evaluate_all("os => os.map(o => o.value)")
    assert "wujin_scjgj" in units and "shi_scjgj" not in units  # its district's units only
    page.select_option("select[name=item]", "xzcf_fr")
    page.select_option("select[name=department]", "wujin_scjgj")
    page.set_input_files("input[name=file]", str(WITH_PROBLEMS))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url("**/console/ingestion/batches/*")
    header = page.locator("main .card").first.inner_text()
    assert (
        "报送单位 常州市武进区市场监督管理局" in header
        and "报送人 浏览器district_operator（b_district_operator_" in header
    )
    page.goto(live_server + "/console/")
    assert _queue_count(page, "pending_batches") == pending + 1  # a district unit's batch is in its queue
    page.goto(live_server + "/console/ingestion/quality?unit=wujin_scjgj")
    series = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart')).getOption().series.map(s => s.name)"
    )
    assert series == ["完整性", "准确性", "及时性", "一致性"]  # the table's order, not tojson's sorted keys
    rules = page.locator("[data-testid=rules] tbody tr")
    assert rules.count() >= 1 and "uscc" in page.locator("[data-testid=rules]").inner_text()
    page.locator("[data-testid=month-batches] tbody tr a").first.click()
    page.wait_for_url("**/console/ingestion/batches/*")
    first_rule = page.locator("[data-testid=rule-filter] a").first
    code, name = first_rule.get_attribute("title"), first_rule.inner_text().split("（")[0]
    first_rule.click()
    page.wait_for_url("**code=*")
    assert page.locator("h2", has_text="问题").inner_text().startswith(f"问题：{name} {code}")
    assert name != code  # the rule is named in Chinese
    screenshot(page, "console-work-district-quality")


def test_system_admin_rotates_a_key_with_a_grace_period(live_server: str, page: Any) -> None:
    from xinyong.auth import service as auth
    from xinyong.db import transaction
    from xinyong.kit.actor import CLI

    with transaction() as session:
        client, _key = auth.create_client(
            session,
            name=f"浏览器测试系统{uuid.uuid4().hex[:8]}",
            unit_key=None,
            permissions=["checks.run"],
            actor=CLI,
        )
        client_id = client.id
    _login(page, live_server, _account("system_admin"))
    page.goto(live_server + "/console/clients")
    row = page.locator(f"tr[data-client='{client_id}']")
    row.locator("select[name=grace_hours]").select_option("24")
    row.get_by_role("button", name="轮换密钥").click()
    page.wait_for_selector("[data-testid=secret]")
    assert "旧密钥有效至" in page.locator(f"tr[data-client='{client_id}'] [data-testid=grace]").inner_text()


def test_reviewer_approves_a_big_batch_and_the_page_follows_it_until_it_is_online(
    live_server: str, page: Any, monkeypatch: Any
) -> None:
    """With the background threshold at one row, the approval runs after the response; the batch page
    shows 入库中 and reloads itself until the batch is 已通过."""
    from sqlalchemy import select

    from xinyong.config import get_settings
    from xinyong.db import transaction
    from xinyong.ingestion.models import IngestBatch

    _login(page, live_server, _account("submitter"))
    page.goto(live_server + "/console/ingestion/upload")
    page.select_option("select[name=item]", "xzcf_fr")
    page.set_input_files("input[name=file]", str(FIXTURE.with_name("penalties.xls")))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url("**/console/ingestion/batches/*")
    batch_url = page.url
    page.get_by_role("button", name="退出登录").click()

    monkeypatch.setenv("XINYONG_APPROVE_BACKGROUND_FROM_ROWS", "1")
    get_settings.cache_clear()
    try:
        _login(page, live_server, _account("reviewer"))
        page.goto(batch_url)
        page.fill("form[action$='/approve'] input[name=note]", "大批次核对无误")
        page.get_by_role("button", name="审核通过").click()
        page.wait_for_url(batch_url)
        # 入库中 (refreshing every 3 s) or already 已通过: either way it ends online.
        page.wait_for_selector("[data-testid=batch-status]:has-text('已通过')", timeout=20_000)
    finally:
        monkeypatch.delenv("XINYONG_APPROVE_BACKGROUND_FROM_ROWS")
        get_settings.cache_clear()
    assert "审核意见：大批次核对无误" in page.locator("main").inner_text()
    assert page.locator("[data-testid=applying]").count() == 0
    screenshot(page, "console-work-background-approved")
    # The file as the unit sent it, for tracing: a purpose and legal basis first, then the download.
    form = page.locator("[data-testid=original]")
    form.locator("select[name=purpose]").select_option("supervision")
    form.locator("select[name=legal_basis]").select_option("js_credit_regulation")
    with page.expect_download() as download:
        form.get_by_role("button", name="下载原始文件").click()
    saved = Path(download.value.path())
    assert download.value.suggested_filename == "penalties.xls"
    assert saved.read_bytes() == FIXTURE.with_name("penalties.xls").read_bytes()
    with transaction() as s:
        batch = s.scalar(select(IngestBatch).where(IngestBatch.id == uuid.UUID(batch_url.rsplit("/", 1)[1])))
        assert batch is not None and (batch.status, batch.apply_attempts) == ("已通过", 1)


def test_submitter_maps_an_unrecognised_column_and_the_file_is_read_again(
    live_server: str, page: Any, tmp_path: Path
) -> None:
    """A unit's own header (企业名称 for 行政相对人名称): the file is refused, the batch page leads to 列映射,
    and saving the mapping reads the same stored file again into a batch waiting for review."""
    text = FIXTURE.read_text(encoding="utf-8-sig").replace("行政相对人名称", "企业名称", 1)
    own = tmp_path / "本单位格式.csv"
    own.write_text(text.replace("常市监罚〔2026〕", "常市监罚〔2026〕映射"), encoding="utf-8-sig")
    _login(page, live_server, _account("submitter"))
    page.goto(live_server + "/console/ingestion/upload")
    page.select_option("select[name=item]", "xzcf_fr")
    page.set_input_files("input[name=file]", str(own))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url("**/console/ingestion/batches/*")
    assert "失败" in page.locator("h1").inner_text()
    assert "表头缺少必填列：行政相对人名称" in page.locator("main").inner_text()
    page.click("[data-testid=map-columns]")
    page.wait_for_url("**/console/ingestion/mapping?*")
    row = page.locator("#pairs tbody tr").filter(has=page.locator("input[value='企业名称']"))
    row.locator("select[name=field]").select_option("subject_name")
    screenshot(page, "console-work-mapping")
    page.get_by_role("button", name="保存列映射").click()
    page.wait_for_url("**/console/ingestion/batches/*")
    assert "待审核" in page.locator("h1").inner_text()
    assert "通过校验 5" in page.locator("main").inner_text()


def test_submitter_enters_one_record_corrects_it_on_the_form_and_submits(live_server: str, page: Any) -> None:
    from xinyong.kit.identifiers import make_uscc

    good = make_uscc("9", "1", "320412", "MA1REC08")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    def field(key: str) -> Any:  # the control of one catalogue field (its label ends in a * when required)
        return page.locator(f"#f-{key}")

    _login(page, live_server, _account("submitter"))
    page.goto(live_server + "/console/ingestion/record?item=xzcf_fr")
    deciding = page.locator("[data-unit-field=name]").first
    assert deciding.input_value() == "常州市市场监督管理局"  # the unit's own name, filled in
    field("subject_name").fill("常州单录浏览器测试有限公司")
    field("subject_category").select_option("法人及非法人组织")
    field("subject_code").fill(bad)
    field("legal_rep").fill("赵六")
    field("decision_no").fill(f"常市监罚〔2026〕单录{uuid.uuid4().hex[:6]}号")
    field("violation_type").fill("虚假宣传")
    field("facts").fill("发布虚假广告。")
    field("legal_basis").fill("《中华人民共和国广告法》第五十五条")
    page.get_by_label("警告", exact=True).check()
    field("penalty_content").fill("警告")
    field("decision_date").fill("2026-11-20")
    field("valid_to").fill("2027-11-20")
    page.get_by_role("button", name="提交审核").click()
    alert = page.locator("[data-testid=record-problems]")
    assert "有 1 处错误" in alert.inner_text()
    code_field = page.locator("[data-field] >> [data-code='uscc.checksum']")
    assert "校验位错误" in code_field.inner_text()
    assert field("subject_name").input_value() == "常州单录浏览器测试有限公司"  # kept
    assert page.get_by_label("警告", exact=True).is_checked()
    screenshot(page, "console-work-record-errors")
    field("subject_code").fill(good)
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url("**/console/ingestion/batches/*")
    assert "待审核" in page.locator("h1").inner_text() and "通过校验 1" in page.locator("main").inner_text()
