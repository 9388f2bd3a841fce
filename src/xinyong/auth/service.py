"""Access-control operations: roles as data, accounts, login and lockout, sessions, tokens, API clients.

Every state change writes an audit row in the caller's transaction. Secrets (session cookies, staff
tokens, API keys) are random and stored only as a keyed HMAC (``kit.crypto.lookup_hash``): fast to
check on every request, useless to whoever reads the table. Passwords use argon2 (auth.passwords).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.auth import passwords
from xinyong.auth.actor import Actor
from xinyong.auth.errors import (
    AccountLocked,
    DutiesConflict,
    Forbidden,
    LoginFailed,
    PurposeRequired,
    UnknownClient,
    UnknownUser,
    WeakPassword,
)
from xinyong.auth.models import AccessConfig, ApiClient, Role, StaffSession, User, UserRole
from xinyong.auth.schemas import AccessSpec, PolicySpec
from xinyong.errors import ConfigError, Invalid
from xinyong.kit import clock, crypto
from xinyong.kit.actor import CLI, SYSTEM, ActorRef
from xinyong.org import queries as org

SESSION = "console"
TOKEN = "token"
TOKEN_PREFIX = "xyt_"
KEY_PREFIX = "xyk_"

# ------------------------------------------------------------------ configuration


def load(session: Session, spec: AccessSpec, *, actor: ActorRef, now: dt.datetime) -> dict[str, Any]:
    """Load ``access.yaml``: roles (upserted), policy and purpose codes; refuse dropping a held role."""
    wanted = {r.key: r for r in spec.roles}
    held = set(session.scalars(select(UserRole.role_key).distinct()))
    dropped = sorted(held - set(wanted))
    if dropped:
        raise ConfigError(
            f"访问控制配置删除了仍有账号持有的角色：{'、'.join(dropped)}",
            details={"file": "access.yaml", "field": "roles", "roles": dropped},
        )
    for row in session.scalars(select(Role)):
        if row.key not in wanted:
            session.delete(row)
    for r in spec.roles:
        row = session.get(Role, r.key) or Role(key=r.key)
        row.name, row.description = r.name, r.description
        row.permissions = sorted(set(r.permissions))
        row.config_version = spec.version
        session.add(row)
    cfg = session.get(AccessConfig, 1) or AccessConfig(id=1)
    cfg.version, cfg.spec, cfg.loaded_at = spec.version, spec.model_dump(mode="json"), now
    session.add(cfg)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="auth.config_loaded",
        target_type="access_config",
        target_id=spec.version,
        details={"roles": sorted(wanted)},
    )
    return {"version": spec.version, "roles": len(wanted)}


def access_spec(session: Session) -> AccessSpec:
    cfg = session.get(AccessConfig, 1)
    if cfg is None:
        raise ConfigError("访问控制配置尚未加载：请先运行 xinyong init")
    return AccessSpec.model_validate(cfg.spec)


def policy(session: Session) -> PolicySpec:
    return access_spec(session).policy


def roles(session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.key)))


def permissions_of(session: Session, role_keys: Iterable[str]) -> frozenset[str]:
    keys = list(role_keys)
    if not keys:
        return frozenset()
    rows = session.scalars(select(Role).where(Role.key.in_(keys)))
    return frozenset(p for r in rows for p in r.permissions)


# ------------------------------------------------------------------ purposes


def code_labels(session: Session) -> dict[str, dict[str, str]]:
    """{"purposes": {code: name}, "legal_bases": {code: name}} from the loaded configuration."""
    spec = access_spec(session)
    return {
        "purposes": {c.code: c.name for c in spec.purposes},
        "legal_bases": {c.code: c.name for c in spec.legal_bases},
    }


def require_purpose(session: Session, actor: Actor) -> tuple[str, str]:
    """The actor's (purpose, legal basis) codes; 422 when either is missing or unknown."""
    labels = code_labels(session)
    if not actor.purpose or not actor.legal_basis:
        raise PurposeRequired(
            "查阅非公开信息须说明查询目的和法律依据（X-Purpose / X-Legal-Basis）",
            details={
                "missing": [
                    n for n, v in (("purpose", actor.purpose), ("legal_basis", actor.legal_basis)) if not v
                ],
                "purposes": sorted(labels["purposes"]),
                "legal_bases": sorted(labels["legal_bases"]),
            },
        )
    for name, value in (("purposes", actor.purpose), ("legal_bases", actor.legal_basis)):
        if value not in labels[name]:
            raise PurposeRequired(
                f"未知的{'查询目的' if name == 'purposes' else '法律依据'}代码 '{value}'",
                details={"field": name, "value": value, "allowed": sorted(labels[name])},
            )
    return actor.purpose, actor.legal_basis


