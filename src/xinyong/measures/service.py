"""The measures catalogue at run time and the joint reward/punishment check.

The check is built for many requests per second: the catalogue is compiled once per version into
per-matter look-up tables held in memory; a check by USCC is one statement (the data version, the
subject and its relevant list and trigger records) and one insert of the stored answer, rendered once
for the row and the reply. ID numbers, names, legacy codes and batches take the step-by-step path
(``evaluate``); both give the same answers (docs/benchmarks/check.md).

Precedence (DOMAIN §7): ``restricted`` when any mandatory punishment applies; ``review`` when only
discretionary punishments apply or the request named no code (a name alone never restricts);
``incentive`` when only incentives apply; ``clear`` otherwise — ``known: false`` when the platform holds
nothing on the code.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import Date, String, Table, and_, bindparam, case, func, insert, select
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.auth.actor import Actor
from xinyong.kit import clock
from xinyong.kit.actor import ActorRef
from xinyong.kit.identifiers import IdType, normalise
from xinyong.lists import queries as lists
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.schemas import add_months
from xinyong.measures.errors import CheckNotFound, UnknownMatter, UnknownMeasure
from xinyong.measures.models import Check, CheckFeedback, Measure, MeasureCatalog, MeasureRule
from xinyong.measures.schemas import (
    BatchIn,
    CandidateOut,
    CheckIn,
    CheckOut,
    CheckResult,
    FeedbackIn,
    FeedbackOut,
    HitOut,
    MeasureKind,
    MeasureOut,
    MeasureSpec,
    MeasuresSpec,
    StatRow,
    SubjectOut,
    SubjectRef,
    rule_rows,
)
from xinyong.org import queries as org
from xinyong.org.models import ProfileState
from xinyong.records.models import CreditRecord, Lifecycle
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject, SubjectAttribute, SubjectIdentifier, SubjectKind

CHECKS = cast(Table, Check.__table__)


# --------------------------------------------------------------------------- loading


def load(session: Session, spec: MeasuresSpec, *, actor: ActorRef, now: dt.datetime) -> dict[str, Any]:
    """Load ``spec`` as the current catalogue version (a new version is expanded into rule rows)."""
    data = spec.model_dump(mode="json")
    row = session.get(MeasureCatalog, spec.version)
    if row is not None and row.spec == data:
        if not row.current:
            _make_current(session, spec.version)
        return {"version": spec.version, "measures": len(spec.measures), "changed": False}
    if row is not None:
        # Same version string, different content: rules are replaced (an operator's correction).
        session.query(MeasureRule).filter(MeasureRule.version == spec.version).delete()
        session.query(Measure).filter(Measure.version == spec.version).delete()
        row.spec, row.edition, row.loaded_at = data, spec.edition, now
    else:
        session.add(MeasureCatalog(version=spec.version, edition=spec.edition, spec=data, loaded_at=now))
    session.flush()
    for m in spec.measures:
        session.add(
            Measure(
                version=spec.version,
                code=m.code,
                name=m.name,
                kind=m.kind.value,
                mandatory=m.mandatory,
                verified=m.verified,
                in_national_list=m.in_national_list,
                spec=m.model_dump(mode="json"),
            )
        )
    session.flush()
    rules = rule_rows(spec)
    session.execute(insert(MeasureRule), [{"version": spec.version, **r} for r in rules])
    _make_current(session, spec.version)
    result = {"version": spec.version, "measures": len(spec.measures), "rules": len(rules), "changed": True}
    audit.record(
        session,
        actor=actor,
        action="measures.loaded",
        target_type="measures",
        target_id=spec.version,
        details=result,
    )
    return result


def _make_current(session: Session, version: str) -> None:
    for row in session.scalars(select(MeasureCatalog)):
        row.current = row.version == version
    session.flush()


# --------------------------------------------------------------------------- the compiled catalogue


@dataclass(frozen=True)
class Rule:
    measure: MeasureSpec
    mandatory: bool
    items: frozenset[str]
    severities: frozenset[str]
    penalty_types: frozenset[str]
    min_fine_fen: int | None
    special_domains: frozenset[str]
    lookback_months: int

    def matches(self, r: RecordRow, today: dt.date) -> bool:
        if r.item_code not in self.items or r.decision_date is None:
            return False
        if r.decision_date < add_months(today, -self.lookback_months):
            return False
        if self.severities and r.severity not in self.severities:
            return False
        if self.penalty_types and not (self.penalty_types & set((r.penalty_types or "").split(","))):
            return False
        if self.min_fine_fen is not None and (r.fine_fen is None or r.fine_fen < self.min_fine_fen):
            return False
        return not (self.special_domains and r.special_domain not in self.special_domains)


@dataclass
class MatterRules:
    by_list_type: dict[str, list[MeasureSpec]] = field(default_factory=lambda: defaultdict(list))
    record_rules: list[Rule] = field(default_factory=list)

    @property
    def record_items(self) -> list[str]:
        return sorted({i for r in self.record_rules for i in r.items})

    @property
    def max_lookback(self) -> int:
        return max((r.lookback_months for r in self.record_rules), default=0)


@dataclass(frozen=True)
class Compiled:
    version: str
    spec: MeasuresSpec
    measures: dict[str, MeasureSpec]
    matter_index: dict[str, str]
    matter_names: dict[str, str]
    by_matter: dict[str, MatterRules]
    #: The answer's view of each measure, built once (shared, never mutated).
    outs: dict[str, MeasureOut]


_compiled: dict[str, Compiled] = {}


def compiled(session: Session, version: str | None = None) -> Compiled:
    """The catalogue ``version`` (default: current) compiled into per-matter tables, cached in memory."""
    if version is None:
        version = session.scalar(select(MeasureCatalog.version).where(MeasureCatalog.current.is_(True)))
        if version is None:
            raise UnknownMatter("措施清单尚未加载：请先运行 xinyong init")
    found = _compiled.get(version)
    if found is not None:
        return found
    row = session.get(MeasureCatalog, version)
    assert row is not None
    spec = MeasuresSpec.model_validate(row.spec)
    measures = {m.code: m for m in spec.measures}
    by_matter: dict[str, MatterRules] = {m.code: MatterRules() for m in spec.matters}
    for r in session.scalars(
        select(MeasureRule).where(MeasureRule.version == version).order_by(MeasureRule.id)
    ):
        measure = measures[r.measure_code]
        target = by_matter[r.matter]
        if r.trigger_type == "lists":
            for lt in r.list_types:
                if measure not in target.by_list_type[lt]:
                    target.by_list_type[lt].append(measure)
        else:
            target.record_rules.append(
                Rule(
                    measure=measure,
                    mandatory=r.mandatory,
                    items=frozenset(r.items),
                    severities=frozenset(r.severities),
                    penalty_types=frozenset(r.penalty_types),
                    min_fine_fen=r.min_fine_fen,
                    special_domains=frozenset(r.special_domains),
                    lookback_months=r.lookback_months or 0,
                )
            )
    found = Compiled(
        version=version,
        spec=spec,
        measures=measures,
        matter_index=spec.matter_index(),
        matter_names={m.code: m.name for m in spec.matters},
        by_matter=by_matter,
        outs={code: _measure_out(m) for code, m in measures.items()},
    )
    _compiled[version] = found
    return found


def resolve_matter(c: Compiled, matter: str) -> str:
    code = c.matter_index.get(matter.strip())
    if code is None:
        raise UnknownMatter(
            f"未知事项 '{matter}'",
            details={"field": "matter", "known": [{"code": m.code, "name": m.name} for m in c.spec.matters]},
        )
    return code


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class RecordRow:
    id: uuid.UUID
    item_code: str
    decision_date: dt.date | None
    severity: str | None
    penalty_types: str | None
    fine_fen: int | None
    special_domain: str | None
    deciding_unit_key: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class DataState:
    measures_version: str
    list_types_version: str
    records_at: dt.datetime | None
    entries_at: dt.datetime | None
    profile_loaded_at: dt.datetime | None = None

    @property
    def token(self) -> str:
        def us(t: dt.datetime | None) -> str:
            return str(int(t.timestamp() * 1_000_000)) if t else "0"

        return f"m{self.measures_version}.l{self.list_types_version}.r{us(self.records_at)}.e{us(self.entries_at)}"


def _state_columns() -> list[Any]:
    """The data the answer depends on as scalar subqueries: four index-only look-ups and a one-row read."""
    return [
        select(MeasureCatalog.version).where(MeasureCatalog.current.is_(True)).scalar_subquery(),
        select(func.max(ListType.version)).scalar_subquery(),
        select(func.max(CreditRecord.updated_at)).scalar_subquery(),
        select(func.max(ListEntry.updated_at)).scalar_subquery(),
        select(ProfileState.loaded_at).where(ProfileState.id == 1).scalar_subquery(),
    ]


def _state(measures_v: Any, lists_v: Any, rec_at: Any, ent_at: Any, profile_at: Any) -> DataState:
    if measures_v is None:
        raise UnknownMatter("措施清单尚未加载：请先运行 xinyong init")
    return DataState(
        measures_version=measures_v,
        list_types_version=lists_v or "",
        records_at=_as_utc(rec_at),
        entries_at=_as_utc(ent_at),
        profile_loaded_at=_as_utc(profile_at),
    )


def data_state(session: Session) -> DataState:
    """The data the answer depends on, in one round trip."""
    return _state(*session.execute(select(*_state_columns())).one())


def _as_utc(value: Any) -> dt.datetime | None:
    """A max() over a UTC column: aware on PostgreSQL, naive text on SQLite (the subquery drops the type)."""
    if value is None:
        return None
    moment: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _find_subject(session: Session, ref: SubjectRef) -> Subject | None:
    if ref.code is not None:
        return subjects.find_by_code(session, ref.code)
    assert ref.id_number is not None
    value = normalise(ref.id_number)
    types = (
        [IdType.RESIDENCE_PERMIT, IdType.RESIDENT_ID]
        if value[:2] in ("81", "82", "83")
        else [IdType.RESIDENT_ID]
    )
    for t in [*types, IdType.PASSPORT]:
        found = subjects.find_by_identifier(session, t, value)
        if found is not None:
            return found
    return None


def _candidates(session: Session, name: str) -> list[CandidateOut]:
    """Organisations whose name any source gave exactly as ``name`` (persons are never listed by name)."""
    rows = session.execute(
        select(Subject.uscc, Subject.name)
        .join(SubjectAttribute, SubjectAttribute.subject_id == Subject.id)
        .where(
            SubjectAttribute.attr == "name",
            SubjectAttribute.value == name.strip(),
            Subject.kind == SubjectKind.LEGAL_PERSON.value,
            Subject.uscc.is_not(None),
        )
        .distinct()
        .limit(20)
    ).all()
    return [CandidateOut(code=c, name=n) for c, n in rows if c]


def _subject_out(session: Session, subject: Subject) -> SubjectOut:
    if subject.kind == SubjectKind.NATURAL_PERSON:
        masked = session.scalar(
            select(SubjectIdentifier.masked).where(SubjectIdentifier.subject_id == subject.id).limit(1)
        )
        return SubjectOut(id_number_masked=masked, name=subject.name, kind=subject.kind)
    return SubjectOut(code=subject.uscc, name=subject.name, kind=subject.kind)


def _record_rows(
    session: Session, subject_id: uuid.UUID, rules: MatterRules, today: dt.date
) -> list[RecordRow]:
    if not rules.record_rules:
        return []
    since = add_months(today, -rules.max_lookback)
    rows = session.execute(
        select(
            CreditRecord.id,
            CreditRecord.item_code,
            CreditRecord.decision_date,
            CreditRecord.severity,
            CreditRecord.penalty_types,
            CreditRecord.fine_fen,
            CreditRecord.special_domain,
            CreditRecord.deciding_unit_key,
            CreditRecord.payload,
        ).where(
            CreditRecord.subject_id == subject_id,
            CreditRecord.item_code.in_(rules.record_items),
            CreditRecord.lifecycle == Lifecycle.VALID.value,
            CreditRecord.approved_at.is_not(None),
            CreditRecord.decision_date >= since,
        )
    ).all()
    return [RecordRow(*r) for r in rows]


def _measure_out(m: MeasureSpec) -> MeasureOut:
    return MeasureOut(
        code=m.code,
        name=m.name,
        kind=m.kind.value,
        mandatory=m.mandatory,
        basis=m.basis_text,
        verified=m.verified,
    )


def _result(hits: list[HitOut], *, name_only: bool) -> CheckResult:
    measures = [m for h in hits for m in h.measures]
    punish = [m for m in measures if m.kind == MeasureKind.PUNISHMENT.value]
    if not name_only and any(m.mandatory for m in punish):
        return CheckResult.RESTRICTED
    if name_only or punish:
        return CheckResult.REVIEW
    if measures:
        return CheckResult.INCENTIVE
    return CheckResult.CLEAR


def evaluate(
    session: Session,
    *,
    ref: SubjectRef,
    matter: str,
    c: Compiled,
    today: dt.date,
    unit_names: dict[str, str],
    lists_version: str | None = None,
) -> tuple[Subject | None, SubjectOut, bool, CheckResult, list[HitOut]]:
    """Compute an answer (nothing stored): the subject, whether it is known, the result and the hits."""
    rules = c.by_matter[matter]
    if ref.name is not None:
        candidates = _candidates(session, ref.name)
        return (
            None,
            SubjectOut(name=ref.name, candidates=candidates),
            bool(candidates),
            CheckResult.REVIEW,
            [],
        )
    subject = _find_subject(session, ref)
    if subject is None:
        echo = SubjectOut(code=normalise(ref.code)) if ref.code else SubjectOut()
        return None, echo, False, CheckResult.CLEAR, []
    idx = lists.index(session, lists_version)
    entries = lists.active_entries(session, subject_id=subject.id, today=today, idx=idx)
    records = _record_rows(session, subject.id, rules, today)
    hits = _hits(c, idx, rules, entries, records, today=today, unit_names=unit_names)
    return subject, _subject_out(session, subject), True, _result(hits, name_only=False), hits


def _hits(
    c: Compiled,
    idx: lists.ListIndex,
    rules: MatterRules,
    entries: list[lists.ActiveEntry],
    records: list[RecordRow],
    *,
    today: dt.date,
    unit_names: dict[str, str],
) -> list[HitOut]:
    """The hits of a subject's active list entries and its records that meet a record trigger."""
    hits: list[HitOut] = []
    for e in entries:
        measures = rules.by_list_type.get(e.list_type, [])
        hits.append(
            HitOut(
                record_id=e.record_id,
                list_type=e.list_type,
                list_type_name=idx.types[e.list_type].name,
                item=e.item_code,
                authority=e.authority,
                basis="；".join(e.basis),
                listed_on=e.listed_on,
                ends_on=e.ends_on,
                objection_open=e.objection_open,
                measures=[c.outs[m.code] for m in measures],
            )
        )
    for r in records:
        matched: dict[str, MeasureSpec] = {}
        lookback = 0
        for rule in rules.record_rules:
            if rule.matches(r, today):
                matched.setdefault(rule.measure.code, rule.measure)
                lookback = max(lookback, rule.lookback_months)
        if matched:
            assert r.decision_date is not None
            hits.append(
                HitOut(
                    record_id=r.id,
                    list_type=None,
                    item=r.item_code,
                    authority=unit_names.get(r.deciding_unit_key or ""),
                    basis=str(r.payload.get("legal_basis") or ""),
                    listed_on=r.decision_date,
                    ends_on=add_months(r.decision_date, lookback),
                    objection_open=False,
                    measures=[c.outs[code] for code in matched],
                )
            )
    hits.sort(key=lambda h: (h.list_type is None, str(h.list_type), str(h.record_id)))
    return hits


