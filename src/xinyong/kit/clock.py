"""The single source of "now" and "today" (Asia/Shanghai); tests freeze it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Current UTC time (aware)."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in Asia/Shanghai — the date every publicity rule is judged by."""
    return now().astimezone(SHANGHAI).date()


def freeze(at: dt.datetime | None) -> None:
    """Freeze the clock at ``at`` (aware) or unfreeze it with ``None``."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at
