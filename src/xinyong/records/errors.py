"""Record errors."""

from xinyong.errors import Invalid, NotFound


class RecordRejected(Invalid):
    code = "record_rejected"


class RecordNotFound(NotFound):
    code = "record_not_found"
