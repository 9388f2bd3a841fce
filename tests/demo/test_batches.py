"""Demo batches: the demo load submits a few files through the ingestion service and reviews them, so
the console has a batch waiting for review, an approved one online and a returned one."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.conftest import configured_engine
from xinyong import db
from xinyong.config import get_settings
from xinyong.demo.loader import load_demo
from xinyong.errors import Conflict
from xinyong.ingestion import quality, service, storage
from xinyong.ingestion.cli import cli_actor
from xinyong.ingestion.models import BatchStatus, IngestBatch, IngestProblem, IngestRow, RowStatus
from xinyong.kit import clock
from xinyong.records import queries as records
from xinyong.records.models import CreditRecord, RecordVersion
from xinyong.subjects.models import Subject

SUBJECTS = 150
SEED = 4


@pytest.fixture
def demo_db(
    isolated_db: str, frozen: dt.datetime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """A configured database of its own (load_demo commits), stored files in a temporary directory."""
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    engine = configured_engine(isolated_db)
    db.set_engine(engine)
    yield engine
    get_settings.cache_clear()


def _batches(engine: Engine) -> dict[str, IngestBatch]:
    with Session(engine, expire_on_commit=False) as s:
        return {b.unit_key: b for b in s.scalars(select(IngestBatch))}


def _problems(engine: Engine, batch: IngestBatch) -> list[tuple[int, str, str]]:
    with Session(engine) as s:
        rows = s.execute(
            select(IngestProblem.row_no, IngestProblem.code, IngestProblem.severity)
            .where(IngestProblem.batch_id == batch.id)
            .order_by(IngestProblem.row_no)
        ).all()
    return [(r, c, sev) for r, c, sev in rows]


def test_the_load_leaves_one_batch_to_review_one_approved_and_one_returned(demo_db: Engine) -> None:
    result = load_demo(subjects=SUBJECTS, seed=SEED)
    assert result["batches"] == {"submitted": 3, "pending": 1, "approved": 1, "returned": 1, "rows": 49}
    batches = _batches(demo_db)
    assert {k: b.status for k, b in batches.items()} == {
        "shi_scjgj": BatchStatus.PENDING,
        "shi_sthjj": BatchStatus.APPROVED,
        "shi_cgj": BatchStatus.RETURNED,
    }
    pending = batches["shi_scjgj"]
    assert (pending.rows, pending.accepted, pending.rejected, pending.duplicates, pending.skipped) == (
        29,
        25,
        3,
        1,
        1,
    )
    assert _problems(demo_db, pending) == [
        (6, "uscc.checksum", "error"),
        (12, "date.future", "error"),
        (18, "amount.negative", "error"),
        (23, "row.duplicate", "warning"),
    ]
    assert pending.reviewed_at is None and pending.submitted_at > batches["shi_sthjj"].submitted_at

    returned = batches["shi_cgj"]
    assert (returned.rows, returned.rejected) == (8, 3)
    assert _problems(demo_db, returned) == [
        (2, "required", "error"),
        (5, "required", "error"),
        (7, "cross.valid_to_before_decision", "error"),
    ]
    assert returned.review_note == (
        "第 2、5 行必填项为空；第 7 行有效期至早于决定日期。请按问题清单更正后重新报送。"
    )


def test_the_pending_file_is_gbk_with_a_total_row(demo_db: Engine) -> None:
    load_demo(subjects=SUBJECTS, seed=SEED)
    pending = _batches(demo_db)["shi_scjgj"]
    stored = storage.find(pending.content_hash)
    assert stored is not None and pending.filename.endswith(".csv")
    raw = stored.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("gbk").splitlines()
    assert lines[0].startswith("行政相对人名称,行政相对人类别,统一社会信用代码")
    assert lines[-1].startswith("合计,") and len(lines) == 1 + 29 + 1
    assert pending.encoding in ("gbk", "gb18030")


def test_approved_rows_are_online_and_link_to_demo_subjects(demo_db: Engine) -> None:
    load_demo(subjects=SUBJECTS, seed=SEED)
    approved = _batches(demo_db)["shi_sthjj"]
    assert approved.outcome == {"created": 12, "updated": 0, "unchanged": 0, "unlinked": 0}
    today = clock.today()
    with Session(demo_db) as s:
        rows = s.execute(
            select(
                IngestRow.subject_id, IngestRow.decision_no, IngestRow.link, IngestRow.decision_date
            ).where(IngestRow.batch_id == approved.id)
        ).all()
        assert len(rows) == 12 and all(r.decision_date < today for r in rows)
        assert sorted(r.link for r in rows).count("uscc") == 11  # demo subjects, found by code
        online = s.execute(
            select(CreditRecord.subject_id, CreditRecord.decision_no, CreditRecord.published).where(
                CreditRecord.batch_id == approved.id
            )
        ).all()
        assert {r.decision_no for r in online} == {r.decision_no for r in rows}
        # Online on approval; the public sees each one the publicity rules publish (轻微 ones are not).
        assert sum(r.published for r in online) >= 6
        for subject_id, decision_no, published in online:
            public = records.public_records(s, subject_id=subject_id, today=today, per_page=100)
            assert (decision_no in {r.decision_no for r in public.items}) is published, decision_no
        new = s.scalars(select(Subject).where(Subject.provisional.is_(True))).all()
        assert [(x.uscc or "")[8:10] for x in new] == ["MD"]  # the firm the platform did not know: 待核实
        report = quality.report(s, month=today.strftime("%Y-%m"), unit_key="shi_sthjj", drill=True)[0]
    assert report.accuracy.value == 1.0 and report.completeness.value is not None
    assert report.timeliness.denominator >= 12
    assert [x["decision_no"] for x in report.late if x["record_id"]] != []  # one decision sent late


def test_loading_twice_leaves_exactly_one_set_of_demo_batches(demo_db: Engine) -> None:
    load_demo(subjects=SUBJECTS, seed=SEED)
    first = _batches(demo_db)
    load_demo(subjects=SUBJECTS, seed=SEED)
    second = _batches(demo_db)
    assert len(second) == 3
    assert {k: b.content_hash for k, b in first.items()} == {k: b.content_hash for k, b in second.items()}
    assert {b.id for b in first.values()}.isdisjoint(b.id for b in second.values())
    old = [b.id for b in first.values()]
    with Session(demo_db) as s:
        assert s.scalar(select(func.count()).select_from(IngestBatch)) == 3
        assert s.scalar(select(func.count()).select_from(IngestRow)) == 49
        assert s.scalar(select(func.count()).where(IngestRow.batch_id.in_(old))) == 0
        assert s.scalar(select(func.count()).where(IngestProblem.batch_id.in_(old))) == 0
        assert s.scalar(select(func.count()).where(CreditRecord.batch_id.in_(old))) == 0
        assert s.scalar(select(func.count()).select_from(RecordVersion)) == 0
        assert s.scalar(select(func.count()).where(Subject.provisional.is_(True))) == 1
        accepted = s.scalar(
            select(func.count()).where(
                IngestRow.batch_id == second["shi_sthjj"].id, IngestRow.status == RowStatus.ACCEPTED
            )
        )
        assert accepted == 12


def test_a_small_demo_still_gets_its_batches(demo_db: Engine) -> None:
    result = load_demo(subjects=4, seed=SEED)
    assert result["batches"]["submitted"] == 3
    assert {b.status for b in _batches(demo_db).values()} == {"待审核", "已通过", "已退回"}


def test_a_database_with_batches_not_from_the_demo_is_refused(demo_db: Engine, tmp_path: Path) -> None:
    fixture = Path(__file__).resolve().parents[1] / "data" / "ingest" / "penalties_utf8_bom.csv"
    with Session(demo_db) as s:
        service.submit(
            s,
            item_code="xzcf_fr",
            unit_key="shi_scjgj",
            actor=cli_actor("shi_scjgj"),
            now=clock.now(),
            today=clock.today(),
            path=fixture,
        )
        s.commit()
    with pytest.raises(Conflict) as exc:
        load_demo(subjects=10, seed=SEED)
    assert exc.value.code == "demo_refused"
    assert len(_batches(demo_db)) == 1


def test_the_command_reports_the_batches(demo_db: Engine) -> None:
    from xinyong.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["demo", "--subjects", "60", "--seed", "2", "--workers", "1", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["batches"]["pending"] == 1 and data["batches"]["submitted"] == 3
    out = runner.invoke(app, ["demo", "--subjects", "60", "--seed", "2", "--workers", "1"])
    assert out.exit_code == 0, out.output
    assert "报送批次 3 个（待审核 1 个）" in out.output
