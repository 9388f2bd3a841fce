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


def test_a_failing_job_is_logged_as_failed_and_its_work_rolled_back(migrated: str) -> None:
    from sqlalchemy import select

    from xinyong.db import session_factory
    from xinyong.jobs import JobLock, JobRun

    @jobs.job("test.fail", hour=0)
    def fail(session, today):  # type: ignore[no-untyped-def]
        session.add(JobLock(name="written-by-failing-job", locked_until=clock.now()))
        session.flush()
        raise RuntimeError("boom")

    try:
        with pytest.raises(RuntimeError):
            jobs.run("test.fail")
        with session_factory()() as s:
            runs = s.scalars(select(JobRun).where(JobRun.name == "test.fail")).all()
            assert [r.status for r in runs] == ["failed"]
            assert "boom" in runs[0].result["error"]
            assert s.get(JobLock, "written-by-failing-job") is None
    finally:
        jobs.REGISTRY.pop("test.fail", None)
