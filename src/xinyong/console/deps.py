"""What every console page shares: templates, page context, CSRF checks, login redirects."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.auth.errors import Forbidden, Unauthenticated
from xinyong.auth.permissions import PERMISSION_LABELS, current_actor
from xinyong.console.nav import nav_for
from xinyong.kit import clock
from xinyong.org import queries as org

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def local_time(at: dt.datetime | None, *, seconds: bool = False) -> str:
    """A moment as people in the city read it: Beijing time (Asia/Shanghai), to the minute (or second).
    The database keeps UTC; a page printing that as is would be eight hours off."""
    if at is None:
        return ""
    return at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


templates.env.filters["local"] = local_time
PREFIX = "/console"
LOGIN_CSRF_COOKIE = "xy_login_csrf"


def render(
    request: Request,
    session: Session,
    actor: Actor | None,
    template: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a console page with the portal name, the actor's menu and the CSRF token."""
    try:
        portal = org.profile_spec(session)["portal"]["name"]
    except Exception:  # a page must render even before `xinyong init` (login error page)
        portal = "信用平台"
    base = {
        "portal_name": portal,
        "actor": actor,
        "nav": nav_for(actor) if actor else [],
        "unit_name": _unit_name(session, actor),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "must_change_password": getattr(request.state, "must_change_password", False),
        "permission_labels": PERMISSION_LABELS,
        "path": request.url.path,
    }
    return templates.TemplateResponse(request, template, base | context, status_code=status_code)


def _unit_name(session: Session, actor: Actor | None) -> str:
    """The actor's unit as people name it (the key only if the unit is unknown)."""
    if actor is None or actor.unit_key is None:
        return ""
    try:
        unit = org.unit(session, actor.unit_key)
    except Exception:  # before `xinyong init` there are no units yet
        return actor.unit_key
    return unit.name if unit is not None else actor.unit_key


def check_csrf(request: Request, csrf_token: str = Form(""), actor: Actor = Depends(current_actor)) -> Actor:
    """Console forms signed in by cookie must echo the session's CSRF token (403 otherwise)."""
    if getattr(request.state, "auth_kind", None) == "session" and not secrets.compare_digest(
        csrf_token.encode(), str(request.state.csrf_token).encode()
    ):
        raise Forbidden("表单已失效（CSRF 校验失败），请刷新页面后重试", code="csrf_failed")
    return actor


#: A form post's CSRF check, for routes that take their actor from ``require(...)``.
Csrf = Annotated[Actor, Depends(check_csrf)]


def install(app: FastAPI) -> None:
    """Console pages answer 401 with a redirect to the login page and 403 with an HTML page."""

    async def _unauthenticated(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Unauthenticated)
        if request.url.path.startswith(PREFIX):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{PREFIX}/login?next={quote(target)}", status_code=303)
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    async def _forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Forbidden)
        if request.url.path.startswith(PREFIX):
            return templates.TemplateResponse(
                request,
                "forbidden.html",
                {"message": exc.message, "portal_name": "工作台", "actor": None, "nav": [], "path": ""},
                status_code=403,
            )
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    app.add_exception_handler(Unauthenticated, _unauthenticated)
    app.add_exception_handler(Forbidden, _forbidden)
