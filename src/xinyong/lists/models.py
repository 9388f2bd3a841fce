"""List types as loaded, and the lifecycle of list entries (keyed by the credit record that IS the entry).

A list record without a ``list_entries`` row is an entry that arrived already listed (the demo loader,
a national list applied in bulk before its lifecycle rows were written): it counts as listed while the
record itself is shown. This keeps a million-row load free of a second million-row write.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import BIGINT_PK, Base


class ListType(Base):
    """The current definition of a list type; ``spec`` is the validated YAML (ListTypeSpec)."""

    __tablename__ = "list_types"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    item_code: Mapped[str] = mapped_column(ForeignKey("catalog_items.code"))
    version: Mapped[str] = mapped_column(String(64))
    spec: Mapped[dict[str, Any]]
    loaded_at: Mapped[dt.datetime]


class ListEntry(Base):
    """The lifecycle of one list entry; the entry's facts live in its credit record."""

    __tablename__ = "list_entries"
    __table_args__ = (Index("ix_list_entries_state_deadline", "state", "objection_deadline"),)

    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_records.id"), primary_key=True)
    list_type: Mapped[str] = mapped_column(ForeignKey("list_types.code"), index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    recognising_unit_key: Mapped[str | None] = mapped_column(String(48), index=True)
    reasons: Mapped[str | None] = mapped_column(Text)
    proposed_on: Mapped[dt.date | None]
    notice_no: Mapped[str | None] = mapped_column(String(64))
    notified_on: Mapped[dt.date | None]
    served_on: Mapped[dt.date | None]
    objection_deadline: Mapped[dt.date | None]
    objection_deadline_provisional: Mapped[bool] = mapped_column(default=False)
    objection_received_on: Mapped[dt.date | None]
    objection_text: Mapped[str | None] = mapped_column(Text)
    objection_outcome: Mapped[str | None] = mapped_column(String(16))
    #: Validity chosen at proposal (months from listing); fixes ``valid_to`` on listing.
    valid_months: Mapped[int | None]
    listed_on: Mapped[dt.date | None]
    valid_to: Mapped[dt.date | None]
    exited_on: Mapped[dt.date | None]
    exit_kind: Mapped[str | None] = mapped_column(String(16))
    exit_reason: Mapped[str | None] = mapped_column(String(500), info={"label": "移出原因"})
    version: Mapped[int] = mapped_column(default=1)
    batch_id: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime] = mapped_column(index=True)


class ListEntryEvent(Base):
    """One dated, attributed step of an entry, with the entry's state after it (the version history)."""

    __tablename__ = "list_entry_events"
    __table_args__ = (UniqueConstraint("record_id", "version"),)

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("list_entries.record_id"))
    version: Mapped[int]
    step: Mapped[str] = mapped_column(String(32))
    dated: Mapped[dt.date]
    at: Mapped[dt.datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(128))
    actor_unit: Mapped[str | None] = mapped_column(String(48))
    state: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]]


class ListNotice(Base):
    """A pre-notification document (告知书) as issued: kept so the platform can show what it sent."""

    __tablename__ = "list_notices"

    notice_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("list_entries.record_id"), index=True)
    issued_on: Mapped[dt.date]
    pdf: Mapped[bytes]
    sha256: Mapped[str] = mapped_column(String(64))
