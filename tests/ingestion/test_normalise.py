"""Dates as units write them, one function: the accepted forms become ISO, anything else is left for
the validator to name (None here)."""

from __future__ import annotations

from typing import Any

import pytest

from xinyong.ingestion.normalise import parse_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026-11-23", "2026-11-23"),
        ("2026/9/1", "2026-09-01"),
        ("2026.11.23", "2026-11-23"),
        ("2026年9月2日", "2026-09-02"),
        ("20260903", "2026-09-03"),
        ("46269", "2026-09-04"),
        ("2026-11-23 14:05:00", "2026-11-23"),
        ("二〇二六年十一月二十三日", "2026-11-23"),
        ("二零二六年九月一日", "2026-09-01"),
        ("二○二五年十月十日", "2025-10-10"),
        ("二〇二六年一月三十一日", "2026-01-31"),
        ("二〇二四年二月二十九日", "2024-02-29"),
    ],
)
def test_accepted_forms(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30",
        "23/11/2026",  # day first or month first: not guessed
        "二〇二六年十三月一日",
        "二〇二五年二月二十九日",
        "二〇二六年十一月三十二日",
        "二〇二六年十一月",
        "二六年十一月二十三日",
        "二〇二六年十一月二十十日",
        "明年三月",
    ],
)
def test_other_text_is_not_a_date(text: str) -> None:
    assert parse_date(text) is None


def _fine(header: str) -> Any:
    from xinyong.catalog.schemas import load_catalog
    from xinyong.config import REPO_ROOT
    from xinyong.ingestion.normalise import clean, converter

    catalog = load_catalog(REPO_ROOT / "profiles" / "changzhou" / "catalog")
    spec = next(i for i in catalog.items if i.code == "xzcf_fr").field("fine_amount")  # 万元, 6 places
    convert = converter(spec, header)
    return lambda text: convert(clean(text))


@pytest.mark.parametrize(
    ("text", "in_yuan_column", "in_wan_column"),
    [
        ("5000", "0.500000", "5000.000000"),
        ("5,000元", "0.500000", "0.500000"),
        ("人民币5000元", "0.500000", "0.500000"),
        ("RMB 5,000", "0.500000", "5000.000000"),
        ("5000元整", "0.500000", "0.500000"),
        ("5000元（人民币）", "0.500000", "0.500000"),
        ("1.2万元", "1.200000", "1.200000"),
        ("伍仟元整", "0.500000", "0.500000"),
        ("人民币壹万零伍佰元", "1.050000", "1.050000"),
        ("叁拾万元", "30.000000", "30.000000"),
        ("壹佰元叁角", "0.010030", "0.010030"),
        ("三千", "0.300000", "3000.000000"),
        ("5千元", "0.500000", "0.500000"),
    ],
)
def test_amounts_as_decision_texts_write_them(text: str, in_yuan_column: str, in_wan_column: str) -> None:
    assert _fine("罚款金额（元）")(text) == in_yuan_column
    assert _fine("罚款金额（万元）")(text) == in_wan_column


@pytest.mark.parametrize("text", ["罚款", "若干元", "见决定书", "5000美元"])
def test_what_is_not_an_amount_stays_text_for_the_validator(text: str) -> None:
    assert _fine("罚款金额（元）")(text) == text
