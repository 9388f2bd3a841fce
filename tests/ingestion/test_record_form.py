"""The console's single-record form: the unit's own fields filled in, problems beside their fields with
what the clerk typed kept, nothing stored until the row passes; then a batch of one for review."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.ingestion.helpers import staff
from xinyong.auth.permissions import current_actor
from xinyong.catalog import queries as catalog
from xinyong.ingestion import service
from xinyong.ingestion.models import IngestBatch
from xinyong.kit import clock
from xinyong.kit.identifiers import make_uscc
from xinyong.org import queries as org

URL = "/console/ingestion/record"


@pytest.fixture
def api(client):  # type: ignore[no-untyped-def]
    client.app.dependency_overrides[current_actor] = lambda: staff()
    return client


def _value(page: str, key: str) -> str | None:
    found = re.search(rf'<input id="f-{key}"[^>]*\bvalue="([^"]*)"', page)
    return found.group(1) if found else None


def _row(session: Session, **changes: Any) -> dict[str, Any]:
    """A valid penalty as the form posts it (field keys; the unit fields as prefilled)."""
    unit = org.unit(session, "shi_scjgj")
    assert unit is not None
    item = catalog.item_spec(session, "xzcf_fr")
    by_role = {str(f.role): f.key for f in item.fields if f.role is not None}
    decided = clock.today() - dt.timedelta(days=3)
    row: dict[str, Any] = {
        "_item": "xzcf_fr",
        by_role["subject_name"]: "常州单录测试贸易有限公司",
        by_role["subject_category"]: "法人及非法人组织",
        by_role["subject_code"]: make_uscc("9", "1", "320412", "MA1TEMP8"),
        by_role["legal_rep"]: "李四",
        by_role["decision_no"]: "常市监罚〔2026〕单录1号",
        by_role["decision_date"]: decided.isoformat(),
        by_role["penalty_types"]: ["警告", "罚款"],
        by_role["fine_amount"]: "0.5",
        by_role["deciding_unit_name"]: unit.name,
        by_role["deciding_unit_code"]: unit.uscc,
        by_role["source_unit_name"]: unit.name,
        by_role["source_unit_code"]: unit.uscc,
    }
    for f in item.fields:  # the other required fields: a plausible text each
        if f.required and f.key not in row:
            row[f.key] = (
                (decided + dt.timedelta(days=365)).isoformat() if f.type == "date" else f"{f.label}内容"
            )
    row.update(changes)
    return row


def _batches(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(IngestBatch)) or 0)


def test_the_form_fills_in_the_submitting_units_name_and_code(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    page = api.get(URL).text
    unit = org.unit(session, "shi_scjgj")
    assert unit is not None
    item = catalog.item_spec(session, "xzcf_fr")
    for role, expected in (
        ("deciding_unit_name", unit.name),
        ("deciding_unit_code", unit.uscc),
        ("source_unit_name", unit.name),
        ("source_unit_code", unit.uscc),
    ):
        field = item.field_by_role(role)
        assert field is not None and _value(page, field.key) == expected, role
    subject = item.field_by_role("subject_name")
    assert subject is not None and _value(page, subject.key) == ""
    types = item.field_by_role("penalty_types")
    assert types is not None and f'type="checkbox" name="{types.key}" value="罚款"' in page


def test_a_row_with_errors_comes_back_filled_in_and_nothing_is_stored(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    item = catalog.item_spec(session, "xzcf_fr")
    code, date, fine, name = (
        item.field_by_role(r) for r in ("subject_code", "decision_date", "fine_amount", "subject_name")
    )
    assert code is not None and date is not None and fine is not None and name is not None
    good = _row(session)[code.key]
    bad_code = good[:-1] + ("0" if good[-1] != "0" else "1")
    future = (clock.today() + dt.timedelta(days=5)).isoformat()
    before = _batches(session)
    res = api.post(URL, data=_row(session, **{code.key: bad_code, date.key: future, fine.key: "-1"}))
    assert res.status_code == 422
    page = res.text
    assert _batches(session) == before  # nothing stored
    assert 'data-testid="record-problems"' in page and "有 3 处错误" in page
    for key, rule in ((code.key, "uscc.checksum"), (date.key, "date.future"), (fine.key, "amount.negative")):
        block = page.split(f'data-field="{key}"')[1].split("</div>")[0]
        assert "has-error" in page.split(f'data-field="{key}"')[0][-40:] and f'data-code="{rule}"' in block, (
            key
        )
    assert _value(page, code.key) == bad_code and _value(page, name.key) == "常州单录测试贸易有限公司"
    assert f'value="{future}"' in page and 'value="罚款" checked' in page and 'value="警告" checked' in page


def test_a_blank_required_field_is_named_under_the_field(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    item = catalog.item_spec(session, "xzcf_fr")
    name = item.field_by_role("subject_name")
    assert name is not None
    res = api.post(URL, data=_row(session, **{name.key: ""}))
    assert (
        res.status_code == 422 and '<small class="error" data-code="required">必填项为空</small>' in res.text
    )


def test_a_valid_row_becomes_a_batch_of_one_for_review(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    item = catalog.item_spec(session, "xzcf_fr")
    types = item.field_by_role("penalty_types")
    assert types is not None
    res = api.post(URL, data=_row(session), follow_redirects=False)
    assert res.status_code == 303
    batch_id = res.headers["location"].rsplit("/", 1)[1]
    batch = service.get(session, batch_id)
    assert (batch.status, batch.rows, batch.accepted, batch.rejected) == ("待审核", 1, 1, 0)
    assert batch.filename == "单条录入.json" and batch.submitted_by.startswith("user:")
    (row,) = service.preview(session, batch.id, limit=5)
    assert row.payload[types.key] == ["警告", "罚款"]  # both ticked boxes


def test_a_unit_out_of_scope_is_refused_with_the_values_kept(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    item = catalog.item_spec(session, "xzcf_fr")
    name = item.field_by_role("subject_name")
    assert name is not None
    before = _batches(session)
    res = api.post(URL, data={**_row(session), "_department": "wujin_scjgj"})
    assert res.status_code == 403 and _batches(session) == before
    assert 'role="alert"' in res.text and _value(res.text, name.key) == "常州单录测试贸易有限公司"
