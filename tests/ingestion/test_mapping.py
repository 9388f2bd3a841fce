"""A unit's clerk maps a column the catalogue does not recognise (列映射): from the refused batch to the
mapping page, saved for the unit, and the same stored file read again into a new batch."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, staff, submit, trust_feed
from xinyong.audit.models import AuditEntry
from xinyong.auth.permissions import current_actor
from xinyong.ingestion import service
from xinyong.ingestion.models import BatchStatus, IngestBatch


def _renamed(tmp_path: Path) -> Path:
    """The BOM fixture as a unit that calls 行政相对人名称 "企业名称" sends it."""
    text = (DATA / "penalties_utf8_bom.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "本单位格式.csv"
    path.write_text(text.replace("行政相对人名称", "企业名称", 1), encoding="utf-8-sig")
    return path


def _as(client: Any, unit: str = "shi_scjgj") -> Any:
    client.app.dependency_overrides[current_actor] = lambda: staff(unit)
    return client


def test_a_refused_file_leads_to_the_mapping_and_is_read_again_with_it(
    session: Session, client: Any, tmp_path: Path
) -> None:
    failed = submit(session, _renamed(tmp_path)).batch
    assert failed.status == BatchStatus.FAILED and failed.warnings == 1
    assert service.unknown_columns(session, failed.id) == ["企业名称"]
    page = _as(client).get(f"/console/ingestion/batches/{failed.id}").text
    assert (
        "表头缺少必填列：行政相对人名称" in page
        and 'data-testid="map-columns"' in page
        and "企业名称" in page
    )
    form = client.get(
        "/console/ingestion/mapping", params={"item": "xzcf_fr", "unit": "shi_scjgj", "batch": str(failed.id)}
    ).text
    assert 'name="header" value="企业名称"' in form and "重新处理该批次的文件" in form
    res = client.post(
        "/console/ingestion/mapping",
        data={
            "item": "xzcf_fr",
            "unit": "shi_scjgj",
            "batch": str(failed.id),
            "reprocess": "true",
            "header": ["企业名称", "", ""],
            "field": ["subject_name", "", ""],
        },
        follow_redirects=False,
    )
    assert res.status_code == 303, res.text
    new_id = res.headers["location"].rsplit("/", 1)[1]
    new = session.get(IngestBatch, uuid.UUID(new_id))
    assert new is not None and new.id != failed.id and new.content_hash == failed.content_hash
    assert (new.status, new.rows, new.accepted, new.warnings) == (BatchStatus.PENDING, 5, 5, 0)
    assert new.mapping["企业名称"] == "subject_name"
    saved = service.feed(session, "shi_scjgj", "xzcf_fr")
    assert saved is not None and saved.mapping == {"企业名称": "subject_name"} and saved.trusted is False
    audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "ingestion.feed_saved")).one()
    assert audited.target_id == "shi_scjgj:xzcf_fr" and audited.actor_id == "u-clerk"
    # The unit's next file in its own format is read with the saved mapping (the same file: the same batch).
    again = submit(session, _renamed(tmp_path))
    assert (again.batch.id, again.new) == (new.id, False)


def test_a_mapping_to_no_field_is_refused_with_the_rows_kept(session: Session, client: Any) -> None:
    res = _as(client).post(
        "/console/ingestion/mapping",
        data={"item": "xzcf_fr", "unit": "shi_scjgj", "header": ["企业名称"], "field": ["no_such_field"]},
    )
    assert res.status_code == 422 and "映射指向未知字段：no_such_field" in res.text
    assert 'value="企业名称"' in res.text  # what the clerk typed is still there
    assert service.feed(session, "shi_scjgj", "xzcf_fr") is None


def test_saving_without_reprocessing_and_the_trusted_flag_is_left_alone(
    session: Session, client: Any
) -> None:
    trust_feed(session)
    res = _as(client).post(
        "/console/ingestion/mapping",
        data={
            "item": "xzcf_fr",
            "unit": "shi_scjgj",
            "header": ["单位名称", " "],
            "field": ["subject_name", ""],
        },
    )
    assert res.status_code == 200 and 'data-testid="saved"' in res.text  # followed to the page, 已保存
    saved = service.feed(session, "shi_scjgj", "xzcf_fr")
    assert saved is not None and saved.mapping == {"单位名称": "subject_name"} and saved.trusted is True


def test_other_units_mappings_are_out_of_reach(session: Session, client: Any) -> None:
    params = {"item": "xzcf_fr", "unit": "shi_scjgj"}
    assert _as(client, "wujin_scjgj").get("/console/ingestion/mapping", params=params).status_code == 403
    res = client.post(
        "/console/ingestion/mapping", data={**params, "header": ["x"], "field": ["subject_name"]}
    )
    assert res.status_code == 403 and service.feed(session, "shi_scjgj", "xzcf_fr") is None
    assert (
        client.put("/api/v1/staff/feeds/shi_scjgj/xzcf_fr/mapping", json={"mapping": {}}).status_code == 403
    )


def test_the_api_reads_and_saves_the_mapping(session: Session, client: Any) -> None:
    api = _as(client)
    assert api.get("/api/v1/staff/feeds/shi_scjgj/xzcf_fr").json()["mapping"] == {}
    res = api.put(
        "/api/v1/staff/feeds/shi_scjgj/xzcf_fr/mapping", json={"mapping": {"企业名称": "subject_name"}}
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["mapping"] == {"企业名称": "subject_name"} and body["trusted"] is False
    assert body["updated_by"] == "user:u-clerk"
    bad = api.put("/api/v1/staff/feeds/shi_scjgj/xzcf_fr/mapping", json={"mapping": {"a": "nope"}})
    assert bad.status_code == 422
    unknown = api.get("/api/v1/staff/feeds/shi_scjgj/no_such_item")  # the catalogue is a gate
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_catalog_item"


def test_a_batch_of_another_unit_lends_no_headers(session: Session, client: Any, tmp_path: Path) -> None:
    theirs = submit(session, _renamed(tmp_path), unit="wujin_scjgj", actor=staff("wujin_scjgj")).batch
    assert service.unknown_columns(session, theirs.id) == ["企业名称"]
    own = {"item": "xzcf_fr", "unit": "shi_scjgj", "batch": str(theirs.id)}
    assert _as(client).get("/console/ingestion/mapping", params=own).status_code == 403
    mine = {"item": "xzcf_fr", "unit": "wujin_scjgj", "batch": str(theirs.id)}
    assert "企业名称" in _as(client, "wujin_scjgj").get("/console/ingestion/mapping", params=mine).text
