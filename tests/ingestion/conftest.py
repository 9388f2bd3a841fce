"""Fixtures of the ingestion tests: a private data directory and a clerk."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ingestion.helpers import staff
from xinyong.auth.actor import Actor
from xinyong.config import get_settings


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Stored files go to a temporary directory, not ./var/data."""
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture
def clerk() -> Actor:
    return staff()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``postgres_only`` tests run in the PostgreSQL job and are *deselected* (not skipped) elsewhere."""
    url = os.environ.get("XINYONG_TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return
    here = Path(__file__).parent
    keep, drop = [], []
    for item in items:
        in_here = here in Path(str(item.fspath)).parents
        (drop if in_here and item.get_closest_marker("postgres_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
