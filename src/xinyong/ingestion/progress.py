"""Progress of long ingestion work (a big upload, a big approval), readable from any process.

A background run reports what it is doing — the step in Chinese and, while staging, the rows read —
and the progress page or ``GET /api/v1/staff/uploads/{id}`` / ``/batches/{id}`` shows it, whichever web
worker serves the request. Where it lives, decided:

- **A small JSON file per run under** ``XINYONG_DATA_DIR/progress/``, replaced atomically
  (``os.replace``), not a database row. The run's own work is one transaction that is not visible
  until it commits, so its progress cannot be written in it; a second connection would do on
  PostgreSQL but not on SQLite, whose single writer is the run itself. Every process of one
  deployment already shares the data directory (the content-addressed file store is there), so a
  file reaches every worker on both databases.
- **Written at most every** :data:`EVERY` **seconds** (a step change always): a million-row file is
  200 chunks; the page reloads every 3 s.
- **Advisory only.** The status (排队中/处理中/入库中/已完成/失败) is in the database and always right;
  a missing or unreadable progress file just means the page shows the status without a count.
  The file is removed when the run ends; one left by a killed process is overwritten by the re-run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from xinyong.config import get_settings

#: Seconds between two writes of the same run's progress (a new step is written at once).
EVERY = 1.0


def _path(kind: str, key: str) -> Path:
    return Path(get_settings().data_dir) / "progress" / f"{kind}-{key}.json"


class Reporter:
    """What one run reports: :meth:`rows` (per chunk staged) and :meth:`step` (a new phase)."""

    def __init__(self, kind: str, key: object, *, every: float = EVERY) -> None:
        self.kind, self.key, self.every = kind, str(key), every
        self.state: dict[str, Any] = {"step": None, "rows": None}
        self._written_at: float | None = None

    def rows(self, done: int) -> None:
        self.state["rows"] = done
        now = time.monotonic()
        if self._written_at is None or now - self._written_at >= self.every:
            self._write(now)

    def step(self, label: str) -> None:
        self.state["step"] = label
        self._write(time.monotonic())

    def _write(self, now: float) -> None:
        self._written_at = now
        write(self.kind, self.key, {**self.state, "at": time.time()})

    def close(self) -> None:
        clear(self.kind, self.key)


def write(kind: str, key: object, state: dict[str, Any]) -> None:
    """Replace the run's progress file (never half-written: a temporary file renamed over it)."""
    target = _path(kind, str(key))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".progress-")
    except OSError:  # progress is advisory: a full or read-only disk must not fail the run
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False)
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def read(kind: str, key: object) -> dict[str, Any] | None:
    """The run's last reported progress, or None (not running, or nothing reported yet)."""
    try:
        data = json.loads(_path(kind, str(key)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def clear(kind: str, key: object) -> None:
    try:
        _path(kind, str(key)).unlink()
    except OSError:
        return


def minutes(span: dt.timedelta) -> int:
    """A staleness threshold in whole minutes, for the messages that name it."""
    return int(span.total_seconds() // 60)


def resume_all(session: Session, found: Sequence[Any], run: Callable[..., str | None]) -> dict[str, Any]:
    """A resume job's body: run each orphaned background run again (``run(key, resume=True)``, each in
    transactions of its own) and count the statuses they left."""
    session.commit()  # end the job's read before the runs write (SQLite has one writer)
    outcome: dict[str, Any] = {"found": len(found)}
    for key in found:
        status = run(key, resume=True)
        if status is not None:
            outcome[status] = outcome.get(status, 0) + 1
    return outcome


def orphaned(
    session: Session,
    key: InstrumentedAttribute[Any],
    *,
    waiting: ColumnElement[bool],
    started: InstrumentedAttribute[Any],
    since: InstrumentedAttribute[Any],
    cutoff: Any,
) -> list[Any]:
    """Keys of background runs left ``waiting`` by a process that died: last started (or, never
    started, ``since``) before ``cutoff``; oldest first."""
    return list(
        session.scalars(
            select(key)
            .where(waiting, or_(started < cutoff, started.is_(None) & (since < cutoff)))
            .order_by(since)
        )
    )