_unit_names: dict[str, dict[str, str]] = {}


def _units(session: Session, state: DataState) -> dict[str, str]:
    """Unit names, cached per loaded profile (the data state carries its load time)."""
    key = str(state.profile_loaded_at)
    found = _unit_names.get(key)
    if found is None:
        found = {u.key: u.name for u in org.units(session)}
        _unit_names.clear()
        _unit_names[key] = found
    return found


#: An answer before it is stored: the subject (row or id), its view, known, result, hits.
Answer = tuple[Subject | uuid.UUID | None, SubjectOut, bool, CheckResult, list[HitOut]]


@dataclass(frozen=True)
class Stored:
    """A stored check: the answer and its JSON exactly as stored (the API sends these bytes)."""

    out: CheckOut
    json: str


_INSERT = insert(CHECKS)


def _store(
    session: Session,
    *,
    ref: SubjectRef,
    matter: str,
    request_ref: str | None,
    actor: Actor,
    now: dt.datetime,
    batch_id: uuid.UUID | None,
    state: DataState,
    answer: Answer,
) -> Stored:
    """Insert the check as answered (one prepared Core insert) and return it with its rendered JSON."""
    subject, subject_out, known, result, hits = answer
    out = CheckOut(
        check_id=uuid.uuid4(),
        checked_at=now,
        data_version=state.token,
        matter=matter,
        request_ref=request_ref,
        subject=subject_out,
        known=known,
        result=result,
        hits=hits,
    )
    rendered = out.model_dump_json()
    request = {"subject": ref.model_dump(exclude_none=True), "matter": matter, "request_ref": request_ref}
    if ref.id_number is not None:
        request["subject"] = {"id_number": subject_out.id_number_masked or "（未匹配，已脱敏不存）"}
    session.connection().execute(
        _INSERT,
        {
            "id": out.check_id,
            "checked_at": now,
            "month": now.astimezone(clock.SHANGHAI).strftime("%Y-%m"),
            "client_kind": actor.kind,
            "client_id": actor.id,
            "client_name": actor.name,
            "unit_key": actor.unit_key,
            "matter": matter,
            "request_ref": request_ref,
            "batch_id": batch_id,
            "subject_id": subject.id if isinstance(subject, Subject) else subject,
            "known": known,
            "result": result.value,
            "hit_count": len(hits),
            "data_version": state.token,
            "request": request,
            "response": orjson.loads(rendered),
        },
    )
    return Stored(out, rendered)


