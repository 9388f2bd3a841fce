"""Login, lockout, sessions and CSRF, staff tokens, API keys, separation of duties, password policy."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.auth.conftest import login
from tests.builders import STAFF_PASSWORD, staff_user
from tests.conftest import FROZEN_NOW
from xinyong.auth import service as auth
from xinyong.auth.errors import DutiesConflict, Forbidden, WeakPassword
from xinyong.auth.schemas import load_access
from xinyong.errors import ConfigError
from xinyong.kit import clock
from xinyong.kit.actor import CLI


def _at(minutes: float) -> None:
    clock.freeze(FROZEN_NOW + dt.timedelta(minutes=minutes))


def test_five_wrong_passwords_lock_the_account_for_30_minutes(session: Session, client: Any) -> None:
    user = staff_user(session, role="submitter")
    codes = [login(client, user.username, "Wrong-Password-1").json()["error"]["code"] for _ in range(5)]
    assert codes == ["login_failed"] * 4 + ["account_locked"]
    locked = login(client, user.username)  # even the right password
    assert locked.status_code == 401 and locked.json()["error"]["code"] == "account_locked"
    _at(29)
    assert login(client, user.username).status_code == 401
    _at(31)
    assert login(client, user.username).status_code == 200


def test_an_administrator_can_unlock_before_the_30_minutes(session: Session, client: Any) -> None:
    user = staff_user(session, role="submitter")
    for _ in range(5):
        login(client, user.username, "Wrong-Password-1")
    assert login(client, user.username).status_code == 401
    auth.unlock(session, user=user, actor=CLI)
    assert login(client, user.username).status_code == 200


def test_unknown_user_and_wrong_password_look_the_same(session: Session, client: Any) -> None:
    user = staff_user(session, role="submitter")
    a = login(client, "nobody-here", STAFF_PASSWORD).json()["error"]
    b = login(client, user.username, "Wrong-Password-1").json()["error"]
    assert a["message"] == b["message"] == "用户名或密码错误"


def test_disabled_account_cannot_log_in_and_loses_its_token(session: Session, client: Any) -> None:
    user = staff_user(session, role="submitter")
    token = login(client, user.username).json()["token"]
    auth.set_active(session, user=user, active=False, actor=CLI)
    assert client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert login(client, user.username).status_code == 401


def test_staff_token_expires_after_the_policy_minutes(session: Session, client: Any) -> None:
    user = staff_user(session, role="reviewer")
    headers = {"Authorization": f"Bearer {login(client, user.username).json()['token']}"}
    me = client.get("/api/v1/staff/me", headers=headers)
    assert me.status_code == 200 and me.json()["roles"] == ["reviewer"]
    assert "records.review" in me.json()["permissions"]
    _at(16)
    assert client.get("/api/v1/staff/me", headers=headers).status_code == 401


def _console_login(client: Any, username: str, password: str = STAFF_PASSWORD) -> Any:
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/console/"},
        follow_redirects=False,
    )


def test_console_session_idles_out(session: Session, client: Any) -> None:
    user = staff_user(session, role="auditor")
    assert _console_login(client, user.username).status_code == 303
    assert client.get("/console/audit").status_code == 200
    _at(29)
    assert (
        client.get("/console/", follow_redirects=False).status_code == 200
    )  # activity resets the idle clock
    _at(29 + 31)
    gone = client.get("/console/audit", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/console/login")
    assert client.get("/api/v1/staff/me").status_code == 401


def test_console_forms_and_cookie_api_calls_need_the_csrf_token(session: Session, client: Any) -> None:
    admin = staff_user(session, role="system_admin", unit="shi_fgw")
    victim = staff_user(session, role="submitter")
    _console_login(client, admin.username)
    forged = client.post(f"/console/users/{victim.id}/disable", data={}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.delete("/api/v1/staff/tokens/current").status_code == 403
    page = client.get("/console/users")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    ok = client.post(
        f"/console/users/{victim.id}/disable", data={"csrf_token": token}, follow_redirects=False
    )
    assert ok.status_code == 303
    session.refresh(victim)
    assert victim.active is False


def test_login_form_without_its_csrf_cookie_is_refused(session: Session, client: Any) -> None:
    user = staff_user(session, role="auditor")
    response = client.post(
        "/console/login", data={"username": user.username, "password": STAFF_PASSWORD, "csrf_token": "x"}
    )
    assert response.status_code == 401 and "登录表单已失效" in response.text


def test_console_pages_redirect_anonymous_users_to_login(client: Any) -> None:
    response = client.get("/console/users", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/users"


def test_demo_accounts_are_refused_in_production(session: Session, client: Any, settings_env: Any) -> None:
    auth.create_user(
        session,
        username="demo_x",
        display_name="演示",
        unit_key="shi_fgw",
        role_keys=["auditor"],
        password="Demo-Xinyong-2026",
        actor=CLI,
        demo=True,
    )
    assert login(client, "demo_x", "Demo-Xinyong-2026").status_code == 200
    settings_env(production="1", secret_key="k" * 40)
    refused = login(client, "demo_x", "Demo-Xinyong-2026")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "demo_account_refused"


def test_nobody_holds_system_admin_and_auditor_or_grants_themselves(session: Session) -> None:
    with pytest.raises(DutiesConflict):
        staff_user(session, role="auditor", roles=["auditor", "system_admin"])
    admin = staff_user(session, role="system_admin", unit="shi_fgw")
    other = staff_user(session, role="auditor")
    as_admin = auth.user_actor(session, admin).ref()
    with pytest.raises(DutiesConflict):
        auth.set_roles(session, user=other, role_keys=["auditor", "system_admin"], actor=as_admin)
    with pytest.raises(Forbidden):
        auth.set_roles(session, user=admin, role_keys=["system_admin", "credit_office_admin"], actor=as_admin)
    assert auth.set_roles(session, user=other, role_keys=["reviewer"], actor=as_admin) == ["reviewer"]


@pytest.mark.parametrize(
    "password", ["Short-1a", "alllowercaseletters", "Admin123!", "Contains-user-Name-1"], ids=str
)
def test_password_policy_refuses_weak_passwords(session: Session, password: str) -> None:
    with pytest.raises(WeakPassword):
        auth.create_user(
            session,
            username="name",
            display_name="x",
            unit_key="shi_fgw",
            role_keys=["auditor"],
            password=password,
            actor=CLI,
        )


def test_access_yaml_refuses_credit_permissions_for_the_system_admin(tmp_path: Path) -> None:
    source = (Path(__file__).resolve().parents[2] / "profiles" / "changzhou" / "access.yaml").read_text(
        "utf-8"
    )
    broken = source.replace("      - users.manage\n", "      - users.manage\n      - audit.read\n", 1)
    (tmp_path / "access.yaml").write_text(broken, "utf-8")
    with pytest.raises(ConfigError, match="三员分立"):
        load_access(tmp_path)
    (tmp_path / "access.yaml").write_text(source.replace("records.submit", "records.sumbit", 1), "utf-8")
    with pytest.raises(ConfigError, match=r"records\.sumbit"):
        load_access(tmp_path)


# ----------------------------------------------------------------- API clients


def _client_at(app: Any, ip: str) -> TestClient:
    return TestClient(app, client=(ip, 40000))


def test_api_key_rotation_and_revocation(session: Session, client: Any) -> None:
    c, key = auth.create_client(
        session, name="招投标系统", unit_key=None, permissions=["checks.run"], actor=CLI
    )
    assert re.fullmatch(r"xyk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", key)
    assert c.key_hash != key and key not in str(c.key_hash)
    me = client.get("/api/v1/staff/me", headers={"X-Api-Key": key})
    assert me.status_code == 200 and me.json()["kind"] == "client"
    new = auth.rotate_client(session, client=c, actor=CLI)
    assert client.get("/api/v1/staff/me", headers={"X-Api-Key": key}).status_code == 401
    assert client.get("/api/v1/staff/me", headers={"X-Api-Key": new}).status_code == 200
    auth.revoke_client(session, client=c, actor=CLI)
    assert client.get("/api/v1/staff/me", headers={"X-Api-Key": new}).status_code == 401
    forged = new[:-4] + "AAAA"
    assert client.get("/api/v1/staff/me", headers={"X-Api-Key": forged}).status_code == 401


def test_api_key_allowed_ip_ranges_trust_forwarded_for_only_from_proxies(
    session: Session, client: Any, settings_env: Any
) -> None:
    _c, key = auth.create_client(
        session,
        name="审批系统",
        unit_key=None,
        permissions=["checks.run"],
        allowed_ips=["10.8.0.0/16"],
        actor=CLI,
    )
    headers = {"X-Api-Key": key}
    app = client.app
    assert _client_at(app, "10.8.3.4").get("/api/v1/staff/me", headers=headers).status_code == 200
    outside = _client_at(app, "192.0.2.7").get("/api/v1/staff/me", headers=headers)
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "ip_not_allowed"
    spoofed = headers | {"X-Forwarded-For": "10.8.3.4"}
    assert _client_at(app, "192.0.2.7").get("/api/v1/staff/me", headers=spoofed).status_code == 403
    settings_env(trusted_proxies="192.0.2.7")
    assert _client_at(app, "192.0.2.7").get("/api/v1/staff/me", headers=spoofed).status_code == 200
    assert (
        _client_at(app, "192.0.2.7")
        .get("/api/v1/staff/me", headers=headers | {"X-Forwarded-For": "203.0.113.9"})
        .status_code
        == 403
    )


def test_per_client_rate_limit_answers_429(session: Session, client: Any) -> None:
    _a, slow = auth.create_client(
        session, name="慢速系统", unit_key=None, permissions=["checks.run"], rate_per_minute=3, actor=CLI
    )
    _b, other = auth.create_client(
        session, name="其他系统", unit_key=None, permissions=["checks.run"], actor=CLI
    )
    codes = [client.get("/api/v1/staff/me", headers={"X-Api-Key": slow}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/v1/staff/me", headers={"X-Api-Key": other}).status_code == 200


def test_rate_limiter_refills_over_time() -> None:
    from xinyong.auth.ratelimit import RateLimiter

    limiter = RateLimiter()
    assert [limiter.allow("k", 60, now=0.0)[0] for _ in range(61)].count(True) == 60
    allowed, retry = limiter.allow("k", 60, now=0.0)
    assert not allowed and retry == pytest.approx(1.0)
    assert limiter.allow("k", 60, now=1.0)[0]
