"""Reading catalogue items; parsed specs are cached by (code, version)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalog.errors import UnknownItem
from xinyong.catalog.models import CatalogItem
from xinyong.catalog.schemas import CatalogItemSpec

_cache: dict[tuple[str, str], CatalogItemSpec] = {}


def item_row(session: Session, code: str) -> CatalogItem:
    row = session.get(CatalogItem, code)
    if row is None:
        raise UnknownItem(f"目录中没有事项 {code}：目录之外的信息不得归集", details={"item": code})
    return row


def item_spec(session: Session, code: str) -> CatalogItemSpec:
    """The current spec of item ``code``; raises UnknownItem (the catalogue is a gate)."""
    row = item_row(session, code)
    key = (row.code, row.version)
    spec = _cache.get(key)
    if spec is None:
        spec = CatalogItemSpec.model_validate(row.spec)
        _cache[key] = spec
    return spec


def all_items(session: Session) -> list[CatalogItem]:
    return list(session.scalars(select(CatalogItem).order_by(CatalogItem.code)))


def all_specs(session: Session) -> dict[str, CatalogItemSpec]:
    return {row.code: item_spec(session, row.code) for row in all_items(session)}
