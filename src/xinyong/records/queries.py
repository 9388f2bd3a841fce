"""The one disclosure path: every public page and public API reads records and subjects here.

A record is public only when all hold: its catalogue item's sharing level is 公开; it is approved
(online); its lifecycle state is 有效 (not 已撤销/已修复); it is published under its rule set (minor
penalties under Order 36 are not); and today (Asia/Shanghai) is not past ``publicity_ends``. Fields
are then disclosed one by one as the catalogue says: non-public fields dropped, identifiers masked,
free text scrubbed of ID and phone numbers. An open objection does not hide a record; it marks it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from xinyong.catalog import queries as catalog
from xinyong.catalog.models import CatalogItem
from xinyong.catalog.schemas import CatalogItemSpec
from xinyong.kit.masking import mask, scrub_text
from xinyong.org import queries as org
from xinyong.org.models import District
from xinyong.records.models import CreditRecord, Lifecycle
from xinyong.records.publicity import PublicityStatus, publicity_status
from xinyong.subjects import search
from xinyong.subjects.models import Subject, SubjectIdentifier, SubjectKind


@dataclass(frozen=True)
class Publicity:
    status: str
    repair_eligible_from: dt.date | None
    publicity_ends: dt.date | None


@dataclass(frozen=True)
class DisclosedField:
    key: str
    label: str
    value: Any


@dataclass(frozen=True)
class PublicRecord:
    id: uuid.UUID
    item_code: str
    item_name: str
    report_section: str
    subject_id: uuid.UUID
    decision_no: str | None
    decision_date: dt.date | None
    deciding_unit: str | None
    providing_unit: str | None
    severity: str | None
    objection_open: bool
    publicity: Publicity
    fields: list[DisclosedField]
    approved_at: dt.datetime | None


@dataclass(frozen=True)
class PublicSubject:
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
    identifiers: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int


def public_condition(today: dt.date) -> ColumnElement[bool]:
    """The SQL condition a record must meet to be shown to the public today (joined with its item)."""
    return and_(
        CatalogItem.sharing_level == "public",
        CreditRecord.approved_at.is_not(None),
        CreditRecord.lifecycle == Lifecycle.VALID.value,
        CreditRecord.published.is_(True),
        or_(CreditRecord.publicity_ends.is_(None), CreditRecord.publicity_ends >= today),
    )


def disclose(item: CatalogItemSpec, payload: dict[str, Any]) -> list[DisclosedField]:
    """The public fields of ``payload`` in catalogue order, masked and scrubbed as the item says."""
    out: list[DisclosedField] = []
    for spec in item.fields:
        if not spec.public:
            continue
        value = payload.get(spec.key)
        if value is None or value == "":
            continue
        if isinstance(value, list):
            value = "、".join(str(v) for v in value)
        value = mask(str(value), str(spec.mask)) if str(spec.mask) != "none" else value
        if value is None:
            continue
        if spec.scrub and isinstance(value, str):
            value = scrub_text(value)
        out.append(DisclosedField(spec.key, spec.label, value))
    return out


def _status(record: CreditRecord, sharing: str, today: dt.date) -> PublicityStatus:
    return publicity_status(
        sharing_public=sharing == "public" and record.approved_at is not None,
        lifecycle=record.lifecycle,
        published=record.published,
        publicity_ends=record.publicity_ends,
        today=today,
    )


def _view(session: Session, record: CreditRecord, today: dt.date, unit_names: dict[str, str]) -> PublicRecord:
    item = catalog.item_spec(session, record.item_code)
    return PublicRecord(
        id=record.id,
        item_code=record.item_code,
        item_name=item.name,
        report_section=str(item.report_section),
        subject_id=record.subject_id,
        decision_no=record.decision_no,
        decision_date=record.decision_date,
        deciding_unit=unit_names.get(record.deciding_unit_key or ""),
        providing_unit=unit_names.get(record.providing_unit_key),
        severity=record.severity,
        objection_open=record.objection_open,
        publicity=Publicity(
            status=_status(record, str(item.sharing_level), today).value,
            repair_eligible_from=record.repair_eligible_from,
            publicity_ends=record.publicity_ends,
        ),
        fields=disclose(item, record.payload),
        approved_at=record.approved_at,
    )


def _unit_names(session: Session) -> dict[str, str]:
    return {u.key: u.name for u in org.units(session)}


def public_records(
    session: Session,
    *,
    subject_id: uuid.UUID,
    today: dt.date,
    item_codes: list[str] | None = None,
    report_section: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """A subject's records that are public today, newest decision first."""
    cond = [CreditRecord.subject_id == subject_id, public_condition(today)]
    if item_codes:
        cond.append(CreditRecord.item_code.in_(item_codes))
    if report_section:
        cond.append(CatalogItem.report_section == report_section)
    base = select(CreditRecord).join(CatalogItem, CatalogItem.code == CreditRecord.item_code).where(*cond)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(
        base.order_by(CreditRecord.decision_date.desc().nulls_last(), CreditRecord.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    names = _unit_names(session)
    return Page([_view(session, r, today, names) for r in rows], int(total), page, per_page)


def public_record(session: Session, record_id: uuid.UUID, *, today: dt.date) -> PublicRecord | None:
    """One record if it is public today, else None (the caller answers 404 either way)."""
    row = session.scalar(
        select(CreditRecord)
        .join(CatalogItem, CatalogItem.code == CreditRecord.item_code)
        .where(CreditRecord.id == record_id, public_condition(today))
    )
    return _view(session, row, today, _unit_names(session)) if row is not None else None


def has_public_record(session: Session, subject_id: uuid.UUID, *, today: dt.date) -> bool:
    return (
        session.scalar(
            select(CreditRecord.id)
            .join(CatalogItem, CatalogItem.code == CreditRecord.item_code)
            .where(CreditRecord.subject_id == subject_id, public_condition(today))
            .limit(1)
        )
        is not None
    )


def public_person_ids(session: Session, *, today: dt.date) -> set[uuid.UUID]:
    """Natural persons with at least one public record today: the persons public search may show."""
    return set(
        session.scalars(
            select(CreditRecord.subject_id)
            .join(CatalogItem, CatalogItem.code == CreditRecord.item_code)
            .join(Subject, Subject.id == CreditRecord.subject_id)
            .where(Subject.kind == SubjectKind.NATURAL_PERSON, public_condition(today))
            .distinct()
        )
    )


def _subject_view(session: Session, s: Subject) -> PublicSubject:
    districts = {d.key: d.name for d in org.districts(session)}
    idents: list[dict[str, str]] = []
    if s.kind == SubjectKind.NATURAL_PERSON:
        for ident in session.scalars(select(SubjectIdentifier).where(SubjectIdentifier.subject_id == s.id)):
            idents.append({"type": ident.id_type, "value": ident.masked})
    return PublicSubject(
        id=s.id,
        kind=s.kind,
        category=s.category,
        code=s.uscc,
        name=s.name,
        legal_rep=s.legal_rep if s.kind == SubjectKind.LEGAL_PERSON else None,
        district=districts.get(s.district_key or ""),
        industry=s.industry,
        status=s.status,
        provisional=s.provisional,
        identifiers=idents,
    )


def public_subject(session: Session, code_or_id: str, *, today: dt.date) -> PublicSubject | None:
    """A subject by USCC (organisations) or opaque id (persons), if the public may see it.

    Organisations' registration data is public; a natural person is visible only while at least
    one of their records is public (e.g. 失信被执行人).
    """
    from xinyong.kit.identifiers import normalise

    subject: Subject | None = session.scalar(select(Subject).where(Subject.uscc == normalise(code_or_id)))
    if subject is None:
        try:
            subject = session.get(Subject, uuid.UUID(code_or_id))
        except ValueError:
            return None
    if subject is None:
        return None
    if subject.kind == SubjectKind.NATURAL_PERSON and not has_public_record(session, subject.id, today=today):
        return None
    return _subject_view(session, subject)


def public_catalog(session: Session) -> list[dict[str, Any]]:
    """The catalogue as the public may see it: items with their public fields' labels."""
    out = []
    for code, spec in catalog.all_specs(session).items():
        out.append(
            {
                "code": code,
                "name": spec.name,
                "category": spec.category,
                "sharing_level": str(spec.sharing_level),
                "publicity_kind": str(spec.publicity_kind),
                "report_section": str(spec.report_section),
                "subject_kinds": [str(k) for k in spec.subject_kinds],
                "fields": [
                    {
                        "key": f.key,
                        "label": f.label,
                        "aliases": list(f.aliases),
                        "type": str(f.type),
                        "required": f.required,
                        "public": f.public,
                    }
                    for f in spec.fields
                ],
            }
        )
    return out


# -- public search ------------------------------------------------------------------------------

#: Results counted and reachable by paging at most (the page says "超过 1000 条" beyond it).
SEARCH_CAP = 1000


@dataclass(frozen=True)
class SubjectHit:
    """A search result: only what the public may see of a subject, and why it matched."""

    id: uuid.UUID
    kind: str
    category: str
    code: str | None
    name: str
    district: str | None
    status: str
    match: str


@dataclass(frozen=True)
class SearchPage:
    query: str
    items: list[SubjectHit]
    total: int
    capped: bool
    page: int
    per_page: int


def search_subjects(
    session: Session, query: str, *, today: dt.date, page: int = 1, per_page: int = 20
) -> SearchPage:
    """Public search by code or name fragment (subjects.search), re-checking every natural person.

    The index holds natural persons only while they have a public record; a person whose last
    public record lapsed since the index was synchronised is dropped here, never shown.
    """
    found = search.search(session, query, offset=(page - 1) * per_page, limit=per_page, cap=SEARCH_CAP)
    ids = [h.subject_id for h in found.hits]
    cols = (
        Subject.id,
        Subject.kind,
        Subject.category,
        Subject.uscc,
        Subject.name,
        District.name,
        Subject.status,
    )
    rows = (
        {
            r[0]: r
            for r in session.execute(
                select(*cols)
                .outerjoin(District, District.key == Subject.district_key)
                .where(Subject.id.in_(ids))
            )
        }
        if ids
        else {}
    )
    items = []
    for hit in found.hits:
        r = rows.get(hit.subject_id)
        if r is None:
            continue
        sid, kind, category, code, name, district, status = r
        if kind == SubjectKind.NATURAL_PERSON and not has_public_record(session, sid, today=today):
            continue
        items.append(SubjectHit(sid, kind, category, code, name, district, status, hit.tier))
    return SearchPage(search.normalise_name(query), items, found.total, found.capped, page, per_page)


# -- 双公示: licences and penalties -------------------------------------------------------------

PUBLICITY_KINDS = ("licences", "penalties")


def publicity_items(session: Session, kind: str) -> list[str]:
    """Catalogue items of a 双公示 kind: penalties by their publicity rule, licences by theirs."""
    out = []
    for code, spec in catalog.all_specs(session).items():
        pk = str(spec.publicity_kind)
        if (kind == "penalties" and pk == "penalty") or (
            kind == "licences" and pk == "until_valid_to" and spec.category == "行政管理信息"
        ):
            out.append(code)
    return sorted(out)


def contains_pattern(value: str) -> str:
    """A LIKE pattern (escape ``\\``) matching text that contains ``value`` literally."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class PublicityFilter:
    unit: str | None = None
    district: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category: str | None = None
    keyword: str | None = None


def publicity_records(
    session: Session,
    kind: str,
    *,
    today: dt.date,
    filters: PublicityFilter = PublicityFilter(),
    page: int = 1,
    per_page: int = 20,
    cap: int = SEARCH_CAP,
) -> tuple[Page, bool]:
    """Public licences or penalties, newest decision first, filtered; the total is counted to ``cap``."""
    codes = publicity_items(session, kind)
    cond: list[ColumnElement[bool]] = [CreditRecord.item_code.in_(codes), public_condition(today)]
    f = filters
    if f.unit:
        cond.append(CreditRecord.deciding_unit_key == f.unit)
    if f.district:
        keys = [u.key for u in org.units(session) if u.district_key == f.district]
        cond.append(CreditRecord.deciding_unit_key.in_(keys))
    if f.date_from:
        cond.append(CreditRecord.decision_date >= f.date_from)
    if f.date_to:
        cond.append(CreditRecord.decision_date <= f.date_to)
    if f.category:
        if kind == "penalties":
            cond.append(CreditRecord.penalty_types.like(contains_pattern(f.category), escape="\\"))
        else:
            cond.append(CreditRecord.payload["licence_kind"].as_string() == f.category)
    base = select(CreditRecord).join(CatalogItem, CatalogItem.code == CreditRecord.item_code)
    if f.keyword:
        pattern = contains_pattern(f.keyword.strip())
        base = base.join(Subject, Subject.id == CreditRecord.subject_id)
        cond.append(
            or_(
                Subject.name.like(pattern, escape="\\"),
                CreditRecord.decision_no.like(pattern, escape="\\"),
            )
        )
    return _newest_first(session, base.where(*cond), today=today, page=page, per_page=per_page, cap=cap)


def _newest_first(
    session: Session, base: Select[CreditRecord], *, today: dt.date, page: int, per_page: int, cap: int
) -> tuple[Page, bool]:
    """One page of ``base`` (public records), newest decision first; total counted up to ``cap``."""
    total = int(
        session.scalar(
            select(func.count()).select_from(
                base.with_only_columns(CreditRecord.id).limit(cap + 1).subquery()
            )
        )
        or 0
    )
    rows = session.scalars(
        base.order_by(CreditRecord.decision_date.desc().nulls_last(), CreditRecord.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    names = _unit_names(session)
    return Page([_view(session, r, today, names) for r in rows], min(total, cap), page, per_page), total > cap


@dataclass(frozen=True)
class UnitTimeliness:
    """How many of a unit's 双公示 decisions went online within the deadline (working days)."""

    unit_key: str
    unit: str
    total: int
    on_time: int
    late: int
    rate: float | None
    provisional: bool


#: 国发〔2016〕33号: decisions online within 7 working days of the decision (the day itself not counted).
ONLINE_WITHIN_WORKDAYS = 7


def unit_timeliness(session: Session, *, today: dt.date, days: int = 30) -> list[UnitTimeliness]:
    """Per deciding unit, decisions of the last ``days`` days and how many went online in time.

    Measured from the decision date to the approval moment (Asia/Shanghai date) — approval is when
    a record became visible. Only approved records count (an unapproved one is not yet online).
    """
    from xinyong.kit.clock import SHANGHAI

    codes = publicity_items(session, "penalties") + publicity_items(session, "licences")
    since = today - dt.timedelta(days=days)
    rows = session.execute(
        select(CreditRecord.deciding_unit_key, CreditRecord.decision_date, CreditRecord.approved_at).where(
            CreditRecord.item_code.in_(codes),
            CreditRecord.decision_date >= since,
            CreditRecord.decision_date <= today,
            CreditRecord.approved_at.is_not(None),
            CreditRecord.deciding_unit_key.is_not(None),
        )
    ).all()
    cal = org.calendar(session)
    deadlines: dict[dt.date, tuple[dt.date, bool]] = {}
    stats: dict[str, list[int]] = {}
    provisional: set[str] = set()
    for unit_key, decided, approved in rows:
        if decided is None or approved is None or unit_key is None:
            continue
        if decided not in deadlines:
            d = cal.add_workdays(decided, ONLINE_WITHIN_WORKDAYS)
            deadlines[decided] = (d.date, d.provisional)
        deadline, prov = deadlines[decided]
        s = stats.setdefault(unit_key, [0, 0])
        s[0] += 1
        if approved.astimezone(SHANGHAI).date() <= deadline:
            s[1] += 1
        if prov:
            provisional.add(unit_key)
    names = _unit_names(session)
    out = [
        UnitTimeliness(
            unit_key=k,
            unit=names.get(k, k),
            total=t,
            on_time=o,
            late=t - o,
            rate=round(o / t, 4) if t else None,
            provisional=k in provisional,
        )
        for k, (t, o) in stats.items()
    ]
    return sorted(out, key=lambda u: (u.rate if u.rate is not None else 2.0, u.unit))


# -- lists (红名单 / 黑名单 / 重点关注 / 经营异常) ---------------------------------------------------

LIST_KINDS = ("red", "black", "watch", "abnormal")


def list_items(session: Session, kind: str) -> list[dict[str, Any]]:
    """The catalogue items of a list kind, with their names and legal bases (for the lists pages)."""
    return [
        {"code": code, "name": spec.name, "legal_basis": list(spec.legal_basis)}
        for code, spec in sorted(catalog.all_specs(session).items())
        if spec.list_kind is not None and str(spec.list_kind) == kind
    ]


def list_entries(
    session: Session, kind: str, *, today: dt.date, page: int = 1, per_page: int = 20, cap: int = SEARCH_CAP
) -> tuple[Page, bool]:
    """Public entries of a list kind (records of its items), newest first, with their subjects."""
    codes = [i["code"] for i in list_items(session, kind)]
    base = (
        select(CreditRecord)
        .join(CatalogItem, CatalogItem.code == CreditRecord.item_code)
        .where(CreditRecord.item_code.in_(codes), public_condition(today))
    )
    return _newest_first(session, base, today=today, page=page, per_page=per_page, cap=cap)


def subject_names(
    session: Session, subject_ids: list[uuid.UUID], *, today: dt.date
) -> dict[uuid.UUID, tuple[str, str]]:
    """Display name and public address key (USCC, or id for a publicly listed person) of subjects."""
    out: dict[uuid.UUID, tuple[str, str]] = {}
    if not subject_ids:
        return out
    for s in session.scalars(select(Subject).where(Subject.id.in_(subject_ids))):
        if s.kind == SubjectKind.NATURAL_PERSON and not has_public_record(session, s.id, today=today):
            continue
        out[s.id] = (s.name, s.uscc or str(s.id))
    return out


def item_counts(session: Session, subject_id: uuid.UUID, *, today: dt.date) -> dict[str, int]:
    """Number of public records per catalogue item for one subject (the subject page's tabs)."""
    rows = session.execute(
        select(CreditRecord.item_code, func.count())
        .join(CatalogItem, CatalogItem.code == CreditRecord.item_code)
        .where(CreditRecord.subject_id == subject_id, public_condition(today))
        .group_by(CreditRecord.item_code)
    ).all()
    return {str(k): int(v) for k, v in rows}


def report_sections(session: Session) -> dict[str, str]:
    """Catalogue item code → its report section (national report order: ReportSection)."""
    return {code: str(spec.report_section) for code, spec in catalog.all_specs(session).items()}


def publicity_categories(session: Session, kind: str) -> list[str]:
    """The code list a 双公示 kind is filtered by: 处罚类别 for penalties, 许可类别 for licences."""
    out: list[str] = []
    for code in publicity_items(session, kind):
        spec = catalog.item_spec(session, code)
        f = (
            spec.field_by_role("penalty_types")
            if kind == "penalties"
            else next((x for x in spec.fields if x.key == "licence_kind"), None)
        )
        for c in f.codes if f is not None and f.codes else []:
            if c not in out:
                out.append(c)
    return out
