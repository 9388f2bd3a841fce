"""Turning raw cells into a catalogue payload: NFKC, trimming, dates, amounts, code lists, identifiers.

:class:`RowNormaliser` is compiled once per (item, column mapping): one small converter per column,
chosen from the field's type, so the per-row work is a loop over cells. Values that cannot be
converted are kept as normalised text, and :func:`xinyong.records.validation.validate` names the rule
they break — the messages live in one place. Conversions:

* every cell: zero-width characters removed, trimmed; codes, identifiers, dates and amounts NFKC
  (full-width → half-width) and Excel's text markers (``="…"``, a leading ``'``) taken off; names and
  free text only full-width letters and digits made half-width,
  because NFKC would also rewrite Chinese punctuation (，（）) in official names and decision texts;
* dates: ``2026-11-23``, ``2026/11/23``, ``2026.11.23``, ``2026年11月23日``, ``20261123``, Excel
  serial numbers (``46349``) and the Chinese numerals of decision documents (``二〇二六年十一月二十三日``),
  a time part dropped → ISO ``YYYY-MM-DD``;
* amounts: thousands separators and currency signs dropped, and the words decision texts wrap them in
  (人民币…, RMB, …整, （人民币）); the unit is a cell suffix (``元``/``万元``) or else the column
  header's (``罚款金额（元）``) or else the field's; Chinese numerals, capitals included (伍仟元整), read by
  cn2an; converted to the field's unit exactly (``Decimal``) and written with the field's scale;
* code lists: split on ``;；,，、/|`` and line breaks, each value mapped through the catalogue's codes
  and ``code_aliases``; codes likewise;
* identifiers: :func:`xinyong.kit.identifiers.normalise` (upper-case, no spaces).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from xinyong.catalog.schemas import CatalogItemSpec, FieldSpec, FieldType, normalise_header
from xinyong.kit.identifiers import normalise as normalise_identifier

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_DATE_SEP_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_CN_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_DATE_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL_RE = re.compile(r"^(\d{5})(?:\.0+)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 18264, 73051  # 1950-01-01 … 2099-12-31
_SPLIT_RE = re.compile(r"[;；,，、/|\n\r]+")
_AMOUNT_STRIP = str.maketrans("", "", ",， _'¥￥$")
_SUMMARY_WORDS = ("合计", "总计", "小计")
_UNIT_FACTOR = {("元", "万元"): Decimal("0.0001"), ("万元", "元"): Decimal(10000)}
#: Per column: memoise only low-cardinality columns (memory must not grow with the file).
_MAX_CACHE = 4096


def clean(text: str) -> str:
    """NFKC, zero-width characters removed, trimmed; Excel's text markers taken off (:func:`unwrap`)."""
    if text.isascii():
        text = text.strip()
    else:
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()
    return unwrap(text) if text[:1] in ("=", "'") else text


def unwrap(text: str) -> str:
    """``="91320412MF0000013Q"`` and ``'91320412MF0000013Q``: what systems write into a CSV meant for
    Excel, and clerks type into Excel, so that a long code or ID number stays text instead of becoming a
    number. Never part of a code, identifier, date or amount (the fields :func:`clean` serves)."""
    if len(text) >= 3 and text.startswith('="') and text.endswith('"'):
        return text[2:-1].strip()
    if text.startswith("'"):
        return text[1:].strip()
    return text


#: Full-width ASCII letters and digits and the ideographic space → half-width; CJK punctuation is kept.
_WIDE_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    0x3000: 0x20,
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad")),
}


def clean_text(text: str) -> str:
    """Free text and names: full-width letters and digits made half-width, trimmed — but Chinese
    punctuation（，。（）) kept, since NFKC would rewrite official names and decision texts."""
    if text.isascii():
        return text.strip()
    return text.translate(_WIDE_ALNUM).strip()


