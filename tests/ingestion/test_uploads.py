"""Big files through the console or the API become batches in the background, with a progress page; an
upload orphaned by a dead process is run again by the job, never applied twice.

These tests commit (the background run uses transactions of its own), so they use a database of their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.ingestion.helpers import DATA, staff
from xinyong import db
from xinyong.auth.permissions import current_actor
from xinyong.ingestion import progress, storage, uploads
from xinyong.ingestion.errors import OutOfScope
from xinyong.ingestion.models import BatchStatus, IngestBatch, IngestUpload, UploadStatus
from xinyong.kit import clock

FILE = DATA / "penalties_gbk.csv"


def _batches() -> int:
    with db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(IngestBatch)) or 0)


def test_a_big_console_upload_runs_after_the_response_then_leads_to_its_batch(app_client: TestClient) -> None:
    res = app_client.post(
        "/console/ingestion/upload",
        data={"item": "xzcf_fr"},
        files={"file": ("大文件.csv", FILE.read_bytes(), "text/csv")},
        follow_redirects=False,
    )
    assert res.status_code == 303 and "/console/ingestion/uploads/" in res.headers["location"]
    page = app_client.get(res.headers["location"]).text  # the background run has finished by now
    assert 'data-testid="upload-status">已完成' in page and 'data-testid="batch-link"' in page
    assert 'http-equiv="refresh"' not in page  # nothing left to wait for
    with db.transaction() as s:
        upload = s.scalars(select(IngestUpload)).one()
        batch = s.get(IngestBatch, upload.batch_id)
        assert batch is not None and batch.rows == 13 and batch.status == BatchStatus.PENDING
        assert (upload.status, upload.attempts, upload.actor["id"]) == (UploadStatus.DONE, 1, "u-clerk")
        assert upload.content_hash == batch.content_hash  # the stored file is the batch's file


def test_the_api_answers_202_and_the_status_gives_the_batch_summary(app_client: TestClient) -> None:
    res = app_client.post(
        "/api/v1/staff/batches",
        data={"item": "xzcf_fr", "department": "shi_scjgj", "background": "true"},
        files={"file": ("处罚.csv", FILE.read_bytes(), "text/csv")},
    )
    assert res.status_code == 202, res.text
    body = res.json()
    assert body["status"] == "排队中" and body["status_url"].endswith(body["upload_id"])
    status = app_client.get(body["status_url"]).json()
    assert status["status"] == "已完成" and status["batch"]["rows"] == 13
    assert {"batch_id", "accepted", "rejected", "errors"} <= set(status["batch"])
    # The same file without background=true: the synchronous summary of the same batch.
    again = app_client.post(
        "/api/v1/staff/batches",
        data={"item": "xzcf_fr", "department": "shi_scjgj"},
        files={"file": ("处罚.csv", FILE.read_bytes(), "text/csv")},
    )
    assert again.status_code == 200 and again.json()["batch_id"] == status["batch_id"]
    assert _batches() == 1


def test_progress_is_shown_while_running_and_a_failure_in_chinese(app_client: TestClient) -> None:
    with db.transaction() as s:
        upload = uploads.receive(s, uploads.Received(FILE, "进行中.csv", "xzcf_fr", "shi_scjgj", staff()))
        upload.status = UploadStatus.RUNNING
        upload_id = upload.id
    reporter = progress.Reporter(uploads.KIND, upload_id, every=0)
    reporter.step("读取、校验和暂存数据")
    reporter.rows(25_000)
    page = app_client.get(f"/console/ingestion/uploads/{upload_id}").text
    assert 'data-testid="rows-read">25,000' in page and 'http-equiv="refresh"' in page
    assert "读取、校验和暂存数据" in page
    reporter.close()
    page = app_client.get(f"/console/ingestion/uploads/{upload_id}").text
    assert "rows-read" not in page and "处理中" in page
    # A stored file gone missing: the run fails with the reason, nothing is applied.
    with db.transaction() as s:
        s.execute(update(IngestUpload).where(IngestUpload.id == upload_id).values(status=UploadStatus.QUEUED))
        missing = s.get(IngestUpload, upload_id)
        assert missing is not None
        missing.content_hash = "0" * 64
    assert uploads.run(upload_id) == UploadStatus.FAILED
    page = app_client.get(f"/console/ingestion/uploads/{upload_id}").text
    assert "处理失败：上传的文件已不在文件库中，请重新上传" in page
    assert _batches() == 0


def test_refused_at_once_outside_scope_and_hidden_from_other_units(app_client: TestClient) -> None:
    with db.transaction() as s, pytest.raises(OutOfScope):
        uploads.receive(s, uploads.Received(FILE, "x.csv", "xzcf_fr", "wujin_scjgj", staff()))
    with db.transaction() as s:
        mine = uploads.receive(s, uploads.Received(FILE, "x.csv", "xzcf_fr", "shi_scjgj", staff())).id
    app_client.app.dependency_overrides[current_actor] = lambda: staff("wujin_scjgj")  # type: ignore[attr-defined]
    assert app_client.get(f"/api/v1/staff/uploads/{mine}").status_code == 403
    assert app_client.get(f"/console/ingestion/uploads/{mine}").status_code == 403


def test_the_job_runs_orphaned_uploads_once_and_leaves_fresh_ones_alone(own_db: Any) -> None:
    from xinyong import jobs

    with db.transaction() as s:
        orphan = uploads.receive(s, uploads.Received(FILE, "中断.csv", "xzcf_fr", "shi_scjgj", staff()))
        # A process died while running it: 处理中 since long ago.
        orphan.status = UploadStatus.RUNNING
        orphan.attempts = 1
        orphan.started_at = clock.now() - uploads.STALE_AFTER - dt.timedelta(minutes=1)
        fresh = uploads.receive(
            s,
            uploads.Received(DATA / "penalties_utf8_bom.csv", "刚上传.csv", "xzcf_fr", "shi_scjgj", staff()),
        )
        hopeless = uploads.receive(
            s, uploads.Received(DATA / "penalties.xls", "反复中断.xls", "xzcf_fr", "shi_scjgj", staff())
        )
        hopeless.status, hopeless.attempts = UploadStatus.RUNNING, uploads.MAX_ATTEMPTS
        hopeless.started_at = orphan.started_at
        ids = orphan.id, fresh.id, hopeless.id
    result = jobs.run("ingestion.resume_uploads")
    assert result == {"found": 2, "已完成": 1, "失败": 1}
    with db.transaction() as s:
        got = {u.id: u for u in s.scalars(select(IngestUpload))}
        assert (got[ids[0]].status, got[ids[0]].attempts) == (UploadStatus.DONE, 2)
        assert got[ids[1]].status == UploadStatus.QUEUED  # its own request will run it
        assert got[ids[2]].status == UploadStatus.FAILED and "已尝试处理 3 次" in (got[ids[2]].error or "")
    # Run again (a second runner, a retry): nothing more is applied; a fresh upload is not the job's.
    assert uploads.run(ids[0], resume=True) is None
    assert uploads.run(ids[1], resume=True) is None
    assert _batches() == 1
    assert storage.find(got[ids[1]].content_hash) is not None  # the waiting file is kept


def test_unfinished_and_recently_failed_uploads_are_listed_with_the_batches(app_client: TestClient) -> None:
    with db.transaction() as s:
        queued = uploads.receive(s, uploads.Received(FILE, "排队.csv", "xzcf_fr", "shi_scjgj", staff()))
        failed = uploads.receive(
            s, uploads.Received(DATA / "penalties.xls", "失败.xls", "xzcf_fr", "shi_scjgj", staff())
        )
        failed.status, failed.error = UploadStatus.FAILED, "处理失败（RuntimeError），文件已保存，可重新处理"
        old = uploads.receive(
            s, uploads.Received(DATA / "penalties.jsonl", "旧.jsonl", "xzcf_fr", "shi_scjgj", staff())
        )
        old.status = UploadStatus.FAILED
        old.created_at = clock.now() - uploads.FAILED_LISTED_FOR - dt.timedelta(hours=1)
        done = uploads.receive(
            s, uploads.Received(DATA / "penalties_utf8_bom.csv", "完成.csv", "xzcf_fr", "shi_scjgj", staff())
        )
        done.status = UploadStatus.DONE
        elsewhere = uploads.receive(
            s, uploads.Received(FILE, "武进.csv", "xzcf_fr", "wujin_scjgj", staff("wujin_scjgj"))
        )
        ids = queued.id, failed.id, elsewhere.id
    reporter = progress.Reporter(uploads.KIND, ids[0], every=0)
    listed = app_client.get("/api/v1/staff/uploads").json()
    assert [u["upload_id"] for u in listed] == [str(ids[1]), str(ids[0])]  # newest first
    assert listed[0]["error"].startswith("处理失败") and listed[1]["status_url"].endswith(str(ids[0]))
    with db.transaction() as s:
        s.execute(update(IngestUpload).where(IngestUpload.id == ids[0]).values(status=UploadStatus.RUNNING))
    reporter.step("读取、校验和暂存数据")
    reporter.rows(15_000)
    page = app_client.get("/console/ingestion/batches").text
    assert 'data-testid="uploads"' in page and "排队.csv" in page and "失败.xls" in page
    assert "已处理 15,000 行" in page and "处理失败（RuntimeError）" in page
    assert "旧.jsonl" not in page and "完成.csv" not in page and "武进.csv" not in page
    reporter.close()
    app_client.app.dependency_overrides[current_actor] = lambda: staff("wujin_scjgj")  # type: ignore[attr-defined]
    assert [u["upload_id"] for u in app_client.get("/api/v1/staff/uploads").json()] == [str(ids[2])]


def test_a_stalled_upload_can_be_run_again_from_its_page(app_client: TestClient) -> None:
    with db.transaction() as s:
        upload = uploads.receive(s, uploads.Received(FILE, "中断.csv", "xzcf_fr", "shi_scjgj", staff()))
        upload.status, upload.attempts, upload.started_at = UploadStatus.RUNNING, 1, clock.now()
        upload_id = upload.id
    refused = app_client.post(f"/console/ingestion/uploads/{upload_id}/resume")
    assert refused.status_code == 409 and "文件仍在处理或已处理完毕" in refused.text
    with db.transaction() as s:
        old = clock.now() - uploads.STALE_AFTER - dt.timedelta(minutes=1)
        s.execute(update(IngestUpload).where(IngestUpload.id == upload_id).values(started_at=old))
    page = app_client.get(f"/console/ingestion/uploads/{upload_id}").text
    assert (
        'data-testid="upload-stalled"' in page and "重新处理" in page and 'http-equiv="refresh"' not in page
    )
    res = app_client.post(f"/console/ingestion/uploads/{upload_id}/resume", follow_redirects=False)
    assert res.status_code == 303
    with db.transaction() as s:
        done = s.get(IngestUpload, upload_id)
        assert done is not None and (done.status, done.attempts) == (UploadStatus.DONE, 2)
    assert _batches() == 1
