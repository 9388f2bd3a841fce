"""The measures catalogue (联合奖惩措施清单) as YAML, its expansion into rules, and the check's API shapes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xinyong.org.schemas import (
    Problem,
    problems_from_validation_error,
    raise_problems,
    read_yaml,
    spec_problem,
)

KIND_ZH = "措施清单文件"
KIND_EN = "measures file"
MEASURES_FILE = "measures.yaml"
FEN_PER_WAN = Decimal(1_000_000)


class MeasureKind(StrEnum):
    PUNISHMENT = "惩戒"
    INCENTIVE = "激励"


class CheckResult(StrEnum):
    RESTRICTED = "restricted"
    REVIEW = "review"
    INCENTIVE = "incentive"
    CLEAR = "clear"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MatterSpec(_Spec):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)


class BasisSpec(_Spec):
    law: str = Field(min_length=1)
    article: str = Field(min_length=1)
    verified: bool

    @property
    def text(self) -> str:
        return f"{self.law}{self.article}"


class RecordTrigger(_Spec):
    """Records of ``items`` within the look-back window meeting every condition given."""

    items: list[str] = Field(min_length=1)
    severities: list[Literal["轻微", "一般", "严重"]] = Field(default_factory=list)
    penalty_types: list[str] = Field(default_factory=list)
    min_fine_wan: str | None = None
    special_domains: list[str] = Field(default_factory=list)
    lookback_months: int = Field(ge=1, le=240)

    @field_validator("min_fine_wan")
    @classmethod
    def _exact(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise spec_problem("", f"金额 '{value}' 不是十进制数", f"'{value}' is not a decimal") from None
        if amount <= 0 or (amount * FEN_PER_WAN) != (amount * FEN_PER_WAN).to_integral_value():
            raise spec_problem(
                "", "金额须为正数且精确到分（万元 6 位小数）", "amount must be positive, to the 分"
            )
        return value

    @property
    def min_fine_fen(self) -> int | None:
        return int(Decimal(self.min_fine_wan) * FEN_PER_WAN) if self.min_fine_wan is not None else None


class TriggerSpec(_Spec):
    """Exactly one of: ``lists`` (list type codes) or ``records`` (a record condition)."""

    lists: list[str] | None = Field(default=None, min_length=1)
    records: RecordTrigger | None = None

    @model_validator(mode="after")
    def _one(self) -> TriggerSpec:
        if (self.lists is None) == (self.records is None):
            raise spec_problem(
                "", "触发条件须为 lists 或 records 之一", "a trigger is either lists or records"
            )
        return self


class MeasureSpec(_Spec):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=16)
    name: str = Field(min_length=1)
    kind: MeasureKind
    part: Literal["一", "二", "三"] | None = None
    implementing_units: str = Field(min_length=1)
    legal_basis: list[BasisSpec] = Field(min_length=1)
    in_national_list: bool
    mandatory: bool
    matters: list[str]
    triggers: list[TriggerSpec]
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> MeasureSpec:
        if not self.triggers and not self.note:
            raise spec_problem(
                "note", "无触发条件的措施须说明原因", "a measure without triggers needs a note"
            )
        if self.kind is MeasureKind.INCENTIVE and self.mandatory:
            raise spec_problem("mandatory", "激励措施不设强制", "incentives are not mandatory")
        return self

    @property
    def verified(self) -> bool:
        """True only when every basis text was read (✅)."""
        return all(b.verified for b in self.legal_basis)

    @property
    def basis_text(self) -> str:
        return "；".join(b.text for b in self.legal_basis)


class MeasuresSpec(_Spec):
    version: str = Field(min_length=1)
    edition: str = Field(min_length=1)
    matters: list[MatterSpec] = Field(min_length=1)
    measures: list[MeasureSpec] = Field(min_length=1)

    def matter_index(self) -> dict[str, str]:
        """Every code, name and alias → matter code."""
        out: dict[str, str] = {}
        for m in self.matters:
            for key in (m.code, m.name, *m.aliases):
                out[key] = m.code
        return out


def load_measures(
    path: Path, *, list_types: Collection[str] | None = None, items: Collection[str] | None = None
) -> MeasuresSpec:
    """Read and validate ``measures.yaml``; unknown matters, list types or items are refused."""
    name = path.name
    data = read_yaml(path, kind_zh=KIND_ZH, kind_en=KIND_EN)
    if not isinstance(data, dict):
        raise_problems(KIND_ZH, KIND_EN, name, [Problem("", "顶层应为映射", "top level must be a mapping")])
    try:
        spec = MeasuresSpec.model_validate(data)
    except ValidationError as exc:
        raise_problems(KIND_ZH, KIND_EN, name, problems_from_validation_error(exc))
        raise  # pragma: no cover
    out: list[Problem] = []
    matters = {m.code for m in spec.matters}
    seen: set[str] = set()
    for i, m in enumerate(spec.measures):
        at = f"measures[{i}]"
        if m.code in seen:
            out.append(Problem(f"{at}.code", f"代码重复 '{m.code}'", f"duplicate code '{m.code}'"))
        seen.add(m.code)
        out += [
            Problem(f"{at}.matters[{j}]", f"未知事项 '{x}'", f"unknown matter '{x}'")
            for j, x in enumerate(m.matters)
            if x not in matters
        ]
        for j, t in enumerate(m.triggers):
            if t.lists is not None and list_types is not None:
                out += [
                    Problem(
                        f"{at}.triggers[{j}].lists[{k}]", f"未知名单类型 '{x}'", f"unknown list type '{x}'"
                    )
                    for k, x in enumerate(t.lists)
                    if x not in list_types
                ]
            if t.records is not None and items is not None:
                out += [
                    Problem(
                        f"{at}.triggers[{j}].records.items[{k}]", f"未知信息项 '{x}'", f"unknown item '{x}'"
                    )
                    for k, x in enumerate(t.records.items)
                    if x not in items
                ]
    raise_problems(KIND_ZH, KIND_EN, name, out)
    return spec


# --------------------------------------------------------------------------- the check API


class SubjectRef(BaseModel):
    """Exactly one of a code (USCC or legacy code), an ID number (natural persons) or a name."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, min_length=1, max_length=40)
    id_number: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _exactly_one(self) -> SubjectRef:
        given = [k for k in ("code", "id_number", "name") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("subject 须且仅须给出 code、id_number、name 之一")
        return self


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: SubjectRef
    matter: str = Field(min_length=1, max_length=40)
    request_ref: str | None = Field(default=None, max_length=128)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjects: list[SubjectRef] = Field(min_length=1, max_length=200)
    matter: str = Field(min_length=1, max_length=40)
    request_ref: str | None = Field(default=None, max_length=128)


class MeasureOut(BaseModel):
    code: str
    name: str
    kind: str
    mandatory: bool
    basis: str
    verified: bool


class HitOut(BaseModel):
    record_id: uuid.UUID
    list_type: str | None
    list_type_name: str | None = None
    item: str
    authority: str | None
    basis: str
    listed_on: dt.date | None
    ends_on: dt.date | None
    objection_open: bool
    measures: list[MeasureOut]


class CandidateOut(BaseModel):
    code: str
    name: str


class SubjectOut(BaseModel):
    code: str | None = None
    id_number_masked: str | None = None
    name: str | None = None
    kind: str | None = None
    candidates: list[CandidateOut] | None = None


class CheckOut(BaseModel):
    check_id: uuid.UUID
    checked_at: dt.datetime
    data_version: str
    matter: str
    request_ref: str | None
    subject: SubjectOut
    known: bool
    result: CheckResult
    hits: list[HitOut]


class BatchOut(BaseModel):
    matter: str
    request_ref: str | None
    checks: list[CheckOut]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measure: str = Field(min_length=1, max_length=16)
    applied: bool
    reason: str = Field(min_length=1, max_length=2000)
    acted_on: dt.date | None = None


class FeedbackOut(BaseModel):
    id: int
    check_id: uuid.UUID
    measure: str
    applied: bool
    reason: str
    acted_on: dt.date
    reported_at: dt.datetime


class StatRow(BaseModel):
    month: str
    matter: str
    unit: str | None
    checks: int
    with_hits: int
    restricted: int
    review: int
    incentive: int
    clear: int
    measures_applied: int
    measures_not_applied: int


def rule_rows(spec: MeasuresSpec) -> list[dict[str, Any]]:
    """One row per (measure, trigger, matter): the expanded catalogue the check evaluates."""
    rows: list[dict[str, Any]] = []
    for m in spec.measures:
        for n, t in enumerate(m.triggers, 1):
            for matter in m.matters:
                r = t.records
                rows.append(
                    {
                        "measure_code": m.code,
                        "trigger_no": n,
                        "matter": matter,
                        "kind": m.kind.value,
                        "mandatory": m.mandatory,
                        "trigger_type": "lists" if t.lists is not None else "records",
                        "list_types": list(t.lists or []),
                        "items": list(r.items) if r else [],
                        "severities": list(r.severities) if r else [],
                        "penalty_types": list(r.penalty_types) if r else [],
                        "min_fine_fen": r.min_fine_fen if r else None,
                        "special_domains": list(r.special_domains) if r else [],
                        "lookback_months": r.lookback_months if r else None,
                    }
                )
    return rows
