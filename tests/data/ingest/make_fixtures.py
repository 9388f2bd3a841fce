"""Generate the ingestion fixtures: files a real unit might send (run from the repository root).

    .venv/bin/python tests/data/ingest/make_fixtures.py

Text and XLSX fixtures are regenerated identically each run (fixed content; openpyxl's timestamps are
pinned). The XLS fixture needs xlwt (`pip install xlwt`, version 1.3.0, unmaintained since 2017 and not a
project dependency): no well-kept library writes the old BIFF8 format, so the XLS is produced once by
this script and checked in; without xlwt the script leaves the checked-in ``penalties.xls`` alone.
README.md in this folder documents what each file must produce.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from xinyong.demo.batches import HEADER as DEMO_HEADER
from xinyong.kit.identifiers import make_uscc, org_code_check_char, uscc_check_char

HERE = Path(__file__).parent
#: shi_scjgj's (placeholder) USCC from profiles/changzhou/profile.yaml: the deciding and source unit.
SCJGJ = "11320400000000027L"
SCJGJ_NAME = "常州市市场监督管理局"

#: The national penalty template's columns with the fine in 元, as units export them (and the demo does).
HEADER = DEMO_HEADER


def code(n: int) -> str:
    return make_uscc("9", "1", "320412", f"MF{n:06d}")


def org_check_broken(n: int) -> str:
    """A USCC whose final check is right but whose embedded organisation-code check is wrong (a warning)."""
    good = code(n)
    wrong = "0" if good[16] != "0" else "1"
    assert wrong != org_code_check_char(good[8:16])
    first17 = good[:16] + wrong
    return first17 + uscc_check_char(first17)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def bad_checksum(n: int) -> str:
    good = code(n)
    return good[:17] + ("0" if good[17] != "0" else "1")


def row(
    name: str,
    uscc: str,
    no: str,
    types: str,
    fine: str,
    decided: str,
    *,
    valid_to: str = "2027-08-31",
    category: str = "法人及非法人组织",
) -> list[str]:
    return [
        name,
        category,
        uscc,
        "王五",
        no,
        "虚假宣传",
        "经查，当事人发布虚假广告。",
        "《中华人民共和国广告法》第五十五条",
        types,
        "依法处罚",
        fine,
        decided,
        valid_to,
        SCJGJ_NAME,
        SCJGJ,
        SCJGJ_NAME,
        SCJGJ,
    ]


SERIAL = (dt.date(2026, 9, 4) - dt.date(1899, 12, 30)).days  # 46269: an Excel serial date


def gbk_rows() -> list[list[str]]:
    """The GBK CSV: data rows 1–15, each documented in README.md."""
    return [
        row("常州澜泽科技有限公司", code(1), "常市监罚〔2026〕101号", "罚款", "5,000元", "2026-08-31"),
        row(
            "常州北辰贸易有限公司",
            full_width(code(2)),
            "常市监罚〔2026〕102号",
            "警告；罚款",
            "1.2万元",
            "2026/9/1",
        ),
        row("常州东岳食品有限公司", code(3), "常市监罚〔2026〕103号", "警告", "", "2026年9月2日"),
        row("常州南湖建材有限公司", code(4), "常市监罚〔2026〕104号", "罚款", "3000", "20260903"),
        row("常州西林机械有限公司", code(5), "常市监罚〔2026〕105号", "罚款", "￥12,345.67", str(SERIAL)),
        row("常州错码电子有限公司", bad_checksum(6), "常市监罚〔2026〕106号", "罚款", "800元", "2026-09-07"),
        row("常州未来物流有限公司", code(7), "常市监罚〔2026〕107号", "罚款", "800元", "2027-01-05"),
        row("常州负数包装有限公司", code(8), "常市监罚〔2026〕108号", "罚款", "-500元", "2026-09-08"),
        row("常州澜泽科技有限公司", code(1), "常市监罚〔2026〕101号", "罚款", "5,000元", "2026-08-31"),
        [""] * len(HEADER),
        row("常州锦纶纺织有限公司", code(12), "常市监罚〔2026〕112号", "警告", "2000元", "2026-09-09"),
        row("常州东岳食品有限公司", code(3), "常市监罚〔2026〕103号", "通报批评", "", "2026年9月2日"),
        row("常州旧码化工有限公司", org_check_broken(14), "常市监罚〔2026〕114号", "警告", "", "2026-09-10"),
        row(
            "武进区湖塘老王小吃店",
            "00000000000000000X",
            "常市监罚〔2026〕115号",
            "警告",
            "",
            "2026-09-11",
            category="个体工商户",
        ),
        ["合计", "", "", "", "", "", "", "", "", "", "28,845.67", "", "", "", "", "", ""],
    ]


def write_csv(path: Path, rows: list[list[str]], encoding: str, header: list[str] = HEADER) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def write_xlsx(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 9, 30)
    ws = wb.active
    ws.title = "行政处罚"
    width = len(HEADER)
    ws.cell(row=1, column=1, value="常州市市场监督管理局行政处罚信息报送表（2026年第三季度）")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    # Two-row header: 行政相对人 spans 名称/类别/统一社会信用代码; every other column spans both rows.
    ws.cell(row=2, column=1, value="行政相对人")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    for i, sub in enumerate(("名称", "类别", "统一社会信用代码"), start=1):
        ws.cell(row=3, column=i, value=sub)
    for i, label in enumerate(HEADER[3:], start=4):
        ws.cell(row=2, column=i, value=label)
        ws.merge_cells(start_row=2, start_column=i, end_row=3, end_column=i)
    data = [
        ("常州青枫软件有限公司", code(21), "常市监罚〔2026〕121号", "罚款", 20000, dt.date(2026, 9, 14)),
        (
            "常州白鹭服饰有限公司",
            full_width(code(22)),
            "常市监罚〔2026〕122号",
            "警告",
            None,
            dt.date(2026, 9, 15),
        ),
        (
            "常州金桥五金有限公司",
            code(23),
            "常市监罚〔2026〕123号",
            "罚款;没收违法所得",
            1500.5,
            dt.date(2026, 9, 16),
        ),
    ]
    for r, (name, uscc, no, types, fine, decided) in enumerate(data, start=4):
        values = row(name, uscc, no, types, "", "")
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=v)
        ws.cell(row=r, column=11, value=fine)
        ws.cell(row=r, column=12, value=decided)
        ws.cell(row=r, column=13, value=dt.date(2027, 9, 14))
    ws.cell(row=7, column=1, value="合计")
    ws.cell(row=7, column=11, value=21500.5)
    wb.save(path)


def write_xls(path: Path) -> None:
    try:
        import xlwt  # type: ignore[import-untyped]
    except ImportError:
        print(f"xlwt not installed: keeping the checked-in {path.name}")
        return
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("行政处罚")
    ws.write_merge(0, 0, 0, len(HEADER) - 1, "行政处罚信息（旧系统导出）")
    for c, label in enumerate(HEADER):
        ws.write(1, c, label)
    data = [
        row("常州松涛印务有限公司", code(31), "常市监罚〔2026〕131号", "罚款", "1,000元", "2026.09.21"),
        row("常州竹溪茶业有限公司", code(32), "常市监罚〔2026〕132号", "警告", "", "2026-09-22"),
    ]
    for r, values in enumerate(data, start=2):
        for c, v in enumerate(values):
            ws.write(r, c, v)
    ws.write(4, 0, "合计")
    wb.save(str(path))


def main() -> None:
    write_csv(HERE / "penalties_gbk.csv", gbk_rows(), "gbk")
    good = [r for r in gbk_rows()[:5]]
    write_csv(HERE / "penalties_utf8_bom.csv", good, "utf-8-sig")
    missing = [h for h in HEADER if h != "行政处罚决定书文号"]
    write_csv(HERE / "missing_column.csv", [r[:4] + r[5:] for r in good], "utf-8", header=missing)
    (HERE / "empty.csv").write_bytes(b"")
    whole = io.StringIO()
    csv.writer(whole, lineterminator="\r\n").writerows([HEADER, *good])
    data = whole.getvalue().encode("gbk")
    (HERE / "truncated.csv").write_bytes(data[: data.rfind(b"\r\n", 0, len(data) - 2) + 40])
    write_xlsx(HERE / "penalties_title_merged.xlsx")
    xlsx = (HERE / "penalties_title_merged.xlsx").read_bytes()
    (HERE / "truncated.xlsx").write_bytes(xlsx[: len(xlsx) // 2])
    write_xls(HERE / "penalties.xls")
    lines = [dict(zip(HEADER, r, strict=True)) for r in good[:2]]
    lines[0]["罚款金额（元）"] = 5000
    (HERE / "penalties.jsonl").write_text(
        "".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in lines), encoding="utf-8"
    )
    corrected = [r[:] for r in good]
    corrected[0][10] = "6,000元"  # the fine of row 1 corrected
    write_csv(HERE / "penalties_corrected.csv", corrected, "gbk")


if __name__ == "__main__":
    main()
