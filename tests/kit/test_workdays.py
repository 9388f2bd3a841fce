"""Working-day calendar: official holidays, make-up working days, unknown years, profile overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest

from xinyong.kit.workdays import (
    CalendarSpec,
    Deadline,
    WorkCalendar,
    YearSpec,
    load_calendar_spec,
)

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
CHANGZHOU_CALENDAR = ROOT / "profiles" / "changzhou" / "calendar.yaml"

# The official days the deadline tests below rely on, checked against chinese_calendar itself so that a wrong
# assumption in this file fails here rather than hiding inside an expected deadline.
HOLIDAYS_ON_WEEKDAYS = [
    # Spring Festival 2026: 2026-02-15 (Sun) .. 2026-02-23 (Mon)
    D(2026, 2, 16),
    D(2026, 2, 17),
    D(2026, 2, 18),
    D(2026, 2, 19),
    D(2026, 2, 20),
    D(2026, 2, 23),
    # National Day 2025: 2025-10-01 .. 2025-10-08
    D(2025, 10, 1),
    D(2025, 10, 2),
    D(2025, 10, 3),
    D(2025, 10, 6),
    D(2025, 10, 7),
    D(2025, 10, 8),
    # National Day 2026: 2026-10-01 .. 2026-10-07
    D(2026, 10, 1),
    D(2026, 10, 2),
    D(2026, 10, 5),
    D(2026, 10, 6),
    D(2026, 10, 7),
]
MAKE_UP_WORKDAYS = [D(2026, 2, 14), D(2026, 2, 28), D(2025, 9, 28), D(2025, 10, 11), D(2026, 10, 10)]
ORDINARY_WORKDAYS = [D(2026, 2, 13), D(2026, 2, 24), D(2025, 10, 9), D(2026, 10, 8), D(2026, 12, 31)]


@pytest.mark.parametrize("day", HOLIDAYS_ON_WEEKDAYS)
def test_fact_weekday_holiday(day: dt.date) -> None:
    assert day.weekday() < 5
    assert chinese_calendar.is_holiday(day)
    assert not chinese_calendar.is_workday(day)
    assert not WorkCalendar().is_workday(day)


@pytest.mark.parametrize("day", MAKE_UP_WORKDAYS)
def test_fact_make_up_workday(day: dt.date) -> None:
    assert day.weekday() >= 5
    assert chinese_calendar.is_workday(day)
    assert WorkCalendar().is_workday(day)


@pytest.mark.parametrize("day", ORDINARY_WORKDAYS)
def test_fact_ordinary_workday(day: dt.date) -> None:
    assert day.weekday() < 5
    assert chinese_calendar.is_workday(day)
    assert WorkCalendar().is_workday(day)


def test_fact_2027_unknown_to_package() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Spring Festival 2026, make-up Saturdays 02-14 and 02-28 count.
        (D(2026, 2, 12), 1, D(2026, 2, 13)),
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 14), 1, D(2026, 2, 24)),
        (D(2026, 2, 12), 7, D(2026, 2, 28)),
        (D(2026, 2, 24), 4, D(2026, 2, 28)),
        (D(2026, 2, 24), 5, D(2026, 3, 2)),
        # National Day 2025 (make-up Sunday 09-28 and Saturday 10-11).
        (D(2025, 9, 26), 1, D(2025, 9, 28)),
        (D(2025, 9, 26), 3, D(2025, 9, 30)),
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        (D(2025, 9, 30), 3, D(2025, 10, 11)),
        (D(2025, 9, 30), 7, D(2025, 10, 16)),
        # National Day 2026 (make-up Saturday 10-10).
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),
        (D(2026, 9, 30), 5, D(2026, 10, 13)),
        # An ordinary week: the weekend is skipped.
        (D(2026, 3, 6), 1, D(2026, 3, 9)),
        (D(2026, 12, 28), 3, D(2026, 12, 31)),
    ],
)
def test_add_workdays_known_years(start: dt.date, n: int, expected: dt.date) -> None:
    assert WorkCalendar().add_workdays(start, n) == Deadline(date=expected, provisional=False)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 2027 is unknown: Monday–Friday, so 2027-01-01 (a Friday, surely a holiday) counts — provisional.
        (D(2026, 12, 30), 2, D(2027, 1, 1)),
        (D(2026, 12, 30), 3, D(2027, 1, 4)),
        (D(2026, 12, 31), 1, D(2027, 1, 1)),
        (D(2027, 2, 5), 1, D(2027, 2, 8)),
        (D(2027, 9, 30), 7, D(2027, 10, 11)),
    ],
)
def test_add_workdays_into_unknown_year_is_provisional(start: dt.date, n: int, expected: dt.date) -> None:
    assert WorkCalendar().add_workdays(start, n) == Deadline(date=expected, provisional=True)


SPEC_2027 = CalendarSpec(
    version="test",
    years={
        2027: YearSpec(
            holidays=[D(2027, 1, 1), D(2027, 2, 8), D(2027, 2, 9)],
            workdays=[D(2027, 2, 6)],
            source="test schedule",
        )
    },
)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 12, 30), 2, D(2027, 1, 4)),
        (D(2026, 12, 30), 3, D(2027, 1, 5)),
        (D(2026, 12, 31), 1, D(2027, 1, 4)),
        (D(2027, 2, 5), 1, D(2027, 2, 6)),
        (D(2027, 2, 6), 1, D(2027, 2, 10)),
    ],
)
def test_profile_declares_2027(start: dt.date, n: int, expected: dt.date) -> None:
    assert WorkCalendar(SPEC_2027).add_workdays(start, n) == Deadline(date=expected, provisional=False)


def test_profile_2027_does_not_make_2028_known() -> None:
    deadline = WorkCalendar(SPEC_2027).add_workdays(D(2027, 12, 30), 2)
    assert deadline == Deadline(date=D(2028, 1, 3), provisional=True)


@pytest.mark.parametrize(
    ("year", "expected_plain", "expected_with_2027"),
    [(2003, False, False), (2004, True, True), (2025, True, True), (2026, True, True), (2027, False, True)],
)
def test_known(year: int, expected_plain: bool, expected_with_2027: bool) -> None:
    assert WorkCalendar().known(year) is expected_plain
    assert WorkCalendar(SPEC_2027).known(year) is expected_with_2027


# A profile correcting the package in a year it knows: a local day off, a holiday made a working day.
OVERRIDE_2026 = CalendarSpec(
    version="test",
    years={2026: YearSpec(holidays=[D(2026, 12, 31)], workdays=[D(2026, 10, 7)], source="local correction")},
)


@pytest.mark.parametrize(
    ("day", "package", "profile"),
    [
        (D(2026, 12, 31), True, False),
        (D(2026, 10, 7), False, True),
        (D(2026, 10, 6), False, False),
        (D(2026, 2, 14), True, True),
    ],
)
def test_profile_overrides_package_day(day: dt.date, package: bool, profile: bool) -> None:
    assert WorkCalendar().is_workday(day) is package
    assert WorkCalendar(OVERRIDE_2026).is_workday(day) is profile


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 9, 30), 1, D(2026, 10, 7)),
        (D(2026, 12, 30), 1, D(2027, 1, 1)),
    ],
)
def test_profile_override_moves_deadline(start: dt.date, n: int, expected: dt.date) -> None:
    assert WorkCalendar(OVERRIDE_2026).add_workdays(start, n).date == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 2, 12), D(2026, 2, 28), 7),
        (D(2026, 2, 14), D(2026, 2, 23), 0),
        (D(2025, 9, 30), D(2025, 10, 11), 3),
        (D(2026, 9, 30), D(2026, 10, 13), 5),
        (D(2026, 3, 6), D(2026, 3, 6), 0),
        (D(2026, 3, 9), D(2026, 3, 6), 0),
        (D(2026, 12, 30), D(2027, 1, 4), 3),
    ],
)
def test_workdays_between(start: dt.date, end: dt.date, expected: int) -> None:
    assert WorkCalendar().workdays_between(start, end) == expected


@pytest.mark.parametrize("n", [1, 3, 7, 20])
def test_between_inverts_add(n: int) -> None:
    calendar = WorkCalendar()
    start = D(2026, 1, 30)
    assert calendar.workdays_between(start, calendar.add_workdays(start, n).date) == n


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 12, 1), D(2026, 12, 31), False),
        (D(2026, 12, 1), D(2027, 1, 1), True),
        (D(2027, 1, 5), D(2027, 1, 1), False),
    ],
)
def test_provisional_between(start: dt.date, end: dt.date, expected: bool) -> None:
    assert WorkCalendar().provisional_between(start, end) is expected


@pytest.mark.parametrize("n", [0, -1])
def test_add_workdays_rejects_non_positive(n: int) -> None:
    with pytest.raises(ValueError, match="n >= 1"):
        WorkCalendar().add_workdays(D(2026, 1, 5), n)


def test_changzhou_calendar_loads() -> None:
    spec = load_calendar_spec(CHANGZHOU_CALENDAR)
    assert spec.version
    assert 2027 not in spec.years
    assert WorkCalendar(spec).add_workdays(D(2026, 2, 12), 7) == Deadline(D(2026, 2, 28), False)


def test_load_calendar_spec_with_a_year(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(
        "version: '2027.1'\n"
        "years:\n"
        "  2027:\n"
        "    source: test\n"
        "    holidays: [2027-01-01]\n"
        "    workdays: []\n",
        encoding="utf-8",
    )
    calendar = WorkCalendar(load_calendar_spec(path))
    assert calendar.known(2027)
    assert calendar.add_workdays(D(2026, 12, 31), 1) == Deadline(D(2027, 1, 4), False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            "version: x\nyears:\n  2027:\n    source: s\n    holidays: [2026-10-01]\n",
            "years.2027.holidays[0]",
        ),
        ("version: x\nyears:\n  2027:\n    holidays: [2027-01-01]\n", "years.2027.source"),
        ("version: x\nyears:\n  2027:\n    source: s\n    holidays: [not-a-date]\n", "years.2027.holidays.0"),
        (
            "version: x\nyears:\n  2027:\n    source: s\n"
            "    holidays: [2027-02-06]\n    workdays: [2027-02-06]\n",
            "years.2027",
        ),
        ("years: {}\n", "version"),
        ("version: x\nyears: {}\nextra: 1\n", "extra"),
        ("- just a list\n", "top level"),
        ("version: [unclosed\n", "YAML"),
    ],
)
def test_load_calendar_spec_rejects_bad_data(tmp_path: Path, body: str, field: str) -> None:
    path = tmp_path / "bad-calendar.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_calendar_spec(path)
    message = str(info.value)
    assert "bad-calendar.yaml" in message
    assert field in message


def test_load_calendar_spec_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"nowhere\.yaml"):
        load_calendar_spec(tmp_path / "nowhere.yaml")
