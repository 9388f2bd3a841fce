"""A big batch's new organisations enter the public name index after its commit, not inside it: until
then they are found by code; the follow-up (CLI, HTTP background task, daily job) indexes them once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.ingestion.helpers import staff, submit_rows
from tests.ingestion.test_api_and_cli import DATA, cli_db  # noqa: F401  (fixture)
from tests.ingestion.test_fast_paths import _code, _row
from xinyong import db, jobs
from xinyong.ingestion import service
from xinyong.ingestion.models import IngestBatch
from xinyong.kit import clock
from xinyong.subjects import search
from xinyong.subjects.models import Subject, SubjectSearchDoc, SubjectSearchGram


def _names(session: Session, query: str) -> set[str]:
    ids = [h.subject_id for h in search.search(session, query).hits]
    return {s.name for s in session.scalars(select(Subject).where(Subject.id.in_(ids)))}


def _approve_three(session: Session) -> IngestBatch:
    rows = [_row(session, i, code=_code(500 + i), fine="100") for i in range(3)]
    sub = submit_rows(session, rows)
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    return sub.batch


def test_a_small_batch_indexes_its_new_organisations_in_its_own_transaction(session: Session) -> None:
    batch = _approve_three(session)
    assert not batch.search_pending
    assert _names(session, "快路1贸易") == {"常州快路1贸易有限公司"}


def test_a_big_batch_is_found_by_code_at_once_and_by_name_after_the_follow_up(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "SEARCH_IN_TRANSACTION", 2)
    batch = _approve_three(session)
    assert batch.search_pending
    assert _names(session, "快路1贸易") == set()
    assert [h.tier for h in search.search(session, _code(501)).hits] == ["code"]
    done = service.index_pending_names(session)
    assert done == {"batches": 1, "indexed": 3}
    assert not batch.search_pending
    assert _names(session, "快路") == {f"常州快路{i}贸易有限公司" for i in range(3)}
    # Idempotent: nothing left to do, nothing indexed twice.
    assert service.index_pending_names(session) == {"batches": 0, "indexed": 0}
    docs = session.scalar(select(func.count()).select_from(SubjectSearchDoc))
    assert docs == 3


def test_bulk_indexing_writes_the_same_postings_as_one_by_one(session: Session) -> None:
    batch = _approve_three(session)
    ids = session.scalars(select(Subject.id).where(Subject.provisional.is_(True))).all()
    assert len(ids) == 3 and not batch.search_pending
    got = {
        (doc.norm_name, g.gram, g.rank)
        for doc, g in session.execute(
            select(SubjectSearchDoc, SubjectSearchGram).join(
                SubjectSearchGram, SubjectSearchGram.doc_id == SubjectSearchDoc.doc_id
            )
        ).all()
    }
    want = {
        (search.normalise_name(s.name), g, r)
        for s in session.scalars(select(Subject).where(Subject.id.in_(ids)))
        for g, r in search.postings(search.normalise_name(s.name))
    }
    assert got == want
    doc_ids = session.scalars(select(SubjectSearchDoc.doc_id)).all()
    assert len(set(doc_ids)) == 3
    # Indexing the same subjects again adds nothing.
    assert search.index_organisations(session, ids) == 0


def test_the_daily_job_indexes_what_a_killed_follow_up_left(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "SEARCH_IN_TRANSACTION", 0)
    batch = _approve_three(session)
    assert batch.search_pending
    from xinyong import jobs_registry

    jobs_registry.register_all()
    result = jobs.REGISTRY["ingestion.index_pending_names"].func(session, clock.today())
    assert result == {"batches": 1, "indexed": 3}
    assert _names(session, "快路2") == {"常州快路2贸易有限公司"}


def test_the_cli_indexes_a_big_batch_right_after_its_commit(
    cli_db: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from xinyong.cli import app

    monkeypatch.setattr(service, "SEARCH_IN_TRANSACTION", 0)
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "ingest",
            str(DATA / "penalties_gbk.csv"),
            "--item",
            "xzcf_fr",
            "--department",
            "shi_scjgj",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    batch_id = json.loads(res.output)["batch_id"]
    approved = runner.invoke(app, ["batches", "approve", batch_id, "--json"])
    assert approved.exit_code == 0, approved.output
    with db.transaction() as s:
        batch = s.get(IngestBatch, service.get(s, batch_id).id)
        assert batch is not None and not batch.search_pending
        provisional = s.scalars(select(Subject.id).where(Subject.provisional.is_(True))).all()
        assert provisional
        indexed = s.scalars(select(SubjectSearchDoc.subject_id)).all()
        assert set(provisional) <= set(indexed)
    again = json.loads(runner.invoke(app, ["batches", "index-names", "--json"]).output)
    assert again == {"batches": 0, "indexed": 0}
