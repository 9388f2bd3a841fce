"""Request-scope plumbing shared by every router: the DB session, access markers, today.

Every route must declare its access: either the :data:`Public` marker or an actor dependency
registered with :func:`access_dependency`. ``tests/test_routes_access.py`` walks the app and fails
on a route that declares neither.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong.db import session_factory
from xinyong.kit import clock

F = TypeVar("F", bound=Callable[..., Any])

#: Dependencies that count as a declaration of access.
ACCESS_DEPENDENCIES: set[Callable[..., Any]] = set()


def access_dependency(func: F) -> F:
    """Register ``func`` as an access dependency (an actor or the Public marker)."""
    ACCESS_DEPENDENCIES.add(func)
    return func


@access_dependency
def public_access() -> None:
    """Marks a route as deliberately public: anonymous, reads only disclosed data."""


Public = Depends(public_access)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's transaction: committed when the route returns, rolled back on error.

    Opening a session does no I/O, so it happens on the event loop. Ending it does: for a plain ``def``
    route the commit (or rollback) runs in the threadpool, like the route itself; an ``async def`` route
    runs on the event loop and does at most short database work there (``GET /api/v1/ping`` does none
    once its API key is cached), so its commit runs there too, with no threadpool hop.
    """
    inline = inspect.iscoroutinefunction(request.scope.get("endpoint"))
    session = session_factory()()
    try:
        yield session
        await _end(session.commit, inline=inline)
    except BaseException:
        await _end(session.rollback, inline=inline)
        raise
    finally:
        session.close()


async def _end(step: Callable[[], None], *, inline: bool) -> None:
    if inline:
        step()
    else:
        await run_in_threadpool(step)


DbSession = Annotated[Session, Depends(get_session, scope="function")]


async def get_today() -> dt.date:
    """Today in Asia/Shanghai (tests freeze kit.clock)."""
    return clock.today()


Today = Annotated[dt.date, Depends(get_today)]