#: 二〇二六年十一月二十三日: how decision documents write their date, and clerks copy it from them.
_CN_NUMERALS = "〇零○一二三四五六七八九"
_CN_DIGIT = {c: (0 if i < 3 else i - 2) for i, c in enumerate(_CN_NUMERALS)}
_DATE_CN_NUMERALS_RE = re.compile(
    f"^([{_CN_NUMERALS}]{{4}})年([{_CN_NUMERALS}十]{{1,3}})月([{_CN_NUMERALS}十]{{1,4}})日$"
)


def _cn_number(text: str) -> int | None:
    """一 … 九, 十, 十一 … 十九, 二十 … 三十一 (month and day); digit by digit without 十 (〇九)."""
    if "十" not in text:
        return int("".join(str(_CN_DIGIT[c]) for c in text))
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or ones == "十":
        return None
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)


def _cn_date(text: str) -> str | None:
    m = _DATE_CN_NUMERALS_RE.match(text)
    if m is None:
        return None
    year = int("".join(str(_CN_DIGIT[c]) for c in m.group(1)))
    month, day = _cn_number(m.group(2)), _cn_number(m.group(3))
    if month is None or day is None:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """ISO date for the accepted forms (and a time part dropped); ``None`` if none fits."""
    m = _DATE_SEP_RE.match(text) or _DATE_CN_RE.match(text) or _DATE_COMPACT_RE.match(text)
    if m is None and "年" in text and not text[0].isdigit():
        return _cn_date(text)
    if m is not None:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            return None
    m = _SERIAL_RE.match(text)
    if m is not None:
        serial = int(m.group(1))
        if _SERIAL_MIN <= serial <= _SERIAL_MAX:
            return (_EXCEL_EPOCH + dt.timedelta(days=serial)).isoformat()
    return None


def header_unit(header: str) -> str | None:
    """The amount unit a column header states (``罚款金额（元）`` → 元)."""
    text = clean(header)
    if "万元" in text:
        return "万元"
    if "(元)" in text or "元)" in text or text.endswith("元"):
        return "元"
    return None


def is_summary_row(cells: list[str]) -> bool:
    """A 合计/总计/小计 row: one of its first non-empty cells says so."""
    seen = 0
    for c in cells:
        if not c:
            continue
        if "计" in c:  # every summary word ends in 计: the common case skips the NFKC
            text = clean(c).replace(" ", "")
            if text.startswith(_SUMMARY_WORDS) and len(text) <= 6:
                return True
        seen += 1
        if seen >= 3:
            return False
    return False


Converter = Callable[[str], Any]


#: 人民币5000元, RMB 5000, 5000元整, 5000元（人民币）: the words decision texts wrap amounts in.
_AMOUNT_PREFIX_RE = re.compile(r"^(?:人民币|RMB|CNY)", re.IGNORECASE)
_PREFIX_STARTS = frozenset("人RCrc")
_AMOUNT_SUFFIX_RE = re.compile(r"(?:整|\(人民币\))+$")
_AMOUNT_SUFFIXES = ("整", "(人民币)")
_CN_AMOUNT_CHARS = frozenset("零壹贰叁肆伍陆柒捌玖拾佰仟〇一二三四五六七八九十百千万亿两")


def _spelled_amount(text: str) -> Decimal | None:
    """伍仟, 壹万零伍佰, 三千, 5千: amounts in Chinese numerals — the capitals (大写) of decision documents
    included — by cn2an, a library made for it; None for anything else. Called only when the text is
    not a plain number, so ordinary files never reach it."""
    if not text or not any(c in _CN_AMOUNT_CHARS for c in text):
        return None
    import cn2an  # type: ignore[import-untyped]  # only for the rare spelled-out amount

    try:
        number = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    try:
        return Decimal(str(number))
    except InvalidOperation:
        return None


