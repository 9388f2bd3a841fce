"""Scheduled jobs of the records domain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from xinyong.jobs import job
from xinyong.kit.actor import SYSTEM
from xinyong.records import service


@job("records.expire_publicity", hour=1, description="记录公示期届满的信用记录（每日）")
def expire_publicity(session: Session, today: dt.date) -> dict[str, Any]:
    """Record publicity expiries of the day."""
    return service.expire_publicity(session, today=today, actor=SYSTEM)
