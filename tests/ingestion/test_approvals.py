"""Big batches approved in the console or the API are applied in the background (入库中), with the step
under way shown from any process; a failed or killed run leaves nothing applied, and the job finishes an
orphaned one exactly once.

These tests commit (the background run uses transactions of its own), so they use a database of their own
(``own_db``: every batch counts as a big one).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.ingestion.helpers import DATA, staff, submit
from xinyong import db
from xinyong.audit.models import AuditEntry
from xinyong.ingestion import approvals, service
from xinyong.ingestion.errors import BatchStateError
from xinyong.ingestion.models import BatchStatus, IngestBatch
from xinyong.kit import clock
from xinyong.records.models import CreditRecord

FILE = DATA / "penalties_gbk.csv"


def _pending() -> uuid.UUID:
    """A batch of the GBK fixture waiting for review (the unit's feed is not trusted)."""
    with db.transaction() as s:
        sub = submit(s, FILE)
        assert sub.batch.status == BatchStatus.PENDING and sub.batch.accepted > 0
        return sub.batch.id


def _records() -> int:
    with db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(CreditRecord)) or 0)


def _batch(batch_id: uuid.UUID) -> IngestBatch:
    with db.transaction() as s:
        batch = s.get(IngestBatch, batch_id)
        assert batch is not None
        s.expunge(batch)
        return batch


def _actions(batch_id: uuid.UUID) -> list[str]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(AuditEntry.action).where(AuditEntry.target_id == str(batch_id)).order_by(AuditEntry.id)
            )
        )


def _requested(batch_id: uuid.UUID, note: str | None = None) -> None:
    with db.transaction() as s:
        approvals.request(s, batch_id=batch_id, actor=staff(), now=clock.now(), note=note)


def test_a_console_approval_of_a_big_batch_runs_after_the_response(app_client: TestClient) -> None:
    batch_id = _pending()
    accepted = _batch(batch_id).accepted
    page = app_client.get(f"/console/ingestion/batches/{batch_id}").text
    assert "审核通过" in page
    res = app_client.post(
        f"/console/ingestion/batches/{batch_id}/approve",
        data={"note": "同意"},
        follow_redirects=False,
    )
    assert res.status_code == 303, res.text
    # TestClient runs the background task before it returns: the batch is applied by now.
    page = app_client.get(res.headers["location"]).text
    assert 'data-testid="batch-status">已通过' in page and 'http-equiv="refresh"' not in page
    assert "审核意见：同意" in page
    batch = _batch(batch_id)
    assert (batch.status, batch.apply_attempts, batch.apply_error) == (BatchStatus.APPROVED, 1, None)
    assert batch.reviewed_by == "user:u-clerk" and batch.apply_actor and batch.apply_actor["id"] == "u-clerk"
    assert _records() == accepted == batch.outcome["created"]
    assert _actions(batch_id)[-2:] == ["ingestion.batch_approval_requested", "ingestion.batch_approved"]


