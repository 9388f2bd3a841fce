"""Per-IP rate limits on the public site and API: an in-process token bucket per (class, client).

Scraping whole registers is a known problem for credit sites, so search is limited more tightly
than other pages. The client is the socket peer, or — only when that peer is one of
``Settings.trusted_proxies`` — the right-most X-Forwarded-For address that is not itself a trusted
proxy (anything further left is written by the client and could be forged). A refused request
gets HTTP 429 with Retry-After and a Chinese message (JSON under /api, a small page elsewhere).
In-process state is per worker; a deployment with several workers divides the limit accordingly.
"""

from __future__ import annotations

import html
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

#: Paths never limited by IP: assets and health checks; the staff console and staff API (people of
#: one office share a NAT address; they are authenticated and audited); business-system routes
#: (checks, ping), which authenticate with an API key and are rate-limited per client in auth.
EXEMPT_PREFIXES = (
    "/static/",
    "/healthz",
    "/favicon",
    "/console",
    "/api/v1/staff/",
    "/api/v1/checks",
    "/api/v1/ping",
    "/api/docs",
    "/api/openapi.json",
)
SEARCH_PATHS = ("/search", "/api/v1/search")
MESSAGE = "访问过于频繁，请稍后再试。为保障平台正常运行，本站对每个访问地址的查询频率设有限制。"


@dataclass(frozen=True)
class Limit:
    """``burst`` requests at once, refilled at ``per_minute`` a minute."""

    burst: float
    per_minute: float


DEFAULT_LIMITS = {"search": Limit(burst=20, per_minute=30), "pages": Limit(burst=60, per_minute=120)}


class RateLimiter:
    """Token buckets keyed by (limit class, client address); thread-safe; bounded memory."""

    def __init__(
        self,
        limits: dict[str, Limit] | None = None,
        *,
        trusted_proxies: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 100_000,
    ) -> None:
        self.limits = limits or DEFAULT_LIMITS
        self.trusted_proxies = trusted_proxies
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, kind: str, client: str) -> float | None:
        """Spend one token; None when allowed, else the seconds until one is available."""
        limit = self.limits[kind]
        rate = limit.per_minute / 60.0
        now = self.clock()
        with self._lock:
            if len(self._buckets) >= self.max_clients:
                self._buckets.clear()  # crude but bounded: everyone starts again with a full bucket
            tokens, last = self._buckets.get((kind, client), (limit.burst, now))
            tokens = min(limit.burst, tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[(kind, client)] = (tokens - 1.0, now)
                return None
            self._buckets[(kind, client)] = (tokens, now)
            return (1.0 - tokens) / rate if rate > 0 else 3600.0

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str:
        """The address to limit: the peer, unless a trusted proxy forwarded the request."""
        addr = peer or "unknown"
        if forwarded_for and addr in self.trusted_proxies:
            hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
            for hop in reversed(hops):
                if hop not in self.trusted_proxies:
                    return hop
        return addr


def classify(path: str) -> str | None:
    """Which limit applies to ``path`` (None: not limited)."""
    if path.startswith(EXEMPT_PREFIXES):
        return None
    if path in SEARCH_PATHS:
        return "search"
    return "pages"


class RateLimitMiddleware:
    """Pure ASGI middleware applying :class:`RateLimiter` to HTTP requests."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        kind = classify(path)
        if kind is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        forwarded = headers.get(b"x-forwarded-for")
        peer = scope.get("client")
        client = self.limiter.client_address(
            peer[0] if peer else None, forwarded.decode("latin-1") if forwarded else None
        )
        wait = self.limiter.take(kind, client)
        if wait is None:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        if path.startswith("/api/"):
            body = json.dumps(
                {"error": {"code": "rate_limited", "message": MESSAGE, "details": {"retry_after": retry}}},
                ensure_ascii=False,
            ).encode()
            ctype = b"application/json"
        else:
            body = (
                '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                "<title>访问过于频繁</title></head><body><main><h1>访问过于频繁</h1>"
                f"<p>{html.escape(MESSAGE)}</p><p>请在 {retry} 秒后重试。</p>"
                '<p><a href="/">返回首页</a></p></main></body></html>'
            ).encode()
            ctype = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", ctype),
                    (b"retry-after", str(retry).encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
