"""Reading department files into a header and a stream of rows of cell text.

CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 — detected, or given), XLSX and XLS (python-calamine: a Rust
reader, fast and well kept), JSON Lines, and JSON rows from the API. Spreadsheets may carry title rows
above the header and two-row headers with merged cells: :func:`_best_header` finds the header by how
many of its cells name catalogue fields. CSV and JSON Lines are streamed, so memory does not grow with
the file; a spreadsheet's sheet is loaded whole by calamine (bounded by Excel's row limit) but turned
into Python text a row at a time.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xinyong.ingestion.errors import FileRefused

FORMATS = ("csv", "xlsx", "xls", "jsonl", "json")
SNIFF_BYTES = 1 << 16
HEADER_SCAN_ROWS = 20


@dataclass
class Notes:
    """Characters reading had to take out of the file's text, counted as the rows are read and told to
    the clerk as file-level warnings once the file is through (service._stage). The stored file keeps
    them: nothing is lost, and a replay reads the same.

    * NUL (U+0000): never content, an export program's leftover — and PostgreSQL cannot store it in
      text or ``jsonb`` at all, so left in, one stray NUL would fail the whole batch. Removed.
    * Unpaired surrogates (U+D800–U+DFFF), which only JSON can carry (``"\\ud800"``): not characters,
      cannot be encoded as UTF-8. Each becomes U+FFFD (�), so the clerk sees where one was.
    """

    nul: int = 0
    surrogates: int = 0
    #: Spreadsheets: per column index, numeric cells of 16 digits or more. Excel keeps 15 significant
    #: digits, so an 18-digit ID number typed into a number cell has already lost its last digits.
    long_numbers: dict[int, int] = field(default_factory=dict)


_SURROGATE_RE = re.compile("[\ud800-\udfff]")
#: The JSON escapes that can produce them: \u0000 and \uD800–\uDFFF.
_ESCAPES_RE = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF])")


@dataclass
class Table:
    """A file opened for reading: its header (one text per column) and an iterator of data rows."""

    header: list[str]
    rows: Iterator[list[str]]
    encoding: str | None = None
    #: Data row 1 is this line/row of the file (for messages).
    first_line: int = 2
    notes: Notes = field(default_factory=Notes)


def scrub(text: str, notes: Notes) -> str:
    """``text`` without NUL characters and with unpaired surrogates replaced (see :class:`Notes`)."""
    if "\x00" in text:
        notes.nul += text.count("\x00")
        text = text.replace("\x00", "")
    if not text.isascii() and _SURROGATE_RE.search(text):
        text, n = _SURROGATE_RE.subn("\ufffd", text)
        notes.surrogates += n
    return text


def _scrub_value(value: Any, notes: Notes) -> Any:
    """A parsed JSON value with every string (keys included) scrubbed."""
    if isinstance(value, str):
        return scrub(value, notes)
    if isinstance(value, list):
        return [_scrub_value(v, notes) for v in value]
    if isinstance(value, dict):
        return {scrub(k, notes): _scrub_value(v, notes) for k, v in value.items()}
    return value


def _without_nul(lines: Iterable[str], notes: Notes) -> Iterator[str]:
    """A text file's lines with NUL characters removed (a CSV cannot hold surrogates: it is decoded)."""
    for line in lines:
        if "\x00" in line:
            notes.nul += line.count("\x00")
            line = line.replace("\x00", "")
        yield line


