"""The public home page and the API docs render in a real headless Chromium."""

from __future__ import annotations

from tests.browser.conftest import screenshot


def test_home_page_shows_portal_name_demo_banner_and_footer(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + "/")
    assert page.title().startswith("信用常州")
    assert page.get_by_role("status").inner_text().startswith("演示数据")
    footer = page.locator("footer").inner_text()
    for label in ("主办单位", "网站标识码", "ICP备案号", "公安备案号", "联系方式"):
        assert label in footer
    screenshot(page, "home")


def test_api_docs_load_swagger_from_local_assets(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server) else external.append(r.url))
    page.goto(live_server + "/api/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Xinyong" in page.locator(".swagger-ui .info .title").inner_text()
    assert external == []
