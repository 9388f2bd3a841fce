"""Public API response models (never the table classes)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel


class PublicityOut(BaseModel):
    status: str
    repair_eligible_from: dt.date | None
    publicity_ends: dt.date | None


class FieldOut(BaseModel):
    key: str
    label: str
    value: Any


class RecordOut(BaseModel):
    id: uuid.UUID
    item_code: str
    item_name: str
    report_section: str
    decision_no: str | None
    decision_date: dt.date | None
    deciding_unit: str | None
    severity: str | None
    objection_open: bool
    publicity: PublicityOut
    fields: list[FieldOut]


class RecordPage(BaseModel):
    items: list[RecordOut]
    total: int
    page: int
    per_page: int


class IdentifierOut(BaseModel):
    type: str
    value: str


class SubjectOut(BaseModel):
    id: uuid.UUID
    kind: str
    category: str
    code: str | None
    name: str
    legal_rep: str | None
    district: str | None
    industry: str | None
    status: str
    provisional: bool
    identifiers: list[IdentifierOut]


class CatalogFieldOut(BaseModel):
    key: str
    label: str
    aliases: list[str]
    type: str
    required: bool
    public: bool


class CatalogItemOut(BaseModel):
    code: str
    name: str
    category: str
    sharing_level: str
    publicity_kind: str
    report_section: str
    subject_kinds: list[str]
    fields: list[CatalogFieldOut]


class SubjectHitOut(BaseModel):
    id: uuid.UUID
    kind: str
    category: str
    code: str | None
    name: str
    district: str | None
    status: str
    match: str


class SearchOut(BaseModel):
    query: str
    items: list[SubjectHitOut]
    total: int
    capped: bool
    page: int
    per_page: int


class PublicityRecordOut(RecordOut):
    subject_name: str | None
    subject_key: str | None


class PublicityPage(BaseModel):
    items: list[PublicityRecordOut]
    total: int
    capped: bool
    page: int
    per_page: int


class TimelinessOut(BaseModel):
    unit_key: str
    unit: str
    total: int
    on_time: int
    late: int
    rate: float | None
    provisional: bool
