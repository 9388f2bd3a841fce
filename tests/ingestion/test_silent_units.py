"""Who has not sent this month (催报), each unit's latest submission, and console times in Beijing time."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, staff, submit
from xinyong.auth.permissions import current_actor
from xinyong.ingestion import quality, service
from xinyong.kit import clock

OCTOBER = dt.datetime(2026, 10, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


def _sent(session: Session, name: str, unit: str, at: dt.datetime) -> None:
    batch = submit(session, DATA / name, unit=unit, actor=staff(unit)).batch
    batch.submitted_at = at
    session.flush()


@pytest.fixture
def history(session: Session) -> None:
    _sent(session, "penalties_utf8_bom.csv", "shi_scjgj", OCTOBER)  # October only: silent in November
    _sent(session, "penalties.jsonl", "wujin_scjgj", OCTOBER)
    _sent(session, "penalties_gbk.csv", "wujin_scjgj", clock.now())  # and November: not silent
    withdrawn = submit(session, DATA / "penalties_corrected.csv", unit="shi_sthjj", actor=staff("shi_sthjj"))
    withdrawn.batch.submitted_at = OCTOBER
    service.withdraw(session, batch_id=withdrawn.batch.id, actor=staff("shi_sthjj"), now=clock.now())


@pytest.mark.usefixtures("history")
def test_units_that_sent_before_but_not_this_month(session: Session) -> None:
    quiet = quality.silent(session, month="2026-11")
    assert [(q["unit_key"], q["last_submitted_at"]) for q in quiet] == [("shi_scjgj", OCTOBER)]
    assert quiet[0]["unit_name"] == "常州市市场监督管理局"
    assert quality.silent(session, month="2026-11", units={"wujin_scjgj"}) == []  # within scope only
    assert quality.silent(session, month="2026-10") == []  # both units sent in October


@pytest.mark.usefixtures("history")
def test_the_report_gives_each_units_latest_submission(session: Session) -> None:
    (wujin,) = quality.report(session, month="2026-11", unit_key="wujin_scjgj")
    assert wujin.last_submitted_at == clock.now()
    (october,) = quality.report(session, month="2026-10", unit_key="wujin_scjgj")
    assert october.last_submitted_at == OCTOBER  # up to that month's end, not later


@pytest.mark.usefixtures("history")
def test_the_console_and_the_api_list_them_in_beijing_time(client) -> None:  # type: ignore[no-untyped-def]
    client.app.dependency_overrides[current_actor] = lambda: staff(roles=frozenset({"credit_office_admin"}))
    page = client.get("/console/ingestion/quality", params={"month": "2026-11"}).text
    table = page.split('data-testid="silent"')[1].split("</table>")[0]
    assert "常州市市场监督管理局" in table and "2026-10-20 10:00" in table  # 02:00 UTC
    assert "武进" not in table
    api = client.get("/api/v1/staff/quality/silent", params={"month": "2026-11"}).json()
    assert [q["unit_key"] for q in api] == ["shi_scjgj"]


def test_console_times_are_beijing_time(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    client.app.dependency_overrides[current_actor] = lambda: staff()
    batch = submit(session, DATA / "penalties_utf8_bom.csv").batch
    batch.submitted_at = dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 23rd in Beijing
    session.flush()
    page = client.get(f"/console/ingestion/batches/{batch.id}").text
    assert "2026-11-23 01:30" in page and "2026-11-22 17:30" not in page
    listing = client.get("/console/ingestion/batches").text
    assert "2026-11-23 01:30" in listing