# --------------------------------------------------------------------------- the one-round-trip read


@dataclass(frozen=True)
class _Plan:
    """What a matter's one-statement read asks for and keeps, per catalogue and list-types version."""

    items: list[str]
    list_items: frozenset[str]
    record_items: frozenset[str]


_plans: dict[tuple[str, str, str], _Plan] = {}
#: (measures version, list-types version) of the last data state read in this process.
_latest: tuple[str, str] | None = None


def _plan(c: Compiled, idx: lists.ListIndex, matter: str) -> _Plan:
    key = (c.version, idx.version, matter)
    found = _plans.get(key)
    if found is None:
        list_items, record_items = frozenset(idx.items), frozenset(c.by_matter[matter].record_items)
        found = _Plan(sorted(list_items | record_items), list_items, record_items)
        if len(_plans) > 256:
            _plans.clear()
        _plans[key] = found
    return found


def _one_read() -> Any:
    """Data state, the subject by USCC and its records of the given items: one statement, built once.

    One statement object for every matter and version (the items are a parameter), so SQLAlchemy
    compiles it once and never has to adapt a cached compilation to an equal but distinct statement.
    """
    subject = (
        select(Subject.id, Subject.kind, Subject.uscc, Subject.name)
        .where(Subject.uscc == bindparam("code", type_=String))
        .subquery("s")
    )
    r = CreditRecord
    return (
        select(
            *_state_columns(),
            subject.c.id,
            subject.c.kind,
            subject.c.uscc,
            subject.c.name,
            r.id,
            r.item_code,
            r.payload,
            r.decision_date,
            r.publicity_ends,
            r.objection_open,
            ListEntry.list_type,
            lists.active_condition(bindparam("today", type_=Date)).label("listed"),
            r.severity,
            r.penalty_types,
            r.fine_fen,
            r.special_domain,
            r.deciding_unit_key,
        )
        .select_from(subject)
        .outerjoin(
            r,
            and_(
                r.subject_id == subject.c.id,
                r.item_code.in_(bindparam("items", expanding=True)),
                r.lifecycle == Lifecycle.VALID.value,
                r.approved_at.is_not(None),
            ),
        )
        .outerjoin(ListEntry, ListEntry.record_id == r.id)
    )


