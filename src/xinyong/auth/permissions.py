"""Named permissions and the FastAPI access dependencies every non-public route uses.

``current_actor`` resolves the identity of a request, trying in order:

1. an API key — ``X-Api-Key: xyk_<id>_<secret>`` or ``Authorization: Bearer xyk_…`` (business systems;
   allowed IP ranges and the per-client rate limit are enforced here);
2. a short-lived staff token — ``Authorization: Bearer xyt_…`` (``POST /api/v1/staff/tokens``);
3. the console session cookie ``xy_session`` (idle timeout ``Settings.session_idle_minutes``). With a
   cookie, unsafe methods on ``/api/`` need ``X-CSRF-Token``; console forms check their ``csrf_token``
   field (console.deps).

The purpose of a read of non-public data travels as ``X-Purpose: <code>`` plus ``X-Legal-Basis:
<code>`` — or both in one header, ``X-Purpose: <purpose>;<legal basis>`` — or, on console pages, as
the ``purpose``/``legal_basis`` query parameters. Codes come from ``access.yaml``; services check
them with ``auth.service.require_purpose`` (missing → 422).

``require(*permissions)`` builds a dependency that also checks permissions (403 when one is missing).
Tests override ``current_actor`` through ``app.dependency_overrides``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from functools import lru_cache

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong.auth.actor import Actor
from xinyong.auth.errors import Forbidden, RateLimited, Unauthenticated
from xinyong.config import get_settings
from xinyong.web import DbSession, access_dependency

__all__ = [
    "ADMIN_PERMISSIONS",
    "ALL_PERMISSIONS",
    "PERMISSION_LABELS",
    "SESSION_COOKIE",
    "Forbidden",
    "Unauthenticated",
    "client_ip",
    "current_actor",
    "require",
]

# Permission names (granted to roles as data in profiles/<city>/access.yaml).
RECORDS_SUBMIT = "records.submit"
RECORDS_REVIEW = "records.review"
RECORDS_REVOKE = "records.revoke"
RECORDS_READ_PRIVATE = "records.read_private"
BATCHES_READ = "batches.read"
QUALITY_READ = "quality.read"
LISTS_RECOGNISE = "lists.recognise"
LISTS_READ = "lists.read"
MEASURES_READ = "measures.read"
CHECKS_RUN = "checks.run"
CHECKS_STATS = "checks.stats"
AUDIT_READ = "audit.read"
USERS_MANAGE = "users.manage"
CLIENTS_MANAGE = "clients.manage"

#: Every permission with its Chinese label (console forms, ``xinyong clients create`` help).
PERMISSION_LABELS: dict[str, str] = {
    RECORDS_SUBMIT: "报送与更正记录",
    RECORDS_REVIEW: "审核报送批次",
    RECORDS_REVOKE: "撤销决定",
    RECORDS_READ_PRIVATE: "查阅非公开信息",
    BATCHES_READ: "查看报送批次",
    QUALITY_READ: "查看数据质量",
    LISTS_RECOGNISE: "名单认定",
    LISTS_READ: "查看名单",
    MEASURES_READ: "查看奖惩措施",
    CHECKS_RUN: "联合奖惩核查",
    CHECKS_STATS: "核查统计",
    AUDIT_READ: "查阅审计日志",
    USERS_MANAGE: "账号管理",
    CLIENTS_MANAGE: "接口客户端管理",
}
ALL_PERMISSIONS = frozenset(PERMISSION_LABELS)
#: Account administration: the only permissions a 三员分立 system administrator may hold.
ADMIN_PERMISSIONS = frozenset({USERS_MANAGE, CLIENTS_MANAGE})

SESSION_COOKIE = "xy_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@lru_cache(maxsize=8)
def _trusted(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in spec.split(",") if p.strip())


def _is_trusted(ip: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in n for n in networks)


def client_ip(request: Request) -> str | None:
    """The caller's address: ``X-Forwarded-For`` counts only when the peer is a trusted proxy."""
    peer = request.client.host if request.client else None
    networks = _trusted(get_settings().trusted_proxies)
    if peer is None or not networks or not _is_trusted(peer, networks):
        return peer
    chain = [p.strip() for p in request.headers.get("x-forwarded-for", "").split(",") if p.strip()]
    for hop in reversed(chain):
        if not _is_trusted(hop, networks):
            return hop
    return peer


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


