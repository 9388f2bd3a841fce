"""The shortcuts that make big batches fast keep the row-by-row semantics: memoised derivations still
rate each fine by its own band, a provisional subject's planned id yields to a subject created between
staging and approval, and created rows are reported and collected although not marked one by one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import company
from tests.ingestion.helpers import staff, submit_rows
from tests.ingestion.test_linking_revocation_quality import _rows
from xinyong.ingestion import service
from xinyong.ingestion.models import IngestRow
from xinyong.kit import clock
from xinyong.kit.identifiers import make_uscc
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject


def _row(session: Session, i: int, *, code: str, fine: str) -> dict[str, str]:
    return _rows(
        session,
        f"常州快路{i}贸易有限公司",
        code,
        no=f"常市监罚〔2026〕{900 + i}号",
        处罚类别="罚款",
        **{"罚款金额（元）": fine},
    )[0]


def _code(i: int) -> str:
    return make_uscc("9", "1", "320412", f"MC{i:06d}")


def test_rows_alike_but_for_the_fine_band_get_their_own_severity(session: Session) -> None:
    # Same date, unit, types and basis: the memo must still tell a 100 元 fine from a 2,000,000 元 one.
    rows = [_row(session, i, code=_code(i), fine=f) for i, f in enumerate(["100", "2000000", "150", "50000"])]
    sub = submit_rows(session, rows)
    severities = dict(
        session.execute(
            select(IngestRow.row_no, IngestRow.severity).where(IngestRow.batch_id == sub.batch.id)
        ).all()
    )
    fines = dict(
        session.execute(
            select(IngestRow.row_no, IngestRow.fine_fen).where(IngestRow.batch_id == sub.batch.id)
        ).all()
    )
    assert fines == {1: 10000, 2: 200000000, 3: 15000, 4: 5000000}
    assert severities[1] == severities[3]
    assert len({severities[1], severities[2], severities[4]}) == 3


def test_a_code_that_became_known_before_approval_links_to_that_subject(session: Session) -> None:
    code = _code(77)
    sub = submit_rows(
        session, [_row(session, 1, code=code, fine="100"), _row(session, 2, code=code, fine="200")]
    )
    assert session.scalar(select(Subject).where(Subject.uscc == code)) is None
    known = company(session, name="常州快路1贸易有限公司", code=code)  # registered meanwhile
    result = service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now())
    assert result.counts["created"] == 2
    owners = set(session.scalars(select(CreditRecord.subject_id)))
    assert owners == {known.id}
    assert session.scalar(select(Subject).where(Subject.uscc == code)) is known


def test_created_rows_are_counted_and_collected_without_being_marked(session: Session) -> None:
    first = submit_rows(session, [_row(session, 1, code=_code(1), fine="100")])
    service.approve(session, batch_id=first.batch.id, actor=staff(), now=clock.now())
    again = [_row(session, 1, code=_code(1), fine="300"), _row(session, 2, code=_code(2), fine="100")]
    sub = submit_rows(session, again)
    result = service.approve(session, batch_id=sub.batch.id, actor=staff(), now=clock.now(), collect_ids=True)
    assert result.counts == {"created": 1, "updated": 1, "unchanged": 0, "unlinked": 0}
    ids = result.record_ids["xzcf_fr"]
    by_key = {r.natural_key: r.id for r in session.scalars(select(CreditRecord))}
    assert len(ids["created"]) == 1 and len(ids["updated"]) == 1
    assert set(ids["created"]) | set(ids["updated"]) == set(by_key.values())
    assert ids["created"][0] != ids["updated"][0]


def test_names_are_noted_once_per_unit_and_seen_again_moves_last_seen(session: Session) -> None:
    import datetime as dt

    from xinyong.subjects.models import SubjectAttribute

    first = submit_rows(session, [_row(session, 1, code=_code(31), fine="100")])
    t1 = clock.now()
    service.approve(session, batch_id=first.batch.id, actor=staff(), now=t1)
    later = t1 + dt.timedelta(days=3)
    again = [_row(session, 2, code=_code(31), fine="200")]  # same code, another decision, another name
    again[0]["行政相对人名称"] = "常州快路1贸易有限公司"  # …the first name again
    renamed = _row(session, 3, code=_code(31), fine="300")
    renamed["行政相对人名称"] = "常州快路新名贸易有限公司"
    sub = submit_rows(session, [*again, renamed])
    service.approve(session, batch_id=sub.batch.id, actor=staff(), now=later)
    names = {
        a.value: (a.first_seen, a.last_seen)
        for a in session.scalars(select(SubjectAttribute).where(SubjectAttribute.attr == "name"))
    }
    assert set(names) == {"常州快路1贸易有限公司", "常州快路新名贸易有限公司"}
    assert names["常州快路1贸易有限公司"] == (t1, later)
    assert names["常州快路新名贸易有限公司"] == (later, later)