_ONE_READ = _one_read()


def _answer_in_one_read(
    session: Session, *, code: str, matter_text: str, today: dt.date
) -> tuple[DataState, str, Answer] | None:
    """Answer a check by USCC in one statement; None when the slow path must answer it.

    The statement is built from the catalogue and list types this process last saw; the data state read
    in the same statement proves them current (else None, and the slow path reloads them). An
    organisation not found by USCC (a legacy code, an unknown code) also takes the slow path.
    """
    latest = _latest  # one snapshot: another thread may replace it meanwhile
    if latest is None:
        return None
    c = _compiled.get(latest[0])
    matter = c.matter_index.get(matter_text.strip()) if c is not None else None
    if c is None or matter is None:
        return None
    idx = lists.index(session, latest[1])
    plan = _plan(c, idx, matter)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # PostgreSQL re-plans this prepared statement on every execution (a custom plan costs ~0.3 ms of
        # server CPU, three times its execution); the generic plan is the same index look-ups. LOCAL:
        # the setting ends with this transaction and never reaches another use of the pooled connection.
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    params = {"code": normalise(code), "today": today, "items": plan.items}
    rows = conn.execute(_ONE_READ, params).all()
    if not rows:
        return None
    state = _state(*rows[0][:5])
    subject_id, kind, uscc, name = rows[0][5:9]
    if (state.measures_version, state.list_types_version) != latest or kind != SubjectKind.LEGAL_PERSON:
        return None
    rules = c.by_matter[matter]
    since = add_months(today, -rules.max_lookback)
    entries: list[lists.ActiveEntry] = []
    records: list[RecordRow] = []
    for row in rows:
        rid, item, payload, decided, ends, objection, entry_type, listed = row[9:17]
        if rid is None:
            continue
        if listed and item in plan.list_items:
            e = lists.active_entry(idx, rid, item, payload, decided, ends, objection, entry_type)
            if e is not None:
                entries.append(e)
        if item in plan.record_items and decided is not None and decided >= since:
            severity, penalty_types, fine_fen, special_domain, unit_key = row[17:22]
            records.append(
                RecordRow(
                    rid, item, decided, severity, penalty_types, fine_fen, special_domain, unit_key, payload
                )
            )
    unit_names = _units(session, state)
    hits = _hits(c, idx, rules, entries, records, today=today, unit_names=unit_names)
    out = SubjectOut(code=uscc, name=name, kind=kind)
    return state, matter, (subject_id, out, True, _result(hits, name_only=False), hits)