def parse_purpose(purpose: str | None, legal_basis: str | None) -> tuple[str | None, str | None]:
    """``X-Purpose: case_handling`` + ``X-Legal-Basis: ...``, or ``X-Purpose: case_handling;basis``."""
    p = (purpose or "").strip()
    b = (legal_basis or "").strip()
    if ";" in p:
        p, _, rest = p.partition(";")
        p, b = p.strip(), b or rest.strip()
    return p or None, b or None


# ------------------------------------------------------------------ accounts


def _ref(user: User) -> str:
    return f"{user.username}"


def _check_password(session: Session, password: str, username: str) -> None:
    pol = policy(session)
    problems = passwords.policy_problems(
        password, username=username, min_length=pol.password_min_length, min_classes=pol.password_min_classes
    )
    if problems:
        raise WeakPassword("密码不符合安全策略：" + "；".join(problems), details={"problems": problems})


def generate_password() -> str:
    """A random temporary password that meets any policy this module allows."""
    return "Xy-" + secrets.token_urlsafe(12) + "7a!"


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip()))


def get_user(session: Session, user_id: uuid.UUID | str) -> User:
    try:
        uid = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    except ValueError:
        uid = None
    user = session.get(User, uid) if uid is not None else find_user(session, str(user_id))
    if user is None:
        raise UnknownUser("未找到该账号", details={"user": str(user_id)})
    return user


def actor_name(session: Session, label: str | None) -> str:
    """Who an actor label (``ActorRef.label``: ``user:<id>``, ``client:<id>``, ``cli:…``, ``system:…``) stood
    for, as a person reads it: the account's display name and username, the client's name; the label
    itself when it names no known account (kept as written: it may be a fixed label or a deleted one)."""
    kind, _, ref = (label or "").partition(":")
    if kind == "user" and ref:
        with contextlib.suppress(UnknownUser):
            user = get_user(session, ref)
            return f"{user.display_name}（{user.username}）"
    if kind == "client" and ref:
        client = session.get(ApiClient, ref)
        if client is not None:
            return f"接口客户端 {client.name}"
    if kind == "cli":
        return CLI.name
    if kind == "system":
        return f"{SYSTEM.name}（{ref}）" if ref and ref != SYSTEM.name else SYSTEM.name
    return label or ""


def user_roles(session: Session, user_id: uuid.UUID) -> list[str]:
    return sorted(session.scalars(select(UserRole.role_key).where(UserRole.user_id == user_id)))


@dataclass(frozen=True)
class UserView:
    user: User
    roles: list[str]

    @property
    def locked(self) -> bool:
        return self.user.locked_until is not None and self.user.locked_until > clock.now()


def list_users(session: Session, *, unit_key: str | None = None) -> list[UserView]:
    q = select(User).order_by(User.unit_key, User.username)
    if unit_key:
        q = q.where(User.unit_key == unit_key)
    users = list(session.scalars(q))
    held: dict[uuid.UUID, list[str]] = {}
    for ur in session.scalars(select(UserRole).order_by(UserRole.role_key)):
        held.setdefault(ur.user_id, []).append(ur.role_key)
    return [UserView(u, held.get(u.id, [])) for u in users]


def _validate_roles(session: Session, role_keys: set[str]) -> None:
    known = {r.key for r in roles(session)}
    unknown = sorted(role_keys - known)
    if unknown:
        raise Invalid(f"未知角色：{'、'.join(unknown)}", code="unknown_role", details={"roles": unknown})
    conflicts = access_spec(session).conflicts(role_keys)
    if conflicts:
        a, b = conflicts[0]
        raise DutiesConflict(
            f"三员分立：同一账号不得同时担任 {a} 与 {b}",
            details={"conflicts": [list(c) for c in conflicts]},
        )


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    unit_key: str,
    role_keys: Iterable[str],
    password: str,
    actor: ActorRef,
    must_change_password: bool = False,
    demo: bool = False,
) -> User:
    """A new account in ``unit_key`` holding ``role_keys`` (policy-checked password, 三员分立)."""
    username = username.strip()
    if not username or find_user(session, username) is not None:
        raise Invalid("用户名为空或已存在", code="username_taken", details={"username": username})
    if org.unit(session, unit_key) is None:
        raise Invalid(f"未知单位 '{unit_key}'", code="unknown_unit", details={"unit": unit_key})
    wanted = set(role_keys)
    _validate_roles(session, wanted)
    _check_password(session, password, username)
    now = clock.now()
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        unit_key=unit_key,
        password_hash=passwords.hash_password(password),
        password_changed_at=now,
        must_change_password=must_change_password,
        active=True,
        demo=demo,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    for key in sorted(wanted):
        session.add(UserRole(user_id=user.id, role_key=key, granted_by=actor.label, granted_at=now))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="auth.user_created",
        target_type="user",
        target_id=str(user.id),
        details={"username": username, "unit": unit_key, "roles": sorted(wanted), "demo": demo},
    )
    return user


