"""Scheduled jobs of the public portal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.jobs import job
from xinyong.kit.actor import SYSTEM
from xinyong.records import queries
from xinyong.subjects import search


@job(
    "portal.search_sync_persons",
    hour=2,
    description="维护公开查询索引：同步自然人（仅含有公示中记录者）并重算二字词频（每日）",
)
def sync_persons(session: Session, today: dt.date) -> dict[str, Any]:
    """Index exactly the natural persons with a public record today (e.g. 失信被执行人), and
    recount the bigram postings the search uses to pick a query's rarest bigram.

    Persons whose last public record lapsed (expiry, revocation, repair) leave the index; the
    public search also re-checks each person it shows, so the index lagging a day never discloses.
    """
    result: dict[str, Any] = dict(
        search.sync_persons(session, public=queries.public_person_ids(session, today=today))
    )
    result["bigrams"] = search.refresh_stats(session.connection())
    if result["added"] or result["removed"]:
        audit.record(
            session,
            actor=SYSTEM,
            action="portal.search_persons_synced",
            target_type="search_index",
            details=result,
        )
    return result
