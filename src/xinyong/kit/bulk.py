"""Set-based bulk writes: PostgreSQL COPY, SQLite executemany of prepared tuples.

Values are converted by each column's own SQLAlchemy bind processor on SQLite (so the stored
form is exactly what the ORM would write) and passed as Python objects to psycopg's COPY on
PostgreSQL (JSON as text, which COPY parses into jsonb).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, ForeignKeyConstraint, Index, Table, UniqueConstraint
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex
from sqlalchemy.types import JSON


class JsonText(str):
    """JSON already encoded (e.g. by a staging worker process): COPY sends it as it is. PostgreSQL only:
    on SQLite values go through the column's own bind processor, so pass the object there."""

    __slots__ = ()


def json_text(value: Any) -> JsonText:
    """``value`` encoded once, to be written to a JSON column by :func:`write_tuples` without re-encoding."""
    return JsonText(_json_text(value))


def _json_text(value: Any) -> Any:
    """Compact JSON text; orjson (several times faster than json on the COPY hot path) with json as the
    fallback for what orjson refuses (e.g. non-string keys)."""
    if value is None or isinstance(value, JsonText):
        return value
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_field(value: Any) -> str:
    """One value in PostgreSQL's text COPY format: ``\\N`` for NULL, ``t``/``f``, ISO dates, and text
    with backslash, tab, newline and carriage return escaped. Text must already be JSON for JSON
    columns (:func:`json_text`); a datetime must carry its time zone."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return (
            value.translate(_ESCAPES)
            if ("\\" in value or "\t" in value or "\n" in value or "\r" in value)
            else value
        )
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        raise ValueError("COPY of a datetime needs its time zone")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)  # int, uuid.UUID


def copy_line(values: Sequence[Any]) -> str:
    """Values as one tab-separated text COPY line, without the newline."""
    return "\t".join(map(copy_field, values))


def copy_lines(conn: Connection, table: Table, cols: Sequence[str], lines: Iterable[str]) -> int:
    """COPY lines already in text format (:func:`copy_line`) into ``table`` (PostgreSQL only)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    quoted = ", ".join(f'"{c}"' for c in cols)
    count = 0
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        buffer: list[str] = []
        for line in lines:
            buffer.append(line)
            count += 1
            if len(buffer) >= 1000:
                copy.write("\n".join(buffer) + "\n")
                buffer.clear()
        if buffer:
            copy.write("\n".join(buffer) + "\n")
    return count


def write_ints(conn: Connection, table: Table, cols: list[str], rows: Iterable[Sequence[int]]) -> int:
    """Rows of plain integers only (e.g. search postings): on PostgreSQL formatted straight into COPY
    text — about half the client time of :func:`write_tuples`' general path per row — elsewhere as
    :func:`write_tuples`. Returns the number of rows written."""
    if conn.dialect.name != "postgresql":
        return write_tuples(conn, table, cols, rows)
    return copy_lines(conn, table, cols, ("\t".join(map(str, row)) for row in rows))


def write(
    conn: Connection, table: Table, rows: Iterable[dict[str, Any]], columns: Sequence[str] | None = None
) -> int:
    """Insert ``rows`` (dicts keyed by column name) into ``table`` in one set-based operation."""
    cols = list(columns or [c.name for c in table.columns if c.name in _first_keys(rows)])
    return write_tuples(conn, table, cols, ([r.get(c) for c in cols] for r in rows))


def _first_keys(rows: Iterable[dict[str, Any]]) -> set[str]:
    if isinstance(rows, list) and rows:
        return set(rows[0])
    raise ValueError("columns must be given when rows is not a non-empty list")


def write_tuples(conn: Connection, table: Table, cols: list[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert value sequences in ``cols`` order; returns the number of rows written."""
    dialect = conn.dialect
    count = 0
    if dialect.name == "postgresql":
        json_idx = [
            i
            for i, c in enumerate(cols)
            if isinstance(table.c[c].type, JSON) or "JSON" in type(table.c[c].type).__name__.upper()
        ]
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            quoted = ", ".join(f'"{c}"' for c in cols)
            with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    values = list(row)
                    for i in json_idx:
                        values[i] = _json_text(values[i])
                    copy.write_row(values)
                    count += 1
        return count
    processors: list[Callable[[Any], Any] | None] = [
        table.c[c].type._cached_bind_processor(dialect) for c in cols
    ]
    pairs = [(i, p) for i, p in enumerate(processors) if p is not None]

    def convert(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for i, p in pairs:
            values[i] = p(values[i])
        return values

    sql = f'INSERT INTO "{table.name}" ({", ".join(cols)}) VALUES ({", ".join("?" for _ in cols)})'
    batch: list[list[Any]] = []
    raw_conn = conn.connection.driver_connection
    assert raw_conn is not None
    cursor = raw_conn.cursor()
    for row in rows:
        batch.append(convert(row))
        if len(batch) >= 5000:
            cursor.executemany(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)
        count += len(batch)
    cursor.close()
    return count


class DeferredIndexes:
    """Drop a table's secondary indexes (and, on PostgreSQL, unique and foreign-key constraints) for a
    fresh bulk load and build them again afterwards — the standard way to load many rows into empty
    tables (PostgreSQL's own docs, "Populating a Database"). Re-adding a foreign key validates every
    row in one pass, so nothing unchecked survives; everything runs inside the load's transaction, so
    a failure rolls the dropped objects back too."""

    def __init__(self, conn: Connection, tables: Sequence[Table]) -> None:
        self.conn = conn
        self.indexes: list[Index] = [
            ix for t in tables for ix in sorted(t.indexes, key=lambda i: str(i.name))
        ]
        self.uniques: list[UniqueConstraint] = []
        self.foreign: list[ForeignKeyConstraint] = []
        if conn.dialect.name == "postgresql":
            self.uniques = [c for t in tables for c in t.constraints if isinstance(c, UniqueConstraint)]
            self.foreign = [c for t in tables for c in t.foreign_key_constraints]

    def __enter__(self) -> DeferredIndexes:
        for ix in self.indexes:
            self.conn.execute(DropIndex(ix, if_exists=True))
        for fk in self.foreign:
            self.conn.execute(DropConstraint(fk))
        for uc in self.uniques:
            self.conn.execute(DropConstraint(uc))
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            return  # the transaction rolls back and restores the indexes with it
        for uc in self.uniques:
            self.conn.execute(AddConstraint(uc))
        for ix in self.indexes:
            self.conn.execute(CreateIndex(ix))
        for fk in self.foreign:
            self.conn.execute(AddConstraint(fk))
