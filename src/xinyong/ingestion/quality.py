"""Data-quality scores per providing unit and month (DOMAIN §3–4: governance of what units send).

* completeness — required and important fields filled, over the rows the unit submitted;
* accuracy — rows passing every rule (and the count of values failing one);
* timeliness — share of 双公示 records (the catalogue's 行政管理 section: licences and penalties) that went
  online within the item's ``update_deadline_workdays`` (7) working days of the decision, measured from
  the decision date (not counted) to ``approved_at``;
* consistency — share of the subjects the unit named whose name no other source contradicts
  (``subject_attributes``: one code, conflicting names);
* duplicates — rows repeated within the unit's files.

Each indicator is a share in [0, 1] (``None`` when there is nothing to measure), with the counts behind it
and drill-down lists for the console.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from xinyong.auth.actor import Actor
from xinyong.catalog import queries as catalog
from xinyong.catalog.schemas import ReportSection
from xinyong.errors import Invalid
from xinyong.ingestion.errors import OutOfScope
from xinyong.ingestion.models import BatchStatus, IngestBatch
from xinyong.ingestion.queries import listed, problem_counts, scope_units, within
from xinyong.kit import clock
from xinyong.org import queries as org
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject, SubjectAttribute

DRILL_LIMIT = 200


@dataclass
class Indicator:
    value: float | None
    numerator: int
    denominator: int


@dataclass
class UnitQuality:
    unit_key: str
    unit_name: str
    month: str
    completeness: Indicator
    accuracy: Indicator
    timeliness: Indicator
    consistency: Indicator
    duplicates: Indicator
    batches: int
    rows: int
    values_failed: int
    #: The unit's latest submission up to the month's end (any month), None when it never sent one.
    last_submitted_at: dt.datetime | None = None
    late: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    #: Drill-down: the unit's batches of the month, and their problems by rule (most frequent first).
    month_batches: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, *, drill: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not drill:
            for key in DRILL_FIELDS:
                data.pop(key)
        return data


#: The fields of :class:`UnitQuality` filled only when drilling into one unit.
DRILL_FIELDS = ("late", "conflicts", "month_batches", "rules")


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants bounding ``YYYY-MM`` in Asia/Shanghai."""
    try:
        start = dt.datetime.strptime(month + "-01", "%Y-%m-%d")
    except ValueError as exc:
        raise Invalid("月份格式应为 YYYY-MM", details={"month": month}) from exc
    end = dt.datetime(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start.replace(tzinfo=clock.SHANGHAI).astimezone(dt.UTC), end.replace(
        tzinfo=clock.SHANGHAI
    ).astimezone(dt.UTC)


def _share(num: int, den: int) -> Indicator:
    return Indicator(round(num / den, 4) if den else None, num, den)


def scoped(session: Session, actor: Actor, unit: str | None) -> tuple[str | None, frozenset[str] | None]:
    """What quality ``actor`` may read, asked for ``unit`` (or not): the unit to drill into and the
    units to list (None: every unit, the credit office). A unit's staff get their own unit; a district
    operator its district's units, or one of them; a unit outside the actor's scope is refused."""
    units = scope_units(session, actor)
    if units is None:
        return unit or None, None
    if unit:
        if unit not in units:
            raise OutOfScope("只能查看本单位或本辖区各单位的数据质量", details={"unit": unit})
        return unit, units
    return (next(iter(units)) if len(units) == 1 else None), units


def report(
    session: Session,
    *,
    month: str,
    unit_key: str | None = None,
    units: Collection[str] | None = None,
    drill: bool = False,
) -> list[UnitQuality]:
    """Quality of every unit active in ``month`` — of ``units`` when given — or of ``unit_key`` alone
    (shown even when it sent nothing that month)."""
    only = [unit_key] if unit_key else (sorted(units) if units is not None else None)
    start, end = month_bounds(month)
    names = {u.key: u.name for u in org.units(session)}
    in_month = (IngestBatch.submitted_at >= start) & (IngestBatch.submitted_at < end)
    batch_stats = {
        row.unit_key: row
        for row in session.execute(
            select(
                IngestBatch.unit_key,
                func.count().label("batches"),
                func.coalesce(func.sum(IngestBatch.rows), 0).label("rows"),
                func.coalesce(func.sum(IngestBatch.accepted + IngestBatch.needs_link), 0).label("ok"),
                func.coalesce(func.sum(IngestBatch.duplicates), 0).label("dups"),
                func.coalesce(func.sum(IngestBatch.fields_expected), 0).label("expected"),
                func.coalesce(func.sum(IngestBatch.fields_filled), 0).label("filled"),
                func.coalesce(func.sum(IngestBatch.values_failed), 0).label("failed"),
            )
            .where(in_month, IngestBatch.status != BatchStatus.WITHDRAWN, *within(IngestBatch.unit_key, only))
            .group_by(IngestBatch.unit_key)
        )
    }
    deadlines = {
        code: spec.update_deadline_workdays
        for code, spec in catalog.all_specs(session).items()
        if spec.report_section is ReportSection.ADMINISTRATIVE and spec.update_deadline_workdays
    }
    timely: dict[str, list[int]] = {}
    late: dict[str, list[dict[str, Any]]] = {}
    cal = org.calendar(session)
    cache: dict[tuple[dt.date, dt.date], int] = {}
    stmt = select(
        CreditRecord.id,
        CreditRecord.providing_unit_key,
        CreditRecord.item_code,
        CreditRecord.decision_no,
        CreditRecord.decision_date,
        CreditRecord.approved_at,
    ).where(
        CreditRecord.approved_at >= start,
        CreditRecord.approved_at < end,
        CreditRecord.decision_date.is_not(None),
        CreditRecord.item_code.in_(list(deadlines)),
    )
    stmt = stmt.where(*within(CreditRecord.providing_unit_key, only))
    for rid, unit, item, no, decided, approved in session.execute(stmt.execution_options(yield_per=5000)):
        if decided is None or approved is None:  # excluded by the query; narrows the types
            continue
        online = approved.astimezone(clock.SHANGHAI).date()
        pair = (decided, online)
        days = cache.get(pair)
        if days is None:
            days = cal.workdays_between(decided, online)
            cache[pair] = days
        counts = timely.setdefault(unit, [0, 0])
        counts[1] += 1
        if days <= (deadlines[item] or 7):
            counts[0] += 1
        elif drill and len(late.setdefault(unit, [])) < DRILL_LIMIT:
            late[unit].append(
                {
                    "record_id": str(rid),
                    "item": item,
                    "decision_no": no,
                    "decision_date": decided.isoformat(),
                    "online": online.isoformat(),
                    "workdays": days,
                }
            )
    mine = aliased(SubjectAttribute)
    other = aliased(SubjectAttribute)
    named = (
        select(mine.source_unit_key, mine.subject_id)
        .where(mine.attr == "name", mine.last_seen >= start, mine.last_seen < end)
        .distinct()
    )
    named = named.where(*within(mine.source_unit_key, only))
    named_sq = named.subquery()
    named_counts: dict[str, int] = {}
    for unit, count in session.execute(
        select(named_sq.c.source_unit_key, func.count()).group_by(named_sq.c.source_unit_key)
    ):
        named_counts[unit] = int(count)
    conflict_stmt = (
        select(mine.source_unit_key, mine.subject_id, func.min(mine.value), func.min(other.value))
        .join(
            other,
            (other.subject_id == mine.subject_id) & (other.attr == "name") & (other.value != mine.value),
        )
        .where(mine.attr == "name", mine.last_seen >= start, mine.last_seen < end)
        .group_by(mine.source_unit_key, mine.subject_id)
    )
    conflict_stmt = conflict_stmt.where(*within(mine.source_unit_key, only))
    conflicts: dict[str, list[dict[str, Any]]] = {}
    conflict_counts: dict[str, int] = {}
    for unit, sid, ours, theirs in session.execute(conflict_stmt):
        conflict_counts[unit] = conflict_counts.get(unit, 0) + 1
        if drill and len(conflicts.setdefault(unit, [])) < DRILL_LIMIT:
            subject = session.get(Subject, sid)
            conflicts[unit].append(
                {
                    "subject_id": str(sid),
                    "code": subject.uscc if subject else None,
                    "ours": ours,
                    "theirs": theirs,
                }
            )
    shown = {unit_key} if unit_key else set(batch_stats) | set(timely) | set(named_counts)
    last = _last_submissions(session, end, only)
    drilled = _batches_of(session, sorted(shown), start, end) if drill else {}
    out = []
    for unit in sorted(shown):
        b = batch_stats.get(unit)
        rows = int(b.rows) if b else 0
        named_total = named_counts.get(unit, 0)
        conflicting = conflict_counts.get(unit, 0)
        t = timely.get(unit, [0, 0])
        out.append(
            UnitQuality(
                unit_key=unit,
                unit_name=names.get(unit, unit),
                month=month,
                completeness=_share(int(b.filled) if b else 0, int(b.expected) if b else 0),
                accuracy=_share(int(b.ok) if b else 0, rows),
                timeliness=_share(t[0], t[1]),
                consistency=_share(named_total - conflicting, named_total),
                duplicates=_share(int(b.dups) if b else 0, rows),
                batches=int(b.batches) if b else 0,
                rows=rows,
                values_failed=int(b.failed) if b else 0,
                last_submitted_at=last.get(unit),
                late=late.get(unit, []),
                conflicts=conflicts.get(unit, []),
                month_batches=[listed(b) for b in drilled.get(unit, [])],
                rules=problem_counts(session, [b.id for b in drilled.get(unit, [])]),
            )
        )
    return out


def _last_submissions(
    session: Session, end: dt.datetime, units: Collection[str] | None
) -> dict[str, dt.datetime]:
    """Each unit's latest batch submitted before ``end`` (withdrawn ones aside)."""
    stmt = (
        select(IngestBatch.unit_key, func.max(IngestBatch.submitted_at))
        .where(IngestBatch.submitted_at < end, IngestBatch.status != BatchStatus.WITHDRAWN)
        .where(*within(IngestBatch.unit_key, units))
        .group_by(IngestBatch.unit_key)
    )
    return {unit: at for unit, at in session.execute(stmt) if at is not None}


def silent(session: Session, *, month: str, units: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Units that have sent batches before but none in ``month`` (of ``units`` when given): the list a
    credit office works through to ask for the month's data (催报), the longest silent first. A unit
    that never sent anything is not listed: whether it has decisions to report is not the platform's to
    know, and the catalogue's providing units are mostly every unit."""
    start, end = month_bounds(month)
    names = {u.key: u.name for u in org.units(session)}
    last = _last_submissions(session, end, sorted(units) if units is not None else None)
    quiet = sorted((at, unit) for unit, at in last.items() if at < start)
    return [
        {"unit_key": unit, "unit_name": names.get(unit, unit), "last_submitted_at": at} for at, unit in quiet
    ]


def _batches_of(
    session: Session, units: list[str], start: dt.datetime, end: dt.datetime
) -> dict[str, list[IngestBatch]]:
    """The batches ``units`` submitted in [start, end), newest first (at most DRILL_LIMIT a unit)."""
    out: dict[str, list[IngestBatch]] = {}
    stmt = (
        select(IngestBatch)
        .where(
            IngestBatch.submitted_at >= start, IngestBatch.submitted_at < end, IngestBatch.unit_key.in_(units)
        )
        .order_by(IngestBatch.submitted_at.desc(), IngestBatch.id)
    )
    for b in session.scalars(stmt):
        listed_here = out.setdefault(b.unit_key, [])
        if len(listed_here) < DRILL_LIMIT:
            listed_here.append(b)
    return out
