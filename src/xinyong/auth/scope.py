"""Unit and district scope (DOMAIN §12): who may change or read which records.

Enforced in services, not only in routes. ``unit_districts`` maps unit key → district key
(``org.queries.units`` gives it); the credit office (role ``credit_office_admin``) acts everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from xinyong.auth.actor import Actor
from xinyong.auth.errors import OutOfScope

DISTRICT_OPERATOR = "district_operator"


def _units(providing_unit_key: str | None, deciding_unit_key: str | None) -> list[str]:
    return [u for u in (providing_unit_key, deciding_unit_key) if u]


def in_scope(
    actor: Actor,
    *,
    providing_unit_key: str | None,
    deciding_unit_key: str | None,
    unit_districts: Mapping[str, str],
) -> bool:
    """Whether the record's providing or deciding unit lies within the actor's scope."""
    if actor.is_credit_office:
        return True
    units = _units(providing_unit_key, deciding_unit_key)
    if actor.unit_key is not None and actor.unit_key in units:
        return True
    if DISTRICT_OPERATOR in actor.roles and actor.district_key is not None:
        return any(unit_districts.get(u) == actor.district_key for u in units)
    return False


def units_in_scope(actor: Actor, unit_districts: Mapping[str, str]) -> frozenset[str] | None:
    """The units whose batches, revocations and quality an actor works on — the set :func:`in_scope`
    admits, for listing instead of one check per row: ``None`` for the credit office (every unit); else
    its own unit, and for a district operator every unit of its district (empty when it has neither)."""
    if actor.is_credit_office:
        return None
    units = {actor.unit_key} if actor.unit_key is not None else set()
    if DISTRICT_OPERATOR in actor.roles and actor.district_key is not None:
        units.update(u for u, d in unit_districts.items() if d == actor.district_key)
    return frozenset(units)


def can_change_record(
    actor: Actor,
    *,
    providing_unit_key: str | None,
    deciding_unit_key: str | None,
    unit_districts: Mapping[str, str],
) -> bool:
    """A unit's staff change only records their unit provided or decided; districts within the district."""
    return in_scope(
        actor,
        providing_unit_key=providing_unit_key,
        deciding_unit_key=deciding_unit_key,
        unit_districts=unit_districts,
    )


def can_read_private(
    actor: Actor,
    *,
    providing_unit_key: str | None,
    deciding_unit_key: str | None,
    item_shared_with: Iterable[str],
    unit_districts: Mapping[str, str],
) -> bool:
    """Non-public data: own unit's records, plus items the catalogue shares with the actor's unit."""
    shared = set(item_shared_with)
    if actor.unit_key is not None and ("*" in shared or actor.unit_key in shared):
        return True
    return in_scope(
        actor,
        providing_unit_key=providing_unit_key,
        deciding_unit_key=deciding_unit_key,
        unit_districts=unit_districts,
    )


def ensure_can_change(
    actor: Actor,
    *,
    providing_unit_key: str | None,
    deciding_unit_key: str | None,
    unit_districts: Mapping[str, str],
) -> None:
    """Raise 403 (OutOfScope) unless :func:`can_change_record` allows it — for services to call."""
    if not can_change_record(
        actor,
        providing_unit_key=providing_unit_key,
        deciding_unit_key=deciding_unit_key,
        unit_districts=unit_districts,
    ):
        raise OutOfScope(
            "该记录不属于本单位或本辖区，无权操作",
            details={"providing_unit": providing_unit_key, "deciding_unit": deciding_unit_key},
        )


def ensure_can_read_private(
    actor: Actor,
    *,
    providing_unit_key: str | None,
    deciding_unit_key: str | None,
    item_shared_with: Iterable[str],
    unit_districts: Mapping[str, str],
) -> None:
    """Raise 403 (OutOfScope) unless :func:`can_read_private` allows it — for services to call."""
    if not can_read_private(
        actor,
        providing_unit_key=providing_unit_key,
        deciding_unit_key=deciding_unit_key,
        item_shared_with=item_shared_with,
        unit_districts=unit_districts,
    ):
        raise OutOfScope(
            "该记录不在本单位或本辖区的查阅范围内",
            details={"providing_unit": providing_unit_key, "deciding_unit": deciding_unit_key},
        )
