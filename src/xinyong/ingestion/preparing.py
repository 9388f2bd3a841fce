"""The per-row half of staging that needs no database, in this process or in worker processes.

For each chunk of file rows: skip blank and 合计 rows, normalise, validate, plan the link, derive the
stored columns (severity, publicity dates …), encode the JSON on PostgreSQL. What is left for the
process that holds the transaction (service._stage_chunk) is one look-up per link kind per chunk, the
rare name candidates, and the COPY.

Big files are prepared by worker processes (``XINYONG_INGEST_WORKERS``, default 2 — decided for the
2-core machines the platform is sized for; 0 or 1 keeps everything in-process): the reading process
sends chunks of cells out and takes prepared chunks back **in file order**, with a bounded number in
flight, so memory stays flat and row numbers, problems and counters are exactly those of the
in-process path (one function, :meth:`Preparer.__call__`, serves both). Workers are started with
``spawn`` — never ``fork``, which would copy the parent's open database connection and, in the web
server, its threads' locks — and only for files of :data:`PARALLEL_FROM_BYTES` or more: starting
them costs about a second.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import gc
import multiprocessing
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from xinyong.catalog.schemas import CatalogItemSpec
from xinyong.ingestion.checks import RowChecker
from xinyong.ingestion.deriving import DERIVED, RowDeriver
from xinyong.ingestion.linking import Link, LinkPlanner
from xinyong.ingestion.models import RowStatus
from xinyong.ingestion.normalise import NormalisedRow, RowNormaliser, is_summary_row
from xinyong.kit import bulk
from xinyong.records.publicity import PublicityRules
from xinyong.records.validation import Problem

#: Files from this size on are prepared by worker processes (when more than one is configured).
PARALLEL_FROM_BYTES = 4 << 20
#: Prepared chunks in flight per worker (bounds memory; enough to keep the workers busy).
IN_FLIGHT_PER_WORKER = 2

Chunk = list[tuple[int, list[str]]]


@dataclass(frozen=True)
class PrepareSpec:
    """Everything a preparer needs, picklable for the worker processes."""

    batch_id: uuid.UUID
    item: CatalogItemSpec
    header: list[str]
    mapping: dict[str, str]
    today: dt.date
    rules: PublicityRules
    units_by_uscc: dict[str, str]
    #: PostgreSQL: rows leave as text COPY lines (cheap to pass back; sent to COPY as they are).
    encode_json: bool


#: Staging columns a preparer fills; the process holding the transaction adds :data:`TAIL_COLUMNS`.
HEAD_COLUMNS = ["batch_id", "row_no", "payload", "raw", "natural_key", "subject_name", "record_id", *DERIVED]
#: Staging columns that depend on the link look-up (status: a row may still become needs_link).
TAIL_COLUMNS = ["status", "subject_id", "link", "subject_code", "subject_lookup"]


class PreparedRow(NamedTuple):
    row_no: int
    #: accepted or rejected here; the holder of the transaction may still make it needs_link.
    status: RowStatus
    link: Link | None
    #: PostgreSQL: the :data:`HEAD_COLUMNS` as one text COPY line (then ``head`` is None).
    line: str | None
    #: SQLite: the values of :data:`HEAD_COLUMNS` (then ``line`` is None).
    head: list[Any] | None
    #: The payload as JSON text when a name look-up may need it (PostgreSQL; SQLite: in ``head``).
    payload_json: str | None


@dataclass
class Counts:
    """What preparing counts of a batch's rows (data rows, blank/合计 rows skipped, warnings, fields
    expected and filled, values failing a rule); the staging process sums the chunks' counts."""

    rows: int = 0
    skipped: int = 0
    warnings: int = 0
    expected: int = 0
    filled: int = 0
    failed_values: int = 0
    #: Rows with something in a column that has no header (not read: no field to put it in).
    unnamed_filled: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(Counts):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class PreparedChunk:
    rows: list[PreparedRow] = field(default_factory=list)
    problems: list[list[Any]] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


