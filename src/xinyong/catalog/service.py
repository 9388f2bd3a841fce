"""Loading the validated catalogue into the database; every changed item gets a new version row."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.catalog.models import CatalogItem, CatalogItemVersion
from xinyong.catalog.schemas import CatalogItemSpec, CatalogSpec
from xinyong.kit.actor import ActorRef


def item_version(catalog_version: str, spec: dict[str, Any]) -> str:
    """``<catalogue version>+<content hash>``: changes whenever the item's definition changes."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{catalog_version}+{digest[:10]}"


def load(session: Session, spec: CatalogSpec, *, actor: ActorRef, now: dt.datetime) -> dict[str, Any]:
    """Upsert every item of ``spec``; returns what was added and changed (audited as one row)."""
    added: list[str] = []
    changed: list[str] = []
    for item in spec.items:
        data = item.model_dump(mode="json")
        version = item_version(spec.version, data)
        row = session.get(CatalogItem, item.code)
        if row is not None and row.version == version:
            continue
        if row is None:
            row = CatalogItem(code=item.code)
            session.add(row)
            added.append(item.code)
        else:
            changed.append(item.code)
        row.name = item.name
        row.version = version
        row.sharing_level = str(item.sharing_level)
        row.publicity_kind = str(item.publicity_kind)
        row.report_section = str(item.report_section)
        row.spec = data
        row.loaded_at = now
        session.flush()
        session.add(CatalogItemVersion(code=item.code, version=version, spec=data, loaded_at=now))
    session.flush()
    result = {"version": spec.version, "items": len(spec.items), "added": added, "changed": changed}
    if added or changed:
        audit.record(
            session,
            actor=actor,
            action="catalog.loaded",
            target_type="catalog",
            target_id=spec.version,
            details=result,
        )
    return result


def spec_of(row: CatalogItem) -> CatalogItemSpec:
    return CatalogItemSpec.model_validate(row.spec)
