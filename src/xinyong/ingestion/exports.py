"""Files the platform hands to units: an item's XLSX template with drop-downs, and a batch's problems.

openpyxl writes the workbooks (a well-kept library made for writing XLSX; the reader is calamine).
Code lists go into a hidden sheet ``代码表`` and the template's columns validate against those
ranges, since Excel caps an inline list at 255 characters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from xinyong.catalog.schemas import CatalogItemSpec, FieldType
from xinyong.ingestion.rule_names import rule_name

PROBLEM_HEADERS = [
    ("row", "行号"),
    ("column", "列"),
    ("field", "字段"),
    ("raw", "原始值"),
    ("code", "规则"),
    ("rule_name", "规则名称"),
    ("message", "说明"),
    ("severity", "级别"),
]
TEMPLATE_ROWS = 2000
#: Template columns left in Excel's General format: Excel's own dates and numbers are read as such.
_NUMBER_OR_DATE = frozenset({FieldType.DATE, FieldType.DECIMAL, FieldType.INTEGER})


def item_template(item: CatalogItemSpec) -> bytes:
    """The item's XLSX template: one column per field (required ones marked), drop-downs for code lists,
    columns of codes, identifiers and text formatted as text."""
    wb = Workbook()
    ws = wb.active
    ws.title = item.name[:31]
    codes_ws = wb.create_sheet("代码表")
    codes_ws.sheet_state = "hidden"
    required = PatternFill("solid", fgColor="FDE9D9")
    code_col = 0
    for i, f in enumerate(item.fields, start=1):
        cell = ws.cell(row=1, column=i, value=f.label)
        cell.font = Font(bold=True)
        if f.required:
            cell.fill = required
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, min(40, len(f.label) * 2 + 2))
        if f.type not in _NUMBER_OR_DATE:
            # Text format (@): an 18-digit code or ID number typed into a General column becomes a
            # number, and Excel keeps 15 significant digits of it.
            ws.column_dimensions[letter].number_format = "@"
        if f.codes and f.type in (FieldType.CODE, FieldType.ID_TYPE, FieldType.CODE_LIST):
            code_col += 1
            cl = get_column_letter(code_col)
            codes_ws.cell(row=1, column=code_col, value=f.label)
            for j, code in enumerate(f.codes, start=2):
                codes_ws.cell(row=j, column=code_col, value=code)
            dv = DataValidation(
                type="list",
                formula1=f"代码表!${cl}$2:${cl}${len(f.codes) + 1}",
                allow_blank=not f.required,
                showErrorMessage=f.type is not FieldType.CODE_LIST,
                errorTitle="代码不在代码表中",
                error=f"{f.label}：请从下拉列表中选择",
                promptTitle=f.label,
                prompt="多个类别以分号分隔" if f.type is FieldType.CODE_LIST else "请从下拉列表中选择",
                showInputMessage=True,
            )
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _problem_cells(p: dict[str, Any]) -> list[Any]:
    """One problem's cells under :data:`PROBLEM_HEADERS`: the rule's Chinese name beside its code."""
    named = {**p, "rule_name": rule_name(p.get("code"))}
    return ["" if named.get(k) is None else named[k] for k, _ in PROBLEM_HEADERS]


def problems_csv(problems: Iterable[dict[str, Any]]) -> bytes:
    """Problems as CSV (UTF-8 with BOM, so Excel opens it with Chinese intact)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([label for _, label in PROBLEM_HEADERS])
    for p in problems:
        writer.writerow(_problem_cells(p))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def problems_xlsx(problems: Iterable[dict[str, Any]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题清单")
    ws.append([label for _, label in PROBLEM_HEADERS])
    for p in problems:
        ws.append(_problem_cells(p))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
