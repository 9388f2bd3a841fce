"""Two clerks acting at once on the list lifecycle (PostgreSQL, real concurrent transactions): notices
issued at the same moment get consecutive numbers — the second took the first's number and failed —
and one entry notified twice at once gets one notice, the second clerk told its new state."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests import builders as b
from tests.races import while_open
from xinyong.db import transaction
from xinyong.kit import clock
from xinyong.lists import service
from xinyong.lists.errors import WrongState

pytestmark = pytest.mark.postgres_only

CZJ = b.staff("shi_czj")
SEP24, SEP25 = dt.date(2026, 9, 24), dt.date(2026, 9, 25)


def _proposed(n: int) -> list[uuid.UUID]:
    ids = []
    with transaction() as s:
        for i in range(n):
            entry = service.propose(
                s,
                list_type="zfcg",
                subject=b.company(s, name=f"常州同时{i}建设工程有限公司"),
                decision_no=f"常财采〔2026〕{80 + i}号",
                facts="在政府采购活动中提供虚假材料谋取中标",
                reasons="依法应列入政府采购严重违法失信行为记录名单",
                valid_months=None,
                actor=CZJ,
                now=clock.now(),
                today=SEP24,
            )
            ids.append(entry.record_id)
    return ids


def _notify(record_id: uuid.UUID) -> Any:
    return lambda s: service.notify(s, record_id=record_id, actor=CZJ, now=clock.now(), today=SEP25)


def test_two_notices_issued_at_once_are_numbered_one_after_the_other(committed_db: Any) -> None:
    first, second = _proposed(2)
    outcome = while_open(committed_db, _notify(first), _notify(second))
    assert not isinstance(outcome, BaseException), outcome
    with Session(bind=committed_db) as s:
        numbers = s.scalars(text("SELECT notice_no FROM list_notices ORDER BY notice_no")).all()
    assert numbers == ["XYGZ-2026-000001", "XYGZ-2026-000002"]


def test_one_entry_notified_twice_at_once_gets_one_notice(committed_db: Any) -> None:
    (only,) = _proposed(1)
    outcome = while_open(committed_db, _notify(only), _notify(only))
    assert isinstance(outcome, WrongState), outcome
    with Session(bind=committed_db) as s:
        assert s.scalar(text("SELECT count(*) FROM list_notices")) == 1
