"""The file a unit sent, downloaded from its batch exactly as sent: only by staff entitled to its
unmasked personal data, with a purpose and legal basis, each download in the read-audit log."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, staff, submit
from xinyong.audit.models import ReadAuditEntry
from xinyong.auth.actor import Actor
from xinyong.auth.permissions import current_actor
from xinyong.ingestion import storage

FILE = DATA / "penalties_gbk.csv"


def _entitled(unit: str = "shi_scjgj", *, purpose: str | None = "supervision") -> Actor:
    base = staff(unit)
    return dataclasses.replace(
        base,
        permissions=base.permissions | {"records.read_private"},
        purpose=purpose,
        legal_basis="js_credit_regulation" if purpose else None,
    )


def _as(client: Any, actor: Actor) -> Any:
    client.app.dependency_overrides[current_actor] = lambda: actor
    return client


def _reads(session: Session) -> list[ReadAuditEntry]:
    return list(session.scalars(select(ReadAuditEntry).where(ReadAuditEntry.action == "ingestion.file_read")))


def test_the_api_gives_the_file_byte_for_byte_and_audits_the_read(session: Session, client: Any) -> None:
    batch = submit(session, FILE).batch
    res = _as(client, _entitled()).get(f"/api/v1/staff/batches/{batch.id}/file")
    assert res.status_code == 200, res.text
    assert res.content == FILE.read_bytes() and res.headers["content-type"].startswith("text/csv")
    assert "penalties_gbk.csv" in res.headers["content-disposition"]
    (read,) = _reads(session)
    assert (read.actor_id, read.purpose, read.legal_basis) == (
        "u-clerk",
        "supervision",
        "js_credit_regulation",
    )
    assert read.target_id == str(batch.id) and read.details["content_hash"] == batch.content_hash


def test_refused_without_the_right_without_a_purpose_or_outside_the_scope(
    session: Session, client: Any
) -> None:
    batch = submit(session, FILE).batch
    url = f"/api/v1/staff/batches/{batch.id}/file"
    plain = _as(client, staff()).get(url)  # may read the batch, not its unmasked personal data
    assert plain.status_code == 403 and "records.read_private" in plain.json()["error"]["message"]
    no_purpose = _as(client, _entitled(purpose=None)).get(url)
    assert no_purpose.status_code == 422 and no_purpose.json()["error"]["code"] == "purpose_required"
    elsewhere = _as(client, _entitled("wujin_scjgj")).get(url)
    assert elsewhere.status_code == 403
    assert _reads(session) == []  # nothing was read


def test_the_console_offers_the_download_to_the_entitled_and_says_when_the_file_is_gone(
    session: Session, client: Any
) -> None:
    batch = submit(session, FILE).batch
    page = _as(client, staff()).get(f"/console/ingestion/batches/{batch.id}").text
    assert 'data-testid="original"' not in page
    page = _as(client, _entitled(purpose=None)).get(f"/console/ingestion/batches/{batch.id}").text
    assert 'data-testid="original"' in page and "下载原始文件" in page and "日常监管" in page
    res = client.get(
        f"/console/ingestion/batches/{batch.id}/file",
        params={"purpose": "supervision", "legal_basis": "js_credit_regulation"},
    )
    # The console's actor comes from the override here; the query parameters are read by current_actor.
    assert res.status_code == 422 and "查询目的" in res.text
    res = _as(client, _entitled()).get(f"/console/ingestion/batches/{batch.id}/file")
    assert res.status_code == 200 and res.content == FILE.read_bytes()
    stored = storage.find(batch.content_hash)
    assert stored is not None
    stored.unlink()
    gone = client.get(f"/console/ingestion/batches/{batch.id}/file")
    assert gone.status_code == 404 and "原始文件已不在文件库中" in gone.text
    assert len(_reads(session)) == 1
