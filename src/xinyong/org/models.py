"""The city profile at run time: districts, units, calendar days, the loaded profile itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import Base


class ProfileState(Base):
    """One row: which profile and versions are loaded, and whether demo data is present."""

    __tablename__ = "org_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    spec: Mapped[dict[str, Any]]
    demo_loaded: Mapped[bool] = mapped_column(default=False)
    loaded_at: Mapped[dt.datetime]


class District(Base):
    __tablename__ = "org_districts"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    division_code: Mapped[str | None] = mapped_column(String(6))


class Unit(Base):
    """A department or court of the city or a district, addressed by a stable key."""

    __tablename__ = "org_units"

    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    short_name: Mapped[str] = mapped_column(String(64))
    district_key: Mapped[str] = mapped_column(ForeignKey("org_districts.key"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    uscc_placeholder: Mapped[bool] = mapped_column(default=False)
    parent_key: Mapped[str | None] = mapped_column(String(48))
    roles: Mapped[dict[str, Any]]


class CalendarDay(Base):
    """A profile override of the national calendar: a holiday or a make-up working day."""

    __tablename__ = "org_calendar_days"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    workday: Mapped[bool]
    source: Mapped[str] = mapped_column(String(128))
