"""The catalogue names each item's providing units: another unit's data of that item is refused whole,
before anything is stored, on every way in (service, API, console, background upload, feed settings)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, staff
from xinyong.audit.models import AuditEntry
from xinyong.auth.permissions import current_actor
from xinyong.catalog import queries as catalog
from xinyong.ingestion import service, uploads
from xinyong.ingestion.errors import NotAProvider
from xinyong.ingestion.models import IngestBatch, IngestUpload
from xinyong.kit import clock

#: 失信被执行人: the courts provide it (profiles/changzhou/catalog/sxbzxr.yaml), a market regulator does not.
COURT_ITEM, REGULATOR, COURT = "sxbzxr", "shi_scjgj", "shi_zy"


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_profile_names_who_provides_what(session: Session) -> None:
    court_item = catalog.item_spec(session, COURT_ITEM)
    assert court_item.provided_by(COURT) and not court_item.provided_by(REGULATOR)
    assert catalog.item_spec(session, "xzcf_fr").provided_by(REGULATOR)  # ["*"]: every unit


def _submit(session: Session, unit: str) -> service.Submission:
    return service.submit(
        session,
        objects=[{"被执行人姓名/名称": "常州某某贸易有限公司"}],
        item_code=COURT_ITEM,
        unit_key=unit,
        actor=staff(unit),
        now=clock.now(),
        today=clock.today(),
    )


def test_another_units_submission_is_refused_whole_and_nothing_is_recorded(session: Session) -> None:
    batches, audits = _count(session, IngestBatch), _count(session, AuditEntry)
    with pytest.raises(NotAProvider) as refused:
        _submit(session, REGULATOR)
    assert refused.value.status_code == 403 and refused.value.code == "not_a_provider"
    assert "常州市市场监督管理局不是目录事项“失信被执行人”的提供单位" in refused.value.message
    assert (_count(session, IngestBatch), _count(session, AuditEntry)) == (batches, audits)
    assert _submit(session, COURT).batch.unit_key == COURT  # the court's passes the gate


def test_the_api_answers_403_in_chinese(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client.app.dependency_overrides[current_actor] = lambda: staff(REGULATOR)
    res = client.post(
        "/api/v1/staff/batches",
        json={"item": COURT_ITEM, "department": REGULATOR, "rows": [{"被执行人姓名/名称": "某公司"}]},
    )
    assert res.status_code == 403 and res.json()["error"]["code"] == "not_a_provider"
    assert "提供单位" in res.json()["error"]["message"] and _count(session, IngestBatch) == 0


def test_the_console_offers_only_the_items_the_unit_provides(client) -> None:  # type: ignore[no-untyped-def]
    client.app.dependency_overrides[current_actor] = lambda: staff(REGULATOR)
    page = client.get("/console/ingestion/upload").text
    assert 'value="xzcf_fr"' in page and 'value="djzc"' in page and f'value="{COURT_ITEM}"' not in page
    record = client.get("/console/ingestion/record").text
    assert 'value="xzcf_fr"' in record and f'value="{COURT_ITEM}"' not in record
    res = client.post(
        "/console/ingestion/upload",
        data={"item": COURT_ITEM},
        files={"file": ("失信.csv", (DATA / "penalties_utf8_bom.csv").read_bytes(), "text/csv")},
    )
    assert res.status_code == 403 and "不是目录事项“失信被执行人”的提供单位" in res.text


def test_a_background_upload_and_a_feed_setting_are_refused_at_once(session: Session) -> None:
    file = uploads.Received(
        DATA / "penalties_utf8_bom.csv", "失信.csv", COURT_ITEM, REGULATOR, staff(REGULATOR)
    )
    with pytest.raises(NotAProvider):
        uploads.receive(session, file)
    assert _count(session, IngestUpload) == 0
    with pytest.raises(NotAProvider):
        service.save_feed(
            session,
            unit_key=REGULATOR,
            item_code=COURT_ITEM,
            mapping={},
            trusted=True,
            actor=staff(),
            now=clock.now(),
        )