def check_stored(
    session: Session, *, body: CheckIn, actor: Actor, now: dt.datetime, today: dt.date
) -> Stored:
    """Answer one check and store it immutably (the stored row is the audit trail of checks)."""
    global _latest
    ref = body.subject
    fast = (
        _answer_in_one_read(session, code=ref.code, matter_text=body.matter, today=today)
        if ref.code is not None
        else None
    )
    if fast is not None:
        state, matter, answer = fast
    else:
        state = data_state(session)
        c = compiled(session, state.measures_version)
        matter = resolve_matter(c, body.matter)
        answer = _evaluate_for(session, ref=ref, matter=matter, c=c, state=state, today=today)
        _latest = (state.measures_version, state.list_types_version)
    return _store(
        session,
        ref=ref,
        matter=matter,
        request_ref=body.request_ref,
        actor=actor,
        now=now,
        batch_id=None,
        state=state,
        answer=answer,
    )


def check(session: Session, *, body: CheckIn, actor: Actor, now: dt.datetime, today: dt.date) -> CheckOut:
    """Answer one check and store it immutably; the answer (``check_stored`` also gives its JSON)."""
    return check_stored(session, body=body, actor=actor, now=now, today=today).out


def _evaluate_for(
    session: Session, *, ref: SubjectRef, matter: str, c: Compiled, state: DataState, today: dt.date
) -> Answer:
    return evaluate(
        session,
        ref=ref,
        matter=matter,
        c=c,
        today=today,
        unit_names=_units(session, state),
        lists_version=state.list_types_version,
    )


