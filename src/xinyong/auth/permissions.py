"""Named permissions and the FastAPI access dependencies every non-public route uses.

``current_actor`` resolves the identity of a request (console session cookie, short-lived staff
token, or API key); ``require(*permissions)`` builds a dependency that also checks permissions.
Tests override ``current_actor`` through ``app.dependency_overrides``.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request

from xinyong.auth.actor import Actor
from xinyong.errors import XinyongError
from xinyong.web import access_dependency


class Unauthenticated(XinyongError):
    code = "unauthenticated"
    status_code = 401


class Forbidden(XinyongError):
    code = "forbidden"
    status_code = 403


# Permission names (granted to roles as data in auth/roles.yaml).
RECORDS_SUBMIT = "records.submit"
RECORDS_REVIEW = "records.review"
RECORDS_REVOKE = "records.revoke"
RECORDS_READ_PRIVATE = "records.read_private"
BATCHES_READ = "batches.read"
QUALITY_READ = "quality.read"
LISTS_RECOGNISE = "lists.recognise"
LISTS_READ = "lists.read"
MEASURES_READ = "measures.read"
CHECKS_RUN = "checks.run"
CHECKS_STATS = "checks.stats"
AUDIT_READ = "audit.read"
USERS_MANAGE = "users.manage"
CLIENTS_MANAGE = "clients.manage"


@access_dependency
def current_actor(request: Request) -> Actor:
    """The request's authenticated actor; 401 with a JSON error when there is none."""
    raise Unauthenticated("未登录或凭证无效")


def require(*permissions: str) -> Callable[..., Actor]:
    """A dependency returning the actor if it holds every permission in ``permissions``, else 403."""

    @access_dependency
    def dependency(actor: Actor = Depends(current_actor)) -> Actor:
        missing = [p for p in permissions if not actor.has(p)]
        if missing:
            raise Forbidden("无权执行该操作", details={"missing": missing})
        return actor

    return dependency
