"""Subject domain errors."""

from xinyong.errors import Invalid, NotFound


class InvalidIdentifier(Invalid):
    code = "invalid_identifier"


class SubjectNotFound(NotFound):
    code = "subject_not_found"
