"""Files a real unit might send (tests/data/ingest, see its README): each gives its documented result."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, rows_by_no, submit
from xinyong.catalog.errors import UnknownItem
from xinyong.ingestion import service
from xinyong.ingestion.models import IngestBatch, IngestRow
from xinyong.records.models import CreditRecord


def _codes(summary: dict) -> dict[int, list[str]]:  # type: ignore[type-arg]
    out: dict[int, list[str]] = {}
    for e in summary["errors"]:
        out.setdefault(e["row"], []).append(e["code"])
    return out


def test_gbk_csv_gives_its_documented_per_row_results(session: Session) -> None:
    sub = submit(session, "penalties_gbk.csv")
    summary = service.summary(session, sub.batch)
    assert sub.batch.encoding == "gb18030"
    assert (summary["rows"], summary["accepted"], summary["rejected"], summary["status"]) == (
        13,
        6,
        4,
        "待审核",
    )
    codes = _codes(summary)
    assert codes == {
        6: ["uscc.checksum"],
        7: ["date.future"],
        8: ["amount.negative"],
        9: ["row.duplicate"],
        11: ["cross.fine_without_type"],
        12: ["row.merged"],
        13: ["uscc.org_code_checksum"],
        14: ["link.review"],
    }
    errors = {e["row"]: e for e in summary["errors"]}
    assert errors[6]["severity"] == "error" and errors[13]["severity"] == "warning"
    assert "校验位" in errors[6]["message"]
    rows = rows_by_no(session, sub.batch.id)
    assert 10 not in rows and 15 not in rows, "the blank row and the 合计 row are not records"
    # Normalisation: amounts in 元 with suffixes and separators → exact 万元; five date forms → ISO.
    assert [rows[n].payload.get("fine_amount") for n in (1, 2, 4, 5)] == [
        "0.500000",
        "1.200000",
        "0.300000",
        "1.234567",
    ]
    assert [rows[n].payload["decision_date"] for n in (1, 2, 3, 4, 5)] == [
        "2026-08-31",
        "2026-09-01",
        "2026-09-02",
        "2026-09-03",
        "2026-09-04",
    ]
    # Full-width code → half-width, raw kept beside it.
    assert (
        rows[2].payload["subject_code"].isascii()
        and rows[2].raw["subject_code"] != rows[2].payload["subject_code"]
    )
    assert rows[2].payload["penalty_types"] == ["警告", "罚款"]
    # Row 12 differs from row 3 only in 处罚类别: merged into row 3.
    assert rows[3].payload["penalty_types"] == ["警告", "通报批评"]
    assert (rows[9].status, rows[12].status, rows[14].status) == ("duplicate", "merged", "needs_link")
    problems = list(service.iter_problems(session, sub.batch.id))
    neg = next(p for p in problems if p["code"] == "amount.negative")
    assert (neg["row"], neg["column"], neg["raw"]) == (8, "罚款金额（元）", "-500元")


def test_utf8_bom_csv_and_explicit_encoding(session: Session) -> None:
    sub = submit(session, "penalties_utf8_bom.csv")
    assert (sub.batch.encoding, sub.batch.accepted, sub.batch.rejected) == ("utf-8-sig", 5, 0)
    forced = submit(session, "penalties_gbk.csv", encoding="utf-8")
    assert forced.batch.status == "失败"
    assert service.summary(session, forced.batch)["errors"][0]["code"] == "file.encoding"


def test_xlsx_with_title_row_and_merged_two_row_header(session: Session) -> None:
    sub = submit(session, "penalties_title_merged.xlsx")
    assert (sub.batch.rows, sub.batch.accepted, sub.batch.rejected) == (3, 3, 0)
    # 行政相对人 (merged over three columns) + 名称/类别 below it; 统一社会信用代码 alone.
    assert sub.batch.mapping["行政相对人名称"] == "subject_name"
    assert sub.batch.mapping["行政相对人类别"] == "subject_category"
    assert sub.batch.mapping["统一社会信用代码"] == "subject_code"
    rows = rows_by_no(session, sub.batch.id)
    assert rows[1].payload["fine_amount"] == "2.000000"  # 20000 元 in a number cell
    assert rows[1].payload["decision_date"] == "2026-09-14"  # a real date cell
    assert rows[3].payload["penalty_types"] == ["罚款", "没收违法所得"]
    assert _codes(service.summary(session, sub.batch)) == {3: ["cross.confiscation_missing"]}


def test_old_xls_with_a_title_row(session: Session) -> None:
    sub = submit(session, "penalties.xls")
    assert (sub.batch.file_format, sub.batch.rows, sub.batch.accepted) == ("xls", 2, 2)
    assert rows_by_no(session, sub.batch.id)[1].payload["decision_date"] == "2026-09-21"


def test_json_lines(session: Session) -> None:
    sub = submit(session, "penalties.jsonl")
    assert (sub.batch.rows, sub.batch.accepted) == (2, 2)
    assert rows_by_no(session, sub.batch.id)[1].payload["fine_amount"] == "0.500000"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("empty.csv", "file.empty"),
        ("truncated.csv", "file.truncated"),
        ("truncated.xlsx", "file.truncated"),
        ("missing_column.csv", "file.missing_column"),
    ],
)
def test_files_refused_whole_leave_no_rows(session: Session, name: str, code: str) -> None:
    sub = submit(session, name)
    summary = service.summary(session, sub.batch)
    assert summary["status"] == "失败"
    assert [(e["row"], e["code"]) for e in summary["errors"]] == [(0, code)]
    staged = session.scalar(
        select(func.count()).select_from(IngestRow).where(IngestRow.batch_id == sub.batch.id)
    )
    assert staged == 0
    assert session.scalar(select(func.count()).select_from(CreditRecord)) == 0


def test_an_item_outside_the_catalogue_is_refused_whole(session: Session) -> None:
    with pytest.raises(UnknownItem):
        submit(session, "penalties_gbk.csv", item="not_in_catalogue")
    assert session.scalar(select(func.count()).select_from(IngestBatch)) == 0


def test_the_raw_file_is_stored_content_addressed(session: Session) -> None:
    sub = submit(session, "penalties_gbk.csv")
    stored = service.replay_path(sub.batch)
    assert stored is not None and stored.read_bytes() == (DATA / "penalties_gbk.csv").read_bytes()
    assert sub.batch.content_hash in stored.name
