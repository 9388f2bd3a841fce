"""Reading one YAML configuration file into a validated Pydantic model, errors naming file and field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def format_validation_error(path: Path, error: ValidationError) -> str:
    """``<file>: <field path>: <message>; …`` for every problem Pydantic found."""
    parts = []
    for item in error.errors():
        loc = ".".join(str(p) for p in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {message}" if loc else message)
    return f"{path}: " + "; ".join(parts)


def load_model(path: Path, model: type[M], *, error: type[Exception], what: str) -> M:
    """Parse ``path`` as YAML and validate it as ``model``; raise ``error`` naming the file and field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise error(f"{path}: top level of the {what} must be a mapping")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(format_validation_error(path, exc)) from exc
