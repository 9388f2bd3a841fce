"""Fixtures of the ingestion tests: a private data directory and a clerk."""

from __future__ import annotations

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
