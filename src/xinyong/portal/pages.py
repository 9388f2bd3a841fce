"""Public HTML pages (server-rendered Jinja2, Simplified Chinese)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from xinyong.org import queries as org
from xinyong.web import DbSession, Public

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


def site_context(session: DbSession) -> dict[str, Any]:
    """What every public page needs: portal name, city, footer, and the demo-data banner flag."""
    profile = org.profile_spec(session)
    return {
        "portal": profile["portal"],
        "city": profile["city"],
        "demo": org.demo_loaded(session),
    }


@router.get("/", response_class=HTMLResponse, dependencies=[Public])
def home(request: Request, session: DbSession) -> HTMLResponse:
    return templates.TemplateResponse(request, "home.html", site_context(session))
