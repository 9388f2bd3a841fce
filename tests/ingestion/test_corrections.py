"""退回 → 更正 → 重新报送: a returned batch's corrected file becomes a new batch for review and the
returned one 已更正 (out of the unit's 我的报送批次 queue), on every way in; a unit that will not correct it
withdraws it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, staff, submit
from xinyong.audit.models import AuditEntry
from xinyong.auth.permissions import current_actor
from xinyong.db import transaction
from xinyong.errors import Invalid
from xinyong.ingestion import queries, service, uploads
from xinyong.ingestion.errors import BatchStateError
from xinyong.ingestion.models import BatchStatus, IngestBatch
from xinyong.kit import clock

WRONG, FIXED = DATA / "penalties_utf8_bom.csv", DATA / "penalties_corrected.csv"


def _returned(session: Session, path: Path = WRONG) -> IngestBatch:
    batch = submit(session, path).batch
    return service.return_batch(
        session, batch_id=batch.id, actor=staff(), now=clock.now(), note="第 1 行罚款金额有误"
    )


def _queue(session: Session) -> int:
    return queries.count_batches(session, status=BatchStatus.RETURNED, units={"shi_scjgj"})


def test_the_corrected_file_becomes_a_new_batch_and_the_returned_one_is_corrected(session: Session) -> None:
    returned = _returned(session)
    assert _queue(session) == 1
    new = submit(session, FIXED, replaces=returned.id)
    assert new.new and new.batch.status == BatchStatus.PENDING and new.batch.id != returned.id
    assert (returned.status, returned.replaced_by) == (BatchStatus.CORRECTED, new.batch.id)
    assert _queue(session) == 0  # out of 我的报送批次
    assert service.corrections(session, returned) == (new.batch, None)
    assert service.corrections(session, new.batch) == (None, returned)
    assert service.detail(session, returned)["replaced_by"] == str(new.batch.id)
    audit = session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(returned.id))).all()
    assert "ingestion.batch_corrected" in audit


def test_the_same_file_again_is_the_returned_batch_back_in_review(session: Session) -> None:
    returned = _returned(session)
    again = submit(session, WRONG, replaces=returned.id)
    assert not again.new and again.batch.id == returned.id and returned.status == BatchStatus.PENDING
    assert returned.replaced_by is None


def test_only_a_returned_batch_of_the_same_unit_and_item_can_be_corrected(session: Session) -> None:
    pending = submit(session, WRONG).batch
    with pytest.raises(BatchStateError):
        submit(session, FIXED, replaces=pending.id)
    returned = service.return_batch(session, batch_id=pending.id, actor=staff(), now=clock.now(), note="有误")
    with pytest.raises(Invalid) as other:
        submit(session, FIXED, replaces=returned.id, item="xzcf_zrr")
    assert other.value.code == "correction_mismatch"
    assert returned.status == BatchStatus.RETURNED  # nothing changed


def test_a_refused_correction_leaves_the_returned_batch_as_it_was(session: Session) -> None:
    returned = _returned(session)
    failed = submit(session, DATA / "empty.csv", replaces=returned.id)
    assert failed.batch.status == BatchStatus.FAILED and returned.status == BatchStatus.RETURNED


def test_a_returned_batch_that_will_not_be_corrected_is_withdrawn(session: Session) -> None:
    returned = _returned(session)
    service.withdraw(session, batch_id=returned.id, actor=staff(), now=clock.now())
    assert returned.status == BatchStatus.WITHDRAWN and _queue(session) == 0


@pytest.fixture
def api(client):  # type: ignore[no-untyped-def]
    client.app.dependency_overrides[current_actor] = lambda: staff()
    return client


def test_the_console_page_offers_the_correction_and_takes_it(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    returned = _returned(session)
    page = api.get(f"/console/ingestion/batches/{returned.id}").text
    assert 'data-testid="correct"' in page and "撤回本批次" in page
    res = api.post(
        f"/console/ingestion/batches/{returned.id}/correct",
        files={"file": ("更正.csv", FIXED.read_bytes(), "text/csv")},
        follow_redirects=False,
    )
    assert res.status_code == 303 and returned.status == BatchStatus.CORRECTED
    new_page = api.get(res.headers["location"]).text
    assert 'data-testid="corrects"' in new_page and str(returned.id) in new_page
    old_page = api.get(f"/console/ingestion/batches/{returned.id}").text
    assert 'data-testid="corrected-by"' in old_page and 'data-testid="correct"' not in old_page


def test_the_api_takes_replaces_for_files_and_json_rows(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    returned = _returned(session)
    res = api.post(
        "/api/v1/staff/batches",
        data={"item": "xzcf_fr", "department": "shi_scjgj", "replaces": str(returned.id)},
        files={"file": ("更正.csv", FIXED.read_bytes(), "text/csv")},
    )
    assert res.status_code == 201 and returned.status == BatchStatus.CORRECTED
    detail = api.get(f"/api/v1/staff/batches/{returned.id}").json()
    assert detail["status"] == "已更正" and detail["replaced_by"] == res.json()["batch_id"]
    bad = api.post(
        "/api/v1/staff/batches",
        json={
            "item": "xzcf_fr",
            "department": "shi_scjgj",
            "rows": [{"行政相对人名称": "某"}],
            "replaces": str(returned.id),
        },
    )
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "batch_state"  # already corrected


def test_a_big_correction_runs_in_the_background(app_client: TestClient, own_db: Any) -> None:
    with transaction() as s:
        returned_id = _returned(s).id
    res = app_client.post(
        "/api/v1/staff/batches",
        data={
            "item": "xzcf_fr",
            "department": "shi_scjgj",
            "replaces": str(returned_id),
            "background": "true",
        },
        files={"file": ("更正.csv", FIXED.read_bytes(), "text/csv")},
    )
    assert res.status_code == 202
    status = app_client.get(res.json()["status_url"]).json()
    assert status["status"] == "已完成", status
    with transaction() as s:
        returned = s.get(IngestBatch, returned_id)
        assert returned is not None and returned.status == BatchStatus.CORRECTED
        assert str(returned.replaced_by) == status["batch"]["batch_id"]
    with transaction() as s, pytest.raises(BatchStateError):  # refused at once, before the file is kept
        uploads.receive(
            s, uploads.Received(FIXED, "x.csv", "xzcf_fr", "shi_scjgj", staff(), None, returned_id)
        )
