"""Console fixtures: the access tests' cheap password hashing (speed only) for cookie-session logins."""

from __future__ import annotations

from tests.auth.conftest import cheap_hashing

__all__ = ["cheap_hashing"]
