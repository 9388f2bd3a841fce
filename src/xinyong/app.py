"""The ASGI application: routers, error format, local static assets and API docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from xinyong import __version__, wiring
from xinyong.auth import routes as auth_routes
from xinyong.config import get_settings
from xinyong.console import admin as console_admin
from xinyong.console import audit as console_audit
from xinyong.console import deps as console_deps
from xinyong.console import ingestion as console_ingestion
from xinyong.console import lists as console_lists
from xinyong.console import mapping as console_mapping
from xinyong.console import measures as console_measures
from xinyong.console import routes as console_routes
from xinyong.errors import XinyongError
from xinyong.ingestion import routes as ingestion_routes
from xinyong.lists import routes as lists_routes
from xinyong.measures import routes as measures_routes
from xinyong.portal import api as portal_api
from xinyong.portal import pages as portal_pages
from xinyong.portal.ratelimit import RateLimiter, RateLimitMiddleware
from xinyong.records import routes as records_routes
from xinyong.web import NUL_MESSAGE, NulGuardMiddleware, Public

STATIC_DIR = Path(__file__).parent / "static"

HTTP_MESSAGES = {
    401: "未登录或凭证无效",
    403: "无权访问",
    404: "页面或资源不存在",
    405: "不支持该请求方法",
    429: "请求过于频繁，请稍后再试",
}


def _error(status: int, code: str, message: str, details: Any = None, headers: Any = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details or {}}},
        status_code=status,
        headers=headers,
    )


def create_app() -> FastAPI:
    """Build the application (the composition root for HTTP)."""
    wiring.wire()
    app = FastAPI(
        title="Xinyong 信用 公共信用信息平台 API",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )

    @app.exception_handler(XinyongError)
    async def _xinyong_error(_: Request, exc: XinyongError) -> JSONResponse:
        return _error(exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg"),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        return _error(422, "invalid_request", "请求参数不符合要求", {"problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return _error(
            exc.status_code, f"http_{exc.status_code}", message, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(DataError)
    async def _data_error(_: Request, exc: DataError) -> JSONResponse:
        # The net behind NulGuardMiddleware: a NUL that came in some other way (a JSON body) and
        # reached PostgreSQL, which refuses it in text, is the client's error, not the server's.
        if "NUL" in str(exc.orig):
            return _error(400, "invalid_text", NUL_MESSAGE)
        return _error(500, "internal_error", "服务器内部错误，请稍后再试")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return _error(500, "internal_error", "服务器内部错误，请稍后再试")

    @app.get("/healthz", dependencies=[Public], tags=["运维"], summary="健康检查")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/api/docs", include_in_schema=False, dependencies=[Public])
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="Xinyong API 文档",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    # The check API first: business systems call it many times a second, and a request is matched
    # against the routes in order (its paths overlap no other router's).
    app.include_router(measures_routes.router)
    app.include_router(portal_api.router)
    app.include_router(portal_pages.router)
    app.include_router(auth_routes.router)
    app.include_router(records_routes.router)
    app.include_router(console_routes.router)
    app.include_router(console_admin.router)
    app.include_router(console_audit.router)
    app.include_router(console_lists.router)
    app.include_router(console_measures.router)
    app.include_router(console_ingestion.router)
    app.include_router(console_mapping.router)
    console_deps.install(app)
    app.include_router(lists_routes.router)
    app.include_router(ingestion_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    proxies = frozenset(p.strip() for p in get_settings().trusted_proxies.split(",") if p.strip())
    app.state.rate_limiter = RateLimiter(trusted_proxies=proxies)
    app.add_middleware(NulGuardMiddleware)
    app.add_middleware(RateLimitMiddleware, limiter=app.state.rate_limiter)
    return app
