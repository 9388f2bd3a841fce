"""Big files are prepared by worker processes; what they stage is exactly what the in-process path
stages: rows, statuses, payloads, raw cells, links, derived columns, problems and counters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, submit
from xinyong.config import get_settings
from xinyong.ingestion import preparing, service
from xinyong.ingestion.models import IngestBatch, IngestProblem, IngestRow

COUNTERS = ("rows", "accepted", "rejected", "warnings", "needs_link", "duplicates", "skipped")


def _snapshot(session: Session, batch: IngestBatch) -> dict[str, Any]:
    rows = [
        (
            r.row_no,
            r.status,
            r.payload,
            r.raw,
            r.natural_key,
            r.subject_id,
            r.link,
            r.subject_code,
            r.subject_lookup,
            r.subject_name,
            r.severity,
            r.severity_derived,
            r.publicity_ends,
            r.fine_fen,
        )
        for r in session.scalars(
            select(IngestRow).where(IngestRow.batch_id == batch.id).order_by(IngestRow.row_no)
        )
    ]
    problems = sorted(
        (p.row_no, p.column or "", p.field or "", p.raw or "", p.code, p.message, p.severity)
        for p in session.scalars(select(IngestProblem).where(IngestProblem.batch_id == batch.id))
    )
    counters = {k: getattr(batch, k) for k in COUNTERS}
    counters.update(
        expected=batch.fields_expected,
        filled=batch.fields_filled,
        failed=batch.values_failed,
        status=batch.status,
    )
    return {"rows": rows, "problems": problems, "counters": counters}


@pytest.mark.parametrize("name", ["penalties_gbk.csv", "penalties.jsonl", "penalties_title_merged.xlsx"])
def test_worker_processes_stage_exactly_what_the_submitting_process_stages(
    session: Session, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    shots = []
    used: list[int] = []
    real = preparing.prepared

    def spy(spec: preparing.PrepareSpec, source: Any, *, workers: int) -> Any:
        used.append(workers)
        return real(spec, source, workers=workers)

    monkeypatch.setattr(preparing, "prepared", spy)
    for workers in (1, 2):
        monkeypatch.setattr(preparing, "PARALLEL_FROM_BYTES", 0)
        monkeypatch.setattr(get_settings(), "ingest_workers", workers)
        monkeypatch.setattr(service, "CHUNK", 4)  # several chunks in flight, returned in file order
        savepoint = session.begin_nested()
        sub = submit(session, DATA / name)
        shots.append(_snapshot(session, sub.batch))
        savepoint.rollback()
    assert used == [1, 2]
    assert shots[0]["rows"], "the fixture stages rows"
    assert shots[1] == shots[0]


def test_small_files_and_api_rows_stay_in_the_submitting_process(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    small.write_text("a\n", encoding="utf-8")
    assert service._workers(small) == 1
    assert service._workers(None) == 1
