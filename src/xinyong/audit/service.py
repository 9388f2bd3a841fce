"""Writing audit rows, always in the caller's transaction (services flush, boundaries commit).

Audit rows are append-only: this module offers no update or delete, and a session-level guard
refuses to flush a change to or deletion of an audit row (the database triggers of migration
0002 back this up for anything that bypasses the ORM).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from xinyong.audit.models import APPEND_ONLY_TABLES, AuditEntry, ReadAuditEntry
from xinyong.errors import XinyongError
from xinyong.kit import clock
from xinyong.kit.actor import ActorRef


class AuditImmutable(XinyongError):
    code = "audit_immutable"
    status_code = 409


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


def record_read(
    session: Session,
    *,
    actor: ActorRef,
    purpose: str,
    legal_basis: str,
    action: str,
    target_type: str,
    target_id: str | None,
    details: dict[str, Any],
) -> ReadAuditEntry:
    """Add the read-audit row of one request that read non-public data, and flush it."""
    entry = ReadAuditEntry(
        at=clock.now(),
        actor_type=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_unit=actor.unit_key,
        action=action,
        target_type=target_type,
        target_id=target_id,
        purpose=purpose,
        legal_basis=legal_basis,
        details=details,
    )
    session.add(entry)
    session.flush()
    return entry


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry | ReadAuditEntry) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise AuditImmutable("审计记录只能追加，不得修改或删除")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in APPEND_ONLY_TABLES:
        raise AuditImmutable("审计记录只能追加，不得修改或删除")
