"""The per-process cache of verified API keys: fast on every request, revocation honoured within its bound."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from xinyong.auth import service as auth
from xinyong.auth.models import ApiClient
from xinyong.kit import clock
from xinyong.kit.actor import CLI

BOUND = auth.CLIENT_CACHE_SECONDS


def _client(session: Session, name: str = "招投标系统") -> tuple[ApiClient, str]:
    return auth.create_client(session, name=name, unit_key="shi_czj", permissions=["checks.run"], actor=CLI)


def test_a_key_revoked_by_another_process_is_refused_once_the_bound_has_passed(session: Session) -> None:
    c, key = _client(session)
    t0 = time.monotonic()
    grant = auth.authenticate_key(session, key, at=t0)
    assert grant is not None and grant.id == c.id and grant.district_key is not None
    # Another worker (or the CLI) revokes: this process is not told, only the row changes.
    session.execute(update(ApiClient).where(ApiClient.id == c.id).values(revoked_at=clock.now()))
    session.expire_all()
    assert auth.authenticate_key(session, key, at=t0 + BOUND * 0.5) == grant  # within the bound
    assert auth.authenticate_key(session, key, at=t0 + BOUND) is None  # refused from the bound on


def test_revocation_and_rotation_in_this_process_take_effect_at_once(session: Session) -> None:
    c, key = _client(session)
    t0 = time.monotonic()
    assert auth.authenticate_key(session, key, at=t0) is not None
    new = auth.rotate_client(session, client=c, actor=CLI)
    assert auth.authenticate_key(session, key, at=t0) is None
    assert auth.authenticate_key(session, new, at=t0) is not None
    auth.revoke_client(session, client=c, actor=CLI)
    assert auth.authenticate_key(session, new, at=t0) is None


def test_a_forged_key_never_hits_the_cache_of_the_real_one(session: Session) -> None:
    _c, key = _client(session)
    t0 = time.monotonic()
    assert auth.authenticate_key(session, key, at=t0) is not None
    assert auth.authenticate_key(session, key[:-4] + "AAAA", at=t0) is None
    other_id = key.replace(key.split("_")[1], "00000000", 1)
    assert auth.authenticate_key(session, other_id, at=t0) is None


def test_a_revoked_key_is_refused_at_once_through_the_api(session: Session, client: Any) -> None:
    c, key = _client(session, "审批系统")
    assert client.get("/api/v1/ping", headers={"X-Api-Key": key}).status_code == 200  # cached now
    auth.revoke_client(session, client=c, actor=CLI)
    r = client.get("/api/v1/ping", headers={"X-Api-Key": key})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