def test_while_applying_the_page_shows_the_step_written_by_another_process(
    app_client: TestClient, data_dir: Any
) -> None:
    batch_id = _pending()
    _requested(batch_id)
    # Another process (another web worker running the approval) reports its step.
    code = textwrap.dedent(
        f"""
        from xinyong.ingestion import approvals, progress
        progress.Reporter(approvals.KIND, "{batch_id}").step("写入信用记录")
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
    page = app_client.get(f"/console/ingestion/batches/{batch_id}").text
    assert 'data-testid="batch-status">入库中' in page and 'http-equiv="refresh"' in page
    assert 'data-testid="apply-step">写入信用记录' in page
    assert 'data-testid="review"' not in page  # no approve / return / withdraw while it is applied
    api = app_client.get(f"/api/v1/staff/batches/{batch_id}").json()
    assert (
        api["status"] == "入库中"
        and api["approval"]["applying"]
        and api["approval"]["step"] == "写入信用记录"
    )
    # Every review action is refused meanwhile; submitting the same file again finds it as it is.
    with db.transaction() as s:
        for act in (service.approve, service.withdraw):
            with pytest.raises(BatchStateError, match="入库中"):
                act(s, batch_id=batch_id, actor=staff(), now=clock.now())
        with pytest.raises(BatchStateError):
            service.return_batch(s, batch_id=batch_id, actor=staff(), now=clock.now(), note="退回")
        again = submit(s, FILE)
        assert (again.batch.id, again.new, again.batch.status) == (batch_id, False, BatchStatus.APPLYING)
    assert _records() == 0
    assert approvals.run(batch_id) == BatchStatus.APPROVED
    assert "apply-step" not in app_client.get(f"/console/ingestion/batches/{batch_id}").text
    assert not list((data_dir / "progress").glob("*.json"))  # the progress file is gone with the run


def test_a_failed_run_applies_nothing_and_the_batch_waits_for_review_with_the_reason(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = _pending()
    _requested(batch_id, note="同意")

    def broken(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_note_names", broken)  # after the records were inserted
    assert approvals.run(batch_id) == BatchStatus.PENDING
    batch = _batch(batch_id)
    assert (batch.status, batch.reviewed_by, batch.review_note) == (BatchStatus.PENDING, None, None)
    assert batch.apply_error is not None and "RuntimeError" in batch.apply_error
    assert _records() == 0 and batch.outcome == {}
    assert _actions(batch_id)[-1] == "ingestion.batch_approval_failed"
    page = app_client.get(f"/console/ingestion/batches/{batch_id}").text
    assert 'data-testid="apply-error"' in page and "数据未写入" in page and 'data-testid="review"' in page
    # Approved again once the cause is gone: applied, the old reason cleared.
    monkeypatch.undo()
    _requested(batch_id)
    assert approvals.run(batch_id) == BatchStatus.APPROVED
    batch = _batch(batch_id)
    assert (batch.status, batch.apply_error, batch.apply_attempts) == (BatchStatus.APPROVED, None, 1)
    assert _records() == batch.accepted


def test_a_run_killed_mid_apply_leaves_nothing_and_the_job_applies_it_once(own_db: Any) -> None:
    batch_id = _pending()
    _requested(batch_id)
    url = own_db.url.render_as_string(hide_password=False)
    # The web process dies inside the apply's transaction, after the records were inserted.
    code = textwrap.dedent(
        f"""
        import os, signal, uuid
        from xinyong import db
        from xinyong.ingestion import approvals, service
        db.set_engine(db.make_engine({url!r}))
        service._note_names = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
        approvals.run(uuid.UUID("{batch_id}"))
        """
    )
    died = subprocess.run([sys.executable, "-c", code], env={**os.environ}, capture_output=True)
    assert died.returncode == -9, died.stderr.decode()
    batch = _batch(batch_id)
    assert (batch.status, batch.apply_attempts) == (BatchStatus.APPLYING, 1) and batch.apply_started_at
    assert _records() == 0
    # Not stale yet: neither the job nor a second request runs it again.
    from xinyong import jobs

    assert jobs.run("ingestion.resume_approvals") == {"found": 0}
    assert approvals.run(batch_id) is None
    with db.transaction() as s:
        old = clock.now() - approvals.STALE_AFTER - dt.timedelta(minutes=1)
        s.execute(update(IngestBatch).where(IngestBatch.id == batch_id).values(apply_started_at=old))
    assert jobs.run("ingestion.resume_approvals") == {"found": 1, "已通过": 1}
    batch = _batch(batch_id)
    assert (batch.status, batch.apply_attempts) == (BatchStatus.APPROVED, 2)
    assert _records() == batch.accepted
    assert approvals.run(batch_id, resume=True) is None  # a second runner: nothing more
    assert _records() == batch.accepted


def test_an_approval_that_keeps_dying_goes_back_to_review(own_db: Any) -> None:
    batch_id = _pending()
    _requested(batch_id)
    with db.transaction() as s:
        old = clock.now() - approvals.STALE_AFTER - dt.timedelta(minutes=1)
        s.execute(
            update(IngestBatch)
            .where(IngestBatch.id == batch_id)
            .values(apply_started_at=old, apply_attempts=approvals.MAX_ATTEMPTS)
        )
    assert approvals.run(batch_id, resume=True) == BatchStatus.PENDING
    batch = _batch(batch_id)
    assert batch.status == BatchStatus.PENDING and "已尝试入库 3 次" in (batch.apply_error or "")
    assert _records() == 0


def test_the_api_answers_202_and_the_batch_shows_the_outcome(app_client: TestClient) -> None:
    batch_id = _pending()
    res = app_client.post(f"/api/v1/staff/batches/{batch_id}/approve?background=true", json={"note": "同意"})
    assert res.status_code == 202, res.text
    body = res.json()
    assert body["status"] == "入库中" and body["status_url"] == f"/api/v1/staff/batches/{batch_id}"
    status = app_client.get(body["status_url"]).json()
    assert status["status"] == "已通过" and status["review_note"] == "同意"
    assert status["approval"] == {
        "applying": False,
        "stalled": False,
        "step": None,
        "started_at": status["approval"]["started_at"],
        "attempts": 1,
        "error": None,
    }
    assert status["outcome"]["created"] == _records() > 0
    # Approving it again is refused as any second approval is.
    again = app_client.post(f"/api/v1/staff/batches/{batch_id}/approve?background=true")
    assert again.status_code == 409 and "已通过" in again.json()["error"]["message"]


def test_outside_the_reviewers_scope_nothing_is_requested(own_db: Any) -> None:
    from xinyong.ingestion.errors import OutOfScope

    batch_id = _pending()
    with db.transaction() as s, pytest.raises(OutOfScope):
        approvals.request(s, batch_id=batch_id, actor=staff("wujin_scjgj"), now=clock.now())
    assert _batch(batch_id).status == BatchStatus.PENDING


def test_a_stalled_approval_can_be_run_again_from_its_page(app_client: TestClient) -> None:
    batch_id = _pending()
    _requested(batch_id)
    with db.transaction() as s:  # started 10 minutes ago: still running, as far as anyone can tell
        recent = clock.now() - dt.timedelta(minutes=10)
        s.execute(update(IngestBatch).where(IngestBatch.id == batch_id).values(apply_started_at=recent))
    page = app_client.get(f"/console/ingestion/batches/{batch_id}").text
    assert 'data-testid="applying"' in page and "apply-stalled" not in page
    refused = app_client.post(f"/console/ingestion/batches/{batch_id}/resume")
    assert refused.status_code == 409 and "入库仍在进行中" in refused.text
    assert _batch(batch_id).status == BatchStatus.APPLYING
    with db.transaction() as s:  # a process that died 31 minutes ago
        old = clock.now() - approvals.STALE_AFTER - dt.timedelta(minutes=1)
        s.execute(update(IngestBatch).where(IngestBatch.id == batch_id).values(apply_started_at=old))
    page = app_client.get(f"/console/ingestion/batches/{batch_id}").text
    assert 'data-testid="apply-stalled"' in page and "重新入库" in page and 'http-equiv="refresh"' not in page
    assert app_client.get(f"/api/v1/staff/batches/{batch_id}").json()["approval"]["stalled"] is True
    res = app_client.post(f"/console/ingestion/batches/{batch_id}/resume", follow_redirects=False)
    assert res.status_code == 303
    batch = _batch(batch_id)
    assert (batch.status, batch.apply_attempts) == (BatchStatus.APPROVED, 1) and _records() == batch.accepted