def _amount(spec: FieldSpec, column_unit: str | None) -> Converter:
    target = spec.unit or "万元"
    default_unit = column_unit or target
    scale = spec.scale if spec.scale is not None else 6
    quantum = Decimal(1).scaleb(-scale)

    def convert(text: str) -> Any:
        t = text.translate(_AMOUNT_STRIP)
        if t[:1] in _PREFIX_STARTS:
            t = _AMOUNT_PREFIX_RE.sub("", t)
        if t.endswith(_AMOUNT_SUFFIXES):
            t = _AMOUNT_SUFFIX_RE.sub("", t)
        unit = default_unit
        if t.endswith("万元"):
            unit, t = "万元", t[:-2]
        elif t.endswith("元"):
            unit, t = "元", t[:-1]
        elif t.endswith("万"):
            unit, t = "万元", t[:-1]
        try:
            value = Decimal(t)
        except InvalidOperation:
            spelled = _spelled_amount(t)
            if spelled is None:
                return text
            value = spelled
            if "元" in t and not t.endswith("万"):  # 壹佰元叁角: 元 with 角/分 after it
                unit = "元"
        if not value.is_finite():
            return text
        if unit != target:
            value = value * _UNIT_FACTOR[(unit, target)]
        fixed = value.quantize(quantum) if value == value.quantize(quantum) else value
        return format(fixed, "f")

    return convert


def _code(spec: FieldSpec) -> Converter:
    cache: dict[str, str] = {}

    def convert(text: str) -> Any:
        hit = cache.get(text)
        if hit is None:
            hit = spec.canonical_code(text) or text
            if len(cache) < _MAX_CACHE:
                cache[text] = hit
        return hit

    return convert


def _code_list(spec: FieldSpec) -> Converter:
    one = _code(spec)

    def convert(text: str) -> Any:
        parts = [p.strip() for p in _SPLIT_RE.split(text)]
        return list(dict.fromkeys(one(p) for p in parts if p))

    return convert


def _date(text: str) -> Any:
    return parse_date(text) or text


def _integer(text: str) -> Any:
    t = text.translate(_AMOUNT_STRIP)
    if t.endswith(".0"):
        t = t[:-2]
    return t


def converter(spec: FieldSpec, column_header: str) -> Converter:
    """The converter of one column mapped to ``spec``."""
    kind = spec.type
    if kind is FieldType.DATE:
        cache: dict[str, Any] = {}

        def date_cached(text: str) -> Any:
            hit = cache.get(text)
            if hit is None:
                hit = _date(text)
                if len(cache) < _MAX_CACHE:
                    cache[text] = hit
            return hit

        return date_cached
    if kind is FieldType.DECIMAL:
        return _amount(spec, header_unit(column_header))
    if kind in (FieldType.CODE, FieldType.ID_TYPE):
        return _code(spec)
    if kind is FieldType.CODE_LIST:
        return _code_list(spec)
    if kind is FieldType.IDENTIFIER:
        return normalise_identifier
    if kind is FieldType.INTEGER:
        return _integer
    return _identity


def _identity(text: str) -> Any:
    return text


_TEXT_TYPES = frozenset({FieldType.STRING, FieldType.TEXT})


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    field: FieldSpec
    convert: Converter
    clean: Callable[[str], str]


@dataclass
class NormalisedRow:
    payload: dict[str, Any]
    raw: dict[str, str]
    #: Field key → the column header it came from (for messages).
    columns: dict[str, str]
    #: Two columns for one field with different values in this row: (field key, the later column's
    #: 1-based number, its cell text). None when there are none — the common case costs nothing.
    conflicts: list[tuple[str, int, str]] | None = None


