"""kit.bulk: text COPY lines escape what PostgreSQL's COPY reads specially, and read back unchanged."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.kit import bulk

TRICKY = ["制表\t符", "换行\n与回车\r", "反斜杠\\N 不是空值", "\\", "普通文本", ""]


def test_copy_fields_escape_tab_newline_return_and_backslash() -> None:
    assert bulk.copy_field(None) == "\\N"
    assert bulk.copy_field(True) == "t" and bulk.copy_field(False) == "f"
    assert bulk.copy_field(dt.date(2026, 11, 30)) == "2026-11-30"
    assert bulk.copy_field(42) == "42"
    u = uuid.uuid4()
    assert bulk.copy_field(u) == str(u)
    assert bulk.copy_field("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e"
    assert bulk.copy_line([1, None, "x\ty"]) == "1\t\\N\tx\\ty"
    with pytest.raises(ValueError):
        bulk.copy_field(dt.datetime(2026, 11, 30, 8, 0))  # no time zone: refused, never guessed


def test_copy_lines_read_back_exactly_on_postgresql(session: Session) -> None:
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        pytest.skip("text COPY is PostgreSQL's; SQLite is written through executemany (test_ingestion)")
    conn.execute(
        text("CREATE TEMP TABLE copy_probe (t text, j jsonb, d date, b boolean, n bigint) ON COMMIT DROP")
    )
    from sqlalchemy import Column, MetaData, Table

    probe = Table("copy_probe", MetaData(), Column("t"), Column("j"), Column("d"), Column("b"), Column("n"))
    rows = [
        [s, bulk.json_text({"值": s, "列表": [s]}), dt.date(2026, 1, i + 1), i % 2 == 0, i or None]
        for i, s in enumerate(TRICKY)
    ]
    assert bulk.copy_lines(conn, probe, ["t", "j", "d", "b", "n"], (bulk.copy_line(r) for r in rows)) == len(
        rows
    )
    back = conn.execute(text("SELECT t, j, d, b, n FROM copy_probe ORDER BY d")).all()
    assert [r[0] for r in back] == TRICKY
    assert [r[1] for r in back] == [{"值": s, "列表": [s]} for s in TRICKY]
    assert [(r[2], r[3], r[4]) for r in back] == [
        (dt.date(2026, 1, i + 1), i % 2 == 0, i or None) for i in range(len(TRICKY))
    ]


def test_integer_rows_read_back_exactly(session: Session) -> None:
    # On PostgreSQL formatted straight into COPY text; on SQLite through write_tuples.
    from xinyong.subjects.models import SubjectSearchGram

    conn = session.connection()
    grams = SubjectSearchGram.__table__
    rows = [(1 << 41 | 27700, 3, 2_000_000_001), (0, 0, 1), (27700, 511, 7)]
    conn.execute(grams.delete())
    assert bulk.write_ints(conn, grams, ["gram", "rank", "doc_id"], rows) == 3  # type: ignore[arg-type]
    back = conn.execute(text("SELECT gram, rank, doc_id FROM subject_search_grams ORDER BY doc_id")).all()
    assert sorted(map(tuple, back), key=lambda r: r[2]) == sorted(rows, key=lambda r: r[2])
