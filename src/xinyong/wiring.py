"""Cross-domain wiring done once by the composition roots (app, cli).

A lower domain never imports a higher one; where a lower domain's operation must move a higher
one in the same transaction, the higher one registers a hook here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor
from xinyong.ingestion import service as ingestion
from xinyong.lists import service as lists

_wired = False


def _list_records_arrived(
    session: Session, result: ingestion.ApplyResult, actor: Actor, now: dt.datetime
) -> None:
    """List records that arrive in an approved batch are already decided: they enter as listed."""
    ids = [rid for outcome in result.record_ids.values() for rid in outcome.get("created", [])]
    if ids:
        lists.register_listed(session, record_ids=ids, actor=actor.ref(), now=now, batch_id=result.batch_id)


def wire() -> None:
    """Register every cross-domain hook (idempotent)."""
    global _wired
    if _wired:
        return
    ingestion.register_after_apply(_list_records_arrived)
    _wired = True
