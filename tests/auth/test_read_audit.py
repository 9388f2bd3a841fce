"""Reads of non-public data are logged with their purpose, refused without one, and the log is append-only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.auth.conftest import PURPOSE, bearer
from tests.builders import company, person, person_penalty, staff_user
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEntry, ReadAuditEntry
from xinyong.audit.service import AuditImmutable
from xinyong.kit.actor import CLI


def _reads(session: Session) -> list[ReadAuditEntry]:
    return list(session.scalars(select(ReadAuditEntry).order_by(ReadAuditEntry.id)))


@pytest.fixture
def clerk(session: Session, client: Any) -> dict[str, Any]:
    user = staff_user(session, role="submitter", unit="shi_scjgj")
    return {"user": user, "headers": bearer(client, user.username)}


def test_record_read_writes_one_row_with_purpose_basis_and_fields(
    session: Session, client: Any, clerk: dict[str, Any]
) -> None:
    someone, number = person(session)
    rec = person_penalty(session, someone, number)
    response = client.get(f"/api/v1/staff/records/{rec.id}", headers=clerk["headers"] | PURPOSE)
    assert response.status_code == 200
    fields = {f["key"]: f["value"] for f in response.json()["fields"]}
    assert fields["subject_id_number"] == number  # the full number, not masked
    [row] = _reads(session)
    assert (row.actor_id, row.action, row.target_id) == (str(clerk["user"].id), "records.read", str(rec.id))
    assert (row.purpose, row.legal_basis) == ("case_handling", "js_credit_regulation")
    assert "subject_id_number" in row.details["fields"]
    assert row.actor_unit == "shi_scjgj"


def test_person_read_decrypts_identifier_and_is_logged(
    session: Session, client: Any, clerk: dict[str, Any]
) -> None:
    someone, number = person(session)
    person_penalty(session, someone, number)
    response = client.get(
        f"/api/v1/staff/subjects/{someone.id}",
        headers=clerk["headers"] | {"X-Purpose": "objection;js_credit_regulation"},  # the one-header form
    )
    assert response.status_code == 200
    [ident] = response.json()["identifiers"]
    assert ident["value"] == number and ident["masked"] != number
    [row] = _reads(session)
    assert (row.action, row.target_id, row.purpose) == ("subjects.read", str(someone.id), "objection")
    assert row.details["identifiers"] == ["resident_id"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Purpose": "case_handling"}, {"X-Legal-Basis": "js_credit_regulation"}],
    ids=["nothing", "purpose-without-basis", "basis-without-purpose"],
)
def test_read_without_purpose_is_refused_with_422_and_nothing_logged(
    headers: dict[str, str], session: Session, client: Any, clerk: dict[str, Any]
) -> None:
    someone, number = person(session)
    rec = person_penalty(session, someone, number)
    for url in (f"/api/v1/staff/records/{rec.id}", f"/api/v1/staff/subjects/{someone.id}"):
        response = client.get(url, headers=clerk["headers"] | headers)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "purpose_required"
        assert number not in response.text
    assert _reads(session) == []


def test_unknown_purpose_code_is_refused(session: Session, client: Any, clerk: dict[str, Any]) -> None:
    someone, number = person(session)
    rec = person_penalty(session, someone, number)
    response = client.get(
        f"/api/v1/staff/records/{rec.id}",
        headers=clerk["headers"] | {"X-Purpose": "curiosity", "X-Legal-Basis": "js_credit_regulation"},
    )
    assert response.status_code == 422
    assert "case_handling" in response.json()["error"]["details"]["allowed"]
    assert _reads(session) == []


def test_out_of_scope_read_is_403_without_data_or_log(session: Session, client: Any) -> None:
    someone, number = person(session)
    rec = person_penalty(session, someone, number, unit="wujin_scjgj")
    other = staff_user(session, role="submitter", unit="shi_sw")  # 市税务局: neither provider nor shared
    headers = bearer(client, other.username) | PURPOSE
    for url in (f"/api/v1/staff/records/{rec.id}", f"/api/v1/staff/subjects/{someone.id}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 403
        assert number not in response.text and someone.name not in response.text
    assert _reads(session) == []


def test_console_lookup_asks_for_purpose_then_logs_the_read(session: Session, client: Any) -> None:
    someone, number = person(session)
    rec = person_penalty(session, someone, number)
    user = staff_user(session, role="reviewer", unit="shi_scjgj")
    headers = bearer(client, user.username)
    prompt = client.get(f"/console/lookup?kind=record&id={rec.id}", headers=headers)
    assert prompt.status_code == 422 and "查询目的" in prompt.text and number not in prompt.text
    shown = client.get(
        f"/console/lookup?kind=record&id={rec.id}&purpose=supervision&legal_basis=pipl_13_3", headers=headers
    )
    assert shown.status_code == 200 and number in shown.text
    [row] = _reads(session)
    assert (row.purpose, row.legal_basis, row.actor_id) == ("supervision", "pipl_13_3", str(user.id))


def test_legal_person_registration_data_needs_no_purpose(
    session: Session, client: Any, clerk: dict[str, Any]
) -> None:
    firm = company(session)
    response = client.get(f"/api/v1/staff/subjects/{firm.id}", headers=clerk["headers"])
    assert response.status_code == 200 and response.json()["code"] == firm.uscc
    assert _reads(session) == []


# ----------------------------------------------------------------- append-only


def _one_of_each(session: Session) -> tuple[AuditEntry, ReadAuditEntry]:
    change = audit.record(session, actor=CLI, action="test.changed", target_type="test")
    read = audit.record_read(
        session,
        actor=CLI,
        purpose="supervision",
        legal_basis="pipl_13_3",
        action="records.read",
        target_type="credit_record",
        target_id="x",
        details={},
    )
    return change, read


def test_application_cannot_modify_or_delete_audit_rows(session: Session) -> None:
    change, read = _one_of_each(session)
    for row in (change, read):
        for tamper in (lambda r: setattr(r, "action", "tampered"), session.delete):
            savepoint = session.begin_nested()
            tamper(row)
            with pytest.raises(AuditImmutable):
                session.flush()
            savepoint.rollback()
    for model in (AuditEntry, ReadAuditEntry):
        with pytest.raises(AuditImmutable):
            session.execute(update(model).values(action="tampered"))
        with pytest.raises(AuditImmutable):
            session.execute(delete(model))
    session.expire_all()
    assert session.get(ReadAuditEntry, read.id).action == "records.read"  # type: ignore[union-attr]


@pytest.mark.parametrize("table", ["audit_log", "audit_reads"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET action = 'tampered'", "DELETE FROM {t}"])
def test_database_trigger_refuses_update_and_delete(session: Session, table: str, statement: str) -> None:
    """Bypassing the ORM: the migration's trigger refuses (PostgreSQL, and SQLite too)."""
    _one_of_each(session)
    savepoint = session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        session.connection().execute(text(statement.format(t=table)))
    savepoint.rollback()
    count = session.scalar(text(f"SELECT count(*) FROM {table}"))
    assert count and count > 0
