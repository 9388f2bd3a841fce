"""China's official working-day calendar (法定工作日) with profile overrides.

Deadlines in the platform (7 working days to publish a decision, 3 working days to decide a repair,
objection windows …) count working days under the State Council's annual holiday schedule, including its
make-up working days (调休). The ``chinese_calendar`` package ships the schedules it knew when it was
released (1.11.0: 2004–2026). A city profile (``profiles/<city>/calendar.yaml``) adds later years the day
they are published and may override single days of a year the package knows; profile days always win. For
a year that neither knows, the calendar falls back to Monday–Friday and marks every deadline that counts a
day of that year as *provisional*, so the caller can recompute it once the year's schedule is loaded.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import chinese_calendar
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from xinyong.kit.yamlfile import load_model

__all__ = [
    "CalendarFileError",
    "CalendarSpec",
    "Deadline",
    "WorkCalendar",
    "YearSpec",
    "load_calendar_spec",
]

_ONE_DAY = datetime.timedelta(days=1)


class CalendarFileError(ValueError):
    """A calendar file that cannot be read or validated; the message names the file and the field.

    A plain ``ValueError``: ``xinyong.kit`` and ``xinyong.errors`` are independent siblings in the layer
    contract, so kit does not import it; callers that need a ``ConfigError`` wrap it.
    """


@dataclass(frozen=True)
class Deadline:
    """A deadline computed in working days.

    ``provisional`` is True when any day counted lies in a year whose official schedule is unknown
    (neither ``chinese_calendar`` nor the profile has it): such days were counted Monday–Friday and the
    deadline must be recomputed once the year's schedule is loaded.
    """

    date: datetime.date
    provisional: bool


class YearSpec(BaseModel):
    """One year's official schedule as published by the State Council's General Office."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    holidays: list[datetime.date] = []
    """Days off that would otherwise be working days (法定节假日 and weekdays moved into a break)."""
    workdays: list[datetime.date] = []
    """Make-up working days (调休上班), usually a Saturday or Sunday."""
    source: str
    """Where the schedule comes from, e.g. the notice's number (国办发明电〔2026〕N号) and its date."""

    @field_validator("holidays", "workdays", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class CalendarSpec(BaseModel):
    """The shape of ``profiles/<city>/calendar.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    years: dict[int, YearSpec] = {}

    @field_validator("years", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="after")
    def _check_years(self) -> CalendarSpec:
        for year, spec in self.years.items():
            for field_name in ("holidays", "workdays"):
                for index, day in enumerate(getattr(spec, field_name)):
                    if day.year != year:
                        raise ValueError(
                            f"years.{year}.{field_name}[{index}]: {day.isoformat()} is not in {year}"
                        )
            both = sorted(set(spec.holidays) & set(spec.workdays))
            if both:
                listed = ", ".join(d.isoformat() for d in both)
                raise ValueError(f"years.{year}: {listed} listed both as holiday and as make-up working day")
        return self


def load_calendar_spec(path: Path) -> CalendarSpec:
    """Read and validate a profile's ``calendar.yaml``.

    Raises :class:`CalendarFileError` (a ``ValueError``) whose message names the file and the offending field.
    """
    return load_model(path, CalendarSpec, error=CalendarFileError, what="calendar file")


@lru_cache(maxsize=256)
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """Working days under China's official calendar, with the profile's days taking precedence."""

    def __init__(self, spec: CalendarSpec | None = None) -> None:
        self._spec = spec if spec is not None else CalendarSpec(version="builtin", years={})
        self._holidays: dict[int, frozenset[datetime.date]] = {
            year: frozenset(ys.holidays) for year, ys in self._spec.years.items()
        }
        self._workdays: dict[int, frozenset[datetime.date]] = {
            year: frozenset(ys.workdays) for year, ys in self._spec.years.items()
        }

    @property
    def spec(self) -> CalendarSpec:
        """The profile data this calendar was built from."""
        return self._spec

    def known(self, year: int) -> bool:
        """True when the year's schedule is known: the profile has it or ``chinese_calendar`` ships it."""
        return year in self._spec.years or _package_knows(year)

    def is_workday(self, d: datetime.date) -> bool:
        """Whether ``d`` is a working day.

        Profile days win over ``chinese_calendar``; in a year neither knows, Monday–Friday are working days.
        """
        if d in self._holidays.get(d.year, frozenset()):
            return False
        if d in self._workdays.get(d.year, frozenset()):
            return True
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            return d.weekday() < 5

    def add_workdays(self, start: datetime.date, n: int) -> Deadline:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted); ``n`` must be >= 1."""
        if n < 1:
            raise ValueError(f"add_workdays needs n >= 1, got {n}")
        day = start
        counted = 0
        provisional = False
        while counted < n:
            day += _ONE_DAY
            if not self.known(day.year):
                provisional = True
            if self.is_workday(day):
                counted += 1
        return Deadline(date=day, provisional=provisional)

    def workdays_between(self, start: datetime.date, end: datetime.date) -> int:
        """The number of working days in ``(start, end]``; 0 when ``end <= start``."""
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            if self.is_workday(day):
                count += 1
            day += _ONE_DAY
        return count

    def provisional_between(self, start: datetime.date, end: datetime.date) -> bool:
        """True when a day in ``(start, end]`` lies in a year whose schedule is unknown (see ``Deadline``)."""
        if end <= start:
            return False
        return any(not self.known(year) for year in range((start + _ONE_DAY).year, end.year + 1))
