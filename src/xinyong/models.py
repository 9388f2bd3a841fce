"""Imports every domain's models so Alembic sees the whole schema."""

from xinyong.audit.models import AuditEntry
from xinyong.catalog.models import CatalogItem, CatalogItemVersion
from xinyong.jobs import JobLock, JobRun
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
    "AuditEntry",
    "CalendarDay",
    "CatalogItem",
    "CatalogItemVersion",
    "CreditRecord",
    "District",
    "JobLock",
    "JobRun",
    "ProfileState",
    "RecordVersion",
    "Subject",
    "SubjectAttribute",
    "SubjectIdentifier",
    "SubjectSearchDoc",
    "SubjectSearchGram",
    "SubjectSearchGramStat",
    "Unit",
]