def check_batch(
    session: Session, *, body: BatchIn, actor: Actor, now: dt.datetime, today: dt.date
) -> list[CheckOut]:
    """One stored check per subject (e.g. every bidder of a tender), against one data state."""
    state = data_state(session)
    c = compiled(session, state.measures_version)
    matter = resolve_matter(c, body.matter)
    batch_id = uuid.uuid4()
    return [
        _store(
            session,
            ref=ref,
            matter=matter,
            request_ref=body.request_ref,
            actor=actor,
            now=now,
            batch_id=batch_id,
            state=state,
            answer=_evaluate_for(session, ref=ref, matter=matter, c=c, state=state, today=today),
        ).out
        for ref in body.subjects
    ]


def _own(actor: Actor, row: Check) -> bool:
    return actor.kind != "client" or row.client_id == actor.id


def get_check(session: Session, *, check_id: uuid.UUID, actor: Actor) -> CheckOut:
    """The stored answer exactly as given (a client sees only its own checks)."""
    row = session.get(Check, check_id)
    if row is None or not _own(actor, row):
        raise CheckNotFound("核查记录不存在", details={"check_id": str(check_id)})
    return CheckOut.model_validate(row.response)


def feedback(
    session: Session, *, check_id: uuid.UUID, body: FeedbackIn, actor: Actor, now: dt.datetime, today: dt.date
) -> FeedbackOut:
    """Record what the business system did with one measure of a check (closes the loop)."""
    row = session.get(Check, check_id)
    if row is None or not _own(actor, row):
        raise CheckNotFound("核查记录不存在", details={"check_id": str(check_id)})
    offered = {m["code"] for h in row.response.get("hits", []) for m in h.get("measures", [])}
    if body.measure not in offered:
        raise UnknownMeasure(
            f"措施 {body.measure} 不在该次核查结果中",
            details={"field": "measure", "offered": sorted(offered)},
        )
    fb = CheckFeedback(
        check_id=check_id,
        measure_code=body.measure,
        applied=body.applied,
        reason=body.reason,
        acted_on=body.acted_on or today,
        reported_at=now,
        client_id=actor.id,
        client_name=actor.name,
    )
    session.add(fb)
    session.flush()
    audit.record(
        session,
        actor=actor.ref(),
        action="measures.feedback",
        target_type="check",
        target_id=str(check_id),
        details={"measure": body.measure, "applied": body.applied},
    )
    return FeedbackOut(
        id=fb.id,
        check_id=check_id,
        measure=fb.measure_code,
        applied=fb.applied,
        reason=fb.reason,
        acted_on=fb.acted_on,
        reported_at=fb.reported_at,
    )


