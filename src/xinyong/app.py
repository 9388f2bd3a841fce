"""The ASGI application: routers, error format, local static assets and API docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from xinyong import __version__
from xinyong.config import get_settings
from xinyong.errors import XinyongError
from xinyong.portal import api as portal_api
from xinyong.portal import pages as portal_pages
from xinyong.portal.ratelimit import RateLimiter, RateLimitMiddleware
from xinyong.web import Public

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

    app.include_router(portal_api.router)
    app.include_router(portal_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    proxies = frozenset(p.strip() for p in get_settings().trusted_proxies.split(",") if p.strip())
    app.state.rate_limiter = RateLimiter(trusted_proxies=proxies)
    app.add_middleware(RateLimitMiddleware, limiter=app.state.rate_limiter)
    return app
