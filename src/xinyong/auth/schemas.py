"""``access.yaml`` (roles → permissions, separation of duties, login policy, read purposes) and API bodies."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xinyong.auth.permissions import ADMIN_PERMISSIONS, ALL_PERMISSIONS
from xinyong.org.schemas import (
    Problem,
    problems_from_validation_error,
    raise_problems,
    read_yaml,
    spec_problem,
)

ACCESS_FILE = "access.yaml"
_KEY = r"^[a-z][a-z0-9_]*$"
_KIND_ZH = "访问控制配置"
_KIND_EN = "access file"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicySpec(_Spec):
    max_failed_logins: int = Field(5, ge=1, le=20)
    lockout_minutes: int = Field(30, ge=1, le=1440)
    password_min_length: int = Field(12, ge=8, le=128)
    password_min_classes: int = Field(3, ge=1, le=4)
    staff_token_minutes: int = Field(15, ge=1, le=240)
    session_max_hours: int = Field(12, ge=1, le=72)


class RoleSpec(_Spec):
    key: str = Field(pattern=_KEY, max_length=32)
    name: str = Field(min_length=1)
    description: str | None = None
    permissions: list[str]


class CodeSpec(_Spec):
    code: str = Field(pattern=_KEY, max_length=48)
    name: str = Field(min_length=1)


class AccessSpec(_Spec):
    version: str = Field(min_length=1)
    policy: PolicySpec = PolicySpec()
    separation_of_duties: list[tuple[str, str]] = Field(default_factory=list)
    no_credit_data: list[str] = Field(default_factory=list)
    roles: list[RoleSpec] = Field(min_length=1)
    purposes: list[CodeSpec] = Field(min_length=1)
    legal_bases: list[CodeSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> AccessSpec:
        problems = self.problems()
        if problems:
            raise spec_problem(problems[0].path, problems[0].zh, problems[0].en)
        return self

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        keys = [r.key for r in self.roles]
        for i, role in enumerate(self.roles):
            if keys.index(role.key) != i:
                out.append(
                    Problem(f"roles[{i}].key", f"角色重复 '{role.key}'", f"duplicate role '{role.key}'")
                )
            for j, perm in enumerate(role.permissions):
                if perm not in ALL_PERMISSIONS:
                    out.append(
                        Problem(
                            f"roles[{i}].permissions[{j}]",
                            f"未知权限 '{perm}'",
                            f"unknown permission '{perm}'",
                        )
                    )
            if role.key in self.no_credit_data:
                for perm in sorted(set(role.permissions) - ADMIN_PERMISSIONS):
                    out.append(
                        Problem(
                            f"roles[{i}].permissions",
                            f"三员分立：{role.key} 不得持有业务或审计权限 '{perm}'",
                            f"separation of duties: {role.key} may not hold '{perm}'",
                        )
                    )
        for i, pair in enumerate(self.separation_of_duties):
            for key in pair:
                if key not in keys:
                    out.append(
                        Problem(f"separation_of_duties[{i}]", f"未知角色 '{key}'", f"unknown role '{key}'")
                    )
        for i, key in enumerate(self.no_credit_data):
            if key not in keys:
                out.append(Problem(f"no_credit_data[{i}]", f"未知角色 '{key}'", f"unknown role '{key}'"))
        for name in ("purposes", "legal_bases"):
            codes = [c.code for c in getattr(self, name)]
            for i, code in enumerate(codes):
                if codes.index(code) != i:
                    out.append(Problem(f"{name}[{i}].code", f"代码重复 '{code}'", f"duplicate code '{code}'"))
        return out

    def conflicts(self, roles: set[str]) -> list[tuple[str, str]]:
        """Separation-of-duties pairs that ``roles`` would violate."""
        return [(a, b) for a, b in self.separation_of_duties if a in roles and b in roles]


def load_access(directory: Path) -> AccessSpec:
    """Read and validate ``<profile>/access.yaml`` (ConfigError names the file and field)."""
    path = directory / ACCESS_FILE
    data = read_yaml(path, kind_zh=_KIND_ZH, kind_en=_KIND_EN)
    try:
        return AccessSpec.model_validate(data)
    except ValidationError as exc:
        raise_problems(_KIND_ZH, _KIND_EN, path.name, problems_from_validation_error(exc))
        raise  # unreachable: raise_problems always raises for a non-empty list


# ------------------------------------------------------------------ API bodies


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: str
