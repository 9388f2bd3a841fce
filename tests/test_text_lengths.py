"""Text longer than its column: refused with a message naming the field, on every database (PostgreSQL
answered 500 and the reviewer's note was lost; SQLite kept it whole), and nothing of the action kept."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.ingestion.helpers import staff, submit
from xinyong.auth.permissions import current_actor
from xinyong.db import TooLong
from xinyong.ingestion import service
from xinyong.ingestion.models import BatchStatus, IngestBatch
from xinyong.kit import clock

REVIEWER = staff(roles=frozenset({"dept_reviewer"}), uid="u-reviewer")


def _pending(session: Session) -> IngestBatch:
    batch = submit(session, "penalties_gbk.csv").batch
    assert batch.status == BatchStatus.PENDING
    return batch


def test_a_note_longer_than_its_column_is_refused_by_name(session: Session) -> None:
    batch = _pending(session)
    with pytest.raises(TooLong) as caught, session.begin_nested():
        service.return_batch(
            session, batch_id=batch.id, actor=REVIEWER, now=clock.now(), note="请补充处罚依据" * 72
        )
    assert caught.value.message.startswith("“审核意见”最多 500 个字符，现有 504 个")
    assert caught.value.details == {"field": "review_note", "max": 500, "length": 504}
    session.expire_all()
    assert session.get(IngestBatch, batch.id).status == BatchStatus.PENDING  # type: ignore[union-attr]
    # Exactly as long as the column: kept whole.
    note = "请" * 500
    service.return_batch(session, batch_id=batch.id, actor=REVIEWER, now=clock.now(), note=note)
    session.expire_all()
    assert session.get(IngestBatch, batch.id).review_note == note  # type: ignore[union-attr]


def test_the_console_shows_the_limit_on_the_batch_page(session: Session, client: TestClient) -> None:
    batch = _pending(session)
    client.app.dependency_overrides[current_actor] = lambda: REVIEWER  # type: ignore[attr-defined]
    got = client.post(
        f"/console/ingestion/batches/{batch.id}/return", data={"note": "退" * 501}, follow_redirects=False
    )
    assert got.status_code == 422
    assert "“审核意见”最多 500 个字符，现有 501 个" in got.text
    session.expire_all()
    assert session.get(IngestBatch, batch.id).status == BatchStatus.PENDING  # type: ignore[union-attr]
    # The form itself stops the typing at the limit.
    assert 'name="note" required maxlength="500"' in client.get(f"/console/ingestion/batches/{batch.id}").text


def test_the_api_answers_422_with_the_field(session: Session, client: TestClient) -> None:
    batch = _pending(session)
    client.app.dependency_overrides[current_actor] = lambda: REVIEWER  # type: ignore[attr-defined]
    got = client.post(f"/api/v1/staff/batches/{batch.id}/return", json={"note": "退" * 600})
    assert got.status_code == 422
    error = got.json()["error"]
    assert error["code"] == "too_long" and error["details"]["field"] == "review_note"
