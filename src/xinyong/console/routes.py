"""Console shell: login and logout, the per-role home page, own password, and the audited look-up page."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.auth import service as auth
from xinyong.auth.actor import Actor
from xinyong.auth.errors import Unauthenticated
from xinyong.auth.permissions import (
    AUDIT_READ,
    CLIENTS_MANAGE,
    RECORDS_READ_PRIVATE,
    SESSION_COOKIE,
    USERS_MANAGE,
    client_ip,
    current_actor,
    require,
)
from xinyong.config import get_settings
from xinyong.console.deps import LOGIN_CSRF_COOKIE, PREFIX, check_csrf, render
from xinyong.console.nav import NavEntry, Queue, queues_for, register_nav, register_queue
from xinyong.errors import XinyongError
from xinyong.kit import clock
from xinyong.records import staff
from xinyong.web import DbSession, Public

router = APIRouter(prefix=PREFIX, include_in_schema=False)

register_nav(NavEntry("home", "工作台", f"{PREFIX}/", order=0))
register_nav(NavEntry("lookup", "信息查阅", f"{PREFIX}/lookup", permission=RECORDS_READ_PRIVATE, order=50))
register_nav(NavEntry("users", "账号管理", f"{PREFIX}/users", permission=USERS_MANAGE, order=80))
register_nav(NavEntry("clients", "接口客户端", f"{PREFIX}/clients", permission=CLIENTS_MANAGE, order=81))
register_nav(NavEntry("audit", "审计日志", f"{PREFIX}/audit", permission=AUDIT_READ, order=90))

# The work queues of the domains (batches, lists, quality, checks) are registered by their console
# modules: console.ingestion, console.lists, console.measures.


def _locked_accounts(session: DbSession, _actor: Actor) -> int:
    return sum(1 for v in auth.list_users(session) if v.locked)


def _reads_today(session: DbSession, _actor: Actor) -> int:
    from datetime import datetime

    from xinyong.audit import queries as audit_queries
    from xinyong.kit.clock import SHANGHAI

    start = datetime.combine(clock.today(), datetime.min.time(), SHANGHAI)
    return audit_queries.count_reads_since(session, start)


register_queue(
    Queue(
        "locked",
        "已锁定账号",
        USERS_MANAGE,
        "连续输错密码被锁定的账号",
        f"{PREFIX}/users",
        _locked_accounts,
        60,
    )
)
register_queue(
    Queue(
        "reads_today",
        "今日查询日志",
        AUDIT_READ,
        "今日非公开信息查阅记录",
        f"{PREFIX}/audit?kind=reads",
        _reads_today,
        70,
    )
)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith(PREFIX + "/") and "//" not in target else f"{PREFIX}/"


@router.get("/login", response_class=HTMLResponse, dependencies=[Public])
def login_page(request: Request, session: DbSession, next: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, session, None, "login.html", next=_safe_next(next), login_csrf=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path=PREFIX)
    return response


@router.post("/login", response_class=HTMLResponse, dependencies=[Public])
def login(
    request: Request,
    session: DbSession,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form(""),
) -> Response:
    """Check the password; on failure re-show the form (the failure count is committed)."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    settings = get_settings()
    error: str | None = None
    if not cookie or not secrets.compare_digest(cookie.encode(), csrf_token.encode()):
        error = "登录表单已失效，请重新输入"
    else:
        try:
            user = auth.authenticate(
                session, username=username, password=password, production=settings.production
            )
        except Unauthenticated as exc:
            error = exc.message
    if error is not None:
        token = secrets.token_urlsafe(24)
        page = render(
            request,
            session,
            None,
            "login.html",
            401,
            next=_safe_next(next),
            login_csrf=token,
            error=error,
            username=username,
        )
        page.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path=PREFIX)
        return page
    raw, _row = auth.open_session(session, user=user, kind=auth.SESSION, ip=client_ip(request))
    target = f"{PREFIX}/password" if user.must_change_password else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, raw, httponly=True, samesite="lax", secure=settings.production, path="/"
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, _actor: Actor = Depends(check_csrf)) -> Response:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        auth.close_session(session, raw=raw)
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DbSession, actor: Actor = Depends(current_actor)) -> Response:
    roles = {r.key: r.name for r in auth.roles(session)}
    return render(
        request,
        session,
        actor,
        "home.html",
        queues=queues_for(session, actor),
        role_names=[roles.get(k, k) for k in sorted(actor.roles)],
    )


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request, session: DbSession, actor: Actor = Depends(current_actor)) -> Response:
    return render(request, session, actor, "password.html")


@router.post("/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: DbSession,
    old: str = Form(""),
    new: str = Form(""),
    confirm: str = Form(""),
    actor: Actor = Depends(check_csrf),
) -> Response:
    try:
        if new != confirm:
            raise XinyongError("两次输入的新密码不一致", code="mismatch", status_code=422)
        auth.change_password(session, user=auth.get_user(session, actor.id), old=old, new=new)
    except XinyongError as exc:
        return render(request, session, actor, "password.html", 422, error=exc.message)
    request.state.must_change_password = False
    return render(request, session, actor, "password.html", message="密码已修改")


@router.get("/lookup", response_class=HTMLResponse)
def lookup(
    request: Request,
    session: DbSession,
    kind: str = "record",
    id: str = "",
    actor: Actor = Depends(require(RECORDS_READ_PRIVATE)),
) -> Response:
    """Look up a record or a person: the page asks for the purpose and legal basis first (read-audited)."""
    labels = auth.code_labels(session)
    context: dict[str, Any] = {
        "kind": kind,
        "id": id,
        "labels": labels,
        "actor_purpose": actor.purpose,
        "actor_basis": actor.legal_basis,
    }
    status = 200
    if id:
        try:
            target = uuid.UUID(id.strip())
            if kind == "subject":
                context["subject"] = staff.read_subject(
                    session, actor=actor, subject_id=target, path=request.url.path
                )
            else:
                context["record"] = staff.read_record(
                    session, actor=actor, record_id=target, path=request.url.path
                )
        except ValueError:
            context["error"], status = "编号格式不正确", 422
        except XinyongError as exc:
            context["error"], status = exc.message, exc.status_code
    return render(request, session, actor, "lookup.html", status, **context)
