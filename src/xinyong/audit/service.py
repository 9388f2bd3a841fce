"""Writing audit rows, always in the caller's transaction (services flush, boundaries commit)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEntry
from xinyong.kit import clock
from xinyong.kit.actor import ActorRef


def record(
    session: Session,
    *,
    actor: ActorRef,
    action: str,
    target_type: str,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
    batch_id: uuid.UUID | None = None,
) -> AuditEntry:
    """Add one audit row for ``action`` (dotted, e.g. ``records.revoked``) and flush it."""
    entry = AuditEntry(
        at=clock.now(),
        actor_type=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_unit=actor.unit_key,
        action=action,
        target_type=target_type,
        target_id=target_id,
        batch_id=batch_id,
        details=details or {},
    )
    session.add(entry)
    session.flush()
    return entry
