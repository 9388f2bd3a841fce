"""Derived columns of staged rows (records.service.derive), memoised on what they depend on.

A row's severity, rule set, special domain and publicity dates depend on a handful of its values —
decision date, deciding unit, penalty types, the fine only through the severity band it falls in,
declared severity, legal basis, validity dates — and a file repeats those combinations on most rows.
:class:`RowDeriver` calls :func:`~xinyong.records.service.derive` once per distinct combination
(bounded cache) and fills in the per-row columns (natural key, decision number, fine in 分) itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xinyong.catalog.schemas import CatalogItemSpec
from xinyong.records.publicity import PublicityRules, _fine_severity
from xinyong.records.service import FEN_PER, Derived, derive

#: Derived columns stored on a staged row, in this order (the natural key is a column of its own).
DERIVED = [k for k in Derived.__dataclass_fields__ if k != "natural_key"]
_FINE_FEN = DERIVED.index("fine_fen")
_DECISION_NO = DERIVED.index("decision_no")
_KEY_ROLES = (
    "decision_date",
    "listed_on",
    "deciding_unit_code",
    "penalty_types",
    "valid_to",
    "severity",
    "legal_basis",
    "exit_on",
)
_CACHE = 4096


class RowDeriver:
    """Compiled once per batch: ``deriver(payload, is_person)`` → (natural key, values of :data:`DERIVED`)."""

    def __init__(
        self, item: CatalogItemSpec, *, rules: PublicityRules, units_by_uscc: dict[str, str]
    ) -> None:
        self.item = item
        self.rules = rules
        self.units_by_uscc = units_by_uscc
        self._keys = [f.key for r in _KEY_ROLES if (f := item.field_by_role(r)) is not None]
        fine = item.field_by_role("fine_amount")
        self._fine_key = fine.key if fine is not None else None
        self._fen_per = FEN_PER[fine.unit or "万元"] if fine is not None else Decimal(0)
        number = item.field_by_role("decision_no")
        self._number_key = number.key if number is not None else None
        self._natural = list(item.natural_key)
        self._cache: dict[tuple[Any, ...], list[Any]] = {}

    def natural_key(self, payload: dict[str, Any]) -> str:
        """records.service.natural_key without the per-call look-ups."""
        get = payload.get
        return "|".join([str(v).strip().upper() if (v := get(k)) is not None else "" for k in self._natural])

    def __call__(self, payload: dict[str, Any], is_person: bool) -> tuple[str, list[Any]]:
        """Raises ``ValueError`` as :func:`derive` does (e.g. no rule set for the decision date)."""
        get = payload.get
        fine_fen: int | None = None
        band: Any = None
        if self._fine_key is not None and get(self._fine_key) not in (None, ""):
            fine_fen = int(Decimal(str(payload[self._fine_key])) * self._fen_per)
            # The fine enters the severity only as: present, and (when positive) its band.
            band = (
                _fine_severity(self.rules.severity_proxy, Decimal(fine_fen) / 100, is_person=is_person)
                if fine_fen > 0
                else 0
            )
        key = (
            is_person,
            band,
            fine_fen is None,
            *(tuple(v) if isinstance(v := get(k), list) else v for k in self._keys),
        )
        values = self._cache.get(key)
        if values is None:
            d = derive(
                self.item, payload, rules=self.rules, units_by_uscc=self.units_by_uscc, is_person=is_person
            )
            values = [getattr(d, k) for k in DERIVED]
            if len(self._cache) >= _CACHE:
                self._cache.clear()
            self._cache[key] = values
        out = list(values)
        out[_FINE_FEN] = fine_fen
        out[_DECISION_NO] = get(self._number_key) if self._number_key is not None else None
        return self.natural_key(payload), out
