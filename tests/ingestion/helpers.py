"""Helpers of the ingestion tests: actors and a submit shortcut."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.ingestion import service
from xinyong.kit import clock

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


def staff(unit: str = "shi_scjgj", *, roles: frozenset[str] = frozenset(), uid: str = "u-clerk") -> Actor:
    return Actor(
        kind="user",
        id=uid,
        name="测试用户",
        unit_key=unit,
        district_key="city",
        roles=roles,
        permissions=frozenset(
            {"records.submit", "records.review", "records.revoke", "batches.read", "quality.read"}
        ),
    )


def submit(
    session: Session,
    name: str | Path,
    *,
    actor: Actor | None = None,
    item: str = "xzcf_fr",
    unit: str = "shi_scjgj",
    **kw: Any,
) -> service.Submission:
    path = name if isinstance(name, Path) else DATA / name
    return service.submit(
        session,
        path=path,
        item_code=item,
        unit_key=unit,
        actor=actor or staff(unit),
        now=clock.now(),
        today=clock.today(),
        **kw,
    )


def submit_rows(
    session: Session, rows: list[dict[str, Any]], *, actor: Actor | None = None
) -> service.Submission:
    """JSON rows of 行政处罚（法人） from 常州市市场监督管理局, as the API sends them."""
    return service.submit(
        session,
        objects=rows,
        item_code="xzcf_fr",
        unit_key="shi_scjgj",
        actor=actor or staff(),
        now=clock.now(),
        today=clock.today(),
    )


def rows_by_no(session: Session, batch_id: Any) -> dict[int, Any]:
    return {r.row_no: r for r in service.preview(session, batch_id, limit=1000)}


def trust_feed(session: Session, unit: str = "shi_scjgj", item: str = "xzcf_fr") -> None:
    """Make the unit's feed of ``item`` trusted (auto-approved), with no saved mapping."""
    service.save_feed(
        session, unit_key=unit, item_code=item, mapping={}, trusted=True, actor=staff(), now=clock.now()
    )
