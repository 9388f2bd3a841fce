"""Two transactions at once on PostgreSQL (real connections, real locks): the first does its work and
stays open, the second runs on another thread until it waits for a lock, then the first commits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.db import transaction


def someone_waits_for_a_lock(engine: Any) -> bool:
    with engine.connect() as conn:
        waiting = conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


def while_open(engine: Any, first_action: Callable[[Session], Any], action: Callable[[Session], Any]) -> Any:
    """``first_action`` in a transaction left open, ``action`` in its own transaction on another thread
    until it waits for a lock, then the first committed: what ``action`` returned, or what it raised."""
    first = Session(bind=engine)
    first_action(first)  # done, not yet committed
    outcome: list[Any] = []

    def second() -> None:
        try:
            with transaction() as s:
                outcome.append(action(s))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=second)
    worker.start()
    give_up = time.monotonic() + 60  # a guard against hanging, not a measurement
    while not someone_waits_for_a_lock(engine):
        assert worker.is_alive(), outcome
        assert time.monotonic() < give_up, "the second transaction never waited for the first"
        time.sleep(0.02)
    first.commit()
    first.close()
    worker.join(timeout=60)
    assert len(outcome) == 1, outcome
    return outcome[0]
