"""Settings: defaults, and production refusing placeholder secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from xinyong.config import PLACEHOLDER_SECRET, Settings


def test_default_database_is_embedded_sqlite() -> None:
    assert Settings(_env_file=None).database_url == "sqlite:///./var/xinyong.db"  # type: ignore[call-arg]


@pytest.mark.parametrize("secret", [PLACEHOLDER_SECRET, "short"])
def test_production_refuses_placeholder_or_short_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="XINYONG_SECRET_KEY"):
        Settings(production=True, secret_key=secret)


def test_production_accepts_a_real_secret() -> None:
    assert Settings(production=True, secret_key="s" * 40).production