class Preparer:
    """Compiled once per batch (and per worker process)."""

    def __init__(self, spec: PrepareSpec) -> None:
        self.spec = spec
        self.width = len(spec.header)
        self.normaliser = RowNormaliser(spec.item, spec.header, spec.mapping)
        self.checker = RowChecker(spec.item, today=spec.today)
        self.planner = LinkPlanner(spec.item)
        self.deriver = RowDeriver(spec.item, rules=spec.rules, units_by_uscc=spec.units_by_uscc)
        self.name_key = self.planner.f_name.key if self.planner.f_name is not None else None
        self.counted = len(self.normaliser.counted)
        self.unnamed = unnamed_columns(spec.header)
        rejected: list[Any] = [None] * len(DERIVED)
        rejected[DERIVED.index("severity_derived")] = False
        rejected[DERIVED.index("published")] = True
        self.rejected_derived = rejected

    def __call__(self, chunk: Chunk) -> PreparedChunk:
        out = PreparedChunk()
        n = out.counts
        batch_id, width, normaliser, checker = self.spec.batch_id, self.width, self.normaliser, self.checker
        copy = self.spec.encode_json
        for row_no, cells in chunk:  # row_no: the 1-based data row as the clerk counts it in the file
            if not any(cells) or not any(x.strip() for x in cells) or is_summary_row(cells):
                n.skipped += 1
                continue
            n.rows += 1
            norm = normaliser(cells)
            payload = norm.payload
            found = checker(payload)
            if len(cells) != width and (len(cells) < width or any(x.strip() for x in cells[width:])):
                found = [*found, _columns_problem(len(cells), width)]
            if norm.conflicts is not None:
                found = [*found, *self._conflicts(norm)]
            n.expected += self.counted
            if self.unnamed and any(cells[i].strip() for i in self.unnamed if i < len(cells)):
                n.unnamed_filled += 1
            n.filled += normaliser.filled(payload)
            has_error = False
            for p in found:
                raw = norm.raw.get(p.field, payload.get(p.field))
                raw_text = (
                    None if raw is None else (";".join(raw) if isinstance(raw, list) else str(raw))[:500]
                )
                col = norm.columns.get(p.field)
                out.problems.append(
                    [batch_id, row_no, col, p.field, raw_text, p.code, p.message[:500], p.severity]
                )
                if p.severity == "error":
                    has_error = True
                    n.failed_values += 1
                else:
                    n.warnings += 1
            link = None if has_error else self.planner.plan(payload)
            if link is not None and link.method is None:
                has_error = True
                out.problems.append(
                    row_problem(
                        batch_id, row_no, "link.no_code", "没有可用的主体代码或证件号码，无法关联主体"
                    )
                )
                n.failed_values += 1
            status = RowStatus.REJECTED if has_error else RowStatus.ACCEPTED
            key: str | None = None
            derived = self.rejected_derived
            if status is RowStatus.ACCEPTED:
                try:
                    key, derived = self.deriver(payload, self.planner.is_person(payload))
                except ValueError as exc:
                    out.problems.append(
                        row_problem(batch_id, row_no, "publicity.rules", f"无法计算公示期：{exc}")
                    )
                    status = RowStatus.REJECTED
                    derived = self.rejected_derived
                    n.failed_values += 1
            name = payload.get(self.name_key) if self.name_key else None
            head = [
                batch_id,
                row_no,
                bulk.json_text(payload) if copy else payload,
                bulk.json_text(norm.raw) if copy else norm.raw,
                key,
                str(name)[:200] if name else None,
                uuid.uuid4(),
                *derived,
            ]
            may_look_up = link is not None and link.method in ("candidate", "legacy")
            out.rows.append(
                PreparedRow(
                    row_no,
                    status,
                    link,
                    bulk.copy_line(head) if copy else None,
                    None if copy else head,
                    head[2] if copy and may_look_up else None,
                )
            )
        return out

    def _conflicts(self, norm: NormalisedRow) -> list[Problem]:
        out = []
        for key, number, cell in norm.conflicts or []:
            label = self.spec.item.field(key).label
            first = norm.raw.get(key, norm.payload[key])
            shown = ";".join(first) if isinstance(first, list) else str(first)
            out.append(
                Problem(
                    key,
                    "column.conflict",
                    f"{label}：第 {number} 列为“{cell[:100]}”，与前面一列的“{shown[:100]}”不同，"
                    "无法确定以哪一列为准",
                )
            )
        return out


def unnamed_columns(header: list[str]) -> list[int]:
    """Indexes of the columns whose header cell is blank."""
    return [i for i, h in enumerate(header) if not h.strip()]


def row_problem(
    batch_id: uuid.UUID, row_no: int, code: str, message: str, severity: str = "error"
) -> list[Any]:
    """A problem of a whole row (no column) in the staging order of ``service.PROBLEM_COLUMNS``."""
    return [batch_id, row_no, None, None, None, code, message, severity]


def _columns_problem(got: int, width: int) -> Problem:
    return Problem("", "row.columns", f"本行有 {got} 列，与表头的 {width} 列不一致")


def chunks(rows: Iterable[list[str]], size: int) -> Iterator[Chunk]:
    """The file's rows numbered from 1 (data rows as the clerk counts them), ``size`` at a time."""
    pending: Chunk = []
    for row_no, cells in enumerate(rows, start=1):
        pending.append((row_no, cells))
        if len(pending) >= size:
            yield pending
            pending = []
    if pending:
        yield pending


# -- worker processes ---------------------------------------------------------------------------

_WORKER: Preparer | None = None


def _init_worker(spec: PrepareSpec) -> None:
    global _WORKER
    gc.disable()  # as in the parent: millions of acyclic objects, reference counting frees them
    _WORKER = Preparer(spec)


def _prepare_in_worker(chunk: Chunk) -> PreparedChunk:
    assert _WORKER is not None
    return _WORKER(chunk)


def prepared(spec: PrepareSpec, source: Iterable[Chunk], *, workers: int) -> Iterator[PreparedChunk]:
    """Prepared chunks of ``source`` in order: in this process when ``workers`` ≤ 1, else by a pool."""
    if workers <= 1:
        preparer = Preparer(spec)
        for chunk in source:
            yield preparer(chunk)
        return
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(spec,)
    ) as pool:
        in_flight: deque[concurrent.futures.Future[PreparedChunk]] = deque()
        try:
            for chunk in source:
                in_flight.append(pool.submit(_prepare_in_worker, chunk))
                if len(in_flight) >= workers * IN_FLIGHT_PER_WORKER:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()
        finally:
            for f in in_flight:
                f.cancel()