@access_dependency
async def current_actor(request: Request, session: DbSession) -> Actor:
    """The request's authenticated actor; 401 with a JSON error when there is none.

    ``async`` so that an API-key request — a business system's check, many a second — costs no
    threadpool hop: its grant is cached (``auth.service.authenticate_key``), and a cache miss is two
    short primary-key reads. Staff sessions and tokens read and touch their row in the threadpool.
    """
    from xinyong.auth import service
    from xinyong.auth.ratelimit import limiter

    purpose, basis = service.parse_purpose(
        request.headers.get("x-purpose") or request.query_params.get("purpose"),
        request.headers.get("x-legal-basis") or request.query_params.get("legal_basis"),
    )
    bearer = bearer_token(request)
    key = request.headers.get("x-api-key") or (
        bearer if bearer and bearer.startswith(service.KEY_PREFIX) else None
    )
    if key:
        grant = service.authenticate_key(session, key)
        if grant is None:
            raise Unauthenticated("接口密钥无效或已吊销")
        if not service.ip_allowed(grant, client_ip(request)):
            raise Forbidden("该客户端不允许从此地址访问", code="ip_not_allowed")
        allowed, retry = limiter.allow(grant.id, grant.rate_per_minute)
        if not allowed:
            raise RateLimited("请求过于频繁，请稍后再试", details={"retry_after_seconds": round(retry, 1)})
        request.state.auth_kind = "client"
        return service.grant_actor(grant, purpose=purpose, legal_basis=basis)
    if not bearer and not request.cookies.get(SESSION_COOKIE):
        raise Unauthenticated("未登录或凭证无效")
    return await run_in_threadpool(_staff_actor, request, session, bearer, purpose, basis)


def _staff_actor(
    request: Request, session: Session, bearer: str | None, purpose: str | None, basis: str | None
) -> Actor:
    """A staff token or console session (reads and touches the session row)."""
    from xinyong.auth import service

    settings = get_settings()
    if bearer:
        found = service.resolve_session(
            session, raw=bearer, kind=service.TOKEN, idle_minutes=settings.session_idle_minutes
        )
        if found is None:
            raise Unauthenticated("令牌无效或已过期")
        request.state.auth_kind = "token"
        return service.user_actor(session, found[0], purpose=purpose, legal_basis=basis)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = service.resolve_session(
            session, raw=cookie, kind=service.SESSION, idle_minutes=settings.session_idle_minutes
        )
        if found is not None:
            user, row = found
            if (
                request.method not in SAFE_METHODS
                and request.url.path.startswith("/api/")
                and request.headers.get("x-csrf-token") != row.csrf_token
            ):
                raise Forbidden("缺少或错误的 CSRF 令牌", code="csrf_failed")
            request.state.auth_kind = "session"
            request.state.csrf_token = row.csrf_token
            request.state.must_change_password = user.must_change_password
            return service.user_actor(session, user, purpose=purpose, legal_basis=basis)
    raise Unauthenticated("未登录或凭证无效")


def require(*permissions: str) -> Callable[..., Awaitable[Actor]]:
    """A dependency returning the actor if it holds every permission in ``permissions``, else 403."""

    @access_dependency
    async def dependency(actor: Actor = Depends(current_actor)) -> Actor:
        missing = [p for p in permissions if not actor.has(p)]
        if missing:
            raise Forbidden("无权执行该操作", details={"missing": missing})
        return actor

    return dependency
