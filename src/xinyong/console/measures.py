"""Console pages for joint rewards and punishments: the measures catalogue and the check statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.auth.permissions import CHECKS_STATS, MEASURES_READ, require
from xinyong.console.deps import PREFIX, render
from xinyong.console.nav import NavEntry, Queue, register_nav, register_queue
from xinyong.kit import clock
from xinyong.measures import service
from xinyong.web import DbSession

BASE = f"{PREFIX}/measures"
router = APIRouter(prefix=BASE, include_in_schema=False)


def _checks_this_month(session: Session, _actor: Actor) -> int:
    return sum(r.checks for r in service.stats(session, month=clock.today().strftime("%Y-%m")))


register_nav(NavEntry("measures", "惩戒激励措施", BASE, permission=MEASURES_READ, order=45))
register_nav(NavEntry("check_stats", "核查统计", f"{BASE}/stats", permission=CHECKS_STATS, order=46))
register_queue(
    Queue(
        "check_stats",
        "联合奖惩核查统计",
        CHECKS_STATS,
        "本月各事项的核查次数（点击查看命中与措施应用情况）",
        f"{BASE}/stats",
        _checks_this_month,
        50,
    )
)


@router.get("", response_class=HTMLResponse)
def catalogue(
    request: Request, session: DbSession, actor: Annotated[Actor, Depends(require(MEASURES_READ))]
) -> HTMLResponse:
    c = service.compiled(session)
    return render(
        request, session, actor, "measures/catalogue.html", c=c, matters=c.matter_names, spec=c.spec
    )


@router.get("/stats", response_class=HTMLResponse)
def stats(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, Depends(require(CHECKS_STATS))],
    month: str | None = None,
) -> HTMLResponse:
    c = service.compiled(session)
    rows = service.stats(session, month=month or None)
    return render(
        request, session, actor, "measures/stats.html", rows=rows, matters=c.matter_names, month=month or ""
    )
