"""Jobs: run-due runs what is due once a day; a locked job is not run twice at once."""

from __future__ import annotations

import datetime as dt

import pytest

from xinyong import jobs
from xinyong.errors import Conflict
from xinyong.kit import clock


@pytest.fixture
def migrated(isolated_db: str) -> str:
    from xinyong import bootstrap
    from xinyong.db import get_engine

    bootstrap.migrate(get_engine())
    return isolated_db


@pytest.fixture
def counting_job():  # type: ignore[no-untyped-def]
    calls: list[dt.date] = []

    @jobs.job("test.count", hour=3)
    def count(session, today):  # type: ignore[no-untyped-def]
        calls.append(today)
        return {"n": len(calls)}

    yield calls
    jobs.REGISTRY.pop("test.count", None)


def test_run_due_runs_after_its_hour_once_a_day(migrated: str, counting_job: list[dt.date]) -> None:
    clock.freeze(dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC))  # 02:00 next day in Shanghai
    try:
        assert "test.count" not in jobs.due()
        clock.freeze(dt.datetime(2026, 11, 23, 20, 0, tzinfo=dt.UTC))  # 04:00 in Shanghai
        assert "test.count" in jobs.due()
        jobs.run_due()
        assert counting_job == [dt.date(2026, 11, 24)]
        jobs.run_due()
        assert counting_job == [dt.date(2026, 11, 24)]
    finally:
        clock.freeze(None)


def test_a_locked_job_is_refused(migrated: str, counting_job: list[dt.date]) -> None:
    now = clock.now()
    assert jobs._acquire("test.count", now)
    try:
        with pytest.raises(Conflict):
            jobs.run("test.count")
    finally:
        jobs._release("test.count")
    assert jobs.run("test.count") == {"n": 1}