def set_roles(session: Session, *, user: User, role_keys: Iterable[str], actor: ActorRef) -> list[str]:
    """Replace the roles ``user`` holds; nobody changes their own roles (三员分立)."""
    if actor.kind == "user" and actor.id == str(user.id):
        raise Forbidden("不得为本人授予或变更角色", code="self_grant")
    wanted = set(role_keys)
    _validate_roles(session, wanted)
    before = set(user_roles(session, user.id))
    now = clock.now()
    session.execute(
        delete(UserRole).where(UserRole.user_id == user.id, UserRole.role_key.in_(sorted(before - wanted)))
    )
    for key in sorted(wanted - before):
        session.add(UserRole(user_id=user.id, role_key=key, granted_by=actor.label, granted_at=now))
    user.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="auth.roles_changed",
        target_type="user",
        target_id=str(user.id),
        details={"before": sorted(before), "after": sorted(wanted)},
    )
    return sorted(wanted)


def _revoke_sessions(session: Session, user: User, now: dt.datetime) -> None:
    for row in session.scalars(
        select(StaffSession).where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
    ):
        row.revoked_at = now


def set_active(session: Session, *, user: User, active: bool, actor: ActorRef) -> None:
    """Disable (ending every session) or re-enable an account."""
    if actor.kind == "user" and actor.id == str(user.id) and not active:
        raise Forbidden("不得停用本人账号", code="self_disable")
    now = clock.now()
    user.active, user.updated_at = active, now
    if not active:
        _revoke_sessions(session, user, now)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="auth.user_enabled" if active else "auth.user_disabled",
        target_type="user",
        target_id=str(user.id),
        details={"username": user.username},
    )


def unlock(session: Session, *, user: User, actor: ActorRef) -> None:
    """Lift a lockout before its 30 minutes are over (an administrator's act)."""
    user.locked_until, user.failed_logins, user.updated_at = None, 0, clock.now()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="auth.user_unlocked",
        target_type="user",
        target_id=str(user.id),
        details={"username": user.username},
    )


def reset_password(session: Session, *, user: User, actor: ActorRef, password: str | None = None) -> str:
    """Set a new password (generated when none is given) the user must change at next login."""
    new = password or generate_password()
    _check_password(session, new, user.username)
    now = clock.now()
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = user.updated_at = now
    user.must_change_password = True
    user.locked_until, user.failed_logins = None, 0
    _revoke_sessions(session, user, now)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="auth.password_reset",
        target_type="user",
        target_id=str(user.id),
        details={"username": user.username},
    )
    return new


def change_password(session: Session, *, user: User, old: str, new: str) -> None:
    """The user's own password change (checks the old one and the policy)."""
    if not passwords.verify_password(user.password_hash, old):
        raise Invalid("原密码不正确", code="wrong_password")
    if new == old:
        raise WeakPassword("新密码不得与原密码相同")
    _check_password(session, new, user.username)
    now = clock.now()
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = user.updated_at = now
    user.must_change_password = False
    session.flush()
    audit.record(
        session,
        actor=ActorRef(kind="user", name=user.display_name, id=str(user.id), unit_key=user.unit_key),
        action="auth.password_changed",
        target_type="user",
        target_id=str(user.id),
    )


# ------------------------------------------------------------------ login