def detect_format(filename: str, explicit: str | None = None) -> str:
    if explicit:
        fmt = explicit.lower().lstrip(".")
    else:
        fmt = Path(filename).suffix.lower().lstrip(".")
        fmt = {"txt": "csv", "ndjson": "jsonl"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise FileRefused(
            f"不支持的文件格式：{fmt or '（无扩展名）'}，应为 CSV、XLSX、XLS 或 JSON Lines",
            code="file.format",
        )
    return fmt


def detect_encoding(head: bytes) -> str:
    """``utf-8-sig`` with a BOM; ``utf-16`` with a UTF-16 BOM (Excel's 另存为“Unicode 文本”: UTF-16LE,
    tab-separated); ``utf-8`` when the sample decodes as UTF-8; else ``gb18030`` (⊇ GBK)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is not evidence against UTF-8.
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    return "gb18030"


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: integral floats without ``.0``, dates ISO, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _blank(row: list[str]) -> bool:
    return not any(c.strip() for c in row)


def _best_header(
    grid: list[list[str]], resolve: Callable[[str], str | None], merged: list[tuple[int, int, int, int]]
) -> tuple[int, list[str], int]:
    """(how many cells name a field, the header, the index of the first data row) of the best candidate."""
    grid = [list(r) for r in grid[: HEADER_SCAN_ROWS + 1]]
    for r0, c0, r1, c1 in merged:
        if r0 >= len(grid):
            continue
        text = grid[r0][c0] if c0 < len(grid[r0]) else ""
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if not row[c]:
                    row[c] = text
    # (score, fewer header rows first, earlier first) — a title row merged over a one-row header must not
    # win over the header alone.
    best: tuple[int, int, int, list[str], int] = (0, 0, 0, [], 0)
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        single = [c.strip() for c in row]
        candidates = [(single, i + 1, 1)]
        if i + 1 < len(grid):
            candidates.append((_two_row_header(single, [c.strip() for c in grid[i + 1]], resolve), i + 2, 2))
        for header, start, used in candidates:
            score = sum(1 for c in header if c and resolve(c))
            rank = (score, -used, -i, header, start)
            if rank[:3] > best[:3]:
                best = rank
    return best[0], best[3], best[4]


def _two_row_header(top: list[str], sub: list[str], resolve: Callable[[str], str | None]) -> list[str]:
    width = max(len(top), len(sub))
    top = top + [""] * (width - len(top))
    sub = sub + [""] * (width - len(sub))
    out: list[str] = []
    for parent, child in zip(top, sub, strict=True):
        if parent == child:  # a cell merged over both header rows
            out.append(child)
            continue
        choices = [c for c in (parent + child, child, parent) if c]
        out.append(next((c for c in choices if resolve(c)), choices[0] if choices else ""))
    return out


def _csv_rows(
    reader: Iterator[list[str]], width: int, ended_with_newline: Callable[[], bool]
) -> Iterator[list[str]]:
    """Rows of ``reader``; a last row cut short without a final newline means the file was truncated."""
    try:
        previous: list[str] | None = None
        for row in reader:
            if previous is not None:
                yield previous
            previous = row
        if previous is not None:
            if len(previous) < width and not _blank(previous) and not ended_with_newline():
                raise FileRefused(
                    f"文件不完整（可能被截断）：最后一行只有 {len(previous)} 列，表头有 {width} 列",
                    code="file.truncated",
                )
            yield previous
    except csv.Error as exc:
        raise FileRefused(f"文件不完整或格式错误（可能被截断）：{exc}", code="file.truncated") from exc
    except UnicodeDecodeError as exc:
        raise FileRefused(f"文件编码错误：无法按所选编码解码（{exc.reason}）", code="file.encoding") from exc


#: Delimiters a unit's "CSV" may use: comma; tab (Excel's 文本文件（制表符分隔）, often named .txt); the
#: semicolon and the vertical bar some systems export with.
DELIMITERS = (",", "\t", ";", "|")


def read_csv(
    path: Path, *, encoding: str | None = None, resolve: Callable[[str], str | None] | None = None
) -> Table:
    """A delimited text file, streamed. With ``resolve`` (the catalogue's and the unit's column names), the
    delimiter and the header row are those under which the most columns name fields — so a tab-separated
    export and a CSV saved from a sheet with a title row above its header read like any other; a file in
    which nothing resolves keeps the comma and its first row (a header left to 列映射 or refused)."""
    raw = path.open("rb")
    head = raw.read(SNIFF_BYTES)
    if not head.strip():
        raw.close()
        raise FileRefused("文件为空", code="file.empty")
    enc = encoding.lower() if encoding else detect_encoding(head)
    if enc in ("gbk", "gb2312"):
        enc = "gb18030"  # a superset: every GBK file decodes the same
    if enc == "utf-8" and head.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    try:
        codecs.lookup(enc)
    except LookupError as exc:
        raw.close()
        raise FileRefused(f"未知的文件编码：{encoding}", code="file.encoding") from exc
    delimiter = _delimiter(head.decode(enc, errors="ignore"), resolve) if resolve else ","
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding=enc, newline="")
    notes = Notes()
    reader = csv.reader(_without_nul(text, notes), delimiter=delimiter, strict=True)
    try:
        first = [next(reader)]
    except UnicodeDecodeError as exc:
        raw.close()
        raise FileRefused(
            f"文件无法按 {enc} 编码读取，请确认编码（UTF-8、GBK、GB18030 或 UTF-16）", code="file.encoding"
        ) from exc
    except (StopIteration, csv.Error) as exc:
        raw.close()
        raise FileRefused("文件为空或表头无法读取", code="file.empty") from exc
    held: BaseException | None = None  # met while looking for the header: raised in its place, in order
    try:
        while len(first) <= HEADER_SCAN_ROWS:
            first.append(next(reader))
    except StopIteration:
        pass
    except (csv.Error, UnicodeDecodeError) as exc:
        held = exc
    header, start = first[0], 1
    if resolve is not None:
        score, found, at = _best_header(first, resolve, [])
        if score:
            header, start = found, at

    ends = _line_ends(enc, head)

    def ended_with_newline() -> bool:
        raw.seek(-len(ends[0]), io.SEEK_END)
        return raw.read(len(ends[0])) in ends

    def rest() -> Iterator[list[str]]:
        yield from first[start:]
        if held is not None:
            raise held
        yield from reader

    def rows() -> Iterator[list[str]]:
        try:
            yield from _csv_rows(rest(), len(header), ended_with_newline)
        finally:
            # Closing the wrapper (which closes ``raw``) also keeps it referenced until here: once the
            # line generator is exhausted, nothing else holds it, and a collected wrapper closes ``raw``.
            text.close()

    return Table(
        header=[h.strip() for h in header], rows=rows(), encoding=enc, first_line=start + 1, notes=notes
    )


def _line_ends(enc: str, head: bytes) -> tuple[bytes, ...]:
    """How a line end (``\\n`` or ``\\r``) looks in the file's bytes: two bytes in UTF-16, in the byte
    order its BOM gives."""
    name = codecs.lookup(enc).name
    if name in ("utf-16", "utf-32"):
        bom = codecs.BOM_UTF16_LE if name == "utf-16" else codecs.BOM_UTF32_LE
        name += "-le" if head.startswith(bom) else "-be"
    elif name == "utf-8-sig":
        name = "utf-8"
    return tuple(c.encode(name) for c in "\n\r")


def _delimiter(sample: str, resolve: Callable[[str], str | None]) -> str:
    """The delimiter under which the sample's header names the most fields (the comma on a tie)."""
    lines = sample.splitlines()[: HEADER_SCAN_ROWS + 1]
    best, chosen = 0, ","
    for d in DELIMITERS:
        try:
            grid = list(csv.reader(lines, delimiter=d))
        except csv.Error:
            continue
        score = _best_header(grid, resolve, [])[0]
        if score > best:
            best, chosen = score, d
    return chosen


#: Excel's numbers keep 15 significant digits: from 10^15 on, an integer may not be what was typed.
LONG_NUMBER = 10**15


def _sheet_cell(value: Any, col: int, notes: Notes) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= LONG_NUMBER:
        notes.long_numbers[col] = notes.long_numbers.get(col, 0) + 1
    return scrub(cell_text(value), notes)


@dataclass
class _DataSheet:
    name: str
    #: Its data rows read so far (while looking for the header and for a first row under it).
    read: list[list[str]]
    #: The rest, converted as they are read.
    rest: Iterator[list[str]]
    header: list[str]
    start: int
    notes: Notes


def _sheet_rows(sheet: Any, notes: Notes) -> Iterator[list[str]]:
    """A sheet's rows as cell text from row 1 and column A (calamine's range starts at the first used
    column; rows come from the first), converted one at a time: the sheet's Python text is never held
    whole — a 200,000-row sheet's grid was as big again as calamine's own copy."""
    first_col = (sheet.start or (0, 0))[1]
    pad = [""] * first_col
    for row in sheet.iter_rows():
        yield [*pad, *(_sheet_cell(v, first_col + i, notes) for i, v in enumerate(row))]


def read_spreadsheet(path: Path, *, resolve: Callable[[str], str | None]) -> Table:
    """The workbook's data sheet: the visible worksheet whose header (:func:`_best_header`) names
    catalogue fields and has rows under it — wherever it is, so a unit's template that opens with a
    填报说明 sheet reads like any other. Two such sheets (10月 and 11月, say) are refused with their names:
    reading one would drop the other's rows without a word."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    found: list[_DataSheet] = []
    headed: list[str] = []
    try:
        book = CalamineWorkbook.from_path(str(path))
        any_cells = False
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet or meta.visible != SheetVisibleEnum.Visible:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            notes = Notes()  # the sheet read is the one told about
            rows = _sheet_rows(sheet, notes)
            head = list(itertools.islice(rows, HEADER_SCAN_ROWS + 1))
            if not any(not _blank(r) for r in head):
                any_cells = any_cells or any(not _blank(r) for r in rows)
                continue  # no header in its first rows
            any_cells = True
            merged = [(a[0], a[1], b[0], b[1]) for a, b in sheet.merged_cell_ranges or []]
            score, header, start = _best_header(head, resolve, merged)
            if score == 0:
                continue  # instructions, a code table: no header naming fields
            headed.append(meta.name)
            read = head[start:]
            has_data = any(not _blank(r) for r in read)
            while not has_data and (more := next(rows, None)) is not None:
                read.append(more)
                has_data = not _blank(more)
            if has_data:
                found.append(_DataSheet(meta.name, read, rows, header, start, notes))
    except FileRefused:
        raise
    except Exception as exc:  # calamine raises its own error types for broken files
        raise FileRefused(f"表格文件损坏或不完整，无法读取：{exc}", code="file.truncated") from exc
    if not any_cells:
        raise FileRefused("文件为空", code="file.empty")
    if len(found) > 1:
        names = "、".join(f"“{s.name}”" for s in found)
        raise FileRefused(
            f"工作簿中有 {len(found)} 个工作表含数据（{names}）：请把各工作表另存为单独的文件分别上传，"
            "或合并为一个工作表后上传",
            code="file.many_sheets",
            details={"sheets": [s.name for s in found]},
        )
    if not found:
        if headed:  # a header and nothing under it
            raise FileRefused("文件没有数据行", code="file.empty")
        raise FileRefused("未找到表头：前 20 行中没有一行的列名对应目录字段", code="file.no_header")
    chosen = found[0]
    width = len(chosen.header)
    data = (
        r + [""] * (width - len(r)) if len(r) < width else r
        for r in itertools.chain(chosen.read, chosen.rest)
    )
    return Table(header=chosen.header, rows=data, first_line=chosen.start + 1, notes=chosen.notes)


def _records_to_rows(objects: Iterator[dict[str, Any]], header: list[str]) -> Iterator[list[str]]:
    for obj in objects:
        yield [_json_cell(obj.get(h)) for h in header]


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_json_cell(v) for v in value)
    if isinstance(value, float):
        return cell_text(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def read_jsonl(path: Path) -> Table:
    fh = path.open("r", encoding="utf-8-sig")
    notes = Notes()

    def objects() -> Iterator[dict[str, Any]]:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                yield {}
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FileRefused(
                    f"第 {n} 行不是有效的 JSON（文件可能被截断）：{exc.msg}", code="file.truncated"
                ) from exc
            if not isinstance(obj, dict):
                raise FileRefused(f"第 {n} 行应为 JSON 对象", code="file.format")
            # Only an escape can put a NUL or a surrogate into JSON text: look for one before walking.
            yield _scrub_value(obj, notes) if _ESCAPES_RE.search(line) else obj

    stream = objects()
    first = next(stream, None)
    while first is not None and not first:
        first = next(stream, None)
    if first is None:
        fh.close()
        raise FileRefused("文件为空", code="file.empty")
    header = list(first)

    def rows() -> Iterator[list[str]]:
        try:
            yield from _records_to_rows(iter([first]), header)
            for obj in stream:
                extra = [k for k in obj if k not in header]
                if extra:
                    raise FileRefused(
                        f"各行的键应一致：出现了表头之外的键 {'、'.join(extra)}", code="file.format"
                    )
                yield [_json_cell(obj.get(h)) for h in header]
        finally:
            fh.close()

    return Table(header=header, rows=rows(), first_line=1, notes=notes)


def rows_from_objects(objects: list[dict[str, Any]]) -> Table:
    """JSON rows given through the API: a list of objects keyed by label, alias or field key."""
    if not objects:
        raise FileRefused("没有数据行", code="file.empty")
    notes = Notes()
    objects = [_scrub_value(o, notes) for o in objects]
    header: list[str] = []
    for obj in objects:
        for k in obj:
            if k not in header:
                header.append(k)
    return Table(header=header, rows=_records_to_rows(iter(objects), header), first_line=1, notes=notes)


def open_table(
    path: Path, fmt: str, *, resolve: Callable[[str], str | None], encoding: str | None = None
) -> Table:
    """Open ``path`` as a :class:`Table` (raises :class:`FileRefused` for an unreadable file)."""
    if path.stat().st_size == 0:
        raise FileRefused("文件为空", code="file.empty")
    if fmt == "csv":
        return read_csv(path, encoding=encoding, resolve=resolve)
    if fmt in ("xlsx", "xls"):
        return read_spreadsheet(path, resolve=resolve)
    if fmt == "jsonl":
        return read_jsonl(path)
    if fmt == "json":
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise FileRefused(f"不是有效的 JSON（文件可能被截断）：{exc.msg}", code="file.truncated") from exc
        if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
            raise FileRefused("JSON 文件应为对象数组", code="file.format")
        return rows_from_objects(data)
    raise FileRefused(f"不支持的文件格式：{fmt}", code="file.format")
