"""Text that export programs leave in files and that a database cannot take as it is: NUL characters
in a CSV or escaped in JSON, unpaired surrogates in JSON, Excel's 另存为“Unicode 文本” (UTF-16 with a
BOM, tab-separated); and two columns naming one field. Each file is read — nothing fails half-way, on
SQLite or PostgreSQL — and the clerk is told what was taken out, while the stored file keeps it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, rows_by_no, submit, submit_rows
from xinyong.ingestion import service
from xinyong.ingestion.models import BatchStatus
from xinyong.ingestion.readers import Notes, scrub

SOURCE = DATA / "penalties_utf8_bom.csv"


def _grid() -> list[list[str]]:
    return list(csv.reader(io.StringIO(SOURCE.read_text(encoding="utf-8-sig"))))


def _csv(path: Path, grid: list[list[str]], *, delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(grid)
    return buf.getvalue()


def _codes(summary: dict[str, Any]) -> dict[int, list[str]]:
    codes: dict[int, list[str]] = {}
    for e in summary["errors"]:
        codes.setdefault(e["row"], []).append(e["code"])
    return codes


def test_scrub_counts_what_it_takes_out() -> None:
    notes = Notes()
    assert scrub("常州\x00澜泽\x00", notes) == "常州澜泽"
    assert scrub("代理\ud800字符", notes) == "代理\ufffd字符"
    assert scrub("普通文字", notes) == "普通文字"
    assert (notes.nul, notes.surrogates) == (2, 1)


def test_nul_in_a_csv_cell_is_removed_and_reported(session: Session, tmp_path: Path) -> None:
    grid = _grid()
    grid[1][1] = "\x00" + grid[1][1]  # 行政相对人类别 of row 1
    grid[2][0] = grid[2][0] + "\x00\x00"  # 行政相对人名称 of row 2
    path = tmp_path / "nul.csv"
    path.write_text(_csv(path, grid), encoding="utf-8")
    sub = submit(session, path)
    summary = service.summary(session, sub.batch)
    assert sub.batch.status == BatchStatus.PENDING
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (5, 5, 0)
    warning = next(e for e in summary["errors"] if e["code"] == "file.nul_removed")
    assert warning["row"] == 0 and warning["severity"] == "warning" and "3 个空字符" in warning["message"]
    rows = rows_by_no(session, sub.batch.id)
    assert rows[1].payload["subject_category"] == grid[1][1].replace("\x00", "")
    assert rows[2].payload["subject_name"] == grid[2][0].rstrip("\x00")
    # Nothing lost: the stored file is the file as sent.
    stored = service.replay_path(sub.batch)
    assert stored is not None and stored.read_bytes().count(b"\x00") == 3


def test_escaped_nul_and_surrogates_in_json_lines(session: Session, tmp_path: Path) -> None:
    grid = _grid()
    header, rows = grid[0], grid[1:]
    objects = [dict(zip(header, r, strict=True)) for r in rows]
    objects[0][header[1]] = "\u0000" + objects[0][header[1]]
    objects[1][header[5]] = objects[1][header[5]] + "\ud83d"  # half an emoji: 违法行为类型
    path = tmp_path / "escaped.jsonl"
    path.write_text("\n".join(json.dumps(o, ensure_ascii=True) for o in objects) + "\n", encoding="utf-8")
    sub = submit(session, path)
    summary = service.summary(session, sub.batch)
    assert (summary["rows"], summary["rejected"]) == (5, 0)
    codes = _codes(summary)
    assert sorted(codes[0]) == ["file.nul_removed", "file.surrogates_replaced"]
    staged = rows_by_no(session, sub.batch.id)
    assert staged[1].payload["subject_category"] == rows[0][1]
    assert staged[2].payload["violation_type"].endswith("\ufffd")


def test_api_rows_with_a_surrogate_are_stored_escaped_and_replay(session: Session) -> None:
    grid = _grid()
    objects = [dict(zip(grid[0], r, strict=True)) for r in grid[1:3]]
    objects[0][grid[0][0]] += "\udc00\x00"
    sub = submit_rows(session, objects)
    summary = service.summary(session, sub.batch)
    assert (summary["rows"], summary["accepted"]) == (2, 2)
    assert sorted(_codes(summary)[0]) == ["file.nul_removed", "file.surrogates_replaced"]
    assert rows_by_no(session, sub.batch.id)[1].payload["subject_name"] == grid[1][0] + "\ufffd"
    stored = service.replay_path(sub.batch)
    assert stored is not None
    assert json.loads(stored.read_text(encoding="utf-8"))[0][grid[0][0]].endswith("\udc00\x00")
    # The same rows again are the same batch (their stored form is stable).
    again = submit_rows(session, objects)
    assert again.batch.id == sub.batch.id


def test_excel_unicode_text_reads_like_the_csv(session: Session, tmp_path: Path) -> None:
    """Excel's “Unicode 文本(*.txt)”: UTF-16LE with a BOM, tab-separated, CRLF."""
    grid = _grid()
    path = tmp_path / "处罚（Unicode 文本）.txt"
    path.write_bytes(b"\xff\xfe" + _csv(path, grid, delimiter="\t").encode("utf-16-le"))
    sub = submit(session, path)
    summary = service.summary(session, sub.batch)
    assert sub.batch.encoding == "utf-16"
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (5, 5, 0)
    assert rows_by_no(session, sub.batch.id)[3].payload["subject_name"] == grid[3][0]


