"""Batches: submit (read → normalise → validate → link → stage), review, apply set-based, withdraw.

The boundary owns the transaction: :func:`submit` stages a whole file inside it, and :func:`approve`
applies every staged row with a handful of set-based statements (INSERT … SELECT, UPDATE … FROM), so a
batch is all or nothing — a crash or kill mid-way leaves nothing of it. Row versioning follows
records.service.upsert: a changed row becomes a new version (the old one kept in
``credit_record_versions`` with the batch id), an unchanged row is untouched, a row missing from a
later file is not a revocation, and rows differing only in the item's merge fields (处罚类别) merge.

Hook for the lists domain: :func:`approve` returns :class:`ApplyResult` whose ``record_ids`` gives, per
item code, the ids of records created and updated — the caller that owns the transaction (route, CLI,
job) passes them to the lists service when the item is a list item (``publicity_kind: while_listed``).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.auth.actor import Actor
from xinyong.auth.scope import in_scope
from xinyong.catalog import queries as catalog
from xinyong.catalog.schemas import CatalogItemSpec, PublicityKind
from xinyong.config import get_settings
from xinyong.db import UTCDateTime, advisory_lock, get_row
from xinyong.errors import Invalid
from xinyong.ingestion import preparing, queries, storage
from xinyong.ingestion.deriving import DERIVED
from xinyong.ingestion.errors import BatchNotFound, BatchStateError, FileRefused, NotAProvider, OutOfScope
from xinyong.ingestion.linking import Linker
from xinyong.ingestion.models import (
    BatchStatus,
    IngestBatch,
    IngestFeed,
    IngestProblem,
    IngestRow,
    LinkCandidate,
    RowStatus,
)
from xinyong.ingestion.normalise import RowNormaliser, resolve_mapping
from xinyong.ingestion.readers import Notes, detect_format, open_table, rows_from_objects
from xinyong.ingestion.readers import Table as FileTable
from xinyong.kit import bulk, crypto
from xinyong.kit.actor import ActorRef
from xinyong.kit.identifiers import IdType
from xinyong.kit.masking import mask_id_number
from xinyong.org import queries as org
from xinyong.records.models import CreditRecord
from xinyong.records.rules import current_rules
from xinyong.records.service import _merge, derive
from xinyong.subjects import search
from xinyong.subjects.models import Subject, SubjectAttribute, SubjectIdentifier

ROWS = cast(Table, IngestRow.__table__)
PROBLEMS = cast(Table, IngestProblem.__table__)
SUBJECTS = cast(Table, Subject.__table__)
IDENTIFIERS = cast(Table, SubjectIdentifier.__table__)
ATTRIBUTES = cast(Table, SubjectAttribute.__table__)

ROW_COLUMNS = [*preparing.HEAD_COLUMNS, *preparing.TAIL_COLUMNS]
PROBLEM_COLUMNS = ["batch_id", "row_no", "column", "field", "raw", "code", "message", "severity"]
SUMMARY_ERROR_LIMIT = 1000
CHUNK = 5000
TRUSTED_REVIEWER = "system:trusted-feed"

Progress = Callable[[int], None]
#: Told each step of a long submission or approval, in Chinese (ingestion.progress shows it).
Step = Callable[[str], None]


def no_step(_label: str) -> None:
    return None


@dataclass
class ApplyResult:
    """What approving a batch did; ``record_ids`` is the hook for the lists service (see module doc)."""

    batch_id: uuid.UUID
    item_code: str
    counts: dict[str, int]
    record_ids: dict[str, dict[str, list[uuid.UUID]]] = field(default_factory=dict)


#: Callbacks run inside the approving transaction with every ApplyResult. A higher layer (the lists
#: service, wired by xinyong.wiring) registers here, so a batch that carries list records (e.g.
#: 失信被执行人) creates their list lifecycle rows in the same transaction without ingestion
#: importing a domain above it.
AFTER_APPLY: list[Callable[[Session, ApplyResult, Actor, dt.datetime], None]] = []


def register_after_apply(hook: Callable[[Session, ApplyResult, Actor, dt.datetime], None]) -> None:
    """Run ``hook`` after every batch is applied (idempotent registration)."""
    if hook not in AFTER_APPLY:
        AFTER_APPLY.append(hook)


@dataclass
class Submission:
    batch: IngestBatch
    #: False when the same batch had been submitted before and its first result is returned.
    new: bool
    applied: ApplyResult | None = None


# ----------------------------------------------------------------------------------------------- feeds


def feed(session: Session, unit_key: str, item_code: str) -> IngestFeed | None:
    return session.get(IngestFeed, (unit_key, item_code))


def save_feed(
    session: Session,
    *,
    unit_key: str,
    item_code: str,
    mapping: dict[str, str],
    trusted: bool,
    actor: Actor,
    now: dt.datetime,
) -> IngestFeed:
    """Save a unit's column mapping for an item and whether its feed is trusted (auto-approved)."""
    item = catalog.item_spec(session, item_code)
    known = {f.key for f in item.fields}
    bad = sorted(v for v in mapping.values() if v not in known)
    if bad:
        raise Invalid(f"映射指向未知字段：{'、'.join(bad)}", details={"fields": bad})
    if org.unit(session, unit_key) is None:
        raise Invalid(f"未知单位 {unit_key}", details={"unit": unit_key})
    check_provider(session, item, unit_key)
    row = feed(session, unit_key, item_code)
    if row is None:
        row = IngestFeed(unit_key=unit_key, item_code=item_code)
        session.add(row)
    row.mapping = dict(mapping)
    row.trusted = trusted
    row.updated_by = actor.ref().label
    row.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor.ref(),
        action="ingestion.feed_saved",
        target_type="feed",
        target_id=f"{unit_key}:{item_code}",
        details={"mapping": mapping, "trusted": trusted},
    )
    return row


def save_mapping(
    session: Session,
    *,
    unit_key: str,
    item_code: str,
    mapping: dict[str, str],
    actor: Actor,
    now: dt.datetime,
) -> IngestFeed:
    """A unit's clerk saves the unit's column mapping for an item (file header → field key; blank pairs
    dropped). Whether the feed is trusted stays as it was set (``xinyong batches feed``): that is the
    credit office's decision, not the clerk's."""
    check_unit(session, actor, unit_key)
    pairs = {h.strip(): k.strip() for h, k in mapping.items() if h.strip() and k.strip()}
    saved = feed(session, unit_key, item_code)
    trusted = bool(saved and saved.trusted)
    return save_feed(
        session, unit_key=unit_key, item_code=item_code, mapping=pairs, trusted=trusted, actor=actor, now=now
    )


def unknown_columns(session: Session, batch_id: uuid.UUID) -> list[str]:
    """The headers of a batch's file that named no field (to be mapped), in file order."""
    found = session.scalars(
        select(IngestProblem.column)
        .where(IngestProblem.batch_id == batch_id, IngestProblem.code == UNKNOWN_COLUMN)
        .order_by(IngestProblem.id)
    )
    return [c for c in found if c]


# ----------------------------------------------------------------------------------------------- submit


