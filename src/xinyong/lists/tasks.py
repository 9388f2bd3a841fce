"""Scheduled jobs of the lists domain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.jobs import job
from xinyong.kit import clock
from xinyong.lists import service

SYSTEM_ACTOR = Actor(
    kind="system",
    id="lists.expire",
    name="系统任务",
    unit_key=None,
    district_key=None,
    roles=frozenset({"credit_office_admin"}),
)


@job("lists.expire", hour=1, description="名单有效期届满自动移出（每日）")
def expire(session: Session, today: dt.date) -> dict[str, Any]:
    """Exit list entries whose validity ended."""
    return service.expire(session, today=today, actor=SYSTEM_ACTOR, now=clock.now())
