"""The application as the check benchmark serves it: the real app, with a stand-in API-key check.

The real API-key verification (``xyk_<id>_<secret>``, a fast keyed hash) is being built in the auth
issue and is not on this branch yet; until it lands, this factory overrides ``current_actor`` with the
same kind of work — parse the key, HMAC-SHA256 its secret, compare in constant time — so both the
check and the no-op route pay the same authentication cost.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from fastapi import FastAPI, Request

from xinyong.app import create_app
from xinyong.auth.actor import Actor
from xinyong.auth.permissions import CHECKS_RUN, Unauthenticated, current_actor

PEPPER = os.environ.get("BENCH_PEPPER", "bench-pepper").encode()
KEY_ID = "bench01"
SECRET = os.environ.get("BENCH_SECRET", "s3cr3t-bench-key")
TOKEN = f"xyk_{KEY_ID}_{SECRET}"
_DIGEST = hmac.new(PEPPER, SECRET.encode(), hashlib.sha256).digest()
CLIENT = Actor(
    kind="client",
    id=KEY_ID,
    name="基准测试业务系统",
    unit_key="shi_czj",
    district_key=None,
    permissions=frozenset({CHECKS_RUN}),
)


def _api_key_actor(request: Request) -> Actor:
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "xyk" or parts[1] != KEY_ID:
        raise Unauthenticated("未登录或凭证无效")
    digest = hmac.new(PEPPER, parts[2].encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(digest, _DIGEST):
        raise Unauthenticated("未登录或凭证无效")
    return CLIENT


def create() -> FastAPI:
    app = create_app()
    app.dependency_overrides[current_actor] = _api_key_actor
    return app
