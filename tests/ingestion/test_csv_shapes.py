"""Delimited text files as units really save them: tab-separated (.txt), semicolon or vertical-bar
delimited, a title row and a blank line above the header, custom headers found through the unit's 列映射
— each read like the plain CSV, with the same row numbers in its problems."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, staff, submit
from xinyong.ingestion import service
from xinyong.kit import clock

SOURCE = DATA / "penalties_gbk.csv"


def _grid() -> list[list[str]]:
    return list(csv.reader(io.StringIO(SOURCE.read_bytes().decode("gb18030"))))


def _write(path: Path, grid: list[list[str]], *, delimiter: str = ",", above: list[str] = ()) -> Path:  # type: ignore[assignment]
    buf = io.StringIO()
    for line in above:
        buf.write(line + "\r\n")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(grid)
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path


def _outcome(session: Session, path: Path) -> tuple[int, int, int, dict[int, list[str]]]:
    sub = submit(session, path)
    summary = service.summary(session, sub.batch)
    codes: dict[int, list[str]] = {}
    for e in summary["errors"]:
        codes.setdefault(e["row"], []).append(e["code"])
    return summary["rows"], summary["accepted"], summary["rejected"], codes


@pytest.fixture
def plain(session: Session, tmp_path: Path) -> tuple[int, int, int, dict[int, list[str]]]:
    """The fixture as a plain comma CSV, in a database of its own batches: the result to match."""
    result = _outcome(session, SOURCE)
    assert result[:3] == (13, 6, 4) and result[3][6] == ["uscc.checksum"]
    return result


@pytest.mark.parametrize(("name", "delimiter"), [("处罚.txt", "\t"), ("处罚;.csv", ";"), ("处罚|.csv", "|")])
def test_other_delimiters_read_like_the_comma(
    session: Session,
    tmp_path: Path,
    plain: tuple,
    name: str,
    delimiter: str,  # type: ignore[type-arg]
) -> None:
    # The amounts keep their thousands separators ("5,000元"): a comma inside a cell is data here.
    grid = _grid()
    assert any("," in cell for row in grid for cell in row)
    assert _outcome(session, _write(tmp_path / name, grid, delimiter=delimiter)) == plain


def test_a_title_row_and_a_blank_line_above_the_header(
    session: Session, tmp_path: Path, plain: tuple
) -> None:  # type: ignore[type-arg]
    above = ["常州市市场监督管理局行政处罚信息（2026年11月）,,,", ""]
    path = _write(tmp_path / "带标题.csv", _grid(), above=above)
    assert _outcome(session, path) == plain  # row 1 is still the first data row


def test_custom_headers_under_a_title_row_are_found_through_the_saved_mapping(
    session: Session, tmp_path: Path
) -> None:
    grid = _grid()
    grid[0] = ["企业名称" if h == "行政相对人名称" else h for h in grid[0]]
    path = _write(tmp_path / "自定义列名.csv", grid, above=["报送表"])
    service.save_mapping(
        session,
        unit_key="shi_scjgj",
        item_code="xzcf_fr",
        mapping={"企业名称": "subject_name"},
        actor=staff(),
        now=clock.now(),
    )
    rows, accepted, _, _ = _outcome(session, path)
    assert (rows, accepted) == (13, 6)


def test_a_broken_quote_near_the_top_is_a_truncated_file_not_an_empty_one(
    session: Session, tmp_path: Path
) -> None:
    text = SOURCE.read_bytes().decode("gb18030").splitlines()
    text.insert(3, '"常州坏引号有限公司"x,法人及非法人组织')
    path = tmp_path / "坏引号.csv"
    path.write_bytes("\r\n".join(text).encode("gb18030"))
    sub = submit(session, path)
    summary = service.summary(session, sub.batch)
    assert sub.batch.status == "失败" and [e["code"] for e in summary["errors"]] == ["file.truncated"]
