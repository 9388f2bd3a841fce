"""Ingestion errors."""

from xinyong.errors import Conflict, Invalid, NotFound


class FileRefused(Invalid):
    """The whole file is refused (empty, truncated, unreadable, a required column missing)."""

    code = "file_refused"


class BatchNotFound(NotFound):
    code = "batch_not_found"


class BatchStateError(Conflict):
    code = "batch_state"


class AlreadyRevoked(Conflict):
    """The decision is already 已撤销: revoking it again would log a second deadline."""

    code = "already_revoked"


class OutOfScope(Invalid):
    code = "out_of_scope"
    status_code = 403


class NotAProvider(Invalid):
    """The unit is not among the catalogue item's providing units: the whole submission is refused."""

    code = "not_a_provider"
    status_code = 403
