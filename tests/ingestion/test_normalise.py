"""Dates as units write them, one function: the accepted forms become ISO, anything else is left for
the validator to name (None here)."""

from __future__ import annotations

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
