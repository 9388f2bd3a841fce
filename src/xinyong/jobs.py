"""Scheduled jobs: a registry, a run log and a database lock.

Jobs run outside web workers: ``xinyong jobs run-due`` (from cron or a systemd timer) runs every
job not yet run successfully today (Asia/Shanghai) at or after its hour; ``xinyong jobs run NAME``
runs one by hand. A row lock in ``job_locks`` (an atomic conditional UPDATE, which works the same on
SQLite and PostgreSQL) keeps two runners from running the same job at once. Jobs are idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.db import BIGINT_PK, Base, session_factory
from xinyong.errors import Conflict, NotFound
from xinyong.kit import clock

JobFunc = Callable[[Session, dt.date], dict[str, Any]]


class JobRun(Base):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    run_date: Mapped[dt.date]
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]]


class JobLock(Base):
    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    locked_until: Mapped[dt.datetime]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    hour: int
    description: str


REGISTRY: dict[str, Job] = {}


def job(name: str, *, hour: int = 1, description: str = "") -> Callable[[JobFunc], JobFunc]:
    """Register ``func`` as a daily job named ``name`` due from ``hour`` o'clock (Asia/Shanghai)."""

    def register(func: JobFunc) -> JobFunc:
        REGISTRY[name] = Job(name, func, hour, description or (func.__doc__ or "").strip())
        return func

    return register


def _acquire(name: str, now: dt.datetime) -> bool:
    with session_factory()() as s:
        if s.get(JobLock, name) is None:
            s.add(JobLock(name=name, locked_until=now - dt.timedelta(seconds=1)))
            s.commit()
        res = s.execute(
            update(JobLock)
            .where(JobLock.name == name, JobLock.locked_until < now)
            .values(locked_until=now + dt.timedelta(hours=1))
        )
        s.commit()
        return bool(getattr(res, "rowcount", 0) == 1)


def _release(name: str) -> None:
    with session_factory()() as s:
        s.execute(update(JobLock).where(JobLock.name == name).values(locked_until=clock.now()))
        s.commit()


def run(name: str, *, today: dt.date | None = None) -> dict[str, Any]:
    """Run one job now in its own transaction, logging the run; returns its result."""
    found = REGISTRY.get(name)
    if found is None:
        raise NotFound(f"没有名为 {name} 的任务", details={"known": sorted(REGISTRY)})
    now = clock.now()
    day = today or clock.today()
    if not _acquire(name, now):
        raise Conflict(f"任务 {name} 正在运行", code="job_locked")
    try:
        with session_factory()() as s:
            result: dict[str, Any] = {}
            status = "failed"
            try:
                result = found.func(s, day)
                status = "ok"
            except Exception as exc:
                s.rollback()
                result, status = {"error": repr(exc)}, "failed"
                raise
            finally:
                s.add(
                    JobRun(
                        name=name,
                        run_date=day,
                        started_at=now,
                        finished_at=clock.now(),
                        status=status,
                        result=result,
                    )
                )
                s.commit()
        return result
    finally:
        _release(name)


def due(now: dt.datetime | None = None) -> list[str]:
    """Names of jobs due now: past their hour today and not yet run successfully today."""
    now = now or clock.now()
    local = now.astimezone(clock.SHANGHAI)
    with session_factory()() as s:
        done = set(
            s.scalars(select(JobRun.name).where(JobRun.run_date == local.date(), JobRun.status == "ok"))
        )
    return [n for n, j in sorted(REGISTRY.items()) if n not in done and local.hour >= j.hour]


def run_due() -> dict[str, dict[str, Any]]:
    """Run every due job; a job locked by another runner is skipped and reported."""
    results: dict[str, dict[str, Any]] = {}
    for name in due():
        try:
            results[name] = run(name)
        except Conflict as exc:
            results[name] = {"skipped": exc.message}
    return results
