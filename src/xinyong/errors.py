"""The one error type every domain error derives from."""

from __future__ import annotations

from typing import Any


class XinyongError(Exception):
    """A business error with a stable code, a Chinese message and an HTTP status."""

    code: str = "error"
    status_code: int = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class NotFound(XinyongError):
    code = "not_found"
    status_code = 404


class Conflict(XinyongError):
    code = "conflict"
    status_code = 409


class Invalid(XinyongError):
    code = "invalid"
    status_code = 422


class ConfigError(XinyongError):
    """A broken configuration file: the message names the file and the field."""

    code = "config_error"
    status_code = 500
