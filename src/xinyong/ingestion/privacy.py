"""Personal ID numbers in staged rows and problem lists: masked unless the reader may see them.

A batch's preview and its problem list show what a unit sent, before any disclosure rule applies. Staff
without ``records.read_private`` covering the batch's unit see personal ID numbers masked
(``3204**********123X``); the preview table masks them for everybody (a reviewer checks the rest of the
row, not the number), and scrubs ID and phone numbers out of free text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.auth.permissions import RECORDS_READ_PRIVATE
from xinyong.auth.scope import can_read_private
from xinyong.catalog.schemas import CatalogItemSpec, FieldRole, MaskRule
from xinyong.kit.masking import mask_id_number, scrub_text
from xinyong.org import queries as org

_ID_ROLES = frozenset({FieldRole.SUBJECT_ID_NUMBER, FieldRole.LEGAL_REP_ID_NUMBER})


def id_fields(item: CatalogItemSpec) -> frozenset[str]:
    """Keys of the item's personal ID number fields (by role or by their ``id_number`` mask)."""
    return frozenset(f.key for f in item.fields if f.role in _ID_ROLES or f.mask is MaskRule.ID_NUMBER)


def may_reveal(session: Session, actor: Actor, *, unit_key: str, item: CatalogItemSpec) -> bool:
    """Whether ``actor`` may see the unmasked personal data of a batch ``unit_key`` sent for ``item``."""
    if not actor.has(RECORDS_READ_PRIVATE):
        return False
    return can_read_private(
        actor,
        providing_unit_key=unit_key,
        deciding_unit_key=None,
        item_shared_with=item.shared_with,
        unit_districts={u.key: u.district_key for u in org.units(session)},
    )


def mask_value(value: Any, *, is_id: bool) -> Any:
    """An ID number masked, other text scrubbed of embedded ID/phone numbers; non-text unchanged."""
    if isinstance(value, str):
        return mask_id_number(value) if is_id else scrub_text(value)
    if isinstance(value, list):
        return [mask_value(v, is_id=is_id) for v in value]
    return value


def masked_problems(
    problems: Iterable[dict[str, Any]], item: CatalogItemSpec, *, reveal: bool
) -> Iterator[dict[str, Any]]:
    """``problems`` (service.iter_problems) with their raw values masked unless ``reveal``."""
    if reveal:
        yield from problems
        return
    ids = id_fields(item)
    for p in problems:
        raw = p.get("raw")
        yield p if raw in (None, "") else {**p, "raw": mask_value(raw, is_id=p.get("field") in ids)}


def masked_row(
    payload: dict[str, Any], raw: dict[str, Any], item: CatalogItemSpec
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A staged row's normalised payload and raw cells for the preview table (always masked)."""
    ids = id_fields(item)
    return (
        {k: mask_value(v, is_id=k in ids) for k, v in payload.items()},
        {k: mask_value(v, is_id=k in ids) for k, v in raw.items()},
    )
