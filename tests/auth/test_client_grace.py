"""Rotating an API key with a grace period: the replaced key keeps working until it ends, then never again."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from xinyong.audit.models import AuditEntry
from xinyong.auth import service as auth
from xinyong.auth.actor import Actor
from xinyong.auth.models import ApiClient
from xinyong.auth.permissions import CLIENTS_MANAGE, current_actor
from xinyong.errors import Invalid
from xinyong.kit import clock
from xinyong.kit.actor import CLI


def _client(session: Session, name: str = "招投标系统") -> tuple[ApiClient, str]:
    return auth.create_client(session, name=name, unit_key="shi_czj", permissions=["checks.run"], actor=CLI)


def _ok(session: Session, key: str) -> bool:
    auth.forget_client(key_hash=auth._key_hash(key))  # read the row, not this process's cache
    return auth.authenticate_key(session, key, at=time.monotonic()) is not None


def test_the_replaced_key_works_until_its_grace_period_ends(session: Session, frozen: dt.datetime) -> None:
    c, old = _client(session)
    new = auth.rotate_client(session, client=c, actor=CLI, grace_hours=24)
    assert c.previous_key_expires_at == frozen + dt.timedelta(hours=24)
    assert _ok(session, old) and _ok(session, new)
    clock.freeze(frozen + dt.timedelta(hours=23, minutes=59))
    assert _ok(session, old)
    clock.freeze(frozen + dt.timedelta(hours=24))
    assert not _ok(session, old) and _ok(session, new)
    event = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.client_rotated", AuditEntry.target_id == c.id)
    ).one()
    assert event.details["grace_hours"] == 24


def test_a_second_rotation_ends_the_first_grace_and_revocation_ends_all(
    session: Session, frozen: Any
) -> None:
    c, first = _client(session)
    second = auth.rotate_client(session, client=c, actor=CLI, grace_hours=72)
    third = auth.rotate_client(session, client=c, actor=CLI, grace_hours=24)
    assert not _ok(session, first)  # only the key just replaced keeps a grace period
    assert _ok(session, second) and _ok(session, third)
    fourth = auth.rotate_client(session, client=c, actor=CLI)  # no grace: a leaked key stops at once
    assert not _ok(session, third) and _ok(session, fourth)
    fifth = auth.rotate_client(session, client=c, actor=CLI, grace_hours=168)
    auth.revoke_client(session, client=c, actor=CLI)
    assert not _ok(session, fourth) and not _ok(session, fifth)


@pytest.mark.parametrize("hours", [-1, 169])
def test_grace_beyond_a_week_is_refused(session: Session, hours: int) -> None:
    c, key = _client(session)
    with pytest.raises(Invalid) as exc:
        auth.rotate_client(session, client=c, actor=CLI, grace_hours=hours)
    assert exc.value.code == "invalid_grace" and "0–168" in exc.value.message
    assert _ok(session, key)  # nothing changed


def test_console_rotation_offers_the_grace_period_and_shows_until_when(
    session: Session, client: Any, frozen: dt.datetime
) -> None:
    c, old = _client(session)
    admin = Actor("user", "u-sys", "系统管理员", "shi_fgw", "city", permissions=frozenset({CLIENTS_MANAGE}))
    client.app.dependency_overrides[current_actor] = lambda: admin
    page = client.get("/console/clients").text
    assert 'name="grace_hours"' in page and "旧密钥再用 24 小时" in page
    res = client.post(f"/console/clients/{c.id}/rotate", data={"grace_hours": "72"})
    assert res.status_code == 200 and 'data-testid="secret"' in res.text
    assert "旧密钥有效至 2026-11-26 10:00" in res.text  # 72 h after 2026-11-23 10:00, Beijing time
    assert _ok(session, old)
    bad = client.post(f"/console/clients/{c.id}/rotate", data={"grace_hours": "500"})
    assert bad.status_code == 422 and "0–168" in bad.text


def test_cli_rotation_with_grace_hours(
    session: Session, frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xinyong.auth import cli as auth_cli

    c, old = _client(session)
    session.flush()

    class _Tx:
        def __enter__(self) -> Session:
            return session

        def __exit__(self, *exc: object) -> None:
            session.flush()

    monkeypatch.setattr(auth_cli, "transaction", lambda: _Tx())
    result = CliRunner().invoke(auth_cli.clients_app, ["rotate", c.id, "--grace-hours", "24", "--json"])
    assert result.exit_code == 0, result.output
    assert '"previous_key_expires_at": "2026-11-24T02:00:00+00:00"' in result.output
    assert _ok(session, old)


def test_actor_labels_read_as_names(session: Session) -> None:
    from tests.builders import staff_user

    user = staff_user(session, role="submitter")
    c, _key = _client(session, name="审批系统")
    assert auth.actor_name(session, f"user:{user.id}") == f"{user.display_name}（{user.username}）"
    assert auth.actor_name(session, f"client:{c.id}") == "接口客户端 审批系统"
    assert auth.actor_name(session, CLI.label) == "命令行操作员"
    assert auth.actor_name(session, "system:trusted-feed") == "系统任务（trusted-feed）"
    # Unknown accounts keep their label: nothing is invented.
    assert auth.actor_name(session, "user:00000000-0000-0000-0000-000000000000").startswith("user:")
    assert auth.actor_name(session, None) == ""
