"""Row validation: the catalogue item's field rules (records.validation) plus ingestion's cross-field rules.

Field checks are memoised per (field, value) — a file repeats its deciding unit's code, dates and
codes on every row — so a million rows are not a million checksum computations. Errors block a
row; warnings (e.g. a USCC failing only the embedded organisation-code check) do not.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from xinyong.catalog.schemas import CatalogItemSpec, FieldSpec, FieldType
from xinyong.records.validation import Problem, _cross_field, check_field

_CACHED_TYPES = frozenset(
    {
        FieldType.DATE,
        FieldType.DECIMAL,
        FieldType.CODE,
        FieldType.ID_TYPE,
        FieldType.IDENTIFIER,
        FieldType.INTEGER,
    }
)
#: Per field: a column with more distinct values than this (codes, names) is not worth memoising, and
#: caching it would make memory grow with the file.
_FIELD_CACHE = 4096

CONFISCATION_TYPES = ("没收违法所得", "没收非法财物")
LICENCE_TYPES = ("暂扣许可证件", "吊销许可证件")


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class RowChecker:
    """Validates payloads of one item on one day; compiled once per batch."""

    def __init__(self, item: CatalogItemSpec, *, today: dt.date) -> None:
        self.item = item
        self.today = today
        self._cache: dict[str, dict[Any, list[Problem]]] = {f.key: {} for f in item.fields}
        self._role = {str(f.role): f for f in item.fields if f.role is not None}

    def _field(self, spec: FieldSpec, value: Any, payload: dict[str, Any]) -> list[Problem]:
        if spec.type not in _CACHED_TYPES and spec.type is not FieldType.CODE_LIST:
            return check_field(spec, value, payload, today=self.today)
        source = spec.id_type_source()
        marker = payload.get(source) if source else None
        key = (tuple(value) if isinstance(value, list) else value, marker)
        cache = self._cache[spec.key]
        hit = cache.get(key)
        if hit is None:
            hit = check_field(spec, value, payload, today=self.today)
            if len(cache) < _FIELD_CACHE:
                cache[key] = hit
        return hit

    def __call__(self, payload: dict[str, Any]) -> list[Problem]:
        problems: list[Problem] = []
        for spec in self.item.fields:
            value = payload.get(spec.key)
            if value is None or value == "" or value == []:
                if spec.required:
                    problems.append(Problem(spec.key, "required", f"{spec.label}：必填项为空"))
                continue
            if spec.sentinels and value in spec.sentinels:  # "none yet" (17 zeros + X): not checked
                continue
            problems.extend(self._field(spec, value, payload))
        problems.extend(_cross_field(self.item, payload))
        problems.extend(self._cross(payload))
        return problems

    def _cross(self, payload: dict[str, Any]) -> list[Problem]:
        """Ingestion's cross-field rules beyond records.validation's."""
        out: list[Problem] = []
        role = self._role
        types_spec = role.get("penalty_types")
        chosen: list[str] = []
        if types_spec is not None:
            value = payload.get(types_spec.key) or []
            chosen = value if isinstance(value, list) else [value]
        fine = role.get("fine_amount")
        if fine is not None and "罚款" in chosen and payload.get(fine.key) in (None, ""):
            out.append(
                Problem(fine.key, "cross.fine_missing", f"{fine.label}：处罚类别含“罚款”，罚款金额必填")
            )
        conf = role.get("confiscation_amount")
        if (
            conf is not None
            and any(t in chosen for t in CONFISCATION_TYPES)
            and payload.get(conf.key) in (None, "")
        ):
            out.append(
                Problem(
                    conf.key,
                    "cross.confiscation_missing",
                    f"{conf.label}：处罚类别含没收，建议填写没收金额",
                    "warning",
                )
            )
        decision = role.get("decision_date")
        valid_to = role.get("valid_to")
        if decision is not None and valid_to is not None:
            a, b = payload.get(decision.key), payload.get(valid_to.key)
            if _iso(a) and _iso(b) and str(b) < str(a):
                out.append(
                    Problem(
                        valid_to.key,
                        "cross.valid_to_before_decision",
                        f"{valid_to.label}不能早于{decision.label}",
                    )
                )
        listed, exit_on = role.get("listed_on"), role.get("exit_on")
        if listed is not None and exit_on is not None:
            a, b = payload.get(listed.key), payload.get(exit_on.key)
            if _iso(a) and _iso(b) and str(b) < str(a):
                out.append(
                    Problem(exit_on.key, "cross.exit_before_listed", f"{exit_on.label}不能早于{listed.label}")
                )
        return out


def _iso(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True