def authenticate(session: Session, *, username: str, password: str, production: bool) -> User:
    """Check a login; count failures and lock after the policy's limit. Callers must commit on failure.

    Raises LoginFailed (unknown user, wrong password, disabled) or AccountLocked. The message never
    says which of user or password was wrong.
    """
    now = clock.now()
    pol = policy(session)
    user = find_user(session, username)
    if user is None:
        passwords.burn_time(password)
        raise LoginFailed("用户名或密码错误")
    who = ActorRef(kind="user", name=user.display_name, id=str(user.id), unit_key=user.unit_key)
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AccountLocked(
            f"账号已锁定，请 {minutes} 分钟后再试或联系系统管理员解锁",
            details={"locked_until": user.locked_until.isoformat()},
        )
    if not passwords.verify_password(user.password_hash, password):
        user.failed_logins += 1
        details: dict[str, Any] = {"failed_logins": user.failed_logins}
        if user.failed_logins >= pol.max_failed_logins:
            user.locked_until = now + dt.timedelta(minutes=pol.lockout_minutes)
            user.failed_logins = 0
            details["locked_until"] = user.locked_until.isoformat()
        session.flush()
        locked = user.locked_until is not None and user.locked_until > now
        audit.record(
            session,
            actor=who,
            action="auth.account_locked" if locked else "auth.login_failed",
            target_type="user",
            target_id=str(user.id),
            details=details,
        )
        if locked:
            raise AccountLocked(
                f"连续 {pol.max_failed_logins} 次密码错误，账号已锁定 {pol.lockout_minutes} 分钟",
                details={"locked_until": details["locked_until"]},
            )
        raise LoginFailed(
            "用户名或密码错误", details={"remaining": pol.max_failed_logins - user.failed_logins}
        )
    if not user.active:
        raise LoginFailed("账号已停用，请联系系统管理员")
    if production and user.demo:
        raise LoginFailed("生产环境禁止使用演示账号（默认口令）", code="demo_account_refused")
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    session.flush()
    return user


def _hash(raw: str) -> str:
    return crypto.lookup_hash(raw, purpose="staff-session")


def open_session(session: Session, *, user: User, kind: str, ip: str | None) -> tuple[str, StaffSession]:
    """A new console session or staff token for ``user``: (raw secret to hand out once, row)."""
    now = clock.now()
    pol = policy(session)
    raw = (TOKEN_PREFIX if kind == TOKEN else "") + secrets.token_urlsafe(32)
    lifetime = (
        dt.timedelta(minutes=pol.staff_token_minutes)
        if kind == TOKEN
        else dt.timedelta(hours=pol.session_max_hours)
    )
    row = StaffSession(
        token_hash=_hash(raw),
        kind=kind,
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        ip=ip,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=ActorRef(kind="user", name=user.display_name, id=str(user.id), unit_key=user.unit_key),
        action="auth.login" if kind == SESSION else "auth.token_issued",
        target_type="user",
        target_id=str(user.id),
        details={"ip": ip, "expires_at": row.expires_at.isoformat()},
    )
    return raw, row


def resolve_session(
    session: Session, *, raw: str, kind: str, idle_minutes: int
) -> tuple[User, StaffSession] | None:
    """The live session or token for ``raw`` (touching its idle clock), or None."""
    row = session.get(StaffSession, _hash(raw))
    now = clock.now()
    if row is None or row.kind != kind or row.revoked_at is not None or row.expires_at <= now:
        return None
    if kind == SESSION and row.last_seen_at + dt.timedelta(minutes=idle_minutes) <= now:
        row.revoked_at = now
        session.flush()
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if (now - row.last_seen_at).total_seconds() >= 30:
        row.last_seen_at = now
        session.flush()
    return user, row


def close_session(session: Session, *, raw: str) -> None:
    row = session.get(StaffSession, _hash(raw))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
        session.flush()


def user_actor(
    session: Session, user: User, *, purpose: str | None = None, legal_basis: str | None = None
) -> Actor:
    """The Actor of a logged-in user: unit and its district, roles and their permissions."""
    unit = org.unit(session, user.unit_key)
    held = user_roles(session, user.id)
    return Actor(
        kind="user",
        id=str(user.id),
        name=user.display_name,
        unit_key=user.unit_key,
        district_key=unit.district_key if unit is not None else None,
        roles=frozenset(held),
        permissions=permissions_of(session, held),
        purpose=purpose,
        legal_basis=legal_basis,
    )


# ------------------------------------------------------------------ API clients


def _key_hash(key: str) -> str:
    return crypto.lookup_hash(key, purpose="api-key")


def _new_key(client_id: str) -> str:
    return f"{KEY_PREFIX}{client_id}_{secrets.token_urlsafe(32)}"


