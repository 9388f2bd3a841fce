"""Browser tests: a live server on a random port (its own SQLite file with a small demo data set)
driven by Playwright from PyPI with Debian's chromium (``playwright install`` cannot download
browsers here). Screenshots go to ``test-artifacts/`` so they can be kept by CI.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.conftest import configured_engine
from xinyong import db

CHROMIUM = os.environ.get("XINYONG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a running server with the profile and 300 demo subjects loaded."""
    from xinyong.app import create_app
    from xinyong.demo.loader import load_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    engine = configured_engine(url)
    previous = db._engine
    db.set_engine(engine)
    load_demo(subjects=300, seed=7)
    port = _free_port()
    app = create_app()
    # Every browser test drives the site from 127.0.0.1: lift the per-IP limits so one test's searches
    # do not throttle the next (the limits themselves are tested in tests/portal/test_api.py).
    from xinyong.portal.ratelimit import Limit

    app.state.rate_limiter.limits = {k: Limit(burst=10_000, per_minute=60_000) for k in ("search", "pages")}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    db.set_engine(previous)
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


def screenshot(pg, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a named screenshot into test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path
