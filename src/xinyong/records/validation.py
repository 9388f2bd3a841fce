"""Checking a normalised payload against its catalogue item's fields.

The payload is a dict of field key → normalised value (dates ISO ``YYYY-MM-DD``, decimals as
exact strings, code lists as lists). Ingestion turns raw spreadsheet cells into that form; this
module says, field by field, what breaks the item's rules. Errors block a row; warnings do not.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from xinyong.catalog.schemas import CatalogItemSpec, FieldSpec
from xinyong.kit.identifiers import IdType, check, parse_id_type_label


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str
    severity: str = "error"


def _id_type_for(spec: FieldSpec, payload: dict[str, Any]) -> IdType | None:
    declared = str(spec.id_type or "")
    if declared.startswith("from_field:"):
        label = payload.get(declared.split(":", 1)[1])
        return parse_id_type_label(str(label)) if label else None
    try:
        return IdType(declared)
    except ValueError:
        return None


def check_field(spec: FieldSpec, value: Any, payload: dict[str, Any], *, today: dt.date) -> list[Problem]:
    """Problems of one field's value (``value`` is not None/empty)."""
    label = spec.label
    kind = str(spec.type)
    out: list[Problem] = []
    if kind == "date":
        try:
            d = dt.date.fromisoformat(str(value))
        except ValueError:
            return [Problem(spec.key, "type.date", f"{label}：不是有效日期（{value}）")]
        if spec.role in ("decision_date", "listed_on") and d > today:
            out.append(Problem(spec.key, "date.future", f"{label}：决定日期不能晚于今天（{d}）"))
    elif kind == "decimal":
        try:
            num = Decimal(str(value))
        except InvalidOperation:
            return [Problem(spec.key, "type.decimal", f"{label}：不是有效数字（{value}）")]
        if not num.is_finite():
            return [Problem(spec.key, "type.decimal", f"{label}：不是有效数字（{value}）")]
        if num < 0:
            out.append(Problem(spec.key, "amount.negative", f"{label}：金额不能为负数（{value}）"))
        scale = spec.scale if spec.scale is not None else 6
        exponent = num.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > scale:
            out.append(Problem(spec.key, "amount.scale", f"{label}：最多 {scale} 位小数（{value}）"))
    elif kind == "integer":
        if not isinstance(value, int) and not re.fullmatch(r"-?\d+", str(value)):
            out.append(Problem(spec.key, "type.integer", f"{label}：不是整数（{value}）"))
    elif kind == "code":
        if spec.codes and str(value) not in spec.codes:
            out.append(Problem(spec.key, "code.unknown", f"{label}：代码“{value}”不在代码表中"))
    elif kind == "code_list":
        values = value if isinstance(value, list) else [value]
        for v in values:
            if spec.codes and str(v) not in spec.codes:
                out.append(Problem(spec.key, "code.unknown", f"{label}：代码“{v}”不在代码表中"))
    elif kind == "identifier":
        id_type = _id_type_for(spec, payload)
        if id_type is not None:
            result = check(id_type, str(value))
            for issue in result.issues:
                out.append(Problem(spec.key, issue.code, f"{label}：{issue.message}", issue.severity))
    if (
        spec.pattern
        and kind in ("string", "text", "identifier")
        and not re.fullmatch(spec.pattern, str(value))
    ):
        out.append(Problem(spec.key, "pattern", f"{label}：格式不符合要求（{value}）"))
    if spec.max_length and len(str(value)) > spec.max_length:
        out.append(Problem(spec.key, "length", f"{label}：超过 {spec.max_length} 个字符"))
    return out


def validate(item: CatalogItemSpec, payload: dict[str, Any], *, today: dt.date) -> list[Problem]:
    """Every problem of ``payload`` against ``item``: required, types, codes, cross-field rules."""
    problems: list[Problem] = []
    known = {f.key for f in item.fields}
    for key in payload:
        if key not in known:
            problems.append(Problem(key, "field.unknown", f"事项 {item.name} 没有字段 {key}"))
    for spec in item.fields:
        value = payload.get(spec.key)
        if value is None or value == "" or value == []:
            if spec.required:
                problems.append(Problem(spec.key, "required", f"{spec.label}：必填项为空"))
            continue
        problems.extend(check_field(spec, value, payload, today=today))
    problems.extend(_cross_field(item, payload))
    return problems


def _cross_field(item: CatalogItemSpec, payload: dict[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    fine = item.field_by_role("fine_amount")
    types = item.field_by_role("penalty_types")
    if fine is not None and types is not None and payload.get(fine.key) not in (None, ""):
        try:
            amount = Decimal(str(payload[fine.key]))
        except InvalidOperation:
            amount = Decimal(0)
        chosen = payload.get(types.key) or []
        chosen = chosen if isinstance(chosen, list) else [chosen]
        if amount > 0 and "罚款" not in chosen:
            out.append(
                Problem(
                    fine.key,
                    "cross.fine_without_type",
                    f"{fine.label}：填写了罚款金额，但处罚类别中没有“罚款”",
                )
            )
    start, end = item.field_by_role("valid_from"), item.field_by_role("valid_to")
    if start is not None and end is not None:
        a, b = payload.get(start.key), payload.get(end.key)
        if a and b and str(b) < str(a):
            out.append(Problem(end.key, "cross.valid_range", f"{end.label}不能早于{start.label}"))
    return out
