"""Publicity periods (公示期) of administrative-penalty records, versioned by decision date (DOMAIN §5).

Everything that can change with a notice — the rule sets and their periods, the severity proxy, the special
domains — is data in ``profiles/<city>/publicity.yaml``; this module only applies it:

* :func:`rule_set_for` picks the rule set in force on the decision date;
* :func:`penalty_period` turns (decision date, severity, special domain) into the first day a repair may be
  applied for and the last day the record is shown, counting months as the Civil Code does (§201–202);
* :func:`classify_severity` takes the department's declared severity or derives one from 行政处罚法 §51;
* :func:`special_domain_for` maps (deciding unit, legal basis) to one of Order 58's special domains;
* :func:`publicity_status` computes 未公示 / 公示中 / 已到期 when a record is read.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from xinyong.errors import ConfigError
from xinyong.kit.yamlfile import load_model

__all__ = [
    "LIFECYCLE_STATES",
    "DomainRule",
    "Period",
    "PeriodRule",
    "PublicityKind",
    "PublicityRules",
    "PublicityStatus",
    "RuleSet",
    "RulesFileError",
    "Severity",
    "SeverityProxy",
    "add_months",
    "classify_severity",
    "load_rules",
    "most_severe",
    "penalty_period",
    "publicity_status",
    "rule_set_for",
    "special_domain_for",
]

_ONE_DAY = datetime.timedelta(days=1)


class RulesFileError(ConfigError, ValueError):
    """A publicity-rules file that cannot be read or validated; the message names the file and the field."""

    code = "publicity_config_error"


class Severity(StrEnum):
    """Severity of the dishonest conduct behind a penalty."""

    MINOR = "轻微"
    GENERAL = "一般"
    SERIOUS = "严重"

    @property
    def rank(self) -> int:
        """0 for minor, 1 for general, 2 for serious: a higher rank means a longer period."""
        return _RANK[self]


_RANK: dict[Severity, int] = {Severity.MINOR: 0, Severity.GENERAL: 1, Severity.SERIOUS: 2}


def most_severe(severities: Sequence[Severity]) -> Severity:
    """The most severe of ``severities`` (several penalty types in one decision: longest period applies)."""
    if not severities:
        raise ValueError("most_severe needs at least one severity")
    return max(severities, key=lambda s: s.rank)


class PeriodRule(BaseModel):
    """The publicity period of one severity under one rule set, in months counted from the decision date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    published: bool
    min_months: int | None = None
    max_months: int | None = None

    @model_validator(mode="after")
    def _check(self) -> PeriodRule:
        if self.published and (self.min_months is None or self.max_months is None):
            raise ValueError("a published period needs min_months and max_months")
        for name in ("min_months", "max_months"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")
        if self.min_months is not None and self.max_months is not None and self.min_months > self.max_months:
            raise ValueError(f"min_months {self.min_months} exceeds max_months {self.max_months}")
        return self


class RuleSet(BaseModel):
    """The periods in force for decisions taken from ``effective_from`` to ``effective_to`` (inclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    name: str
    basis: str
    effective_from: datetime.date
    effective_to: datetime.date | None = None
    penalties: dict[Severity, PeriodRule]
    special_domain_min_months: int | None = None
    """Order 58: minimum months in food, drugs, special equipment, work safety and fire."""

    @model_validator(mode="after")
    def _check(self) -> RuleSet:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_to {self.effective_to} is before effective_from {self.effective_from}"
            )
        missing = [s.value for s in Severity if s not in self.penalties]
        if missing:
            raise ValueError(f"penalties: missing severities {', '.join(missing)}")
        if self.special_domain_min_months is not None:
            for severity, rule in self.penalties.items():
                if (
                    rule.published
                    and rule.max_months is not None
                    and (self.special_domain_min_months > rule.max_months)
                ):
                    raise ValueError(
                        f"special_domain_min_months {self.special_domain_min_months} exceeds "
                        f"penalties.{severity.value}.max_months {rule.max_months}"
                    )
        return self

    def in_force(self, d: datetime.date) -> bool:
        """Whether decisions taken on ``d`` fall under this rule set."""
        return self.effective_from <= d and (self.effective_to is None or d <= self.effective_to)


class SeverityProxy(BaseModel):
    """Data for deriving a severity when the department declared none (行政处罚法 §51 as the proxy)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    minor_types: list[str]
    minor_fine_max_yuan_person: int
    minor_fine_max_yuan_org: int
    general_types: list[str]
    serious_types: list[str]
    serious_fine_min_yuan: int
    fine_types: list[str] = ["罚款"]
    """Penalty types whose severity depends on the fine amount rather than on the type."""
    jiangsu_labels: dict[str, Severity]
    """Declared labels (失信严重程度 column) to severities, Jiangsu's 一般/较重/严重失信 included."""

    @model_validator(mode="after")
    def _check(self) -> SeverityProxy:
        seen: dict[str, str] = {}
        for field_name in ("minor_types", "general_types", "serious_types", "fine_types"):
            for name in getattr(self, field_name):
                if name in seen:
                    raise ValueError(f"{field_name}: {name!r} is already listed in {seen[name]}")
                seen[name] = field_name
        if self.serious_fine_min_yuan <= max(self.minor_fine_max_yuan_person, self.minor_fine_max_yuan_org):
            raise ValueError("serious_fine_min_yuan must exceed the minor fine thresholds")
        return self


class DomainRule(BaseModel):
    """Maps (deciding unit, legal-basis keywords) to one of Order 58's special domains.

    A rule matches when the deciding unit is one of ``unit_keys`` (any unit if the list is empty) *and* the
    legal basis contains one of ``basis_keywords`` (any basis if the list is empty).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: str
    unit_keys: list[str] = []
    basis_keywords: list[str] = []

    @model_validator(mode="after")
    def _check(self) -> DomainRule:
        if not self.unit_keys and not self.basis_keywords:
            raise ValueError(f"domain {self.domain!r}: give unit_keys, basis_keywords or both")
        return self


class PublicityRules(BaseModel):
    """The shape of ``profiles/<city>/publicity.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    rule_sets: list[RuleSet]
    severity_proxy: SeverityProxy
    special_domains: list[DomainRule] = []
    retime_older_records: bool = False
    """DOMAIN §5: records keep their decision-date rule set unless this is set; then the rule set in force on
    the day of evaluation (``as_of``) applies to every record, still counted from its decision date."""

    @field_validator("special_domains", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @model_validator(mode="after")
    def _check(self) -> PublicityRules:
        if not self.rule_sets:
            raise ValueError("rule_sets: at least one rule set is needed")
        keys = [rs.key for rs in self.rule_sets]
        duplicate = sorted({k for k in keys if keys.count(k) > 1})
        if duplicate:
            raise ValueError(f"rule_sets: duplicate key {', '.join(duplicate)}")
        ordered = sorted(enumerate(self.rule_sets), key=lambda item: item[1].effective_from)
        for (i_prev, prev), (i_next, nxt) in itertools.pairwise(ordered):
            if prev.effective_to is None:
                raise ValueError(
                    f"rule_sets[{i_prev}].effective_to: {prev.key!r} is open-ended but {nxt.key!r} "
                    f"starts on {nxt.effective_from}"
                )
            if nxt.effective_from <= prev.effective_to:
                raise ValueError(
                    f"rule_sets[{i_next}].effective_from: {nxt.key!r} starts on {nxt.effective_from}, "
                    f"overlapping {prev.key!r} which runs to {prev.effective_to}"
                )
            if nxt.effective_from != prev.effective_to + _ONE_DAY:
                raise ValueError(
                    f"rule_sets[{i_next}].effective_from: gap between {prev.key!r} (to {prev.effective_to}) "
                    f"and {nxt.key!r} (from {nxt.effective_from})"
                )
        return self

    @property
    def domains(self) -> frozenset[str]:
        """The special domains the profile declares."""
        return frozenset(rule.domain for rule in self.special_domains)


def load_rules(path: Path) -> PublicityRules:
    """Read and validate a profile's ``publicity.yaml``.

    Rule sets must be contiguous and non-overlapping. Raises :class:`RulesFileError` (a ``ValueError``) whose
    message names the file and the offending field.
    """
    return load_model(path, PublicityRules, error=RulesFileError, what="publicity rules")


def add_months(d: datetime.date, months: int) -> datetime.date:
    """``d`` plus ``months`` months under the Civil Code (§202).

    The period ends on the corresponding day of the target month, or on that month's last day when it has no
    such day (2026-08-31 + 3 months = 2026-11-30; 2024-02-29 + 12 months = 2025-02-28).
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


@dataclass(frozen=True)
class Period:
    """The publicity period of one penalty record."""

    rule_set: str
    severity: Severity
    published: bool
    repair_eligible_from: datetime.date | None
    """The first day a repair application is accepted: the day after decision date + minimum."""
    publicity_ends: datetime.date | None
    """The last day the record is shown: decision date + maximum."""
    min_months: int | None = None
    max_months: int | None = None
    special_domain: str | None = None


def rule_set_for(rules: PublicityRules, decision_date: datetime.date) -> RuleSet:
    """The rule set in force for decisions taken on ``decision_date``; ``ValueError`` when none covers it."""
    for rule_set in rules.rule_sets:
        if rule_set.in_force(decision_date):
            return rule_set
    raise ValueError(f"no publicity rule set covers decisions taken on {decision_date.isoformat()}")


def penalty_period(
    rules: PublicityRules,
    *,
    decision_date: datetime.date,
    severity: Severity,
    special_domain: str | None = None,
    as_of: datetime.date | None = None,
) -> Period:
    """The publicity period of a penalty decided on ``decision_date``.

    The rule set is the one of the decision date; when the profile sets ``retime_older_records`` it is the
    one in force on ``as_of`` instead (``as_of`` is then required). Months count from the decision date
    (Civil Code §201–202). In a special domain the minimum is raised to the rule set's
    ``special_domain_min_months``.
    """
    if rules.retime_older_records:
        if as_of is None:
            raise ValueError("retime_older_records is set: penalty_period needs as_of")
        rule_set = rule_set_for(rules, max(as_of, decision_date))
    else:
        rule_set = rule_set_for(rules, decision_date)
    if special_domain is not None and special_domain not in rules.domains:
        raise ValueError(f"unknown special domain {special_domain!r}")
    rule = rule_set.penalties[severity]
    if not rule.published or rule.min_months is None or rule.max_months is None:
        return Period(
            rule_set=rule_set.key,
            severity=severity,
            published=False,
            repair_eligible_from=None,
            publicity_ends=None,
            special_domain=special_domain,
        )
    min_months = rule.min_months
    if special_domain is not None and rule_set.special_domain_min_months is not None:
        min_months = max(min_months, rule_set.special_domain_min_months)
    return Period(
        rule_set=rule_set.key,
        severity=severity,
        published=True,
        repair_eligible_from=add_months(decision_date, min_months) + _ONE_DAY,
        publicity_ends=add_months(decision_date, rule.max_months),
        min_months=min_months,
        max_months=rule.max_months,
        special_domain=special_domain,
    )


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _declared_severity(proxy: SeverityProxy, declared: str) -> Severity:
    label = _clean(declared)
    candidates = [label]
    for suffix in ("行为", "信息"):
        if label.endswith(suffix):
            candidates.append(label.removesuffix(suffix))
    for candidate in candidates:
        if candidate in proxy.jiangsu_labels:
            return proxy.jiangsu_labels[candidate]
        if candidate in Severity.__members__.values():
            return Severity(candidate)
    raise ValueError(f"unknown declared severity {declared!r}: add it to severity_proxy.jiangsu_labels")


def _fine_severity(proxy: SeverityProxy, fine_yuan: Decimal, *, is_person: bool) -> Severity:
    minor_max = proxy.minor_fine_max_yuan_person if is_person else proxy.minor_fine_max_yuan_org
    if fine_yuan <= minor_max:
        return Severity.MINOR
    if fine_yuan >= proxy.serious_fine_min_yuan:
        return Severity.SERIOUS
    return Severity.GENERAL


def classify_severity(
    proxy: SeverityProxy,
    *,
    penalty_types: Sequence[str],
    fine_yuan: Decimal | None,
    is_person: bool,
    declared: str | None = None,
) -> tuple[Severity, bool]:
    """The severity of a penalty decision and whether it was derived (True) rather than declared (False).

    A declared label (the file's 失信严重程度 column, Jiangsu's 一般/较重/严重失信 included) wins.
    Otherwise the 行政处罚法 §51 proxy rates each penalty type and the fine amount, and the most severe
    applies: serious types and fines of at least ``serious_fine_min_yuan`` are serious; minor types and
    fines up to 200 元 (person) or 3,000 元 (organisation) are minor; everything else — general types,
    other fines, unknown types, a fine type without an amount, or nothing at all — is general. An unknown
    declared label raises ``ValueError``.
    """
    if declared is not None and _clean(declared):
        return _declared_severity(proxy, declared), False
    found: list[Severity] = []
    minor = {_clean(t) for t in proxy.minor_types}
    general = {_clean(t) for t in proxy.general_types}
    serious = {_clean(t) for t in proxy.serious_types}
    fines = {_clean(t) for t in proxy.fine_types}
    for raw_type in penalty_types:
        name = _clean(raw_type)
        if not name:
            continue
        if name in serious:
            found.append(Severity.SERIOUS)
        elif name in general:
            found.append(Severity.GENERAL)
        elif name in minor:
            found.append(Severity.MINOR)
        elif name in fines:
            if fine_yuan is None:
                found.append(Severity.GENERAL)
        else:
            found.append(Severity.GENERAL)
    if fine_yuan is not None and fine_yuan > 0:
        found.append(_fine_severity(proxy, fine_yuan, is_person=is_person))
    if not found:
        return Severity.GENERAL, True
    return most_severe(found), True


def special_domain_for(
    rules: PublicityRules, *, deciding_unit_key: str | None, basis_text: str | None
) -> str | None:
    """The Order 58 special domain of a decision, or ``None`` (ordinary: the caller flags unmapped rows).

    Rules are tried in file order; the first whose unit and keyword conditions both hold wins.
    """
    basis = _clean(basis_text) if basis_text else ""
    for rule in rules.special_domains:
        if rule.unit_keys and deciding_unit_key not in rule.unit_keys:
            continue
        if rule.basis_keywords and not any(_clean(k) in basis for k in rule.basis_keywords):
            continue
        return rule.domain
    return None


class PublicityKind(StrEnum):
    """How long a catalogue item's records are shown."""

    PENALTY = "penalty"
    """Penalties: by rule set, severity and special domain (:func:`penalty_period`)."""
    UNTIL_VALID_TO = "until_valid_to"
    """Licences: until 有效期至 (or permanently when it has none)."""
    WHILE_LISTED = "while_listed"
    """List entries: while the subject is listed."""
    PERMANENT = "permanent"
    """Registration data: permanently."""


class PublicityStatus(StrEnum):
    """A record's publicity status, computed when it is read."""

    NOT_PUBLIC = "未公示"
    ACTIVE = "公示中"
    EXPIRED = "已到期"


LIFECYCLE_STATES: frozenset[str] = frozenset({"有效", "已撤销", "已修复"})


def publicity_status(
    *,
    sharing_public: bool,
    lifecycle: str,
    published: bool,
    publicity_ends: datetime.date | None,
    today: datetime.date,
) -> PublicityStatus:
    """The publicity status of a record on ``today``.

    * an item that is not public, or a record whose rule does not publish it → 未公示;
    * a revoked record (已撤销) → 未公示: the decision is withdrawn, as if never shown;
    * a repaired record (已修复) → 已到期: its publication ended early;
    * a valid record (有效) → 公示中 up to and including ``publicity_ends`` (``None``: no end), 已到期 after.

    An open objection does not change the status (the record stays shown, marked 异议处理中).
    """
    if lifecycle not in LIFECYCLE_STATES:
        raise ValueError(f"unknown lifecycle state {lifecycle!r}")
    if not sharing_public or not published or lifecycle == "已撤销":
        return PublicityStatus.NOT_PUBLIC
    if lifecycle == "已修复":
        return PublicityStatus.EXPIRED
    if publicity_ends is None or today <= publicity_ends:
        return PublicityStatus.ACTIVE
    return PublicityStatus.EXPIRED