def _networks(values: Iterable[str]) -> list[str]:
    out = []
    for v in values:
        v = v.strip()
        if not v:
            continue
        try:
            out.append(str(ipaddress.ip_network(v, strict=False)))
        except ValueError:
            raise Invalid(f"IP 地址或网段无效：'{v}'", code="invalid_network", details={"value": v}) from None
    return out


def _client_permissions(perms: Iterable[str]) -> list[str]:
    from xinyong.auth.permissions import ADMIN_PERMISSIONS, ALL_PERMISSIONS

    wanted = sorted(set(perms))
    bad = [p for p in wanted if p not in ALL_PERMISSIONS or p in ADMIN_PERMISSIONS]
    if bad:
        raise Invalid(f"接口客户端不可授予的权限：{'、'.join(bad)}", code="invalid_permission")
    return wanted


def create_client(
    session: Session,
    *,
    name: str,
    unit_key: str | None,
    permissions: Iterable[str],
    allowed_ips: Iterable[str] = (),
    rate_per_minute: int = 600,
    actor: ActorRef,
) -> tuple[ApiClient, str]:
    """A new API client and its key ``xyk_<id>_<secret>`` — the only time the key is shown."""
    name = name.strip()
    if not name or session.scalar(select(ApiClient).where(ApiClient.name == name)) is not None:
        raise Invalid("客户端名称为空或已存在", code="client_name_taken", details={"name": name})
    if unit_key and org.unit(session, unit_key) is None:
        raise Invalid(f"未知单位 '{unit_key}'", code="unknown_unit")
    if not 1 <= rate_per_minute <= 100_000:
        raise Invalid("每分钟请求上限须在 1–100000 之间", code="invalid_rate")
    client_id = secrets.token_hex(4)
    key = _new_key(client_id)
    client = ApiClient(
        id=client_id,
        name=name,
        unit_key=unit_key or None,
        key_hash=_key_hash(key),
        permissions=_client_permissions(permissions),
        allowed_ips=_networks(allowed_ips),
        rate_per_minute=rate_per_minute,
        created_at=clock.now(),
        created_by=actor.label,
    )
    session.add(client)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="auth.client_created",
        target_type="api_client",
        target_id=client_id,
        details={"name": name, "permissions": client.permissions, "allowed_ips": client.allowed_ips},
    )
    return client, key


def get_client(session: Session, client_id: str) -> ApiClient:
    client = session.get(ApiClient, client_id.strip())
    if client is None:
        raise UnknownClient("未找到该接口客户端", details={"client": client_id})
    return client


def list_clients(session: Session) -> list[ApiClient]:
    return list(session.scalars(select(ApiClient).order_by(ApiClient.created_at, ApiClient.id)))


#: The longest grace period a rotation may give the replaced key (one week).
MAX_GRACE_HOURS = 168


def rotate_client(session: Session, *, client: ApiClient, actor: ActorRef, grace_hours: int = 0) -> str:
    """Issue a new key and return it — shown only now. The replaced key stops working at once
    (``grace_hours`` 0: the right answer to a leaked key) or keeps working for ``grace_hours`` more,
    so the calling system can be switched over without an outage. Only the key just replaced gets a
    grace period: a second rotation ends any earlier one."""
    if client.revoked_at is not None:
        raise Invalid("已吊销的客户端不能轮换密钥", code="client_revoked")
    if not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise Invalid(
            f"旧密钥的过渡期须在 0–{MAX_GRACE_HOURS} 小时之间",
            code="invalid_grace",
            details={"grace_hours": grace_hours},
        )
    now = clock.now()
    key = _new_key(client.id)
    if grace_hours:
        client.previous_key_hash = client.key_hash
        client.previous_key_expires_at = now + dt.timedelta(hours=grace_hours)
    else:
        client.previous_key_hash = client.previous_key_expires_at = None
    client.key_hash, client.rotated_at = _key_hash(key), now
    session.flush()
    forget_client(client_id=client.id)
    audit.record(
        session,
        actor=actor,
        action="auth.client_rotated",
        target_type="api_client",
        target_id=client.id,
        details={
            "grace_hours": grace_hours,
            "previous_key_expires_at": (
                client.previous_key_expires_at.isoformat() if client.previous_key_expires_at else None
            ),
        },
    )
    return key


