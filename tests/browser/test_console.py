"""The staff console in headless Chromium: each role logs in, sees its own menu and queues, logs out;
five wrong passwords lock an account until an administrator unlocks it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from xinyong.auth import service as auth
from xinyong.db import transaction
from xinyong.kit.actor import CLI

PASSWORD = "Browser-Test-Pass-2026"
_seq = itertools.count(1)

#: The domain pages' menu entries (console.ingestion, console.lists, console.measures).
OFFICE_MENU = [
    "工作台",
    "数据归集",
    "批次审核",
    "撤销决定",
    "数据质量",
    "名单管理",
    "惩戒激励措施",
    "核查统计",
    "信息查阅",
]

ROLES: dict[str, tuple[str, list[str], list[str]]] = {
    # role: (unit, menu, home queues)
    "credit_office_admin": (
        "shi_fgw",
        OFFICE_MENU,
        ["我的报送批次", "待审核批次", "名单认定", "数据质量", "联合奖惩核查统计"],
    ),
    "submitter": (
        "shi_scjgj",
        ["工作台", "数据归集", "数据质量", "名单管理", "惩戒激励措施", "信息查阅"],
        ["我的报送批次", "数据质量"],
    ),
    "reviewer": (
        "shi_scjgj",
        ["工作台", "批次审核", "撤销决定", "数据质量", "名单管理", "惩戒激励措施", "信息查阅"],
        ["待审核批次", "名单认定", "数据质量"],
    ),
    "district_operator": (
        "wujin_fgj",
        OFFICE_MENU,
        ["我的报送批次", "待审核批次", "名单认定", "数据质量", "联合奖惩核查统计"],
    ),
    "auditor": ("shi_fgw", ["工作台", "审计日志"], ["今日查询日志"]),
    "system_admin": ("shi_fgw", ["工作台", "账号管理", "接口客户端"], ["已锁定账号"]),
}


def _account(role: str) -> str:
    username = f"b_{role}_{next(_seq)}"
    with transaction() as session:
        auth.create_user(
            session,
            username=username,
            display_name=f"浏览器{role}",
            unit_key=ROLES[role][0],
            role_keys=[role],
            password=PASSWORD,
            actor=CLI,
        )
    return username


def _login(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base + "/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_its_own_menu_and_queues_then_logs_out(live_server: str, page: Any, role: str) -> None:
    username = _account(role)
    page.goto(live_server + "/console/")
    assert "/console/login" in page.url  # not signed in: sent to the login page
    _login(page, live_server, username)
    page.wait_for_selector("nav.side")
    _unit, menu, queues = ROLES[role]
    assert page.locator("nav.side a").all_inner_texts() == menu
    assert page.locator("[data-queue] h2").all_inner_texts() == queues
    assert page.get_by_test_id("who").inner_text() == f"浏览器{role}"
    screenshot(page, f"console-home-{role}")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_selector("form[action='/console/login']")
    page.goto(live_server + "/console/")
    assert "/console/login" in page.url


def test_five_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(live_server: str, page: Any) -> None:
    username = _account("submitter")
    for attempt in range(1, 6):
        _login(page, live_server, username, "Wrong-Password-9")
        expected = "账号已锁定" if attempt == 5 else "用户名或密码错误"
        assert expected in page.get_by_role("alert").inner_text()
    _login(page, live_server, username)  # the right password, still locked
    assert "账号已锁定" in page.get_by_role("alert").inner_text()
    screenshot(page, "console-locked")

    admin = _account("system_admin")
    _login(page, live_server, admin)
    page.click("nav.side a[data-nav=users]")
    row = page.locator(f"tr[data-user='{username}']")
    assert row.get_by_test_id("locked").inner_text() == "已锁定"
    screenshot(page, "console-users-locked")
    row.locator("button[data-action=unlock]").click()
    page.wait_for_selector(f"tr[data-user='{username}']")
    assert page.locator(f"tr[data-user='{username}'] [data-testid=locked]").count() == 0
    page.get_by_role("button", name="退出登录").click()

    _login(page, live_server, username)
    page.wait_for_selector("nav.side")
    assert page.locator("nav.side a").all_inner_texts() == ROLES["submitter"][1]


def test_auditor_filters_the_audit_log_and_exports_csv(live_server: str, page: Any) -> None:
    username = _account("auditor")
    _login(page, live_server, username)
    page.click("nav.side a[data-nav=audit]")
    page.fill("input[name=action]", "auth.")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/console/audit?*action=auth.*")
    actions = page.locator("tbody tr[data-action]").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert actions and all(a.startswith("auth.") for a in actions)
    screenshot(page, "console-audit")
    with page.expect_download() as info:
        page.get_by_test_id("export").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    assert text.splitlines()[0].startswith("时间,操作者类型")
    assert "auth.user_created" in text
