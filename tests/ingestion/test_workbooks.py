"""Workbooks as units' templates come: the data on a second sheet behind a 填报说明 sheet, an empty month
tab beside the filled one, a hidden code table; and a workbook with two filled sheets, which is refused
by name rather than read in part."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, rows_by_no, submit
from xinyong.ingestion import service
from xinyong.ingestion.models import BatchStatus

ROWS = list(csv.reader((DATA / "penalties_utf8_bom.csv").open(encoding="utf-8-sig")))


def _book(path: Path, sheets: list[tuple[str, list[list[Any]], str]]) -> Path:
    """Sheets of (name, rows, state — visible or hidden), in order."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows, state in sheets:
        ws = wb.create_sheet(name)
        ws.sheet_state = state
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


INSTRUCTIONS = [["填报说明"], ["1. 每行一条行政处罚决定"], ["2. 日期写作 2026-11-23"]]


def test_the_data_sheet_behind_an_instructions_sheet_is_read(session: Session, tmp_path: Path) -> None:
    path = _book(
        tmp_path / "处罚.xlsx",
        [
            ("填报说明", INSTRUCTIONS, "visible"),
            ("11月", [ROWS[0]], "visible"),  # a month not yet filled: its header only
            ("行政处罚", ROWS, "visible"),
            ("代码表", [ROWS[0], *ROWS[1:3]], "hidden"),  # hidden: never read
        ],
    )
    sub = submit(session, path)
    summary = service.summary(session, sub.batch)
    assert sub.batch.status == BatchStatus.PENDING
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (5, 5, 0)
    assert rows_by_no(session, sub.batch.id)[5].payload["subject_name"] == ROWS[5][0]


def test_two_filled_sheets_are_refused_with_their_names(session: Session, tmp_path: Path) -> None:
    path = _book(
        tmp_path / "两个月.xlsx",
        [
            ("10月", ROWS[:3], "visible"),
            ("说明", INSTRUCTIONS, "visible"),
            ("11月", [ROWS[0], *ROWS[3:]], "visible"),
        ],
    )
    sub = submit(session, path)
    assert sub.batch.status == BatchStatus.FAILED and sub.batch.rows == 0
    (error,) = service.summary(session, sub.batch)["errors"]
    assert error["code"] == "file.many_sheets"
    assert "“10月”、“11月”" in error["message"]


def test_a_workbook_of_instructions_only_has_no_header(session: Session, tmp_path: Path) -> None:
    sub = submit(session, _book(tmp_path / "说明.xlsx", [("填报说明", INSTRUCTIONS, "visible")]))
    assert [e["code"] for e in service.summary(session, sub.batch)["errors"]] == ["file.no_header"]
    header_only = _book(
        tmp_path / "空.xlsx", [("说明", INSTRUCTIONS, "visible"), ("处罚", [ROWS[0]], "visible")]
    )
    sub = submit(session, header_only)
    assert [e["code"] for e in service.summary(session, sub.batch)["errors"]] == ["file.empty"]


def test_long_numbers_excel_has_cut_are_pointed_out(session: Session, tmp_path: Path) -> None:
    """An 18-digit code typed into a number cell: Excel keeps 15 significant digits, so the checksum
    error alone would puzzle the clerk; the file says which column and why."""
    rows = [list(r) for r in ROWS]
    typed: list[list[object]] = [rows[0], *rows[1:]]
    typed[2] = [*rows[2][:2], 913204121234567891, *rows[2][3:]]  # 统一社会信用代码 as a number
    typed[3] = [*rows[3][:10], 12345678901234567, *rows[3][11:]]  # 罚款金额 absurd, but a number too
    sub = submit(session, _book(tmp_path / "长数字.xlsx", [("处罚", typed, "visible")]))
    summary = service.summary(session, sub.batch)
    warnings = [e for e in summary["errors"] if e["code"] == "column.long_numbers"]
    assert [w["row"] for w in warnings] == [0, 0]
    assert "“统一社会信用代码”有 1 个单元格是 16 位以上的数字" in warnings[0]["message"]
    assert warnings[1]["message"].startswith("“罚款金额（元）”有 1 个单元格")
    assert 2 in {e["row"] for e in summary["errors"] if e["severity"] == "error"}  # the code fails its check
    ordinary = submit(session, _book(tmp_path / "普通.xlsx", [("处罚", ROWS, "visible")]))
    assert not [
        e for e in service.summary(session, ordinary.batch)["errors"] if e["code"] == "column.long_numbers"
    ]


def test_a_table_that_starts_off_the_corner_reads_the_same(session: Session, tmp_path: Path) -> None:
    """A sheet whose table begins at C4 (a title in A1, two empty columns): read row by row, its columns
    keep their places — the header, the values and a long number's column all line up."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "常州市市场监督管理局行政处罚信息"
    for r, row in enumerate(ROWS, start=4):
        for c, value in enumerate(row, start=3):
            ws.cell(row=r, column=c, value=value)
    ws.cell(row=6, column=5, value=913204121234567891)  # row 2's 统一社会信用代码, as a number
    path = tmp_path / "偏移.xlsx"
    wb.save(path)
    sub = submit(session, path)
    summary = service.summary(session, sub.batch)
    assert (summary["rows"], summary["accepted"]) == (5, 4)
    assert rows_by_no(session, sub.batch.id)[3].payload["subject_name"] == ROWS[3][0]
    (long,) = [e for e in summary["errors"] if e["code"] == "column.long_numbers"]
    assert long["message"].startswith("“统一社会信用代码”有 1 个单元格")
