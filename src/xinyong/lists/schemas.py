"""List types (名单类型) as declarative YAML, and the request/response shapes of the lists domain.

``profiles/<city>/lists.yaml`` holds a version and the list types. Each list type names the catalogue
item its entries are records of, optionally narrowed by one field (``match``), its legal basis (refused
at load without one), the objection window in working days and the default validity.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xinyong.catalog.schemas import CatalogSpec, ListKind
from xinyong.org.schemas import (
    Problem,
    problems_from_validation_error,
    raise_problems,
    read_yaml,
    spec_problem,
)

KIND_ZH = "名单类型文件"
KIND_EN = "list-type file"
LISTS_FILE = "lists.yaml"


class EntryState(StrEnum):
    """Where a list entry stands (DOMAIN §6)."""

    PROPOSED = "proposed"  # 拟列入: proposed by the recognising unit
    NOTIFIED = "notified"  # 已告知: pre-notification drafted/served; objection window runs from service
    LISTED = "listed"  # 已列入并公示
    WITHDRAWN = "withdrawn"  # 不予列入: an objection upheld before listing, or the proposal dropped
    EXITED = "exited"  # 已移出


class ExitKind(StrEnum):
    EXPIRY = "expiry"  # 有效期届满
    REPAIR = "repair"  # 信用修复 / 整改后提前移出
    REVOCATION = "revocation"  # 撤销（认定错误或决定被撤销）


STATE_ZH = {
    EntryState.PROPOSED: "拟列入",
    EntryState.NOTIFIED: "已告知（异议期）",
    EntryState.LISTED: "已列入",
    EntryState.WITHDRAWN: "不予列入",
    EntryState.EXITED: "已移出",
}
EXIT_ZH = {ExitKind.EXPIRY: "有效期届满", ExitKind.REPAIR: "整改后提前移出", ExitKind.REVOCATION: "撤销"}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MatchSpec(_Spec):
    """Entries of the item whose ``field`` holds one of ``values`` belong to the list type."""

    field: str = Field(min_length=1)
    values: list[str] = Field(min_length=1)


class ListTypeSpec(_Spec):
    """One list type, e.g. 重大税收违法失信主体 (a field's serious-dishonesty list)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)
    name: str = Field(min_length=1)
    kind: ListKind
    field: str = Field(min_length=1)  # 领域: 司法, 税务, 政府采购 …
    item: str = Field(min_length=1)  # catalogue item code
    match: MatchSpec | None = None
    default_for_item: bool = False
    legal_basis: list[str] = Field(min_length=1)
    exit_conditions: str = Field(min_length=1)
    remedies: str = Field(min_length=1)
    recognising_units: list[str] = Field(default_factory=lambda: ["*"])
    objection_workdays: int | None = Field(default=None, ge=1, le=60)
    default_validity_months: int | None = Field(default=None, ge=1, le=120)
    arrives_listed: bool = False
    verified: bool = False
    note: str | None = None

    @field_validator("legal_basis")
    @classmethod
    def _basis_not_blank(cls, value: list[str]) -> list[str]:
        for i, text in enumerate(value):
            if not text.strip():
                raise spec_problem(f"[{i}]", "法律依据不能为空", "legal basis must not be blank")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ListTypeSpec:
        if self.default_for_item and self.match is not None:
            raise spec_problem("match", "兜底名单类型不应有 match", "a default list type takes no match")
        if not self.default_for_item and self.match is None:
            raise spec_problem("match", "须有 match 或 default_for_item", "needs match or default_for_item")
        if not self.arrives_listed and self.objection_workdays is None:
            raise spec_problem(
                "objection_workdays",
                "由本平台告知的名单须设异议期（工作日）",
                "a list notified by the platform needs objection_workdays",
            )
        return self

    def recognised_by(self, unit_key: str | None) -> bool:
        return "*" in self.recognising_units or unit_key in self.recognising_units


class ListTypesSpec(_Spec):
    version: str = Field(min_length=1)
    list_types: list[ListTypeSpec] = Field(min_length=1)

    def by_code(self) -> dict[str, ListTypeSpec]:
        return {t.code: t for t in self.list_types}


def load_list_types(path: Path, *, catalog: CatalogSpec | None = None) -> ListTypesSpec:
    """Read and validate ``lists.yaml``; raise ConfigError naming the file and field on any problem."""
    name = path.name
    data = read_yaml(path, kind_zh=KIND_ZH, kind_en=KIND_EN)
    if not isinstance(data, dict):
        raise_problems(KIND_ZH, KIND_EN, name, [Problem("", "顶层应为映射", "top level must be a mapping")])
    try:
        spec = ListTypesSpec.model_validate(data)
    except ValidationError as exc:
        raise_problems(KIND_ZH, KIND_EN, name, problems_from_validation_error(exc))
        raise  # pragma: no cover
    raise_problems(KIND_ZH, KIND_EN, name, cross_problems(spec, catalog))
    return spec


def cross_problems(spec: ListTypesSpec, catalog: CatalogSpec | None) -> list[Problem]:
    """Duplicate codes, one default per item, and (given the catalogue) items and match fields that exist."""
    out: list[Problem] = []
    seen: dict[str, int] = {}
    defaults: dict[str, int] = {}
    items = {it.code: it for it in catalog.items} if catalog is not None else None
    for i, t in enumerate(spec.list_types):
        at = f"list_types[{i}]"
        if t.code in seen:
            out.append(Problem(f"{at}.code", f"代码重复 '{t.code}'", f"duplicate code '{t.code}'"))
        seen.setdefault(t.code, i)
        if t.default_for_item:
            if t.item in defaults:
                out.append(
                    Problem(
                        f"{at}.default_for_item", "同一信息项只能有一个兜底名单类型", "one default per item"
                    )
                )
            defaults.setdefault(t.item, i)
        if items is None:
            continue
        item = items.get(t.item)
        if item is None:
            out.append(Problem(f"{at}.item", f"目录中没有信息项 '{t.item}'", f"unknown item '{t.item}'"))
            continue
        if item.list_kind is None:
            out.append(
                Problem(f"{at}.item", f"信息项 '{t.item}' 不是名单类", f"'{t.item}' is not a list item")
            )
        elif item.list_kind is not t.kind:
            out.append(
                Problem(
                    f"{at}.kind",
                    f"与信息项的 list_kind '{item.list_kind.value}' 不一致",
                    f"differs from the item's list_kind '{item.list_kind.value}'",
                )
            )
        if t.match is not None and t.match.field not in {f.key for f in item.fields}:
            out.append(
                Problem(
                    f"{at}.match.field", f"信息项没有字段 '{t.match.field}'", f"no field '{t.match.field}'"
                )
            )
    if items is not None:
        for code, item in items.items():
            if item.list_kind is not None and code not in defaults:
                out.append(
                    Problem(
                        "list_types",
                        f"名单类信息项 '{code}' 缺少兜底名单类型（default_for_item）",
                        f"list item '{code}' has no default list type",
                    )
                )
    return out


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` (may be negative) on the Civil Code rule: the month's last day where
    the target month has no such day (民法典 §201–202)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def classify(types: Mapping[str, ListTypeSpec], item_code: str, payload: Mapping[str, Any]) -> str | None:
    """The list type a record of ``item_code`` with ``payload`` belongs to (match first, then default)."""
    default: str | None = None
    for t in types.values():
        if t.item != item_code:
            continue
        if t.match is None:
            default = t.code
        elif str(payload.get(t.match.field, "")).strip() in t.match.values:
            return t.code
    return default


# --------------------------------------------------------------------------- request/response shapes


class ProposeIn(BaseModel):
    """A recognising unit proposes a subject for a list (the entry starts as a record not yet shown)."""

    list_type: str
    subject_code: str
    decision_no: str = Field(min_length=1, max_length=128)
    facts: str = Field(min_length=1, max_length=5000)
    reasons: str = Field(min_length=1, max_length=2000)
    listed_on: dt.date | None = None
    valid_months: int | None = Field(default=None, ge=1, le=120)


class EntryOut(BaseModel):
    record_id: uuid.UUID
    list_type: str
    list_type_name: str
    state: str
    state_label: str
    subject_id: uuid.UUID
    subject_name: str
    recognising_unit: str | None
    reasons: str | None
    proposed_on: dt.date | None
    notice_no: str | None
    notified_on: dt.date | None
    served_on: dt.date | None
    objection_deadline: dt.date | None
    objection_deadline_provisional: bool
    objection_received_on: dt.date | None
    objection_outcome: str | None
    listed_on: dt.date | None
    valid_to: dt.date | None
    exited_on: dt.date | None
    exit_kind: str | None
    exit_reason: str | None
    version: int
