"""Publicity periods versioned by decision date, the severity proxy, special domains and publicity status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from xinyong.records.publicity import (
    Period,
    PublicityRules,
    PublicityStatus,
    Severity,
    add_months,
    classify_severity,
    load_rules,
    most_severe,
    penalty_period,
    publicity_status,
    rule_set_for,
    special_domain_for,
)

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
CHANGZHOU_RULES = ROOT / "profiles" / "changzhou" / "publicity.yaml"

R527 = "fgw-527-2019"
R58 = "ndrc-order-58"
R36 = "gbf-2025-22-ndrc-order-36"

MINOR, GENERAL, SERIOUS = Severity.MINOR, Severity.GENERAL, Severity.SERIOUS


@pytest.fixture(scope="module")
def rules() -> PublicityRules:
    return load_rules(CHANGZHOU_RULES)


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (D(2000, 1, 1), R527),
        (D(2019, 8, 1), R527),
        (D(2023, 4, 30), R527),
        (D(2023, 5, 1), R58),
        (D(2025, 1, 1), R58),
        (D(2026, 3, 31), R58),
        (D(2026, 4, 1), R36),
        (D(2030, 6, 1), R36),
    ],
)
def test_rule_set_for(rules: PublicityRules, decision: dt.date, expected: str) -> None:
    assert rule_set_for(rules, decision).key == expected


def test_rule_set_for_before_first(rules: PublicityRules) -> None:
    with pytest.raises(ValueError, match="1999-12-31"):
        rule_set_for(rules, D(1999, 12, 31))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 8, 31), 3, D(2026, 11, 30)),
        (D(2022, 8, 31), 6, D(2023, 2, 28)),
        (D(2023, 8, 31), 6, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2026, 12, 31), 2, D(2027, 2, 28)),
        (D(2026, 1, 15), 0, D(2026, 1, 15)),
        (D(2026, 10, 15), 3, D(2027, 1, 15)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
    ],
)
def test_add_months(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


# (decision date, severity, special domain, rule set, published, repair_eligible_from, publicity_ends)
PERIODS: list[tuple[dt.date, Severity, str | None, str, bool, dt.date | None, dt.date | None]] = [
    # Boundary 2023-04-30 / 2023-05-01.
    (D(2023, 4, 30), GENERAL, None, R527, True, D(2023, 7, 31), D(2024, 4, 30)),
    (D(2023, 4, 30), SERIOUS, None, R527, True, D(2023, 10, 31), D(2026, 4, 30)),
    (D(2023, 4, 30), MINOR, None, R527, True, D(2023, 7, 31), D(2024, 4, 30)),
    (D(2023, 5, 1), GENERAL, None, R58, True, D(2023, 8, 2), D(2026, 5, 1)),
    (D(2023, 5, 1), SERIOUS, None, R58, True, D(2023, 8, 2), D(2026, 5, 1)),
    (D(2023, 5, 1), MINOR, None, R58, False, None, None),
    # Boundary 2026-03-31 / 2026-04-01.
    (D(2026, 3, 31), GENERAL, None, R58, True, D(2026, 7, 1), D(2029, 3, 31)),
    (D(2026, 3, 31), SERIOUS, None, R58, True, D(2026, 7, 1), D(2029, 3, 31)),
    (D(2026, 4, 1), GENERAL, None, R36, True, D(2026, 7, 2), D(2027, 4, 1)),
    (D(2026, 4, 1), SERIOUS, None, R36, True, D(2027, 4, 2), D(2029, 4, 1)),
    # Minor under Order 36: not published.
    (D(2026, 4, 1), MINOR, None, R36, False, None, None),
    (D(2026, 9, 1), MINOR, "food", R36, False, None, None),
    # Month ends: 2026-08-31 + 3 months = 2026-11-30; 527号 serious 2022-08-31 + 6 months = 2023-02-28.
    (D(2026, 8, 31), GENERAL, None, R36, True, D(2026, 12, 1), D(2027, 8, 31)),
    (D(2022, 8, 31), SERIOUS, None, R527, True, D(2023, 3, 1), D(2025, 8, 31)),
    (D(2019, 8, 31), SERIOUS, None, R527, True, D(2020, 3, 1), D(2022, 8, 31)),
    # Leap day decided: + 12 months (Order 58 special domain) ends on 2025-02-28.
    (D(2024, 2, 29), SERIOUS, "food", R58, True, D(2025, 3, 1), D(2027, 2, 28)),
    (D(2023, 8, 31), GENERAL, None, R58, True, D(2023, 12, 1), D(2026, 8, 31)),
    # Order 58 special domains: minimum raised to 12 months, maximum unchanged.
    (D(2024, 5, 15), GENERAL, None, R58, True, D(2024, 8, 16), D(2027, 5, 15)),
    (D(2024, 5, 15), GENERAL, "work_safety", R58, True, D(2025, 5, 16), D(2027, 5, 15)),
    (D(2024, 5, 15), SERIOUS, "fire", R58, True, D(2025, 5, 16), D(2027, 5, 15)),
    (D(2025, 11, 30), GENERAL, "drugs", R58, True, D(2026, 12, 1), D(2028, 11, 30)),
    (D(2024, 5, 15), MINOR, "special_equipment", R58, False, None, None),
    # Other rule sets have no special-domain minimum.
    (D(2022, 1, 10), GENERAL, "food", R527, True, D(2022, 4, 11), D(2023, 1, 10)),
    (D(2026, 5, 10), GENERAL, "fire", R36, True, D(2026, 8, 11), D(2027, 5, 10)),
]


@pytest.mark.parametrize(
    ("decision", "severity", "domain", "rule_set", "published", "repair", "ends"), PERIODS
)
def test_penalty_period(
    rules: PublicityRules,
    decision: dt.date,
    severity: Severity,
    domain: str | None,
    rule_set: str,
    published: bool,
    repair: dt.date | None,
    ends: dt.date | None,
) -> None:
    period = penalty_period(rules, decision_date=decision, severity=severity, special_domain=domain)
    assert (period.rule_set, period.severity, period.published) == (rule_set, severity, published)
    assert period.repair_eligible_from == repair
    assert period.publicity_ends == ends


def test_penalty_period_unknown_domain(rules: PublicityRules) -> None:
    with pytest.raises(ValueError, match="unknown special domain"):
        penalty_period(rules, decision_date=D(2024, 5, 15), severity=GENERAL, special_domain="tobacco")


def test_records_keep_their_decision_date_rule_set(rules: PublicityRules) -> None:
    period = penalty_period(rules, decision_date=D(2024, 1, 10), severity=GENERAL, as_of=D(2026, 5, 1))
    assert (period.rule_set, period.publicity_ends) == (R58, D(2027, 1, 10))


def test_retime_older_records(rules: PublicityRules) -> None:
    retimed = rules.model_copy(update={"retime_older_records": True})
    period = penalty_period(retimed, decision_date=D(2024, 1, 10), severity=GENERAL, as_of=D(2026, 5, 1))
    assert (period.rule_set, period.repair_eligible_from, period.publicity_ends) == (
        R36,
        D(2024, 4, 11),
        D(2025, 1, 10),
    )
    with pytest.raises(ValueError, match="as_of"):
        penalty_period(retimed, decision_date=D(2024, 1, 10), severity=GENERAL)


PERSON, ORG = True, False


@pytest.mark.parametrize(
    ("types", "fine", "is_person", "expected"),
    [
        # 行政处罚法 §51: at most 200 元 (person) / 3,000 元 (organisation) is minor.
        (["罚款"], Decimal("200"), PERSON, MINOR),
        (["罚款"], Decimal("200.00"), PERSON, MINOR),
        (["罚款"], Decimal("200.01"), PERSON, GENERAL),
        (["罚款"], Decimal("201"), PERSON, GENERAL),
        (["罚款"], Decimal("3000"), ORG, MINOR),
        (["罚款"], Decimal("3001"), ORG, GENERAL),
        (["罚款"], Decimal("3000"), PERSON, GENERAL),
        (["罚款"], None, ORG, GENERAL),
        (["罚款"], Decimal("999999.99"), ORG, GENERAL),
        (["罚款"], Decimal("1000000"), ORG, SERIOUS),
        (["警告"], None, PERSON, MINOR),
        (["通报批评"], None, ORG, MINOR),
        (["警告", "罚款"], Decimal("150"), PERSON, MINOR),
        (["警告"], Decimal("5000"), ORG, GENERAL),
        (["没收违法所得"], None, ORG, GENERAL),
        (["暂扣许可证件"], None, ORG, GENERAL),
        (["降低资质等级"], None, ORG, GENERAL),
        (["吊销许可证件"], None, ORG, SERIOUS),
        (["责令关闭"], None, ORG, SERIOUS),
        (["限制从业"], None, PERSON, SERIOUS),
        (["其他"], None, ORG, GENERAL),
        ([], None, ORG, GENERAL),
        ([" 警告 "], None, ORG, MINOR),
        # Several penalty types in one decision: the most severe.
        (["警告", "没收违法所得"], None, ORG, GENERAL),
        (["警告", "罚款", "责令停产停业"], Decimal("100"), ORG, SERIOUS),
        (["罚款", "没收违法所得", "吊销许可证件"], Decimal("50000"), ORG, SERIOUS),
    ],
)
def test_classify_severity_proxy(
    rules: PublicityRules, types: list[str], fine: Decimal | None, is_person: bool, expected: Severity
) -> None:
    assert classify_severity(
        rules.severity_proxy, penalty_types=types, fine_yuan=fine, is_person=is_person
    ) == (
        expected,
        True,
    )


@pytest.mark.parametrize(
    ("declared", "types", "expected"),
    [
        ("较重失信", ["警告"], SERIOUS),
        ("较重", ["警告"], SERIOUS),
        ("一般失信", ["吊销许可证件"], GENERAL),
        ("一般失信行为", ["吊销许可证件"], GENERAL),
        ("严重失信", ["警告"], SERIOUS),
        ("严重", [], SERIOUS),
        ("一般", ["警告"], GENERAL),
        ("轻微", ["罚款"], MINOR),
    ],
)
def test_declared_label_wins(
    rules: PublicityRules, declared: str, types: list[str], expected: Severity
) -> None:
    result = classify_severity(
        rules.severity_proxy,
        penalty_types=types,
        fine_yuan=Decimal("5000"),
        is_person=False,
        declared=declared,
    )
    assert result == (expected, False)


@pytest.mark.parametrize("declared", [None, "", "  "])
def test_empty_declared_label_falls_back_to_proxy(rules: PublicityRules, declared: str | None) -> None:
    result = classify_severity(
        rules.severity_proxy, penalty_types=["警告"], fine_yuan=None, is_person=True, declared=declared
    )
    assert result == (MINOR, True)


def test_unknown_declared_label(rules: PublicityRules) -> None:
    with pytest.raises(ValueError, match="非常严重"):
        classify_severity(
            rules.severity_proxy, penalty_types=[], fine_yuan=None, is_person=False, declared="非常严重"
        )


def test_several_types_take_the_longest_period(rules: PublicityRules) -> None:
    severity, derived = classify_severity(
        rules.severity_proxy,
        penalty_types=["警告", "罚款", "吊销许可证件"],
        fine_yuan=Decimal("100"),
        is_person=False,
    )
    assert (severity, derived) == (SERIOUS, True)
    period = penalty_period(rules, decision_date=D(2026, 6, 1), severity=severity)
    assert period == Period(
        rule_set=R36,
        severity=SERIOUS,
        published=True,
        repair_eligible_from=D(2027, 6, 2),
        publicity_ends=D(2029, 6, 1),
        min_months=12,
        max_months=36,
    )
    assert most_severe([MINOR, SERIOUS, GENERAL]) is SERIOUS


@pytest.mark.parametrize(
    ("unit", "basis", "expected"),
    [
        ("shi_scjgj", "《中华人民共和国食品安全法》第一百二十四条第一款", "food"),
        ("shi_scjgj", "《中华人民共和国药品管理法》第一百一十七条", "drugs"),
        ("shi_scjgj", "《特种设备安全监察条例》第八十四条", "special_equipment"),
        ("shi_scjgj", "《中华人民共和国广告法》第五十五条", None),
        ("shi_scjgj", None, None),
        ("shi_yjglj", "《危险化学品安全管理条例》第八十条", "work_safety"),
        ("shi_yjglj", None, "work_safety"),
        ("shi_xfjy", "《中华人民共和国消防法》第六十条", "fire"),
        ("shi_zjj", "《中华人民共和国消防法》第五十八条", "fire"),
        ("shi_zjj", "《中华人民共和国安全生产法》第九十七条", "work_safety"),
        ("shi_zjj", "《中华人民共和国建筑法》第六十五条", None),
        (None, "《中华人民共和国食品安全法》第一百二十六条", "food"),
        (None, None, None),
    ],
)
def test_special_domain_for(
    rules: PublicityRules, unit: str | None, basis: str | None, expected: str | None
) -> None:
    assert special_domain_for(rules, deciding_unit_key=unit, basis_text=basis) == expected


NOT_PUBLIC, ACTIVE, EXPIRED = PublicityStatus.NOT_PUBLIC, PublicityStatus.ACTIVE, PublicityStatus.EXPIRED
TODAY = D(2026, 6, 15)


@pytest.mark.parametrize(
    ("sharing_public", "lifecycle", "published", "ends", "expected"),
    [
        (True, "有效", True, D(2026, 6, 15), ACTIVE),
        (True, "有效", True, D(2026, 6, 14), EXPIRED),
        (True, "有效", True, D(2027, 1, 1), ACTIVE),
        (True, "有效", True, None, ACTIVE),
        (True, "有效", False, None, NOT_PUBLIC),
        (False, "有效", True, D(2027, 1, 1), NOT_PUBLIC),
        (False, "有效", True, None, NOT_PUBLIC),
        (True, "已撤销", True, D(2027, 1, 1), NOT_PUBLIC),
        (True, "已修复", True, D(2027, 1, 1), EXPIRED),
        (True, "已修复", True, None, EXPIRED),
        (False, "已修复", True, D(2027, 1, 1), NOT_PUBLIC),
    ],
)
def test_publicity_status(
    sharing_public: bool, lifecycle: str, published: bool, ends: dt.date | None, expected: PublicityStatus
) -> None:
    status = publicity_status(
        sharing_public=sharing_public,
        lifecycle=lifecycle,
        published=published,
        publicity_ends=ends,
        today=TODAY,
    )
    assert status is expected


def test_publicity_status_unknown_lifecycle() -> None:
    with pytest.raises(ValueError, match="异议处理中"):
        publicity_status(
            sharing_public=True, lifecycle="异议处理中", published=True, publicity_ends=None, today=TODAY
        )


# ---- load_rules validation -------------------------------------------------------------------------------


def _changzhou_raw() -> dict[str, Any]:
    raw = yaml.safe_load(CHANGZHOU_RULES.read_text(encoding="utf-8"))
    assert isinstance(raw, dict)
    return raw


def _set(raw: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = raw
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "fragments"),
    [
        # Overlap: Order 58 starts before 527号 ends.
        (("rule_sets", 1, "effective_from"), D(2023, 4, 1), ["rule_sets[1].effective_from", "overlapping"]),
        (("rule_sets", 0, "effective_to"), D(2023, 6, 30), ["rule_sets[1].effective_from", "overlapping"]),
        # Gap between Order 58 and Order 36.
        (("rule_sets", 2, "effective_from"), D(2026, 4, 2), ["rule_sets[2].effective_from", "gap"]),
        # Open-ended rule set that is not the last one.
        (("rule_sets", 1, "effective_to"), None, ["rule_sets[1].effective_to", "open-ended"]),
        (("rule_sets", 1, "key"), R527, ["rule_sets", "duplicate key"]),
        (
            ("rule_sets", 0, "penalties", "一般", "max_months"),
            None,
            ["rule_sets.0.penalties.一般", "max_months"],
        ),
        (("rule_sets", 0, "penalties", "一般", "min_months"), 13, ["rule_sets.0.penalties.一般", "exceeds"]),
        (("rule_sets", 2, "penalties", "极重"), {"published": False}, ["rule_sets.2.penalties.极重"]),
        (("rule_sets", 2, "effective_to"), D(2026, 1, 1), ["rule_sets.2", "before effective_from"]),
        (("rule_sets", 1, "special_domain_min_months"), 48, ["rule_sets.1", "special_domain_min_months"]),
        (
            ("severity_proxy", "jiangsu_labels", "较重失信"),
            "很重",
            ["severity_proxy.jiangsu_labels.较重失信"],
        ),
        (("severity_proxy", "serious_types"), ["警告"], ["severity_proxy", "警告"]),
        (("special_domains", 0), {"domain": "food"}, ["special_domains.0", "unit_keys"]),
        (("version",), None, ["version"]),
    ],
)
def test_load_rules_rejects(tmp_path: Path, path: tuple[Any, ...], value: Any, fragments: list[str]) -> None:
    raw = _changzhou_raw()
    _set(raw, path, value)
    target = tmp_path / "broken-publicity.yaml"
    target.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_rules(target)
    message = str(info.value)
    assert "broken-publicity.yaml" in message
    for fragment in fragments:
        assert fragment in message


def test_load_rules_missing_severity(tmp_path: Path) -> None:
    raw = _changzhou_raw()
    del raw["rule_sets"][1]["penalties"]["轻微"]
    target = tmp_path / "missing.yaml"
    target.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=r"missing\.yaml.*rule_sets\.1.*missing severities 轻微"):
        load_rules(target)


def test_load_rules_bad_yaml(tmp_path: Path) -> None:
    target = tmp_path / "garbled.yaml"
    target.write_text("version: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"garbled\.yaml"):
        load_rules(target)


def test_changzhou_rules_shape(rules: PublicityRules) -> None:
    assert [rs.key for rs in rules.rule_sets] == [R527, R58, R36]
    assert rules.retime_older_records is False
    assert rules.domains == {"food", "drugs", "special_equipment", "work_safety", "fire"}
    assert rules.severity_proxy.minor_fine_max_yuan_person == 200
    assert rules.severity_proxy.minor_fine_max_yuan_org == 3000