class RowNormaliser:
    """Compiled per (item, mapping): turns a row of cell text into a payload plus the raw cells."""

    def __init__(self, item: CatalogItemSpec, header: list[str], mapping: dict[str, str]) -> None:
        self.item = item
        self.header = header
        cols: list[Column] = []
        for i, h in enumerate(header):
            key = mapping.get(h)
            if key is None:
                continue
            spec = item.field(key)
            cols.append(
                Column(i, h, spec, converter(spec, h), clean_text if spec.type in _TEXT_TYPES else clean)
            )
        self.columns = cols
        self._memo: list[dict[str, tuple[Any, bool]] | None] = [{} for _ in cols]
        self._hits = [0] * len(cols)
        self.column_of: dict[str, str] = {}
        for c in cols:
            self.column_of.setdefault(c.field.key, c.header)
        self.counted = [f.key for f in item.fields if f.required or f.important]

    def __call__(self, cells: list[str]) -> NormalisedRow:
        payload: dict[str, Any] = {}
        raw: dict[str, str] = {}
        conflicts: list[tuple[str, int, str]] | None = None
        n = len(cells)
        for i, col in enumerate(self.columns):
            if col.index >= n:
                continue
            cell = cells[col.index]
            if not cell:
                continue
            memo = self._memo[i]
            hit = memo.get(cell) if memo is not None else None
            if hit is None:
                hit = self._convert(col, cell)
                if memo is not None:
                    self._remember(i, memo, cell, hit)
            else:
                self._hits[i] += 1
            value, differs = hit
            if value is None:
                continue
            key = col.field.key
            if key in payload:
                # Two columns for one field (a label and its national code, say): the first non-empty
                # stands; a different value in the later one is an error — which is right is unknown.
                if payload[key] != value:
                    conflicts = [*(conflicts or []), (key, col.index + 1, cell)]
                continue
            payload[key] = list(value) if isinstance(value, list) else value
            if differs:
                raw[key] = cell
        return NormalisedRow(payload, raw, self.column_of, conflicts)

    @staticmethod
    def _convert(col: Column, cell: str) -> tuple[Any, bool]:
        """(normalised value or None when blank, whether it differs from the cell text)."""
        text = col.clean(cell)
        if not text:
            return None, False
        value = col.convert(text)
        if value == [] or value == "":
            return None, False
        return value, value != cell and not (isinstance(value, list) and ";".join(value) == cell)

    def _remember(self, i: int, memo: dict[str, tuple[Any, bool]], cell: str, hit: tuple[Any, bool]) -> None:
        """Memoise per column while it pays: a column that fills its bounded memo with mostly distinct
        values (names, codes, decision numbers) stops being memoised; the others start afresh."""
        if len(memo) >= _MAX_CACHE:
            if self._hits[i] < _MAX_CACHE:
                self._memo[i] = None
                return
            memo.clear()
            self._hits[i] = 0
        memo[cell] = hit

    def shared_fields(self) -> dict[str, list[int]]:
        """Fields that more than one column maps to → those columns' 1-based numbers."""
        numbers: dict[str, list[int]] = {}
        for c in self.columns:
            numbers.setdefault(c.field.key, []).append(c.index + 1)
        return {k: v for k, v in numbers.items() if len(v) > 1}

    def filled(self, payload: dict[str, Any]) -> int:
        """How many required/important fields ``payload`` fills (completeness)."""
        return sum(1 for k in self.counted if k in payload)


def resolve_mapping(
    item: CatalogItemSpec, header: list[str], saved: dict[str, str] | None, explicit: dict[str, str] | None
) -> tuple[dict[str, str], list[str]]:
    """Header text → field key for every column that names a field; and the headers that name none.

    An explicit mapping (given with the submission) wins, then the unit's saved mapping, then the
    catalogue's labels, national field codes and aliases (:meth:`CatalogItemSpec.resolve_header`).
    """
    index = item.header_index()
    for f in item.fields:  # "罚款金额（万元）" also answers to "罚款金额" and "罚款金额（元）"
        index.setdefault(normalise_header(_strip_paren(f.label)), f.key)
    known = {f.key for f in item.fields}
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    layers = [
        {normalise_header(k): v for k, v in (explicit or {}).items()},
        {normalise_header(k): v for k, v in (saved or {}).items()},
    ]
    for h in header:
        if not h:
            continue
        norm = normalise_header(h)
        key = next((layer[norm] for layer in layers if norm in layer and layer[norm] in known), None)
        if key is None:
            key = index.get(norm)
        if key is None:
            stripped = _strip_paren(h)
            key = index.get(normalise_header(stripped)) if stripped != clean(h) else None
        if key is None:
            unknown.append(h)
        else:
            mapping[h] = key
    return mapping, unknown


def _strip_paren(text: str) -> str:
    return re.sub(r"[(（][^)）]*[)）]$", "", clean(text))
