"""Response bodies of the staff record and subject routes (non-public data, read-audited)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class IdentifierOut(BaseModel):
    type: str
    masked: str
    value: str | None = Field(None, description="解密后的证件号码（仅限有权查阅者）")
    valid: bool


class StaffSubjectOut(BaseModel):
    id: str
    kind: str
    category: str
    code: str | None
    name: str
    legal_rep: str | None
    district: str | None
    status: str
    identifiers: list[IdentifierOut]


class StaffFieldOut(BaseModel):
    key: str
    label: str
    value: Any
    public: bool


class StaffRecordOut(BaseModel):
    id: str
    item_code: str
    item_name: str
    sharing_level: str
    subject_id: str
    decision_no: str | None
    decision_date: str | None
    deciding_unit_key: str | None
    providing_unit_key: str
    lifecycle: str
    objection_open: bool
    approved: bool
    version: int
    fields: list[StaffFieldOut]
