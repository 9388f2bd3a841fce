"""Imports every domain's models so Alembic sees the whole schema."""

from xinyong.audit.models import AuditEntry, ReadAuditEntry
from xinyong.auth.models import AccessConfig, ApiClient, Role, StaffSession, User, UserRole
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
from xinyong.lists.models import ListEntry, ListEntryEvent, ListNotice, ListType
from xinyong.measures.models import Check, CheckFeedback, Measure, MeasureCatalog, MeasureRule
from xinyong.org.models import CalendarDay, District, ProfileState, Unit
from xinyong.records.models import CreditRecord, RecordVersion
from xinyong.subjects.models import (
    Subject,
    SubjectAttribute,
    SubjectIdentifier,
    SubjectSearchDoc,
    SubjectSearchGram,
    SubjectSearchGramStat,
)

__all__ = [
    "AccessConfig",
    "ApiClient",
    "AuditEntry",
    "CalendarDay",
    "CatalogItem",
    "CatalogItemVersion",
    "Check",
    "CheckFeedback",
    "CreditRecord",
    "District",
    "IngestBatch",
    "IngestFeed",
    "IngestProblem",
    "IngestRow",
    "JobLock",
    "JobRun",
    "LinkCandidate",
    "ListEntry",
    "ListEntryEvent",
    "ListNotice",
    "ListType",
    "Measure",
    "MeasureCatalog",
    "MeasureRule",
    "ProfileState",
    "ReadAuditEntry",
    "RecordVersion",
    "Revocation",
    "Role",
    "StaffSession",
    "Subject",
    "SubjectAttribute",
    "SubjectIdentifier",
    "SubjectSearchDoc",
    "SubjectSearchGram",
    "SubjectSearchGramStat",
    "Unit",
    "User",
    "UserRole",
]