def _identity(content_hash: str, item_code: str, unit_key: str, mapping: dict[str, str]) -> str:
    blob = json.dumps([content_hash, item_code, unit_key, sorted(mapping.items())], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def check_unit(session: Session, actor: Actor, unit_key: str) -> None:
    if org.unit(session, unit_key) is None:
        raise Invalid(f"未知单位 {unit_key}", code="unknown_unit", details={"unit": unit_key})
    districts = {u.key: u.district_key for u in org.units(session)}
    if not in_scope(actor, providing_unit_key=unit_key, deciding_unit_key=None, unit_districts=districts):
        raise OutOfScope("只能为本单位报送或审核数据", details={"unit": unit_key})


def admissible(
    session: Session, actor: Actor, *, item_code: str, unit_key: str, replaces: uuid.UUID | None
) -> tuple[CatalogItemSpec, IngestBatch | None]:
    """What a submission is refused for before anything is stored — an item outside the catalogue, a unit
    outside the actor's scope or not among the item's providers, a batch it cannot correct — checked by
    :func:`submit` and, before a big file is queued, by uploads.receive. The item, and the returned batch
    it corrects (locked)."""
    item = catalog.item_spec(session, item_code)
    check_unit(session, actor, unit_key)
    check_provider(session, item, unit_key)
    returned = correctable(session, replaces, item_code=item_code, unit_key=unit_key) if replaces else None
    return item, returned


def correctable(session: Session, batch_id: uuid.UUID, *, item_code: str, unit_key: str) -> IngestBatch:
    """The returned batch a new file of ``item_code`` from ``unit_key`` may correct (refused otherwise,
    before anything is stored)."""
    returned = get(session, batch_id, for_change=True)
    if returned.unit_key != unit_key or returned.item_code != item_code:
        raise Invalid(
            "更正的文件须与被退回的批次属于同一报送单位和目录事项",
            code="correction_mismatch",
            details={"batch_id": str(batch_id)},
        )
    require_state(returned, BatchStatus.RETURNED)
    return returned


def corrections(session: Session, batch: IngestBatch) -> tuple[IngestBatch | None, IngestBatch | None]:
    """(the batch that corrected ``batch``, the returned batch ``batch`` corrects), either may be None."""
    by = session.get(IngestBatch, batch.replaced_by) if batch.replaced_by else None
    of = session.scalar(select(IngestBatch).where(IngestBatch.replaced_by == batch.id))
    return by, of


def check_provider(session: Session, item: CatalogItemSpec, unit_key: str) -> None:
    """The catalogue names each item's providing units: another unit's file of it is refused whole,
    before anything is stored (as an item outside the catalogue is)."""
    if not item.provided_by(unit_key):
        unit = org.unit(session, unit_key)
        raise NotAProvider(
            f"{unit.name if unit else unit_key}不是目录事项“{item.name}”的提供单位，不能报送该事项的数据",
            details={"unit": unit_key, "item": item.code},
        )


def submit(
    session: Session,
    *,
    item_code: str,
    unit_key: str,
    actor: Actor,
    now: dt.datetime,
    today: dt.date,
    path: Path | None = None,
    objects: list[dict[str, Any]] | None = None,
    filename: str | None = None,
    file_format: str | None = None,
    encoding: str | None = None,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
    step: Step = no_step,
    replaces: uuid.UUID | None = None,
) -> Submission:
    """Submit a file (``path``) or JSON rows (``objects``) of ``item_code`` from ``unit_key``.

    ``replaces``: the unit's returned batch (已退回) of the same item that this file corrects; once the
    new batch is read (not refused whole), the returned one becomes 已更正 and points at it. The same file
    sent again unchanged is the returned batch itself, which goes back to review.

    The catalogue is a gate: an unknown item raises :class:`~xinyong.catalog.errors.UnknownItem` and
    nothing is recorded. A file refused whole (empty, truncated, a required column missing) becomes a
    batch with status 失败 and its file-level problem, and no rows. Submitting the same batch again
    returns the first one (a returned or withdrawn batch goes back to review).
    """
    item, returned = admissible(session, actor, item_code=item_code, unit_key=unit_key, replaces=replaces)
    item_row = catalog.item_row(session, item_code)
    if objects is not None:
        data = _json_bytes(objects)
        content_hash, stored = storage.store_bytes(data, ".json")
        fmt, name = "json", filename or "api.json"
    elif path is not None:
        name = filename or path.name
        fmt = detect_format(name, file_format)
        content_hash, stored = storage.store(path)
    else:
        raise Invalid("需要文件或数据行")
    saved = feed(session, unit_key, item_code)
    table: FileTable | None = None
    refused: FileRefused | None = None
    col_mapping: dict[str, str] = {}
    unknown: list[str] = []
    try:
        table = (
            rows_from_objects(objects)
            if objects is not None
            else open_table(stored, fmt, resolve=_resolver(item, saved, mapping), encoding=encoding)
        )
        col_mapping, unknown = resolve_mapping(item, table.header, saved.mapping if saved else None, mapping)
        missing = [f for f in item.fields if f.required and f.key not in col_mapping.values()]
        if missing:
            labels = "、".join(f.label for f in missing)
            raise FileRefused(
                f"表头缺少必填列：{labels}", code="file.missing_column", details={"missing": labels}
            )
    except FileRefused as exc:
        refused = exc
    identity = _identity(content_hash, item_code, unit_key, col_mapping)
    _one_submission_per_identity(session, identity)
    existing = session.scalar(select(IngestBatch).where(IngestBatch.identity == identity))
    if existing is not None:
        if table is not None:
            _close(table)
        return _resubmitted(session, existing, actor=actor, now=now)
    name = name.replace("\x00", "")  # PostgreSQL text cannot hold NUL (readers.Notes)
    batch = IngestBatch(
        id=uuid.uuid4(),
        identity=identity,
        content_hash=content_hash,
        item_code=item_code,
        item_version=item_row.version,
        unit_key=unit_key,
        filename=name[:255],
        file_format=fmt,
        encoding=table.encoding if table is not None else None,
        mapping=col_mapping,
        status=BatchStatus.PENDING,
        trusted=bool(saved and saved.trusted),
        outcome={},
        submitted_by=actor.ref().label,
        submitted_at=now,
    )
    session.add(batch)
    session.flush()
    if refused is None and table is not None:
        savepoint = session.begin_nested()
        step("读取、校验和暂存数据")
        try:
            with _gc_paused():
                _stage(
                    session,
                    batch,
                    item,
                    table,
                    col_mapping,
                    unknown,
                    today=today,
                    progress=progress,
                    workers=_workers(stored if objects is None else None),
                )
            savepoint.commit()
        except FileRefused as exc:
            savepoint.rollback()
            refused = exc
    if refused is not None:
        _fail(session, batch, refused, unknown, item)
    audit_batch(
        session,
        actor,
        batch,
        "ingestion.batch_submitted",
        {"item": item_code, "unit": unit_key, "rows": batch.rows, "status": batch.status},
    )
    if returned is not None and batch.status != BatchStatus.FAILED:
        returned.status, returned.replaced_by = BatchStatus.CORRECTED, batch.id
        session.flush()
        audit_batch(session, actor, returned, "ingestion.batch_corrected", {"by": str(batch.id)})
    applied = None
    if batch.status == BatchStatus.PENDING and batch.trusted:
        applied = _approve(
            session,
            batch,
            item,
            reviewer=TRUSTED_REVIEWER,
            actor=actor,
            now=now,
            note="可信接口自动通过",
            step=step,
        )
    return Submission(batch, True, applied)


def _json_bytes(objects: list[dict[str, Any]]) -> bytes:
    """JSON rows as stored (and hashed): UTF-8 text; with ``\\u`` escapes instead if the rows hold an
    unpaired surrogate, which UTF-8 cannot encode (JSON can, escaped; the reader replaces it)."""
    try:
        return json.dumps(objects, ensure_ascii=False, sort_keys=True).encode()
    except UnicodeEncodeError:
        return json.dumps(objects, ensure_ascii=True, sort_keys=True).encode()


def check_objects(
    session: Session, *, item_code: str, objects: list[dict[str, Any]], today: dt.date
) -> list[dict[str, Any]]:
    """The problems ``objects`` would be staged with — normalising, the item's rules, identifier checks,
    the link plan — without storing anything: the console's single-record form shows them beside the
    fields and keeps what the clerk typed, instead of leaving a batch of one rejected row. Same shape as
    :func:`iter_problems`. Checks that need the stored data (duplicates against earlier batches, name
    candidates) happen when the row is submitted."""
    item = catalog.item_spec(session, item_code)
    table = rows_from_objects(objects)
    mapping, _ = resolve_mapping(item, table.header, None, None)
    spec = preparing.PrepareSpec(
        batch_id=uuid.UUID(int=0),
        item=item,
        header=table.header,
        mapping=mapping,
        today=today,
        rules=current_rules(session),
        units_by_uscc=org.units_by_uscc(session),
        encode_json=False,
    )
    preparer = preparing.Preparer(spec)
    keys = PROBLEM_COLUMNS[1:]
    keys[0] = "row"
    found: list[dict[str, Any]] = []
    for chunk in preparing.chunks(table.rows, CHUNK):
        found.extend(dict(zip(keys, p[1:], strict=True)) for p in preparer(chunk).problems)
    return found


def _workers(path: Path | None) -> int:
    """Worker processes for preparing a file's rows: only big files pay for starting them."""
    if path is None or path.stat().st_size < preparing.PARALLEL_FROM_BYTES:
        return 1
    return get_settings().ingest_workers


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while staging: the row loop allocates millions of short-lived,
    acyclic objects, which would make it scan the whole heap again and again (a quarter of the staging
    time). Reference counting still frees them; the collector resumes (if it was on) afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _resolver(
    item: CatalogItemSpec, saved: IngestFeed | None, mapping: dict[str, str] | None
) -> Callable[[str], str | None]:
    """What finds a file's header row (and a CSV's delimiter): a column name the catalogue knows, or one
    the unit's saved or given 列映射 maps."""
    mapped = {**(saved.mapping if saved else {}), **(mapping or {})}
    return lambda h: _resolve(item, h) or mapped.get(h.strip())


def _resolve(item: CatalogItemSpec, header: str) -> str | None:
    return resolve_mapping(item, [header], None, None)[0].get(header)


def _close(table: FileTable) -> None:
    close = getattr(table.rows, "close", None)
    if close is not None:
        close()


def _fail(
    session: Session, batch: IngestBatch, exc: FileRefused, unknown: list[str], item: CatalogItemSpec
) -> None:
    """The file refused whole: its problem, and — so the clerk can map them (console 列映射) — the
    columns that named no field."""
    batch.status = BatchStatus.FAILED
    batch.rows = batch.accepted = batch.rejected = batch.needs_link = batch.duplicates = 0
    code = str(exc.code if exc.code != "file_refused" else "file")
    found: list[tuple[str | None, str, str, str]] = [(None, code, exc.message, "error")]
    found += [(h, UNKNOWN_COLUMN, _unknown_message(h, item), "warning") for h in unknown]
    session.add_all(
        IngestProblem(
            batch_id=batch.id, row_no=0, column=column, field=None, raw=None, code=c, message=m, severity=sev
        )
        for column, c, m, sev in found
    )
    batch.warnings = len(unknown)
    session.flush()


#: The problem code of a column that names no field of the item (a warning: the column is ignored).
UNKNOWN_COLUMN = "column.unknown"


def _unknown_message(header: str, item: CatalogItemSpec) -> str:
    return f"列“{header}”不是事项 {item.name} 的字段，已忽略；可在“列映射”中指定它对应的字段"


def audit_batch(
    session: Session, actor: Actor | ActorRef, batch: IngestBatch, action: str, details: dict[str, Any]
) -> None:
    """Audit a state change of ``batch`` (every one is audited, with the batch as target)."""
    audit.record(
        session,
        actor=actor.ref() if isinstance(actor, Actor) else actor,
        action=action,
        target_type="batch",
        target_id=str(batch.id),
        batch_id=batch.id,
        details=details,
    )


def _resubmitted(session: Session, batch: IngestBatch, *, actor: Actor, now: dt.datetime) -> Submission:
    if batch.status in (BatchStatus.RETURNED, BatchStatus.WITHDRAWN):
        before = batch.status
        batch.status = BatchStatus.PENDING
        batch.reviewed_by = batch.reviewed_at = batch.review_note = None
        session.flush()
        audit_batch(session, actor, batch, "ingestion.batch_resubmitted", {"from": before})
    return Submission(batch, False)


@dataclass
class _Counters(preparing.Counts):
    """The chunks' counts summed, and what staging decides per row: accepted, rejected, awaiting a link."""

    accepted: int = 0
    rejected: int = 0
    needs_link: int = 0


def _stage(
    session: Session,
    batch: IngestBatch,
    item: CatalogItemSpec,
    table: FileTable,
    mapping: dict[str, str],
    unknown: list[str],
    *,
    today: dt.date,
    progress: Progress | None,
    workers: int = 1,
) -> None:
    """Normalise, validate and link every row of ``table`` into the staging table, chunk by chunk —
    the per-row work by preparing.Preparer (in worker processes for big files), the look-ups and the
    COPY here, in the batch's transaction."""
    conn = session.connection()
    rules = current_rules(session)
    units_by_uscc = org.units_by_uscc(session)
    unit = org.unit(session, batch.unit_key)
    districts = {d.key: d.name for d in org.districts(session)}
    linker = Linker(session, item)
    c = _Counters()
    file_problems: list[list[Any]] = [
        [batch.id, 0, h, None, None, UNKNOWN_COLUMN, _unknown_message(h, item), "warning"] for h in unknown
    ]
    for key, numbers in RowNormaliser(item, table.header, mapping).shared_fields().items():
        columns = "、".join(str(n) for n in numbers)
        message = f"第 {columns} 列都对应“{item.field(key).label}”：每行取第一个非空值，各列取值不同的行报错"
        file_problems.append([batch.id, 0, None, key, None, SHARED_FIELD, message, "warning"])
    c.warnings += len(file_problems)
    if file_problems:
        bulk.write_tuples(conn, PROBLEMS, PROBLEM_COLUMNS, file_problems)
    spec = preparing.PrepareSpec(
        batch_id=batch.id,
        item=item,
        header=table.header,
        mapping=mapping,
        today=today,
        rules=rules,
        units_by_uscc=units_by_uscc,
        encode_json=conn.dialect.name == "postgresql",
    )
    district = unit.district_key if unit else None
    source = preparing.chunks(table.rows, CHUNK)
    for chunk in preparing.prepared(spec, source, workers=workers):
        _stage_chunk(session, batch, chunk, linker, district, districts, c)
        done = chunk.counts.rows + chunk.counts.skipped
        del chunk
        # The collector is paused (_gc_paused); the few reference cycles a chunk leaves (statement and
        # cursor objects) would pile up over a million rows. A young-generation pass per chunk frees
        # them at the cost of scanning what the chunk left alive.
        gc.collect(1)
        if progress is not None:
            progress(done)
    if c.rows == 0:
        raise FileRefused("文件没有数据行", code="file.empty")
    notes = _reading_notes(batch, table.notes, table.header)
    if c.unnamed_filled:
        columns = "、".join(str(i + 1) for i in preparing.unnamed_columns(table.header))
        message = f"第 {columns} 列没有列名，其中 {c.unnamed_filled} 行有内容，未读取；请补上列名或删除该列"
        notes.append([batch.id, 0, None, None, None, UNNAMED_COLUMN, message, "warning"])
    if notes:
        bulk.write_tuples(conn, PROBLEMS, PROBLEM_COLUMNS, notes)
        c.warnings += len(notes)
    _analyze(session, c.rows, "ingest_rows")
    duplicates = _resolve_duplicates(session, batch, item, rules, units_by_uscc, linker, c)
    batch.rows, batch.accepted, batch.rejected = c.rows, c.accepted, c.rejected
    batch.warnings, batch.needs_link, batch.skipped = c.warnings, c.needs_link, c.skipped
    batch.duplicates = duplicates
    batch.fields_expected, batch.fields_filled, batch.values_failed = c.expected, c.filled, c.failed_values
    session.flush()


#: Problem codes of file-level warnings: two columns map to one field; a column without a header holds
#: data; characters taken out on reading.
SHARED_FIELD = "column.shared"
UNNAMED_COLUMN = "column.unnamed"
NUL_REMOVED = "file.nul_removed"
SURROGATES_REPLACED = "file.surrogates_replaced"
LONG_NUMBERS = "column.long_numbers"


def _reading_notes(batch: IngestBatch, notes: Notes, header: list[str]) -> list[list[Any]]:
    """File-level warnings for what reading took out of the text or found suspect in it (readers.Notes)."""
    found: list[tuple[str, str]] = []
    for col, count in sorted(notes.long_numbers.items()):
        name = header[col] if col < len(header) and header[col] else f"第 {col + 1} 列"
        found.append(
            (
                LONG_NUMBERS,
                f"“{name}”有 {count} 个单元格是 16 位以上的数字：Excel 只保留 15 位有效数字，末几位可能已变成 0。"
                "证件号码、代码等请先把该列设为“文本”格式，再重新填写",
            )
        )
    if notes.nul:
        found.append(
            (
                NUL_REMOVED,
                f"文件中有 {notes.nul} 个空字符（NUL，多为导出程序的残留），已删除；原始文件保留原样",
            )
        )
    if notes.surrogates:
        found.append(
            (
                SURROGATES_REPLACED,
                f"文件中有 {notes.surrogates} 个无效的 Unicode 代理字符，已替换为“\ufffd”；请检查导出程序",
            )
        )
    return [[batch.id, 0, None, None, None, code, message, "warning"] for code, message in found]


def _stage_chunk(
    session: Session,
    batch: IngestBatch,
    chunk: preparing.PreparedChunk,
    linker: Linker,
    unit_district: str | None,
    districts: dict[str, str],
    c: _Counters,
) -> None:
    """One prepared chunk: one link look-up per kind, the rare name candidates, one bulk write (COPY on
    PostgreSQL) of rows and problems."""
    conn = session.connection()
    batch_id = batch.id
    problems = chunk.problems
    c.add(chunk.counts)
    linker.resolve([r.link for r in chunk.rows if r.link is not None])
    tuples: list[list[Any]] = []
    lines: list[str] = []
    for r in chunk.rows:
        status, link = r.status, r.link
        if status is RowStatus.ACCEPTED and link is not None and link.method == "candidate":
            status = RowStatus.NEEDS_LINK
            payload = json.loads(r.payload_json) if r.payload_json is not None else (r.head or [])[2]
            cands = linker.candidates(payload, unit_district=unit_district, districts=districts)
            for sid, reason in cands:
                session.add(LinkCandidate(batch_id=batch_id, row_no=r.row_no, subject_id=sid, reason=reason))
            problems.append(
                preparing.row_problem(
                    batch_id,
                    r.row_no,
                    "link.review",
                    f"没有可用代码，按名称找到 {len(cands)} 个候选主体，须由审核人确认关联",
                    "warning",
                )
            )
            c.warnings += 1
        if status is RowStatus.ACCEPTED:
            c.accepted += 1
        elif status is RowStatus.NEEDS_LINK:
            c.needs_link += 1
        else:
            c.rejected += 1
        new = link is not None and link.method == "new"
        subject_id = link.subject_id if link is not None else None
        if new and subject_id is None and link is not None and not link.person and link.code:
            # A valid code the platform does not know: its provisional subject gets an id derived from the
            # code, so every row (and batch) naming it agrees without a look-up; created on approval.
            subject_id = provisional_subject_id(link.code)
        tail = [
            status.value,
            subject_id,
            link.method if link is not None and status is not RowStatus.REJECTED else None,
            link.code if new and link is not None else None,
            link.lookup if new and link is not None else None,
        ]
        if r.line is not None:
            lines.append(r.line + "\t" + bulk.copy_line(tail))
        else:
            tuples.append([*(r.head or []), *tail])
    session.flush()
    if lines:
        bulk.copy_lines(conn, ROWS, ROW_COLUMNS, lines)
    if tuples:
        bulk.write_tuples(conn, ROWS, ROW_COLUMNS, tuples)
    if problems:
        bulk.write_tuples(conn, PROBLEMS, PROBLEM_COLUMNS, problems)


#: Namespace of provisional subjects' ids (uuid5 of the normalised code).
PROVISIONAL_NAMESPACE = uuid.UUID("5b0e7c1e-6a53-4c8e-9f0e-2f8d7e0c4a11")


def provisional_subject_id(code: str) -> uuid.UUID:
    """The id a provisional subject for unified social credit code ``code`` is created with."""
    return uuid.uuid5(PROVISIONAL_NAMESPACE, code)


def _resolve_duplicates(
    session: Session,
    batch: IngestBatch,
    item: CatalogItemSpec,
    rules: Any,
    units_by_uscc: dict[str, str],
    linker: Linker,
    c: _Counters,
) -> int:
    """Rows of one file with the same natural key: an exact repeat is a duplicate (applied once, warned),
    one differing only in the merge fields merges into the first, any other difference is an error."""
    keys = session.scalars(
        select(IngestRow.natural_key)
        .where(
            IngestRow.batch_id == batch.id, IngestRow.status.in_([RowStatus.ACCEPTED, RowStatus.NEEDS_LINK])
        )
        .group_by(IngestRow.natural_key)
        .having(func.count() > 1)
    ).all()
    duplicates = 0
    merge = set(item.merge_fields)
    for key in keys:
        rows = session.scalars(
            select(IngestRow)
            .where(
                IngestRow.batch_id == batch.id,
                IngestRow.natural_key == key,
                IngestRow.status.in_([RowStatus.ACCEPTED, RowStatus.NEEDS_LINK]),
            )
            .order_by(IngestRow.row_no)
        ).all()
        first = rows[0]
        for later in rows[1:]:
            same_rest = {k: v for k, v in first.payload.items() if k not in merge} == {
                k: v for k, v in later.payload.items() if k not in merge
            }
            was_accepted = later.status == RowStatus.ACCEPTED
            if (same_rest and later.payload == first.payload) or (
                same_rest and _merge(item, first.payload, later.payload) == first.payload
            ):
                later.status = RowStatus.DUPLICATE
                duplicates += 1
                _problem(
                    session,
                    batch,
                    later.row_no,
                    "row.duplicate",
                    f"与第 {first.row_no} 行重复，只计一次",
                    "warning",
                )
                c.warnings += 1
            elif same_rest:
                merged = _merge(item, first.payload, later.payload)
                d = derive(
                    item, merged, rules=rules, units_by_uscc=units_by_uscc, is_person=linker.is_person(merged)
                )
                first.payload = merged
                for k in DERIVED:
                    setattr(first, k, getattr(d, k))
                later.status = RowStatus.MERGED
                _problem(
                    session,
                    batch,
                    later.row_no,
                    "row.merged",
                    f"与第 {first.row_no} 行为同一决定，处罚类别已合并",
                    "warning",
                )
                c.warnings += 1
            else:
                later.status = RowStatus.REJECTED
                c.rejected += 1
                c.failed_values += 1
                _problem(
                    session,
                    batch,
                    later.row_no,
                    "row.conflict",
                    f"与第 {first.row_no} 行的决定书文号等关键字段相同但内容不同，请核对后重新报送",
                    "error",
                )
            if was_accepted:
                c.accepted -= 1
            else:
                c.needs_link -= 1
    session.flush()
    return duplicates


def _problem(
    session: Session, batch: IngestBatch, row_no: int, code: str, message: str, severity: str
) -> None:
    session.add(
        IngestProblem(
            batch_id=batch.id,
            row_no=row_no,
            column=None,
            field=None,
            raw=None,
            code=code,
            message=message,
            severity=severity,
        )
    )


# ----------------------------------------------------------------------------------------------- review


def get(session: Session, batch_id: uuid.UUID | str, *, for_change: bool = False) -> IngestBatch:
    """The batch; ``for_change`` — a review action about to check and change its status — reads it
    locked (``FOR UPDATE`` on PostgreSQL) and afresh: a second reviewer acting on the same batch waits,
    then sees the first one's outcome and is refused, instead of both passing the status check (records
    applied from a batch left 已退回)."""
    try:
        key = batch_id if isinstance(batch_id, uuid.UUID) else uuid.UUID(str(batch_id))
    except ValueError as exc:
        raise BatchNotFound("批次不存在", details={"batch_id": str(batch_id)}) from exc
    batch = get_row(session, IngestBatch, key, for_change=for_change)
    if batch is None:
        raise BatchNotFound("批次不存在", details={"batch_id": str(batch_id)})
    return batch


def require_state(batch: IngestBatch, *allowed: BatchStatus) -> None:
    if batch.status not in allowed:
        wanted = "、".join(allowed)
        raise BatchStateError(
            f"批次状态为 {batch.status}，只有 {wanted} 的批次可以这样操作", details={"status": batch.status}
        )


def approve(
    session: Session,
    *,
    batch_id: uuid.UUID | str,
    actor: Actor,
    now: dt.datetime,
    note: str | None = None,
    collect_ids: bool | None = None,
    step: Step = no_step,
    state: BatchStatus = BatchStatus.PENDING,
) -> ApplyResult:
    """A reviewer of the batch's unit approves it: its rows are applied and go online now.

    ``state`` is the status the batch must be in: 待审核, or 入库中 for an approval that
    ingestion.approvals runs in the background."""
    batch = get(session, batch_id, for_change=True)
    check_unit(session, actor, batch.unit_key)
    require_state(batch, state)
    item = catalog.item_spec(session, batch.item_code)
    return _approve(
        session,
        batch,
        item,
        reviewer=actor.ref().label,
        actor=actor,
        now=now,
        note=note,
        collect_ids=collect_ids,
        step=step,
    )


def return_batch(
    session: Session, *, batch_id: uuid.UUID | str, actor: Actor, now: dt.datetime, note: str
) -> IngestBatch:
    """A reviewer returns the batch for correction (nothing is applied)."""
    batch = get(session, batch_id, for_change=True)
    check_unit(session, actor, batch.unit_key)
    require_state(batch, BatchStatus.PENDING)
    if not note.strip():
        raise Invalid("退回须说明原因", details={"field": "note"})
    return _set_status(
        session, batch, BatchStatus.RETURNED, actor=actor, now=now, note=note, action="returned"
    )


def withdraw(session: Session, *, batch_id: uuid.UUID | str, actor: Actor, now: dt.datetime) -> IngestBatch:
    """The submitting unit withdraws a batch before review, or a returned one it will not correct."""
    batch = get(session, batch_id, for_change=True)
    check_unit(session, actor, batch.unit_key)
    require_state(batch, BatchStatus.PENDING, BatchStatus.RETURNED)
    return _set_status(
        session, batch, BatchStatus.WITHDRAWN, actor=actor, now=now, note=None, action="withdrawn"
    )


def _set_status(
    session: Session,
    batch: IngestBatch,
    status: BatchStatus,
    *,
    actor: Actor,
    now: dt.datetime,
    note: str | None,
    action: str,
) -> IngestBatch:
    batch.status = status
    batch.reviewed_by = actor.ref().label
    batch.reviewed_at = now
    batch.review_note = note
    session.flush()
    audit_batch(session, actor, batch, f"ingestion.batch_{action}", {"note": note})
    return batch


def link_row(
    session: Session, *, batch_id: uuid.UUID | str, row_no: int, subject_id: uuid.UUID, actor: Actor
) -> IngestRow:
    """A reviewer links a row without a usable code to a subject (one of its candidates)."""
    batch = get(session, batch_id, for_change=True)
    check_unit(session, actor, batch.unit_key)
    require_state(batch, BatchStatus.PENDING)
    row = session.scalar(select(IngestRow).where(IngestRow.batch_id == batch.id, IngestRow.row_no == row_no))
    if row is None or row.status != RowStatus.NEEDS_LINK:
        raise BatchStateError("该行不需要人工关联", details={"row": row_no})
    if session.get(Subject, subject_id) is None:
        raise Invalid("主体不存在", details={"subject_id": str(subject_id)})
    row.subject_id = subject_id
    row.link = "reviewer"
    row.status = RowStatus.ACCEPTED
    batch.needs_link -= 1
    batch.accepted += 1
    session.flush()
    audit_batch(session, actor, batch, "ingestion.row_linked", {"row": row_no, "subject_id": str(subject_id)})
    return row


def _now_param(name: str, value: dt.datetime) -> Any:
    return bindparam(name, value, type_=UTCDateTime())


def _approve(
    session: Session,
    batch: IngestBatch,
    item: CatalogItemSpec,
    *,
    reviewer: str,
    actor: Actor,
    now: dt.datetime,
    note: str | None,
    collect_ids: bool | None = None,
    step: Step = no_step,
) -> ApplyResult:
    session.flush()
    _one_apply_per_item(session, batch.item_code)
    step("创建待核实主体")
    _create_provisional_subjects(session, batch, item, now=now)
    # ingest_rows was analysed when staged; subjects just received the provisional ones; the names noted
    # below are matched against subject_attributes, which the previous big batch may have just filled.
    _analyze(session, batch.rows, "subjects", "subject_attributes")
    counts = _classify(session, batch, item)
    conn = session.connection()
    accepted = "s.batch_id = :b AND s.status = 'accepted' AND s.subject_id IS NOT NULL"
    conn.execute(
        text(
            "INSERT INTO credit_record_versions (record_id, version, payload, lifecycle, severity, publicity_ends,"
            " batch_id, superseded_at, superseded_by)"
            " SELECT r.id, r.version, r.payload, r.lifecycle, r.severity, r.publicity_ends, :b, :now, :who"
            f" FROM credit_records r JOIN ingest_rows s ON s.record_id = r.id WHERE {accepted} AND s.outcome = 'updated'"
        ).bindparams(
            _now_param("now", now), bindparam("b", batch.id, type_=IngestRow.batch_id.type), who=reviewer
        ),
    )
    step("写入信用记录")
    derived_set = ", ".join(f"{k} = s.{k}" for k in DERIVED)
    conn.execute(
        text(
            f"UPDATE credit_records SET payload = s.payload, subject_id = s.subject_id, {derived_set},"
            " natural_key = s.natural_key, item_version = :iv, version = credit_records.version + 1,"
            " batch_id = :b, updated_at = :now, approved_at = COALESCE(credit_records.approved_at, :now)"
            f" FROM ingest_rows s WHERE s.record_id = credit_records.id AND {accepted} AND s.outcome = 'updated'"
        ).bindparams(
            _now_param("now", now),
            bindparam("b", batch.id, type_=IngestRow.batch_id.type),
            iv=batch.item_version,
        ),
    )
    cols = ", ".join(DERIVED)
    s_cols = ", ".join(f"s.{k}" for k in DERIVED)
    inserted = conn.execute(
        text(
            "INSERT INTO credit_records (id, item_code, item_version, subject_id, natural_key, providing_unit_key,"
            f" lifecycle, objection_open, payload, version, batch_id, approved_at, created_at, updated_at, {cols})"
            " SELECT s.record_id, :item, :iv, s.subject_id, s.natural_key, :unit, :valid, :false, s.payload, 1, :b,"
            f" :now, :now, :now, {s_cols} FROM ingest_rows s WHERE {accepted} AND s.outcome IS NULL"
        ).bindparams(
            _now_param("now", now),
            bindparam("b", batch.id, type_=IngestRow.batch_id.type),
            bindparam("false", False),
            item=batch.item_code,
            iv=batch.item_version,
            unit=batch.unit_key,
            valid="有效",
        ),
    )
    counts = {"created": int(getattr(inserted, "rowcount", 0) or 0), **counts}
    step("登记主体名称")
    _note_names(session, batch, now=now)
    batch.status = BatchStatus.APPROVED
    batch.reviewed_by = reviewer
    batch.reviewed_at = now
    batch.review_note = note
    batch.outcome = counts
    session.flush()
    audit_batch(session, actor, batch, "ingestion.batch_approved", {"reviewer": reviewer, **counts})
    result = ApplyResult(batch.id, batch.item_code, counts)
    if collect_ids is None:
        collect_ids = item.publicity_kind is PublicityKind.WHILE_LISTED
    if collect_ids:
        ids: dict[str, list[uuid.UUID]] = {"created": [], "updated": []}
        for rid, outcome in session.execute(
            select(IngestRow.record_id, IngestRow.outcome).where(
                IngestRow.batch_id == batch.id,
                IngestRow.status == RowStatus.ACCEPTED,
                IngestRow.subject_id.is_not(None),
                or_(IngestRow.outcome.is_(None), IngestRow.outcome == "updated"),
            )
        ):
            if rid is not None:
                ids[str(outcome or "created")].append(rid)
        result.record_ids = {batch.item_code: ids}
    for hook in AFTER_APPLY:
        hook(session, result, actor, now)
    return result


def _one_apply_per_item(session: Session, item_code: str) -> None:
    """PostgreSQL: batches of one item are applied one at a time (a transaction-scoped advisory lock):
    a batch approved while another of the same item is being applied waits for its commit, then sees its
    records — a shared natural key becomes a new version instead of a unique-key failure after minutes
    of work. Other items' batches apply alongside. (SQLite has one writer at a time anyway.)"""
    advisory_lock(session, f"xinyong.ingestion.apply:{item_code}")


def _one_submission_per_identity(session: Session, identity: str) -> None:
    """PostgreSQL: the same batch sent twice at once (a double-click on 上传并校验, a system retrying
    before its first call returned) is read once: the second waits for the first's commit, then finds
    it and answers as for any resubmission — instead of failing on the unique identity after reading
    the whole file again."""
    advisory_lock(session, f"xinyong.ingestion.submit:{identity}")


def _classify(session: Session, batch: IngestBatch, item: CatalogItemSpec) -> dict[str, int]:
    """Mark each accepted row whose natural key has a stored record updated / unchanged (merging merge
    fields and re-deriving). The other accepted, linked rows keep outcome NULL and are created — not
    marked one by one: rewriting every staged row of a million-row batch costs as much as inserting it."""
    rules = current_rules(session)
    units_by_uscc = org.units_by_uscc(session)
    linker = Linker(session, item)
    matched = session.execute(
        select(
            IngestRow.id,
            IngestRow.payload,
            IngestRow.subject_id,
            CreditRecord.id,
            CreditRecord.payload,
            CreditRecord.subject_id,
        )
        .join(
            CreditRecord,
            (CreditRecord.item_code == batch.item_code) & (CreditRecord.natural_key == IngestRow.natural_key),
        )
        .where(
            IngestRow.batch_id == batch.id,
            IngestRow.status == RowStatus.ACCEPTED,
            IngestRow.subject_id.is_not(None),
        )
        .execution_options(yield_per=CHUNK)
    )
    updates: list[dict[str, Any]] = []
    unchanged: list[int] = []
    for row_id, payload, subject_id, record_id, stored, stored_subject in matched:
        new = _merge(item, stored, payload) if item.merge_fields else payload
        if new == stored and subject_id == stored_subject:
            unchanged.append(row_id)
            continue
        change: dict[str, Any] = {"_id": row_id, "record_id": record_id}
        if new != payload:  # merged with the stored 处罚类别: the staged row takes the merged payload
            change["payload"] = new
            d = derive(item, new, rules=rules, units_by_uscc=units_by_uscc, is_person=linker.is_person(new))
            change.update({k: getattr(d, k) for k in DERIVED})
        updates.append(change)
    for i in range(0, len(unchanged), CHUNK):
        session.execute(
            update(IngestRow)
            .where(IngestRow.id.in_(unchanged[i : i + CHUNK]))
            .values(outcome="unchanged")
            .execution_options(synchronize_session=False)
        )
    plain = [u for u in updates if len(u) == 2]  # the staged payload stands: no need to rewrite it
    rederived = [u for u in updates if len(u) > 2]
    for group in (plain, rederived):
        if not group:
            continue
        keys = [k for k in group[0] if k != "_id"]
        stmt = (
            update(ROWS)
            .where(ROWS.c.id == bindparam("_id"))
            .values(outcome="updated", **{k: bindparam(k) for k in keys})
        )
        session.connection().execute(stmt, group)
    unlinked = session.scalar(
        select(func.count())
        .select_from(IngestRow)
        .where(IngestRow.batch_id == batch.id, IngestRow.status == RowStatus.NEEDS_LINK)
    )
    return {
        "updated": len(updates),
        "unchanged": len(unchanged),
        "unlinked": int(unlinked or 0),
    }


_CATEGORY_BY_USCC = {
    "91": "enterprise",
    "92": "individual_business",
    "93": "farmers_coop",
    "12": "public_institution",
    "11": "government",
    "N": "farmers_coop",
    "5": "social_org",
}


def _legal_category(code: str) -> str:
    return _CATEGORY_BY_USCC.get(code[:2]) or _CATEGORY_BY_USCC.get(code[:1]) or "enterprise"


#: Batches from this many rows on refresh the planner statistics of the tables they load.
ANALYZE_FROM_ROWS = 10_000


def _analyze(session: Session, rows: int, *tables: str) -> None:
    """PostgreSQL, for a big batch: refresh planner statistics of tables just bulk-loaded (possibly in
    this very transaction, which autovacuum cannot see), or it plans the set-based statements for tables
    it believes empty — nested loops with a sequential scan inside, minutes for a million rows. A small
    batch does not move the statistics enough to pay for the sampling."""
    if rows >= ANALYZE_FROM_ROWS and session.get_bind().dialect.name == "postgresql":
        for table in tables:
            session.execute(text(f"ANALYZE {table}"))


SUBJECT_COLUMNS = [
    "id",
    "kind",
    "category",
    "uscc",
    "name",
    "legal_rep",
    "district_key",
    "industry",
    "status",
    "provisional",
    "flagged",
    "created_at",
    "updated_at",
]
ATTRIBUTE_COLUMNS = ["subject_id", "attr", "value", "source_unit_key", "first_seen", "last_seen"]
IDENTIFIER_COLUMNS = [
    "subject_id",
    "id_type",
    "lookup",
    "encrypted",
    "masked",
    "valid",
    "source_unit_key",
    "first_seen",
]


def _create_provisional_subjects(
    session: Session, batch: IngestBatch, item: CatalogItemSpec, *, now: dt.datetime
) -> None:
    """Subjects for checksum-valid codes the platform did not know: created provisional (待核实)."""
    _create_provisional_organisations(session, batch, now=now)
    _create_provisional_persons(session, batch, item, now=now)


def _category_sql(column: str) -> str:
    """SQL for :func:`_legal_category` of a code column."""
    two = " ".join(
        f"WHEN substr({column}, 1, 2) = '{k}' THEN '{v}'" for k, v in _CATEGORY_BY_USCC.items() if len(k) == 2
    )
    one = " ".join(
        f"WHEN substr({column}, 1, 1) = '{k}' THEN '{v}'" for k, v in _CATEGORY_BY_USCC.items() if len(k) == 1
    )
    return f"CASE {two} {one} ELSE 'enterprise' END"


def _create_provisional_organisations(session: Session, batch: IngestBatch, *, now: dt.datetime) -> None:
    """Set-based: rows staged with a new code carry the id :func:`provisional_subject_id` gives it. Rows
    whose code has meanwhile become known under another id are pointed at that subject; a subject is
    inserted, named after the code's first row, for each planned id not yet present. Names are noted as
    attributes by :func:`_note_names` like every other row's."""
    conn = session.connection()
    b = bindparam("b", batch.id, type_=IngestRow.batch_id.type)
    new_rows = NEW_ORGANISATION_ROWS
    conn.execute(
        text(
            "UPDATE ingest_rows SET subject_id = (SELECT x.id FROM subjects x WHERE x.uscc = ingest_rows.subject_code)"
            f" WHERE {new_rows} AND EXISTS (SELECT 1 FROM subjects x WHERE x.uscc = ingest_rows.subject_code"
            " AND x.id <> ingest_rows.subject_id)"
        ).bindparams(b)
    )
    if session.get_bind().dialect.name == "postgresql":
        first = (
            "SELECT DISTINCT ON (subject_id) subject_id, subject_code, subject_name FROM ingest_rows"
            f" WHERE {new_rows} ORDER BY subject_id, row_no"
        )
    else:  # SQLite: the bare columns of a min() aggregate come from the row holding the minimum
        first = (
            "SELECT subject_id, subject_code, subject_name, min(row_no) AS first_row FROM ingest_rows"
            f" WHERE {new_rows} GROUP BY subject_id"
        )
    conn.execute(
        text(
            "INSERT INTO subjects (id, kind, category, uscc, name, status, provisional, flagged, created_at,"
            f" updated_at) SELECT t.subject_id, 'legal_person', {_category_sql('t.subject_code')}, t.subject_code,"
            " COALESCE(t.subject_name, t.subject_code), '存续', :true, :false, :now, :now"
            f" FROM ({first}) t WHERE NOT EXISTS (SELECT 1 FROM subjects x WHERE x.id = t.subject_id)"
            # Another item's batch applied at the same moment may create the same provisional subject
            # (the id is the code's): the first one's row stands.
            " ON CONFLICT DO NOTHING"
        ).bindparams(b, _now_param("now", now), bindparam("true", True), bindparam("false", False))
    )
    # The public name search: a batch's new organisations are indexed in its own transaction when they
    # are few; beyond SEARCH_IN_TRANSACTION after the commit (see index_pending_names).
    if _planned_organisations(session, batch, limit=SEARCH_IN_TRANSACTION + 1) > SEARCH_IN_TRANSACTION:
        batch.search_pending = True
    else:
        _index_names(session, batch)


#: A batch bringing more new organisations than this indexes their names after its commit: keeping a
#: name index of ~27 postings per name in step costs about 100 µs per organisation on PostgreSQL —
#: more than applying the record itself — and would hold the batch's transaction (and the unit's
#: clerk) for minutes on a file of a million new firms. Until indexed they are found by code.
SEARCH_IN_TRANSACTION = 20_000


#: Staged rows of batch ``:b`` naming an organisation code the platform did not know (planned id set).
NEW_ORGANISATION_ROWS = (
    "batch_id = :b AND status = 'accepted' AND link = 'new' AND subject_lookup IS NULL"
    " AND subject_code IS NOT NULL AND subject_id IS NOT NULL"
)


def _planned_sql() -> str:
    return f"SELECT DISTINCT subject_id FROM ingest_rows WHERE {NEW_ORGANISATION_ROWS}"


def _planned_organisations(session: Session, batch: IngestBatch, *, limit: int) -> int:
    b = bindparam("b", batch.id, type_=IngestRow.batch_id.type)
    sql = f"SELECT count(*) FROM ({_planned_sql()} LIMIT :n) t"
    return int(session.scalar(text(sql).bindparams(b, n=limit)) or 0)


def _index_names(session: Session, batch: IngestBatch) -> int:
    """The batch's new organisations into the name index, streamed chunk by chunk (a million ids held at
    once would cost ~100 MB)."""
    b = bindparam("b", batch.id, type_=IngestRow.batch_id.type)
    planned = text(_planned_sql()).bindparams(b).columns(IngestRow.subject_id)
    return search.index_organisations_in(session, planned, chunk=CHUNK)


def index_pending_names(session: Session, *, batch_id: uuid.UUID | None = None) -> dict[str, int]:
    """Put the new organisations of approved batches marked ``search_pending`` (all, or ``batch_id``)
    into the public name index and clear the mark. Idempotent; the caller owns the transaction —
    the CLI and the HTTP routes run it right after the approving commit, the daily job as a net."""
    stmt = select(IngestBatch).where(
        IngestBatch.search_pending.is_(True), IngestBatch.status == BatchStatus.APPROVED
    )
    if batch_id is not None:
        stmt = stmt.where(IngestBatch.id == batch_id)
    batches = indexed = 0
    for batch in session.scalars(stmt.order_by(IngestBatch.reviewed_at)).all():
        indexed += _index_names(session, batch)
        batch.search_pending = False
        batches += 1
        session.flush()
    return {"batches": batches, "indexed": indexed}


def _create_provisional_persons(
    session: Session, batch: IngestBatch, item: CatalogItemSpec, *, now: dt.datetime
) -> None:
    """Persons by new ID number: the number is stored encrypted, so these are made in Python. The new
    numbers are streamed in look-up order (repeats adjacent) and written chunk by chunk: memory stays
    flat however many new persons a file brings."""
    from xinyong.kit.identifiers import parse_id_type_label

    conn = session.connection()
    linker = Linker(session, item)
    id_key = linker.f_idtype.key if linker.f_idtype is not None else None
    b = bindparam("b", batch.id, type_=IngestRow.batch_id.type)
    stream = session.execute(
        select(IngestRow.subject_code, IngestRow.subject_lookup, IngestRow.subject_name, IngestRow.payload)
        .where(
            IngestRow.batch_id == batch.id,
            IngestRow.status == RowStatus.ACCEPTED,
            IngestRow.link == "new",
            IngestRow.subject_lookup.is_not(None),
            IngestRow.subject_id.is_(None),
        )
        .order_by(IngestRow.subject_lookup, IngestRow.row_no)
        .execution_options(yield_per=CHUNK)
    )
    previous: str | None = None
    persons: list[tuple[str, str, str, IdType]] = []
    wrote_persons = False

    def flush_persons() -> None:
        lookups = [lk for lk, _, _, _ in persons]
        existing = set(
            session.scalars(select(SubjectIdentifier.lookup).where(SubjectIdentifier.lookup.in_(lookups)))
        )
        subjects, idents, attrs = [], [], []
        for lookup, number, name, id_type in persons:
            if lookup in existing:
                continue
            sid = uuid.uuid4()
            subjects.append(
                [
                    sid,
                    "natural_person",
                    "natural_person",
                    None,
                    name[:200],
                    None,
                    None,
                    None,
                    "正常",
                    True,
                    False,
                    now,
                    now,
                ]
            )
            idents.append(
                [
                    sid,
                    id_type.value,
                    lookup,
                    crypto.encrypt(number),
                    mask_id_number(number),
                    True,
                    batch.unit_key,
                    now,
                ]
            )
            if name:
                attrs.append([sid, "name", name[:200], batch.unit_key, now, now])
        if subjects:
            bulk.write_tuples(conn, SUBJECTS, SUBJECT_COLUMNS, subjects)
            bulk.write_tuples(conn, IDENTIFIERS, IDENTIFIER_COLUMNS, idents)
            if attrs:
                bulk.write_tuples(conn, ATTRIBUTES, ATTRIBUTE_COLUMNS, attrs)
        persons.clear()

    for code, lookup, name, payload in stream:
        if not lookup or lookup == previous:
            continue
        previous = lookup
        label = payload.get(id_key) if id_key else None
        id_type = (parse_id_type_label(str(label)) if label else None) or IdType.RESIDENT_ID
        persons.append((str(lookup), str(code), name or "", id_type))
        if len(persons) >= 900:
            flush_persons()
        wrote_persons = True
    if persons:
        flush_persons()
    if wrote_persons:
        conn.execute(
            text(
                "UPDATE ingest_rows SET subject_id = (SELECT subject_id FROM subject_identifiers i"
                " WHERE i.lookup = ingest_rows.subject_lookup)"
                " WHERE batch_id = :b AND status = 'accepted' AND link = 'new' AND subject_lookup IS NOT NULL"
                " AND subject_id IS NULL"
            ).bindparams(b)
        )


def _note_names(session: Session, batch: IngestBatch, *, now: dt.datetime) -> None:
    """Record, set-based, the name this unit gave each subject (provenance; consistency scores): new
    names are added, names seen before get ``last_seen`` — one statement on the unique key."""
    conn = session.connection()
    b = bindparam("b", batch.id, type_=IngestRow.batch_id.type)
    conn.execute(
        text(
            "INSERT INTO subject_attributes (subject_id, attr, value, source_unit_key, first_seen, last_seen)"
            " SELECT DISTINCT s.subject_id, 'name', s.subject_name, :unit, :now, :now FROM ingest_rows s"
            " WHERE s.batch_id = :b AND s.status = 'accepted' AND s.subject_id IS NOT NULL"
            " AND s.subject_name IS NOT NULL"
            " ON CONFLICT (subject_id, attr, value, source_unit_key) DO UPDATE SET last_seen = excluded.last_seen"
        ).bindparams(_now_param("now", now), b, unit=batch.unit_key)
    )


# ----------------------------------------------------------------------------------------------- reading


def summary(session: Session, batch: IngestBatch, *, limit: int = SUMMARY_ERROR_LIMIT) -> dict[str, Any]:
    """The submission summary: ``batch_id, rows, accepted, rejected, warnings, status, errors``."""
    problems = session.execute(
        select(
            IngestProblem.row_no,
            IngestProblem.field,
            IngestProblem.column,
            IngestProblem.code,
            IngestProblem.message,
            IngestProblem.severity,
        )
        .where(IngestProblem.batch_id == batch.id)
        .order_by(IngestProblem.row_no, IngestProblem.id)
        .limit(limit)
    ).all()
    return {
        "batch_id": str(batch.id),
        "rows": batch.rows,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "warnings": batch.warnings,
        "status": batch.status,
        "errors": [
            {"row": r, "field": f or col, "code": code, "message": msg, "severity": sev}
            for r, f, col, code, msg, sev in problems
        ],
    }


def detail(session: Session, batch: IngestBatch) -> dict[str, Any]:
    """Everything a reviewer sees about a batch (without its rows)."""
    return {
        **summary(session, batch, limit=0),
        "item": batch.item_code,
        "unit": batch.unit_key,
        "filename": batch.filename,
        "format": batch.file_format,
        "encoding": batch.encoding,
        "content_hash": batch.content_hash,
        "mapping": batch.mapping,
        "trusted": batch.trusted,
        "needs_link": batch.needs_link,
        "duplicates": batch.duplicates,
        "skipped": batch.skipped,
        "outcome": batch.outcome,
        "submitted_by": batch.submitted_by,
        "submitted_at": batch.submitted_at,
        "reviewed_by": batch.reviewed_by,
        "reviewed_at": batch.reviewed_at,
        "review_note": batch.review_note,
        "replaced_by": str(batch.replaced_by) if batch.replaced_by else None,
    }


def iter_problems(
    session: Session, batch_id: uuid.UUID, *, code: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every problem of a batch (of rule ``code`` only, when given) in row order: row, column, field,
    raw value, rule, message, severity."""
    stmt = select(IngestProblem).where(IngestProblem.batch_id == batch_id)
    if code:
        stmt = stmt.where(IngestProblem.code == code)
    rows = session.execute(
        stmt.order_by(IngestProblem.row_no, IngestProblem.id).execution_options(yield_per=CHUNK)
    ).scalars()
    for p in rows:
        yield {
            "row": p.row_no,
            "column": p.column,
            "field": p.field,
            "raw": p.raw,
            "code": p.code,
            "message": p.message,
            "severity": p.severity,
        }


def preview(
    session: Session, batch_id: uuid.UUID, *, limit: int = 50, status: str | None = None
) -> Sequence[IngestRow]:
    stmt = select(IngestRow).where(IngestRow.batch_id == batch_id)
    if status:
        stmt = stmt.where(IngestRow.status == status)
    return session.scalars(stmt.order_by(IngestRow.row_no).limit(limit)).all()


def candidates(session: Session, batch_id: uuid.UUID) -> dict[int, list[tuple[Subject, str]]]:
    out: dict[int, list[tuple[Subject, str]]] = {}
    for cand, subject in session.execute(
        select(LinkCandidate, Subject)
        .join(Subject, Subject.id == LinkCandidate.subject_id)
        .where(LinkCandidate.batch_id == batch_id)
        .order_by(LinkCandidate.row_no)
    ):
        out.setdefault(cand.row_no, []).append((subject, cand.reason))
    return out


def list_batches(
    session: Session,
    *,
    units: Collection[str] | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Sequence[IngestBatch]:
    """Batches of ``units`` (every unit when None; see :func:`queries.scope_units`), newest first."""
    stmt = select(IngestBatch)
    stmt = stmt.where(*queries.within(IngestBatch.unit_key, units))
    if status:
        stmt = stmt.where(IngestBatch.status == status)
    return session.scalars(
        stmt.order_by(IngestBatch.submitted_at.desc(), IngestBatch.id).limit(limit).offset(offset)
    ).all()


def replay_path(batch: IngestBatch) -> Path | None:
    """The stored file of ``batch`` (to replay it)."""
    return storage.find(batch.content_hash)
