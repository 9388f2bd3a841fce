"""Per-client rate limits: an in-process token bucket.

Each worker process keeps its own buckets, so with N workers a client gets up to N × its rate.
That is acceptable for the embedded default; a deployment with several workers or hosts should use a
shared store (Redis ``INCR`` + ``EXPIRE`` per client and window) — the seam is :class:`RateLimiter`,
which a Redis-backed class with the same ``allow`` method can replace. Not built yet.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per key: ``rate_per_minute`` tokens refill per minute; bursts up to that many."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, rate_per_minute: int, *, now: float | None = None) -> tuple[bool, float]:
        """Take one token for ``key``: (allowed, seconds until the next token when refused)."""
        at = time.monotonic() if now is None else now
        capacity = float(max(rate_per_minute, 1))
        per_second = capacity / 60.0
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=capacity, updated=at)
            bucket.tokens = min(capacity, bucket.tokens + (at - bucket.updated) * per_second)
            bucket.updated = at
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return True, 0.0
            return False, (1.0 - bucket.tokens) / per_second

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._buckets.clear()
            else:
                self._buckets.pop(key, None)


#: The process-wide limiter used by the API-key authentication.
limiter = RateLimiter()
