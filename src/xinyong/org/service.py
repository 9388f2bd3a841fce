"""Loading a city profile into the database (the runtime truth): districts, units, calendar days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.kit.actor import ActorRef
from xinyong.kit.workdays import CalendarSpec
from xinyong.org.models import CalendarDay, District, ProfileState, Unit
from xinyong.org.schemas import ProfileSpec


def load(
    session: Session,
    *,
    name: str,
    profile: ProfileSpec,
    calendar: CalendarSpec,
    sections: dict[str, dict[str, Any]],
    actor: ActorRef,
    now: dt.datetime,
) -> dict[str, Any]:
    """Upsert the profile: districts and units by key, calendar days replaced, sections stored.

    ``sections`` carries other validated configuration (e.g. ``publicity``) that higher domains
    parse themselves; they are stored with the profile so the database is the runtime truth and
    derived values can name the version they came from.
    """
    for d in profile.districts:
        row = session.get(District, d.key) or District(key=d.key)
        row.name, row.division_code = d.name, d.division
        session.add(row)
    session.flush()
    for u in profile.units:
        unit = session.get(Unit, u.key) or Unit(key=u.key)
        unit.name, unit.short_name, unit.district_key = u.name, u.short_name, u.district
        unit.kind, unit.uscc, unit.uscc_placeholder = str(u.kind), u.uscc, u.uscc_placeholder
        unit.parent_key = u.parent
        unit.roles = {"roles": [str(r) for r in u.roles]}
        session.add(unit)
    session.execute(delete(CalendarDay))
    days = 0
    for year, spec in calendar.years.items():
        for day in spec.holidays:
            session.add(CalendarDay(day=day, workday=False, source=f"{year}: {spec.source}"[:128]))
            days += 1
        for day in spec.workdays:
            session.add(CalendarDay(day=day, workday=True, source=f"{year}: {spec.source}"[:128]))
            days += 1
    state = session.get(ProfileState, 1)
    stored = {
        "profile": profile.model_dump(mode="json", by_alias=True),
        "calendar": calendar.model_dump(mode="json"),
        **sections,
    }
    version = f"{profile.version}/cal:{calendar.version}/" + "/".join(
        f"{k}:{v.get('version', '?')}" for k, v in sorted(sections.items())
    )
    changed = state is None or state.version != version or state.spec != stored
    if state is None:
        state = ProfileState(id=1, demo_loaded=False)
        session.add(state)
    state.name, state.version, state.spec, state.loaded_at = name, version, stored, now
    session.flush()
    result = {
        "profile": name,
        "version": version,
        "districts": len(profile.districts),
        "units": len(profile.units),
        "calendar_days": days,
        "changed": changed,
    }
    if changed:
        audit.record(
            session,
            actor=actor,
            action="org.profile_loaded",
            target_type="profile",
            target_id=name,
            details=result,
        )
    return result


def mark_demo(session: Session, *, loaded: bool) -> None:
    state = session.get(ProfileState, 1)
    if state is not None:
        state.demo_loaded = loaded
        session.flush()
