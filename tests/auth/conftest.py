"""Access-control fixtures: cheap argon2 parameters (speed only), settings overrides, token logins."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher

from tests.builders import STAFF_PASSWORD
from xinyong.auth import passwords
from xinyong.auth.ratelimit import limiter
from xinyong.config import get_settings

PURPOSE = {"X-Purpose": "case_handling", "X-Legal-Basis": "js_credit_regulation"}


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2 with minimal cost so the suite stays fast; the algorithm and code path are the real ones."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    monkeypatch.setattr(passwords, "_DUMMY", passwords._hasher.hash("dummy"))
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Call ``settings_env(NAME="value")`` to change XINYONG_* settings for one test."""

    def apply(**values: str) -> None:
        for k, v in values.items():
            monkeypatch.setenv(f"XINYONG_{k.upper()}", v)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


def login(client: Any, username: str, password: str = STAFF_PASSWORD) -> Any:
    """POST /api/v1/staff/tokens; returns the response."""
    return client.post("/api/v1/staff/tokens", json={"username": username, "password": password})


def bearer(client: Any, username: str, password: str = STAFF_PASSWORD) -> dict[str, str]:
    """Authorization headers of a fresh staff token for ``username``."""
    response = login(client, username, password)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
