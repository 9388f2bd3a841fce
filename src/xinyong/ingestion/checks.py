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
_FIELD_CACHE = 16384

CONFISCATION_TYPES = ("没收违法所得", "没收非法财物")
LICENCE_TYPES = ("暂扣许可证件", "吊销许可证件")


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


_CROSS_ROLES = (
    "fine_amount",
    "penalty_types",
    "valid_from",
    "valid_to",
    "confiscation_amount",
    "decision_date",
    "listed_on",
    "exit_on",
)
_CHECKED, _LENGTH, _PLAIN = 0, 1, 2
#: Per field: key, spec, its "required" problem, id-type source field, mode, memo, max length, sentinels.
_Plan = tuple[str, FieldSpec, Problem | None, str | None, int, dict[Any, list[Problem]], int, list[str]]


class RowChecker:
    """Validates payloads of one item on one day; compiled once per batch.

    Compiled into one plan per field (no per-row look-ups of roles or field types): low-cardinality
    kinds are memoised per value, plain text without a pattern is only measured, and the cross-field
    rules are memoised on the few values they read (the fine only as blank / positive / not).
    """

    def __init__(self, item: CatalogItemSpec, *, today: dt.date) -> None:
        self.item = item
        self.today = today
        self._role = {str(f.role): f for f in item.fields if f.role is not None}
        self._plans: list[_Plan] = []
        for spec in item.fields:
            required = Problem(spec.key, "required", f"{spec.label}：必填项为空") if spec.required else None
            if spec.type in _CACHED_TYPES or spec.type is FieldType.CODE_LIST:
                mode = _CHECKED
            elif spec.type in (FieldType.STRING, FieldType.TEXT) and not spec.pattern:
                mode = _LENGTH
            else:
                mode = _PLAIN
            plan: _Plan = (
                spec.key,
                spec,
                required,
                spec.id_type_source(),
                mode,
                {},
                spec.max_length or 0,
                spec.sentinels,
            )
            self._plans.append(plan)
        self._cross_keys = [self._role[r].key for r in _CROSS_ROLES if r in self._role]
        fine = self._role.get("fine_amount")
        conf = self._role.get("confiscation_amount")
        self._fine_at = self._cross_keys.index(fine.key) if fine is not None else -1
        self._presence_at = self._cross_keys.index(conf.key) if conf is not None else -1
        self._cross_cache: dict[tuple[Any, ...], list[Problem]] = {}

    def __call__(self, payload: dict[str, Any]) -> list[Problem]:
        problems: list[Problem] = []
        get = payload.get
        for key, spec, required, source, mode, cache, max_length, sentinels in self._plans:
            value = get(key)
            if value is None or value == "" or value == []:
                if required is not None:
                    problems.append(required)
                continue
            if mode == _LENGTH:
                if max_length and len(str(value)) > max_length:
                    problems.extend(check_field(spec, value, payload, today=self.today))
                continue
            if sentinels and value in sentinels:  # "none yet" (17 zeros + X): not checked
                continue
            if mode == _PLAIN:
                problems.extend(check_field(spec, value, payload, today=self.today))
                continue
            memo_key = tuple(value) if isinstance(value, list) else value
            if source:
                memo_key = (memo_key, get(source))
            hit = cache.get(memo_key)
            if hit is None:
                hit = check_field(spec, value, payload, today=self.today)
                if len(cache) >= _FIELD_CACHE:
                    cache.clear()
                cache[memo_key] = hit
            if hit:
                problems.extend(hit)
        found = self._cross_cache.get(cross_key := self._cross_key(payload))
        if found is None:
            found = [*_cross_field(self.item, payload), *self._cross(payload)]
            if len(self._cross_cache) >= _FIELD_CACHE:
                self._cross_cache.clear()
            self._cross_cache[cross_key] = found
        if found:
            problems.extend(found)
        return problems

    def _cross_key(self, payload: dict[str, Any]) -> tuple[Any, ...]:
        """What the cross-field rules read of a payload: lists as tuples; the fine amount only as blank
        (None), positive (True) or not (False), the confiscation amount only as filled or not — so a
        column of distinct amounts still hits."""
        get = payload.get
        values = [tuple(v) if isinstance(v := get(k), list) else v for k in self._cross_keys]
        if self._presence_at >= 0:
            values[self._presence_at] = values[self._presence_at] not in (None, "")
        if self._fine_at >= 0:
            fine = values[self._fine_at]
            if fine not in (None, ""):
                amount = _amount(fine)
                values[self._fine_at] = amount is not None and amount > 0
            else:
                values[self._fine_at] = None
        return tuple(values)

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