def stats(session: Session, *, month: str | None = None, matter: str | None = None) -> list[StatRow]:
    """Checks, hits, results and measures applied per month, matter and unit."""
    cond = []
    if month:
        cond.append(Check.month == month)
    if matter:
        cond.append(Check.matter == matter)

    def n(expr: Any) -> Any:
        return func.sum(case((expr, 1), else_=0))

    groups = (Check.month, Check.matter, Check.unit_key)
    rows = session.execute(
        select(
            *groups,
            func.count(),
            n(Check.hit_count > 0),
            *(n(Check.result == r.value) for r in CheckResult),
        )
        .where(*cond)
        .group_by(*groups)
        .order_by(*groups)
    ).all()
    fb = session.execute(
        select(*groups, n(CheckFeedback.applied.is_(True)), n(CheckFeedback.applied.is_(False)))
        .join(Check, Check.id == CheckFeedback.check_id)
        .where(*cond)
        .group_by(*groups)
    ).all()
    applied = {(m, t, u): (int(a or 0), int(b or 0)) for m, t, u, a, b in fb}
    out = []
    for m, t, u, total, with_hits, restricted, review, incentive, clear in rows:
        a, b = applied.get((m, t, u), (0, 0))
        out.append(
            StatRow(
                month=m,
                matter=t,
                unit=u,
                checks=int(total),
                with_hits=int(with_hits or 0),
                restricted=int(restricted or 0),
                review=int(review or 0),
                incentive=int(incentive or 0),
                clear=int(clear or 0),
                measures_applied=a,
                measures_not_applied=b,
            )
        )
    return out
