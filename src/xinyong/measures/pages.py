"""Console pages for the credit office: the measures catalogue and check statistics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from xinyong.auth.actor import Actor
from xinyong.auth.permissions import CHECKS_STATS, MEASURES_READ, require
from xinyong.lists import pages as lists_pages
from xinyong.measures import service
from xinyong.web import DbSession

#: The measures pages share the lists pages' console layout (``lists/_base.html``) until console/ lands.
templates = Jinja2Templates(
    directory=[Path(__file__).parent / "templates", Path(lists_pages.__file__).parent / "templates"]
)
router = APIRouter(prefix="/console/measures", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def catalogue(
    request: Request, session: DbSession, _: Annotated[Actor, Depends(require(MEASURES_READ))]
) -> HTMLResponse:
    c = service.compiled(session)
    return templates.TemplateResponse(
        request, "measures/catalogue.html", {"c": c, "matters": c.matter_names, "spec": c.spec}
    )


@router.get("/stats", response_class=HTMLResponse)
def stats(
    request: Request,
    session: DbSession,
    _: Annotated[Actor, Depends(require(CHECKS_STATS))],
    month: str | None = None,
) -> HTMLResponse:
    c = service.compiled(session)
    rows = service.stats(session, month=month or None)
    return templates.TemplateResponse(
        request, "measures/stats.html", {"rows": rows, "matters": c.matter_names, "month": month or ""}
    )
