"""Errors of the measures domain."""

from __future__ import annotations

from xinyong.errors import Invalid, NotFound


class UnknownMatter(Invalid):
    code = "unknown_matter"


class UnknownMeasure(Invalid):
    code = "unknown_measure"


class CheckNotFound(NotFound):
    code = "check_not_found"
