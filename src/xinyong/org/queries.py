"""Reading the loaded city profile: units, districts, and the runtime calendar."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.kit.workdays import CalendarSpec, WorkCalendar
from xinyong.org.errors import ProfileNotLoaded
from xinyong.org.models import District, ProfileState, Unit

_calendar_cache: dict[str, WorkCalendar] = {}


def state(session: Session) -> ProfileState:
    row = session.get(ProfileState, 1)
    if row is None:
        raise ProfileNotLoaded("城市配置尚未加载：请先运行 xinyong init")
    return row


def profile_spec(session: Session) -> dict[str, Any]:
    """The loaded profile.yaml as a dict (portal name, footer, districts …)."""
    spec: dict[str, Any] = state(session).spec["profile"]
    return spec


def section(session: Session, name: str) -> dict[str, Any]:
    """Another loaded configuration section (``publicity``, ``calendar`` …) as stored."""
    data: dict[str, Any] = state(session).spec.get(name, {})
    return data


def calendar(session: Session) -> WorkCalendar:
    """The working-day calendar with the profile's holidays and make-up days (they win)."""
    st = state(session)
    key = f"{st.name}:{st.version}:{st.loaded_at.isoformat()}"
    cal = _calendar_cache.get(key)
    if cal is None:
        raw = st.spec.get("calendar")
        cal = WorkCalendar(CalendarSpec.model_validate(raw) if raw else None)
        _calendar_cache.clear()
        _calendar_cache[key] = cal
    return cal


def units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.district_key, Unit.key)))


def unit(session: Session, key: str) -> Unit | None:
    return session.get(Unit, key)


def units_by_uscc(session: Session) -> dict[str, str]:
    """Map of unit USCC → unit key (to resolve 处罚机关统一社会信用代码 to a unit)."""
    return {u.uscc: u.key for u in units(session)}


def districts(session: Session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.key)))


def demo_loaded(session: Session) -> bool:
    row = session.get(ProfileState, 1)
    return bool(row and row.demo_loaded)
