"""The measures catalogue as loaded (every version kept, expanded into rule rows), checks and feedback."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import BIGINT_PK, Base, JSONVariant
from xinyong.records.models import CreditRecord


class MeasureCatalog(Base):
    """One loaded version of the measures catalogue; exactly one row is ``current``."""

    __tablename__ = "measure_catalogs"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    edition: Mapped[str] = mapped_column(String(16))
    current: Mapped[bool] = mapped_column(default=False, index=True)
    spec: Mapped[dict[str, Any]]
    loaded_at: Mapped[dt.datetime]


class Measure(Base):
    """One measure of one catalogue version."""

    __tablename__ = "measures"

    version: Mapped[str] = mapped_column(ForeignKey("measure_catalogs.version"), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    mandatory: Mapped[bool]
    verified: Mapped[bool]
    in_national_list: Mapped[bool]
    spec: Mapped[dict[str, Any]]


class MeasureRule(Base):
    """The catalogue expanded: one row per measure, trigger and matter (what the check evaluates)."""

    __tablename__ = "measure_rules"
    __table_args__ = (
        ForeignKeyConstraint(["version", "measure_code"], ["measures.version", "measures.code"]),
        Index("ix_measure_rules_version_matter", "version", "matter"),
    )

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64))
    measure_code: Mapped[str] = mapped_column(String(16))
    trigger_no: Mapped[int]
    matter: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    mandatory: Mapped[bool]
    trigger_type: Mapped[str] = mapped_column(String(8))
    list_types: Mapped[list[str]] = mapped_column(JSONVariant)
    items: Mapped[list[str]] = mapped_column(JSONVariant)
    severities: Mapped[list[str]] = mapped_column(JSONVariant)
    penalty_types: Mapped[list[str]] = mapped_column(JSONVariant)
    min_fine_fen: Mapped[int | None] = mapped_column(BigInteger)
    special_domains: Mapped[list[str]] = mapped_column(JSONVariant)
    lookback_months: Mapped[int | None]


class Check(Base):
    """One check as answered: request, result and data version, stored once and never changed."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_month_matter", "month", "matter"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    checked_at: Mapped[dt.datetime]
    #: Asia/Shanghai month of ``checked_at`` (YYYY-MM), for statistics.
    month: Mapped[str] = mapped_column(String(7))
    client_kind: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    client_name: Mapped[str] = mapped_column(String(128))
    unit_key: Mapped[str | None] = mapped_column(String(48))
    matter: Mapped[str] = mapped_column(String(16))
    request_ref: Mapped[str | None] = mapped_column(String(128), info={"label": "请求编号"})
    batch_id: Mapped[uuid.UUID | None]
    subject_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    known: Mapped[bool]
    result: Mapped[str] = mapped_column(String(12))
    hit_count: Mapped[int]
    data_version: Mapped[str] = mapped_column(String(160))
    request: Mapped[dict[str, Any]]
    response: Mapped[dict[str, Any]]


class CheckFeedback(Base):
    """What the business system did: a measure applied or not, and why (append-only)."""

    __tablename__ = "check_feedback"

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    check_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checks.id"), index=True)
    measure_code: Mapped[str] = mapped_column(String(16))
    applied: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text)
    acted_on: Mapped[dt.date]
    reported_at: Mapped[dt.datetime]
    client_id: Mapped[str | None] = mapped_column(String(64))
    client_name: Mapped[str] = mapped_column(String(128))


#: ``max(credit_records.updated_at)`` is part of every check's data version: an index makes it a single
#: index probe. Declared here, beside the check that needs it, so the records domain's file is untouched.
Index("ix_credit_records_updated_at", CreditRecord.updated_at)