def test_a_truncated_utf16_file_is_refused_whole(session: Session, tmp_path: Path) -> None:
    grid = _grid()
    data = _csv(tmp_path, grid, delimiter="\t").encode("utf-16-be")
    path = tmp_path / "cut.txt"
    path.write_bytes(b"\xfe\xff" + data[: len(data) - 80])  # the last row loses its last column
    sub = submit(session, path)
    assert sub.batch.status == BatchStatus.FAILED
    assert _codes(service.summary(session, sub.batch))[0] == ["file.truncated"]


def test_two_columns_for_one_field(session: Session, tmp_path: Path) -> None:
    """The label and the national field code side by side: agreeing values are fine, differing ones
    block the row; the file says which columns share a field."""
    grid = _grid()
    grid[0].append("CF_XDR_MC")  # 行政相对人名称's national code
    for i, row in enumerate(grid[1:], start=1):
        row.append("另一个名称" if i == 2 else (row[0] if i != 4 else ""))
    path = tmp_path / "two.csv"
    path.write_text(_csv(path, grid), encoding="utf-8")
    sub = submit(session, path)
    summary = service.summary(session, sub.batch)
    codes = _codes(summary)
    assert codes[0] == ["column.shared"]
    shared = next(e for e in summary["errors"] if e["code"] == "column.shared")
    assert "第 1、18 列" in shared["message"] and shared["field"] == "subject_name"
    assert codes[2] == ["column.conflict"]
    conflict = next(e for e in summary["errors"] if e["code"] == "column.conflict")
    assert "另一个名称" in conflict["message"] and grid[2][0] in conflict["message"]
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (5, 4, 1)
    assert rows_by_no(session, sub.batch.id)[4].payload["subject_name"] == grid[4][0]


def test_a_column_without_a_header_is_reported_when_it_holds_something(
    session: Session, tmp_path: Path
) -> None:
    grid = _grid()
    grid[0].insert(3, "")  # a column the clerk added without naming it
    for i, row in enumerate(grid[1:], start=1):
        row.insert(3, "已整改" if i in (2, 4) else "")
    path = tmp_path / "unnamed.csv"
    path.write_text(_csv(path, grid), encoding="utf-8")
    summary = service.summary(session, submit(session, path).batch)
    assert (summary["rows"], summary["accepted"]) == (5, 5)
    (warning,) = [e for e in summary["errors"] if e["code"] == "column.unnamed"]
    assert warning["row"] == 0 and "第 4 列没有列名，其中 2 行有内容" in warning["message"]
    # Empty under its blank header (a trailing comma, say): nothing to say.
    for row in grid[1:]:
        row[3] = ""
    quiet = tmp_path / "quiet.csv"
    quiet.write_text(_csv(quiet, grid), encoding="utf-8")
    assert "column.unnamed" not in _codes(service.summary(session, submit(session, quiet).batch)).get(0, [])


def test_excel_text_markers_come_off_codes_dates_and_amounts(session: Session, tmp_path: Path) -> None:
    """="…" (a system's CSV for Excel) and a leading ' (typed in Excel) keep long codes from becoming
    numbers; they are not part of the value. In a name they stay: text is taken as written."""
    grid = _grid()
    grid[1][2] = f'="{grid[1][2]}"'
    grid[2][2] = "'" + grid[2][2]
    grid[3][11] = '="2026-08-31"'
    grid[4][10] = "'5000"
    grid[5][0] = "'" + grid[5][0]
    path = tmp_path / "excel.csv"
    path.write_text(_csv(path, grid), encoding="utf-8")
    sub = submit(session, path)
    summary = service.summary(session, sub.batch)
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (5, 5, 0)
    rows = rows_by_no(session, sub.batch.id)
    assert rows[1].payload["subject_code"] == _grid()[1][2] and rows[1].raw["subject_code"] == grid[1][2]
    assert rows[3].payload["decision_date"] == "2026-08-31"
    assert rows[4].payload["fine_amount"] == "0.500000"
    assert rows[5].payload["subject_name"] == grid[5][0]
