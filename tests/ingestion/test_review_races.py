"""Two review actions on one batch at once (PostgreSQL, real concurrent transactions): the second waits
for the first and is refused by the status it then sees — never records applied from a batch that ends
up 已退回 or 已撤回, nor a second apply failing on the unique natural key."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.builders import company
from tests.ingestion.helpers import DATA, staff, submit
from tests.races import while_open
from xinyong.db import transaction
from xinyong.ingestion import revocations, service
from xinyong.ingestion.errors import AlreadyRevoked, BatchStateError
from xinyong.ingestion.models import BatchStatus, IngestBatch
from xinyong.kit import clock

pytestmark = pytest.mark.postgres_only

SECOND: dict[str, Callable[[Session, Any], object]] = {
    "return": lambda s, b: service.return_batch(s, batch_id=b, actor=staff(), now=clock.now(), note="退回"),
    "withdraw": lambda s, b: service.withdraw(s, batch_id=b, actor=staff(), now=clock.now()),
    "approve": lambda s, b: service.approve(s, batch_id=b, actor=staff(), now=clock.now()),
}


def _while_first_holds(own_db: Any, first_id: Any, action: Callable[[Session], Any]) -> Any:
    """Approve batch ``first_id`` in a transaction left open, run ``action`` in its own transaction on
    another thread until it waits for a lock (it has reached the batch or its records), then commit the
    first: what ``action`` returned, or the exception it raised."""
    return while_open(
        own_db, lambda s: service.approve(s, batch_id=first_id, actor=staff(), now=clock.now()), action
    )


@pytest.mark.parametrize("action", sorted(SECOND))
def test_a_second_review_action_waits_for_the_approval_and_is_refused(own_db: Any, action: str) -> None:
    with transaction() as s:
        batch_id = submit(s, "penalties_utf8_bom.csv").batch.id
    outcome = _while_first_holds(own_db, batch_id, lambda s: SECOND[action](s, batch_id))
    assert isinstance(outcome, BatchStateError), outcome
    with transaction() as s:
        batch = s.get(IngestBatch, batch_id)
        assert batch is not None and batch.status == BatchStatus.APPROVED


def test_two_batches_of_one_item_approved_at_once_apply_one_after_the_other(own_db: Any) -> None:
    # The corrected file holds the same five decisions, row 1's fine changed: applied second, that row
    # must become version 2 of its record — not a unique-key failure of the whole batch. The firms are
    # known beforehand, so nothing else (a provisional subject both would create) orders the two.
    with transaction() as s:
        for row in csv.DictReader(io.StringIO((DATA / "penalties_utf8_bom.csv").read_text("utf-8-sig"))):
            company(s, name=row["行政相对人名称"], code=row["统一社会信用代码"])
    with transaction() as s:
        first_id = submit(s, "penalties_utf8_bom.csv").batch.id
        second_id = submit(s, "penalties_corrected.csv").batch.id
    outcome = _while_first_holds(
        own_db,
        first_id,
        lambda s: service.approve(s, batch_id=second_id, actor=staff(), now=clock.now()).counts,
    )
    assert isinstance(outcome, dict), outcome
    assert (outcome["created"], outcome["updated"], outcome["unchanged"]) == (0, 1, 4)


def test_the_same_file_sent_twice_at_once_is_one_batch(own_db: Any) -> None:
    """A double-click on 上传并校验: the second submission waits for the first's commit and answers with
    its batch, as a resubmission — it used to fail on the unique batch identity."""
    first: list[Any] = []
    outcome = while_open(
        own_db,
        lambda s: first.append(submit(s, "penalties_utf8_bom.csv").batch.id),
        lambda s: submit(s, "penalties_utf8_bom.csv"),
    )
    assert isinstance(outcome, service.Submission), outcome
    assert outcome.batch.id == first[0] and not outcome.new
    with transaction() as s:
        assert s.scalar(text("SELECT count(*) FROM ingest_batches")) == 1


def test_a_decision_revoked_twice_at_once_is_revoked_once(own_db: Any) -> None:
    """Two clerks revoke one decision at once: the second waits for the first's commit, then is told it
    is already revoked — not a second version and a second deadline."""
    with transaction() as s:
        batch_id = submit(s, "penalties_utf8_bom.csv").batch.id
        service.approve(s, batch_id=batch_id, actor=staff(), now=clock.now())
    with transaction() as s:
        record_id = s.scalar(text("SELECT id FROM credit_records ORDER BY decision_no LIMIT 1"))

    def revoke(s: Session) -> object:
        return revocations.revoke(
            s,
            record_id=record_id,
            reason="复议撤销",
            revoked_on=clock.today(),
            actor=staff(),
            now=clock.now(),
        )

    outcome = while_open(own_db, revoke, revoke)
    assert isinstance(outcome, AlreadyRevoked), outcome
    with transaction() as s:
        assert s.scalar(text("SELECT count(*) FROM ingest_revocations")) == 1
        assert s.scalar(text("SELECT version FROM credit_records WHERE id = :r"), {"r": record_id}) == 2
