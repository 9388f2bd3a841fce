"""Fixtures of the ingestion tests: a private data directory and a clerk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import own_database
from tests.ingestion.helpers import staff
from xinyong import db
from xinyong.auth.actor import Actor
from xinyong.auth.permissions import current_actor
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


@pytest.fixture
def own_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A database of its own (PostgreSQL when the suite runs there), for tests of background work that
    commits in transactions of its own; every file and every batch counts as a "big" one."""
    engine = own_database(tmp_path, "uploads")
    monkeypatch.setenv("XINYONG_UPLOAD_BACKGROUND_FROM_BYTES", "1")
    monkeypatch.setenv("XINYONG_APPROVE_BACKGROUND_FROM_ROWS", "1")
    get_settings.cache_clear()
    previous = db._engine
    db.set_engine(engine)
    yield engine
    db.set_engine(previous)
    engine.dispose()
    get_settings.cache_clear()


@pytest.fixture
def app_client(own_db: Any) -> Iterator[TestClient]:
    """The app on ``own_db``, every request made by a clerk who may submit and review."""
    from xinyong.app import create_app

    app = create_app()
    app.dependency_overrides[current_actor] = lambda: staff()
    with TestClient(app) as c:
        yield c
