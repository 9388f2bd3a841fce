"""Credit records and their version history."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import BIGINT_PK, Base


class Lifecycle(StrEnum):
    VALID = "有效"
    REVOKED = "已撤销"
    REPAIRED = "已修复"


class CreditRecord(Base):
    """One fact of one catalogue item about one subject; corrections bump ``version``.

    Publicity *dates* are derived when the record is written (with the rule set that produced
    them in ``rule_set``); publicity *status* is computed when read (records.queries).
    """

    __tablename__ = "credit_records"
    __table_args__ = (
        UniqueConstraint("item_code", "natural_key"),
        Index("ix_credit_records_subject", "subject_id", "item_code"),
        Index("ix_credit_records_item_date", "item_code", "decision_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    item_code: Mapped[str] = mapped_column(ForeignKey("catalog_items.code"))
    item_version: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    natural_key: Mapped[str] = mapped_column(String(400))
    decision_no: Mapped[str | None] = mapped_column(String(200))
    decision_date: Mapped[dt.date | None]
    deciding_unit_key: Mapped[str | None] = mapped_column(String(48), index=True)
    providing_unit_key: Mapped[str] = mapped_column(String(48), index=True)
    severity: Mapped[str | None] = mapped_column(String(4))
    severity_derived: Mapped[bool] = mapped_column(default=False)
    penalty_types: Mapped[str | None] = mapped_column(String(200))
    #: Fine in 分 (integer, exact); the catalogue's 万元 with six decimals is exactly 分 × 10⁻⁶ × 10⁴.
    fine_fen: Mapped[int | None] = mapped_column(BigInteger)
    special_domain: Mapped[str | None] = mapped_column(String(32))
    lifecycle: Mapped[str] = mapped_column(String(8), default=Lifecycle.VALID)
    lifecycle_reason: Mapped[str | None] = mapped_column(String(500), info={"label": "撤销或修复原因"})
    lifecycle_changed_on: Mapped[dt.date | None]
    objection_open: Mapped[bool] = mapped_column(default=False)
    rule_set: Mapped[str | None] = mapped_column(String(32))
    published: Mapped[bool] = mapped_column(default=True)
    repair_eligible_from: Mapped[dt.date | None]
    publicity_ends: Mapped[dt.date | None]
    valid_to: Mapped[dt.date | None]
    payload: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(default=1)
    batch_id: Mapped[uuid.UUID | None]
    #: When the record became visible (approval): the moment 7-working-day timeliness is measured to.
    approved_at: Mapped[dt.datetime | None]
    #: Set by the daily job once publicity_ends has passed; status is still computed on read.
    expired_recorded_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class RecordVersion(Base):
    """A superseded version of a record, kept so the platform can say what it published and when."""

    __tablename__ = "credit_record_versions"
    __table_args__ = (UniqueConstraint("record_id", "version"),)

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_records.id"))
    version: Mapped[int]
    payload: Mapped[dict[str, Any]]
    lifecycle: Mapped[str] = mapped_column(String(8))
    severity: Mapped[str | None] = mapped_column(String(4))
    publicity_ends: Mapped[dt.date | None]
    batch_id: Mapped[uuid.UUID | None]
    superseded_at: Mapped[dt.datetime]
    superseded_by: Mapped[str] = mapped_column(String(64))