def revoke_client(session: Session, *, client: ApiClient, actor: ActorRef) -> None:
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        client.previous_key_hash = client.previous_key_expires_at = None
        session.flush()
        forget_client(client_id=client.id)
        audit.record(
            session, actor=actor, action="auth.client_revoked", target_type="api_client", target_id=client.id
        )


def resolve_client(session: Session, key: str) -> ApiClient | None:
    """The live client whose key is ``key`` (constant-time comparison), else None."""
    if not key.startswith(KEY_PREFIX):
        return None
    parts = key.split("_", 2)
    if len(parts) != 3:
        return None
    client = session.get(ApiClient, parts[1])
    if client is None or client.revoked_at is not None:
        return None
    digest = _key_hash(key)
    if secrets.compare_digest(client.key_hash, digest):
        return client
    previous = client.previous_key_hash
    if previous and grace_until(client, clock.now()) and secrets.compare_digest(previous, digest):
        return client  # the key a rotation replaced, within its grace period
    return None


def grace_until(client: ApiClient, now: dt.datetime) -> dt.datetime | None:
    """Until when the key ``client``'s last rotation replaced is still accepted (None: it is not)."""
    until = client.previous_key_expires_at
    if client.revoked_at is not None or client.previous_key_hash is None or until is None or until <= now:
        return None
    return until


@dataclass(frozen=True)
class ClientGrant:
    """What a verified API key grants: a snapshot of its client row (and the unit's district)."""

    id: str
    name: str
    unit_key: str | None
    district_key: str | None
    permissions: frozenset[str]
    allowed_ips: tuple[str, ...]
    rate_per_minute: int


#: How long a verified key is trusted without reading its client row again, in seconds. Revocation and
#: rotation through this process drop the entry at once; another process (another uvicorn worker, the
#: CLI) is honoured within this bound. docs/access-control.md gives the trade-off.
CLIENT_CACHE_SECONDS = 2.0

_grants: dict[str, tuple[float, ClientGrant]] = {}
_grants_lock = threading.Lock()


def authenticate_key(session: Session, key: str, *, at: float | None = None) -> ClientGrant | None:
    """The grant of API key ``key`` (None: unknown, forged, rotated or revoked), cached per key hash.

    The cache is keyed by the key's HMAC, so only a key that once matched the stored hash can hit it,
    and an entry lives at most :data:`CLIENT_CACHE_SECONDS` (``at`` is a ``time.monotonic()`` reading;
    tests pass their own).
    """
    now = time.monotonic() if at is None else at
    digest = _key_hash(key)
    found = _grants.get(digest)
    if found is not None and now - found[0] < CLIENT_CACHE_SECONDS:
        return found[1]
    client = resolve_client(session, key)
    if client is None:
        forget_client(key_hash=digest)
        return None
    unit = org.unit(session, client.unit_key) if client.unit_key else None
    grant = ClientGrant(
        id=client.id,
        name=client.name,
        unit_key=client.unit_key,
        district_key=unit.district_key if unit is not None else None,
        permissions=frozenset(client.permissions),
        allowed_ips=tuple(client.allowed_ips),
        rate_per_minute=client.rate_per_minute,
    )
    with _grants_lock:
        if len(_grants) > 10_000:  # bounded: expired entries of rotated keys go first
            for k in [k for k, (t, _) in _grants.items() if now - t >= CLIENT_CACHE_SECONDS]:
                del _grants[k]
        _grants[digest] = (now, grant)
    return grant


def forget_client(*, client_id: str | None = None, key_hash: str | None = None) -> None:
    """Drop cached grants of one client (every key it had) or of one key hash; both None: all."""
    with _grants_lock:
        if client_id is None and key_hash is None:
            _grants.clear()
            return
        for k in [k for k, (_, g) in _grants.items() if k == key_hash or g.id == client_id]:
            del _grants[k]


def ip_allowed(client: ApiClient | ClientGrant, ip: str | None) -> bool:
    if not client.allowed_ips:
        return True
    if ip is None:
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in ipaddress.ip_network(n) for n in client.allowed_ips)


def grant_actor(grant: ClientGrant, *, purpose: str | None, legal_basis: str | None) -> Actor:
    """The actor of a request made with a verified API key."""
    return Actor(
        kind="client",
        id=grant.id,
        name=grant.name,
        unit_key=grant.unit_key,
        district_key=grant.district_key,
        roles=frozenset(),
        permissions=grant.permissions,
        purpose=purpose,
        legal_basis=legal_basis,
    )
