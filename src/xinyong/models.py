"""Imports every domain's models so Alembic sees the whole schema."""

from xinyong.audit.models import AuditEntry
from xinyong.catalog.models import CatalogItem, CatalogItemVersion
from xinyong.ingestion.models import (
    IngestBatch,
    IngestFeed,
    IngestProblem,
    IngestRow,
    LinkCandidate,
    Revocation,
)
from xinyong.jobs import JobLock, JobRun
from xinyong.org.models import CalendarDay, District, ProfileState, Unit
from xinyong.records.models import CreditRecord, RecordVersion
from xinyong.subjects.models import Subject, SubjectAttribute, SubjectIdentifier

__all__ = [
    "AuditEntry",
    "CalendarDay",
    "CatalogItem",
    "CatalogItemVersion",
    "CreditRecord",
    "District",
    "IngestBatch",
    "IngestFeed",
    "IngestProblem",
    "IngestRow",
    "JobLock",
    "JobRun",
    "LinkCandidate",
    "ProfileState",
    "RecordVersion",
    "Revocation",
    "Subject",
    "SubjectAttribute",
    "SubjectIdentifier",
    "Unit",
]
