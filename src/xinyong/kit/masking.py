"""Public masking of natural-person data (DOMAIN §12).

Disclosure is per field: each catalogue field names a :class:`MaskRule`. These
functions are for *personal* data only — a legal person's USCC is public and is never
passed through :func:`mask_id_number`. Free text (违法事实 …) goes through
:func:`scrub_text`, which masks embedded ID and phone numbers.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum

from xinyong.kit.identifiers import USCC_ALPHABET, resident_id_check_char, uscc_check_char

__all__ = ["MaskRule", "mask", "mask_id_number", "mask_name", "mask_phone", "scrub_text"]


class MaskRule(StrEnum):
    """How a field is shown in public."""

    NONE = "none"
    ID_NUMBER = "id_number"
    NAME = "name"
    PHONE = "phone"
    HIDE = "hide"


_STAR = "*"


def _compact(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def _keep(value: str, head: int, tail: int) -> str:
    return value[:head] + _STAR * (len(value) - head - tail) + (value[len(value) - tail :] if tail else "")


def mask_id_number(value: str) -> str:
    """Mask a personal ID number (resident ID, permit, passport …), normalised first.

    18 characters keep the first 4 and last 4 (``3204**********123X``); 15 keep the
    first 4 and last 3; other lengths keep the first 2 and last 2 from 7 characters
    up, the first and last 1 for 5–6, and nothing at 4 or fewer.
    """
    v = _compact(value)
    n = len(v)
    if n == 18:
        return _keep(v, 4, 4)
    if n == 15:
        return _keep(v, 4, 3)
    if n >= 7:
        return _keep(v, 2, 2)
    if n >= 5:
        return _keep(v, 1, 1)
    return _STAR * n


def mask_name(name: str) -> str:
    """Keep the first character only, one ``*`` per hidden character: 张三 → 张*, 欧阳娜娜 → 欧***.

    Keeping just one character (rather than a two-character compound surname) is the
    simpler, stricter rule and needs no surname table. A one-character name is fully
    masked, since keeping it would reveal it. Surrounding whitespace is dropped.
    """
    v = name.strip()
    if len(v) <= 1:
        return _STAR * len(v)
    return v[0] + _STAR * (len(v) - 1)


_THREE_DIGIT_AREA = re.compile(r"0(?:10|2[0-9])", re.ASCII)


def mask_phone(value: str) -> str:
    """Mask a phone number: 13812345678 → 138****5678.

    Mobile numbers keep the first 3 and last 4 digits; landlines keep the area code
    and the last 4 digits (``0519-****3456``); anything else keeps its last 4 digits.
    Separators are dropped except the one after a landline area code.
    """
    v = _compact(value)
    digits = "".join(c for c in v if c.isascii() and c.isdigit())
    if digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits = digits[2:]
    if len(digits) == 11 and digits[0] == "1":
        return _keep(digits, 3, 4)
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        area = 3 if _THREE_DIGIT_AREA.match(digits) else 4
        return digits[:area] + "-" + _keep(digits[area:], 0, 4)
    if len(digits) > 4:
        return _keep(digits, 0, 4)
    return _STAR * len(digits) if digits else _STAR * len(v)


def mask(value: str | None, rule: MaskRule | str) -> str | None:
    """Apply a field's mask rule; ``HIDE`` gives ``None``, ``None`` stays ``None``.

    Raises ``ValueError`` for an unknown rule name.
    """
    kind = MaskRule(rule)
    if value is None or kind is MaskRule.HIDE:
        return None
    match kind:
        case MaskRule.NONE:
            return value
        case MaskRule.ID_NUMBER:
            return mask_id_number(value)
        case MaskRule.NAME:
            return mask_name(value)
        case MaskRule.PHONE:
            return mask_phone(value)
    raise AssertionError(kind)  # pragma: no cover


# --------------------------------------------------------------------------- free text

# Full-width digits and X map one-to-one to ASCII, so match positions stay valid.
_FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ－（）", "0123456789Xx-()")

# A number only counts when it is a whole token: not glued to ASCII letters/digits,
# not the integer or fractional part of a decimal, not an amount (¥…, …元/万/亿).
_BEFORE = r"(?<![0-9A-Za-z¥￥$])(?<![0-9]\.)"
_AFTER = r"(?![0-9A-Za-z])(?!\.[0-9])(?!\s*[元万亿])"

_ID18_RE = re.compile(_BEFORE + r"[0-9]{17}[0-9Xx]" + _AFTER, re.ASCII)
_ID15_RE = re.compile(_BEFORE + r"[0-9]{15}" + _AFTER, re.ASCII)
_MOBILE_RE = re.compile(
    r"(?<![0-9A-Za-z¥￥$])(?<![0-9]\.)(?P<prefix>(?:\+|00)?86[- ]?)?"
    r"(?P<num>1[3-9][0-9](?P<sep>[- ]?)[0-9]{4}(?P=sep)[0-9]{4})" + _AFTER,
    re.ASCII,
)
_LANDLINE_RE = re.compile(
    _BEFORE + r"(?P<area>\(0[0-9]{2,3}\)|0[0-9]{2,3})(?P<sep>[- ]?)(?P<local>[0-9]{7,8})" + _AFTER,
    re.ASCII,
)


def _plausible_date(yyyymmdd: str) -> bool:
    try:
        day = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return 1900 <= day.year <= 2100


def _id18(m: re.Match[str]) -> str | None:
    v = m.group().upper()
    if not _plausible_date(v[6:14]):
        return None
    id_ok = resident_id_check_char(v[:17]) == v[17]
    uscc_ok = all(c in USCC_ALPHABET for c in v) and uscc_check_char(v[:17]) == v[17]
    if uscc_ok and not id_ok:  # an all-digit USCC that happens to embed a date: public
        return None
    return _keep(v, 4, 4)


def _id15(m: re.Match[str]) -> str | None:
    v = m.group()
    return _keep(v, 4, 3) if _plausible_date("19" + v[6:12]) else None


def _mobile(m: re.Match[str]) -> str | None:
    num, sep = m.group("num"), m.group("sep")
    return (m.group("prefix") or "") + f"{num[:3]}{sep}****{sep}{num[-4:]}"


def _landline(m: re.Match[str]) -> str | None:
    local = m.group("local")
    return m.group("area") + m.group("sep") + _keep(local, 0, 4)


def scrub_text(text: str) -> str:
    """Mask ID and phone numbers embedded in free text, leaving everything else alone.

    Heuristics (matched on a copy where full-width digits/X are mapped to ASCII):

    * a candidate must be a whole token — not preceded or followed by an ASCII letter
      or digit (so a USCC such as ``91320400MA1M…`` or a longer number like a bank
      account is never cut into pieces), not part of a decimal (``20000.50``), not
      prefixed by ``¥``/``$`` and not followed by ``元``/``万``/``亿``;
    * 18 digits (last may be X/x): masked as an ID when positions 7–14 are a real
      date (1900–2100); an all-digit string whose USCC check passes while its ID
      check fails is taken to be a (public) USCC and left alone;
    * 15 digits: masked as a legacy ID when positions 7–12 are a real date YYMMDD
      (a 工商注册号 with such a date is masked too: privacy wins the ambiguity);
    * mobile ``1[3-9]`` + 9 digits, optionally ``+86``-prefixed or written
      ``138-1234-5678`` / ``138 1234 5678`` → ``138****5678``;
    * landline ``0`` + 2–3 digit area code (optionally in parentheses), optional
      ``-``/space, 7–8 digit local number → local part masked but its last 4 digits.
      Local numbers without an area code are not touched: 8-digit runs are
      indistinguishable from dates such as ``20261123``.

    Decision numbers (``常市监处罚〔2026〕123号``), dates and amounts never match.
    """
    probe = text.translate(_FULLWIDTH)
    spans: list[tuple[int, int, str]] = []
    taken = [False] * len(probe)
    for pattern, render in (
        (_ID18_RE, _id18),
        (_ID15_RE, _id15),
        (_MOBILE_RE, _mobile),
        (_LANDLINE_RE, _landline),
    ):
        for m in pattern.finditer(probe):
            start, end = m.span()
            if any(taken[start:end]):
                continue
            replacement = render(m)
            if replacement is None:
                continue
            spans.append((start, end, replacement))
            taken[start:end] = [True] * (end - start)
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end, replacement in sorted(spans):
        out.append(text[pos:start])
        # Replacements keep the length: star the masked positions, keep the original
        # characters elsewhere (full-width digits, separators, lower-case x).
        original = text[start:end]
        out.append("".join(r if r == _STAR else o for r, o in zip(replacement, original, strict=True)))
        pos = end
    out.append(text[pos:])
    return "".join(out)
