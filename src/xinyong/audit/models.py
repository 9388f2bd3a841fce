"""The append-only audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import BIGINT_PK, Base


class AuditEntry(Base):
    """Who did what to which target, with an actor snapshot taken at the time."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(128))
    actor_unit: Mapped[str | None] = mapped_column(String(48))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[uuid.UUID | None]
    details: Mapped[dict[str, Any]]


class ReadAuditEntry(Base):
    """One request that read non-public data: who, when, why (purpose + legal basis) and what.

    Append-only like :class:`AuditEntry`: the application has no update or delete path
    (``audit.service`` refuses them at flush time) and migration 0002 installs database triggers
    that raise on UPDATE/DELETE.
    """

    __tablename__ = "audit_reads"
    __table_args__ = (Index("ix_audit_reads_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    actor_name: Mapped[str] = mapped_column(String(128))
    actor_unit: Mapped[str | None] = mapped_column(String(48))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(48))
    legal_basis: Mapped[str] = mapped_column(String(48))
    #: What was read: {"fields": [...], "identifiers": [...], "path": "/api/v1/staff/..."}
    details: Mapped[dict[str, Any]]


#: Tables whose rows may only ever be inserted.
APPEND_ONLY_TABLES = (AuditEntry.__tablename__, ReadAuditEntry.__tablename__)
