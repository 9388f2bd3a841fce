"""Request-scope plumbing shared by every router: the DB session, access markers, today.

Every route must declare its access: either the :data:`Public` marker or an actor dependency
registered with :func:`access_dependency`. ``tests/test_routes_access.py`` walks the app and fails
on a route that declares neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from sqlalchemy.orm import Session

from xinyong.db import transaction
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


def get_session() -> Iterator[Session]:
    """The request's transaction: committed when the route returns, rolled back on error."""
    with transaction() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session, scope="function")]


def get_today() -> dt.date:
    """Today in Asia/Shanghai (tests freeze kit.clock)."""
    return clock.today()


Today = Annotated[dt.date, Depends(get_today)]
