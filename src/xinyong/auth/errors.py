"""Access-control errors: 401 without a valid identity, 403 without the right, 422 without a purpose."""

from __future__ import annotations

from xinyong.errors import Conflict, Invalid, NotFound, XinyongError


class Unauthenticated(XinyongError):
    code = "unauthenticated"
    status_code = 401


class Forbidden(XinyongError):
    code = "forbidden"
    status_code = 403


class OutOfScope(Forbidden):
    code = "out_of_scope"


class LoginFailed(Unauthenticated):
    code = "login_failed"


class AccountLocked(Unauthenticated):
    code = "account_locked"


class RateLimited(XinyongError):
    code = "rate_limited"
    status_code = 429


class PurposeRequired(Invalid):
    code = "purpose_required"


class WeakPassword(Invalid):
    code = "weak_password"


class DutiesConflict(Conflict):
    code = "separation_of_duties"


class UnknownUser(NotFound):
    code = "user_not_found"


class UnknownClient(NotFound):
    code = "client_not_found"
