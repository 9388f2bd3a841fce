"""Console administration: staff accounts (users.manage) and API clients (clients.manage)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.auth import service as auth
from xinyong.auth.actor import Actor
from xinyong.auth.permissions import (
    ADMIN_PERMISSIONS,
    CLIENTS_MANAGE,
    PERMISSION_LABELS,
    USERS_MANAGE,
    require,
)
from xinyong.console.deps import PREFIX, check_csrf, render
from xinyong.errors import XinyongError
from xinyong.kit import clock
from xinyong.org import queries as org
from xinyong.web import DbSession

router = APIRouter(prefix=PREFIX, include_in_schema=False)

#: Permissions an API client can be given (never account administration).
CLIENT_PERMISSIONS = {k: v for k, v in PERMISSION_LABELS.items() if k not in ADMIN_PERMISSIONS}


def _users_page(
    request: Request, session: DbSession, actor: Actor, status: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        session,
        actor,
        "users.html",
        status,
        users=auth.list_users(session),
        roles=auth.roles(session),
        units=org.units(session),
        **extra,
    )


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: DbSession, actor: Actor = Depends(require(USERS_MANAGE))) -> Response:
    return _users_page(request, session, actor)


@router.post("/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    session: DbSession,
    username: str = Form(""),
    display_name: str = Form(""),
    unit_key: str = Form(""),
    roles: list[str] = Form(default_factory=list),
    actor: Actor = Depends(require(USERS_MANAGE)),
    _csrf: Actor = Depends(check_csrf),
) -> Response:
    """Create an account with a generated temporary password, shown once, to be changed at first login."""
    password = auth.generate_password()
    try:
        user = auth.create_user(
            session,
            username=username,
            display_name=display_name,
            unit_key=unit_key,
            role_keys=roles,
            password=password,
            actor=actor.ref(),
            must_change_password=True,
        )
    except XinyongError as exc:
        return _users_page(request, session, actor, 422, error=exc.message)
    return _users_page(request, session, actor, secret={"username": user.username, "password": password})


@router.post("/users/{user_id}/{action}", response_class=HTMLResponse)
def user_action(
    request: Request,
    session: DbSession,
    user_id: str,
    action: str,
    roles: list[str] = Form(default_factory=list),
    actor: Actor = Depends(require(USERS_MANAGE)),
    _csrf: Actor = Depends(check_csrf),
) -> Response:
    """unlock | disable | enable | reset-password | roles on one account (each audited)."""
    extra: dict[str, Any] = {}
    try:
        user = auth.get_user(session, user_id)
        if action == "unlock":
            auth.unlock(session, user=user, actor=actor.ref())
        elif action in ("disable", "enable"):
            auth.set_active(session, user=user, active=action == "enable", actor=actor.ref())
        elif action == "reset-password":
            extra["secret"] = {
                "username": user.username,
                "password": auth.reset_password(session, user=user, actor=actor.ref()),
            }
        elif action == "roles":
            auth.set_roles(session, user=user, role_keys=roles, actor=actor.ref())
        else:
            raise XinyongError("未知操作", code="unknown_action", status_code=404)
    except XinyongError as exc:
        return _users_page(request, session, actor, exc.status_code, error=exc.message)
    if extra:
        return _users_page(request, session, actor, **extra)
    return RedirectResponse(f"{PREFIX}/users", status_code=303)


def _clients_page(
    request: Request, session: DbSession, actor: Actor, status: int = 200, **extra: Any
) -> Response:
    clients = auth.list_clients(session)
    now = clock.now()
    # Clients whose replaced key is still in its grace period: until when (Beijing time).
    grace = {
        c.id: f"{until.astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M}"
        for c in clients
        if (until := auth.grace_until(c, now)) is not None
    }
    return render(
        request,
        session,
        actor,
        "clients.html",
        status,
        clients=clients,
        grace=grace,
        units=org.units(session),
        client_permissions=CLIENT_PERMISSIONS,
        **extra,
    )


@router.get("/clients", response_class=HTMLResponse)
def clients(
    request: Request, session: DbSession, actor: Actor = Depends(require(CLIENTS_MANAGE))
) -> Response:
    return _clients_page(request, session, actor)


@router.post("/clients", response_class=HTMLResponse)
def create_client(
    request: Request,
    session: DbSession,
    name: str = Form(""),
    unit_key: str = Form(""),
    permissions: list[str] = Form(default_factory=list),
    allowed_ips: str = Form(""),
    rate_per_minute: int = Form(600),
    actor: Actor = Depends(require(CLIENTS_MANAGE)),
    _csrf: Actor = Depends(check_csrf),
) -> Response:
    """Create a client; its key is shown on this page once and never again."""
    try:
        client, key = auth.create_client(
            session,
            name=name,
            unit_key=unit_key or None,
            permissions=permissions,
            allowed_ips=allowed_ips.replace("，", ",").split(","),
            rate_per_minute=rate_per_minute,
            actor=actor.ref(),
        )
    except XinyongError as exc:
        return _clients_page(request, session, actor, 422, error=exc.message)
    return _clients_page(request, session, actor, secret={"name": client.name, "key": key})


@router.post("/clients/{client_id}/{action}", response_class=HTMLResponse)
def client_action(
    request: Request,
    session: DbSession,
    client_id: str,
    action: str,
    actor: Actor = Depends(require(CLIENTS_MANAGE)),
    _csrf: Actor = Depends(check_csrf),
    grace_hours: Annotated[int, Form()] = 0,
) -> Response:
    """rotate (new key shown once; the old one valid for ``grace_hours`` more) | revoke."""
    try:
        client = auth.get_client(session, client_id)
        if action == "rotate":
            key = auth.rotate_client(session, client=client, actor=actor.ref(), grace_hours=grace_hours)
            return _clients_page(request, session, actor, secret={"name": client.name, "key": key})
        if action == "revoke":
            auth.revoke_client(session, client=client, actor=actor.ref())
        else:
            raise XinyongError("未知操作", code="unknown_action", status_code=404)
    except XinyongError as exc:
        return _clients_page(request, session, actor, exc.status_code, error=exc.message)
    return RedirectResponse(f"{PREFIX}/clients", status_code=303)
