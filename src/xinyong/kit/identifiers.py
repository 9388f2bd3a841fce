"""Identifier normalisation and validation (DOMAIN §2).

Every 证件类型 has its own rule; :func:`check` applies it and reports problems as
:class:`Issue` objects (stable ``code``, Chinese ``message``, ``"error"`` or
``"warning"``). Bad input never raises: department data contains codes that fail
their checksum and the platform must flag them and route the row to review, never
silently drop or accept them.

Input is normalised first (:func:`normalise`: NFKC, all whitespace and zero-width
characters removed, upper-case), so full-width digits, stray spaces and a lower-case
``x`` are accepted; the raw value is kept in :attr:`IdentifierCheck.raw`.

Use of python-stdnum
--------------------
python-stdnum is well kept and well tested, so the generic ISO 7064 algorithms come
from it: MOD 11-2 (:mod:`stdnum.iso7064.mod_11_2`) for the check character of
resident ID numbers and residence permits, and MOD 11,10
(:mod:`stdnum.iso7064.mod_11_10`) for 工商注册号. Its country validators are *not*
called at runtime: ``stdnum.cn.uscc`` rejects letter-led codes (A…, N…, Y…), which
are valid, and ``stdnum.cn.ric`` rejects residence permits (81/82/83) and any
division missing from its bundled table. The USCC checksum (GB 32100) is therefore
implemented once here, for all leading characters, and the test-suite cross-checks it
against ``stdnum.cn.uscc`` for digit-led codes (and the resident-ID check against
``stdnum.cn.ric``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from stdnum.iso7064 import mod_11_2, mod_11_10

from xinyong.kit import clock

__all__ = [
    "ID_TYPE_LABELS",
    "PROVINCE_CODES",
    "USCC_ALPHABET",
    "USCC_AUTHORITIES",
    "IdType",
    "IdentifierCheck",
    "Issue",
    "check",
    "guess_type",
    "make_resident_id",
    "make_uscc",
    "normalise",
    "org_code_check_char",
    "parse_id_type_label",
    "resident_id_check_char",
    "upgrade_15_to_18",
    "uscc_check_char",
]


class IdType(StrEnum):
    """Identifier types (the stored values); Chinese labels in :data:`ID_TYPE_LABELS`."""

    USCC = "uscc"
    RESIDENT_ID = "resident_id"
    RESIDENCE_PERMIT = "residence_permit"
    PASSPORT = "passport"
    REG_NO = "reg_no"
    ORG_CODE = "org_code"
    TAX_REG_NO = "tax_reg_no"
    INSTITUTION_CERT = "institution_cert"
    SOCIAL_ORG_CERT = "social_org_cert"


ID_TYPE_LABELS: dict[IdType, str] = {
    IdType.USCC: "统一社会信用代码",
    IdType.RESIDENT_ID: "居民身份证号码",
    IdType.RESIDENCE_PERMIT: "港澳台居民居住证号码",
    IdType.PASSPORT: "护照号码",
    IdType.REG_NO: "工商注册号",
    IdType.ORG_CODE: "组织机构代码",
    IdType.TAX_REG_NO: "税务登记号",
    IdType.INSTITUTION_CERT: "事业单位法人证书号",
    IdType.SOCIAL_ORG_CERT: "社会组织登记证号",
}

# Labels as departments write them in the 证件类型 column (compared after normalise()).
_LABEL_ALIASES: dict[str, IdType] = {
    "统一社会信用代码": IdType.USCC,
    "社会信用代码": IdType.USCC,
    "信用代码": IdType.USCC,
    "USCC": IdType.USCC,
    "身份证": IdType.RESIDENT_ID,
    "身份证号": IdType.RESIDENT_ID,
    "身份证号码": IdType.RESIDENT_ID,
    "居民身份证": IdType.RESIDENT_ID,
    "居民身份证号": IdType.RESIDENT_ID,
    "居民身份证号码": IdType.RESIDENT_ID,
    "中华人民共和国居民身份证": IdType.RESIDENT_ID,
    "公民身份号码": IdType.RESIDENT_ID,
    "港澳台居民居住证": IdType.RESIDENCE_PERMIT,
    "港澳台居民居住证号码": IdType.RESIDENCE_PERMIT,
    "港澳居民居住证": IdType.RESIDENCE_PERMIT,
    "台湾居民居住证": IdType.RESIDENCE_PERMIT,
    "居住证": IdType.RESIDENCE_PERMIT,
    "护照": IdType.PASSPORT,
    "护照号": IdType.PASSPORT,
    "护照号码": IdType.PASSPORT,
    "外国护照": IdType.PASSPORT,
    "中国护照": IdType.PASSPORT,
    "工商注册号": IdType.REG_NO,
    "注册号": IdType.REG_NO,
    "工商登记注册号": IdType.REG_NO,
    "营业执照注册号": IdType.REG_NO,
    "组织机构代码": IdType.ORG_CODE,
    "组织机构代码证": IdType.ORG_CODE,
    "机构代码": IdType.ORG_CODE,
    "税务登记号": IdType.TAX_REG_NO,
    "税务登记证号": IdType.TAX_REG_NO,
    "税务登记证": IdType.TAX_REG_NO,
    "纳税人识别号": IdType.TAX_REG_NO,
    "事业单位法人证书号": IdType.INSTITUTION_CERT,
    "事业单位法人证书": IdType.INSTITUTION_CERT,
    "事业单位证书号": IdType.INSTITUTION_CERT,
    "社会组织登记证号": IdType.SOCIAL_ORG_CERT,
    "社会组织登记证": IdType.SOCIAL_ORG_CERT,
    "社会团体登记证号": IdType.SOCIAL_ORG_CERT,
    "民办非企业单位登记证号": IdType.SOCIAL_ORG_CERT,
}

#: GB 32100 alphabet (no I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 3^(i-1) mod 31, i = 1..17
#: Per position, character → its value times the position's weight (hot path: one look-up per character).
_USCC_TABLES = tuple({c: i * w for i, c in enumerate(USCC_ALPHABET)} for w in _USCC_WEIGHTS)
_USCC_CHARS = frozenset(USCC_ALPHABET)

#: Registration authorities (position 1) as published in GB 32100-2015 表 1.
USCC_AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监督管理（工商）",
    "A": "中央军委改革和编制办公室",
    "N": "农业农村",
    "Y": "其他",
}

#: GB/T 2260 province-level prefixes valid in a resident ID number's division
#: (71 台湾 and 81/82 港澳 are excluded: those people hold residence permits).
_PROVINCES = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65"
PROVINCE_CODES = frozenset(_PROVINCES.split(" "))
_PERMIT_PREFIXES = ("810000", "820000", "830000")  # 香港, 澳门, 台湾

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_RE = re.compile(r"[0-9A-Z]{8}", re.ASCII)
_ORG_VALUE = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_DASHES = "-‐‑‒–—―−"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_ALNUM_RE = re.compile(r"[0-9A-Z]+", re.ASCII)
_DIGITS_RE = re.compile(r"[0-9]+", re.ASCII)
_CERT_PUNCT = frozenset("()（）〔〕[]【】-_/第号字")
_MIN_BIRTH = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Issue:
    """One problem found in an identifier."""

    code: str
    message: str
    severity: str  # "error" | "warning"


@dataclass(frozen=True)
class IdentifierCheck:
    """Result of :func:`check`: normalised value, issues and decoded parts."""

    id_type: IdType
    raw: str
    value: str
    issues: tuple[Issue, ...]
    info: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """True when no issue has error severity (warnings are allowed)."""
        return not self.errors

    @property
    def errors(self) -> tuple[Issue, ...]:
        """The error-severity issues."""
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """The warning-severity issues."""
        return tuple(i for i in self.issues if i.severity == "warning")


# --------------------------------------------------------------------------- helpers


def normalise(raw: str) -> str:
    """NFKC-normalise, drop all whitespace and zero-width characters, upper-case."""
    if raw.isascii():  # NFKC and the zero-width characters concern non-ASCII text only
        return "".join(raw.split()).upper()
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    return "".join(text.split()).upper()


def parse_id_type_label(label: str) -> IdType | None:
    """Map a 证件类型 label as departments write it (or a stored value) to an :class:`IdType`."""
    key = normalise(label)
    if not key:
        return None
    if key.lower() in IdType._value2member_map_:
        return IdType(key.lower())
    found = _LABEL_ALIASES.get(key)
    if found is not None:
        return found
    # Loose forms such as "居民身份证（中国大陆）" or "护照（外籍）".
    key = re.sub(r"[(（].*?[)）]", "", key)
    return _LABEL_ALIASES.get(key)


def _isdigits(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts e.g. Arabic-Indic digits)."""
    return bool(_DIGITS_RE.fullmatch(text))


def _err(code: str, message: str) -> Issue:
    return Issue(code, message, "error")


def _warn(code: str, message: str) -> Issue:
    return Issue(code, message, "warning")


def _bad_chars(value: str, allowed: str | frozenset[str]) -> str:
    if isinstance(allowed, frozenset) and allowed.issuperset(value):
        return ""
    seen: list[str] = []
    for ch in value:
        if ch not in allowed and ch not in seen:
            seen.append(ch)
    return "、".join(seen)


# --------------------------------------------------------------------------- check characters


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character for the first 17 characters of a USCC."""
    body = first17.upper()
    if len(body) != 17 or not _USCC_CHARS.issuperset(body):
        raise ValueError(f"need 17 characters over {USCC_ALPHABET}: {first17!r}")
    total = sum(map(dict.__getitem__, _USCC_TABLES, body))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character for the 8-character body of an organisation code."""
    body = first8.upper()
    if not _ORG_BODY_RE.fullmatch(body):
        raise ValueError(f"need 8 characters 0-9/A-Z: {first8!r}")
    value = _ORG_VALUE
    total = sum(value[c] * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def resident_id_check_char(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2, ``10X98765432``) for 17 digits."""
    if len(first17) != 17 or not _isdigits(first17):
        raise ValueError(f"need 17 digits: {first17!r}")
    return str(mod_11_2.calc_check_digit(first17))


def _reg_no_check_char(first14: str) -> str:
    return str(mod_11_10.calc_check_digit(first14))


# --------------------------------------------------------------------------- generators


def make_uscc(authority: str, category: str, division: str, org_code8: str) -> str:
    """Build a valid USCC (demo data): computes the org-code check and the final check."""
    org8 = org_code8.upper()
    if authority.upper() not in USCC_AUTHORITIES:
        raise ValueError(f"unknown registration authority: {authority!r}")
    if len(category) != 1 or category.upper() not in USCC_ALPHABET:
        raise ValueError(f"category must be one USCC character: {category!r}")
    if any(c not in USCC_ALPHABET for c in org8):
        raise ValueError(f"organisation code body must use the USCC alphabet: {org_code8!r}")
    if len(division) != 6 or not _isdigits(division):
        raise ValueError(f"division must be 6 digits: {division!r}")
    first17 = f"{authority.upper()}{category.upper()}{division}{org8}{org_code_check_char(org8)}"
    return first17 + uscc_check_char(first17)


def make_resident_id(division: str, birth: dt.date, seq: int) -> str:
    """Build a valid 18-digit resident ID number (demo data); odd ``seq`` is male."""
    if len(division) != 6 or not _isdigits(division):
        raise ValueError(f"division must be 6 digits: {division!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"seq must be 0..999: {seq}")
    first17 = f"{division}{birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def upgrade_15_to_18(value: str) -> str:
    """Convert a legacy 15-digit resident ID (19YY) to its 18-digit form.

    Raises ``ValueError`` if ``value`` (after :func:`normalise`) is not 15 digits.
    """
    v = normalise(value)
    if len(v) != 15 or not _DIGITS_RE.fullmatch(v):
        raise ValueError(f"not a 15-digit resident ID number: {value!r}")
    first17 = f"{v[:6]}19{v[6:]}"
    return first17 + resident_id_check_char(first17)


# --------------------------------------------------------------------------- per-type rules

_Result = tuple[list[Issue], dict[str, str]]


def _parse_date(yyyymmdd: str) -> dt.date | None:
    try:
        return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def _check_uscc(v: str) -> _Result:
    label = ID_TYPE_LABELS[IdType.USCC]
    if len(v) != 18:
        return [_err("uscc.length", f"{label}应为 18 位，实为 {len(v)} 位")], {}
    bad = _bad_chars(v, _USCC_CHARS)
    if bad:
        return [_err("uscc.charset", f"{label}含有不允许的字符：{bad}（不使用 I、O、S、V、Z）")], {}
    issues: list[Issue] = []
    info = {"authority": v[0], "category": v[1], "division": v[2:8], "org_code": v[8:17]}
    if v[0] not in USCC_AUTHORITIES:
        allowed = "、".join(USCC_AUTHORITIES)
        issues.append(
            _err("uscc.authority", f"{label}第 1 位登记管理部门代码 {v[0]} 无效，应为 {allowed} 之一")
        )
    if not _isdigits(v[2:8]):
        issues.append(
            _err("uscc.division", f"{label}第 3–8 位登记管理机关行政区划码应为 6 位数字，实为 {v[2:8]}")
        )
    expected = uscc_check_char(v[:17])
    if v[17] != expected:
        issues.append(_err("uscc.checksum", f"{label}校验位错误：应为 {expected}，实为 {v[17]}"))
    org_expected = org_code_check_char(v[8:16])
    if v[16] != org_expected:
        issues.append(
            _warn(
                "uscc.org_code_checksum",
                f"{label}第 9–17 位组织机构代码校验位不符合 GB 11714：应为 {org_expected}，实为 {v[16]}",
            )
        )
    return issues, info


def _check_person_number(v: str, id_type: IdType) -> _Result:
    """18-character resident ID or residence permit (same structure and check)."""
    code = id_type.value
    label = ID_TYPE_LABELS[id_type]
    if len(v) == 15 and id_type is IdType.RESIDENT_ID:
        return _check_resident_id_15(v)
    if len(v) != 18:
        expected_len = "18 位（或旧版 15 位）" if id_type is IdType.RESIDENT_ID else "18 位"
        return [_err(f"{code}.length", f"{label}应为 {expected_len}，实为 {len(v)} 位")], {}
    if not _isdigits(v[:17]) or not (_isdigits(v[17]) or v[17] == "X"):
        return [_err(f"{code}.charset", f"{label}前 17 位应为数字、末位应为数字或 X，实为 {v}")], {}
    issues: list[Issue] = []
    division = v[:6]
    if id_type is IdType.RESIDENCE_PERMIT:
        if division not in _PERMIT_PREFIXES:
            issues.append(
                _err(f"{code}.division", f"{label}前 6 位应为 810000、820000 或 830000，实为 {division}")
            )
    elif division in _PERMIT_PREFIXES:
        issues.append(
            _err(
                f"{code}.division",
                f"{label}前 6 位为 {division}：这是港澳台居民居住证号码，证件类型应为港澳台居民居住证",
            )
        )
    elif division[:2] not in PROVINCE_CODES or division[2:] == "0000":
        issues.append(_err(f"{code}.division", f"{label}前 6 位行政区划码无效：{division}"))
    info = {"division": division}
    birth = _parse_date(v[6:14])
    issues.extend(_birth_issues(birth, v[6:14], code, label))
    if birth is not None:
        info["birth_date"] = birth.isoformat()
    info["sex"] = "男" if int(v[16]) % 2 else "女"
    expected = resident_id_check_char(v[:17])
    if v[17] != expected:
        issues.append(_err(f"{code}.checksum", f"{label}校验位错误：应为 {expected}，实为 {v[17]}"))
    return issues, info


def _birth_issues(birth: dt.date | None, text: str, code: str, label: str) -> list[Issue]:
    if birth is None:
        return [_err(f"{code}.birth_date", f"{label}出生日期无效：{text}")]
    if birth < _MIN_BIRTH:
        return [_err(f"{code}.birth_date", f"{label}出生日期早于 1900 年：{birth.isoformat()}")]
    if birth > clock.today():
        return [_err(f"{code}.birth_date", f"{label}出生日期晚于今天：{birth.isoformat()}")]
    return []


def _check_resident_id_15(v: str) -> _Result:
    label = "15 位居民身份证号码"
    if not _isdigits(v):
        return [_err("resident_id.charset", f"{label}应全部为数字，实为 {v}")], {}
    issues: list[Issue] = []
    division = v[:6]
    if division[:2] not in PROVINCE_CODES or division[2:] == "0000":
        issues.append(_err("resident_id.division", f"{label}前 6 位行政区划码无效：{division}"))
    info = {"division": division, "legacy": "15"}
    birth = _parse_date("19" + v[6:12])
    issues.extend(_birth_issues(birth, "19" + v[6:12], "resident_id", label))
    if birth is not None:
        info["birth_date"] = birth.isoformat()
    info["sex"] = "男" if int(v[14]) % 2 else "女"
    return issues, info


def _check_reg_no(v: str) -> _Result:
    label = ID_TYPE_LABELS[IdType.REG_NO]
    if len(v) != 15:
        return [_err("reg_no.length", f"{label}应为 15 位，实为 {len(v)} 位")], {}
    if not _isdigits(v):
        return [_err("reg_no.charset", f"{label}应全部为数字，实为 {v}")], {}
    issues: list[Issue] = []
    expected = _reg_no_check_char(v[:14])
    if v[14] != expected:
        issues.append(
            _warn(
                "reg_no.checksum",
                f"{label}校验位不符合 GB/T 17710（MOD 11,10）：应为 {expected}，实为 {v[14]}",
            )
        )
    return issues, {"division": v[:6]}


def _check_org_code(v: str) -> _Result:
    label = ID_TYPE_LABELS[IdType.ORG_CODE]
    if len(v) != 9:
        return [_err("org_code.length", f"{label}应为 9 位（8 位本体 + 1 位校验码），实为 {len(v)} 位")], {}
    if not _ORG_BODY_RE.fullmatch(v[:8]) or not (_isdigits(v[8]) or v[8] == "X"):
        return [_err("org_code.charset", f"{label}本体应为数字或大写字母、校验码应为数字或 X，实为 {v}")], {}
    expected = org_code_check_char(v[:8])
    if v[8] != expected:
        return [_err("org_code.checksum", f"{label}校验码错误（GB 11714）：应为 {expected}，实为 {v[8]}")], {}
    return [], {}


def _check_passport(v: str) -> _Result:
    label = ID_TYPE_LABELS[IdType.PASSPORT]
    if not 5 <= len(v) <= 17:
        return [_err("passport.length", f"{label}应为 5–17 位，实为 {len(v)} 位")], {}
    if not _ALNUM_RE.fullmatch(v):
        return [_err("passport.charset", f"{label}只能包含字母和数字，实为 {v}")], {}
    return [], {}


def _check_tax_reg_no(v: str) -> _Result:
    label = ID_TYPE_LABELS[IdType.TAX_REG_NO]
    if len(v) not in (15, 18, 20):
        return [_err("tax_reg_no.length", f"{label}应为 15、18 或 20 位，实为 {len(v)} 位")], {}
    if not _ALNUM_RE.fullmatch(v):
        return [_err("tax_reg_no.charset", f"{label}只能包含数字和字母，实为 {v}")], {}
    return [], {}


def _check_certificate(v: str, id_type: IdType) -> _Result:
    """Format-only rule for 事业单位法人证书号 / 社会组织登记证号 (e.g. 苏民证字第020001号)."""
    code = id_type.value
    label = ID_TYPE_LABELS[id_type]
    if not 4 <= len(v) <= 40:
        return [_err(f"{code}.length", f"{label}应为 4–40 个字符，实为 {len(v)} 个")], {}
    bad = "".join(sorted({c for c in v if not c.isalnum() and c not in _CERT_PUNCT}))
    if bad:
        return [_err(f"{code}.charset", f"{label}含有不允许的字符：{'、'.join(bad)}")], {}
    if not any(_isdigits(c) for c in v):
        return [_err(f"{code}.charset", f"{label}应包含编号数字，实为 {v}")], {}
    return [], {}


_SCIENTIFIC_RE = re.compile(r"\d(?:\.\d+)?E\+?\d{1,2}")


def check(id_type: IdType, raw: str) -> IdentifierCheck:
    """Normalise ``raw`` and validate it under ``id_type``'s rule.

    Never raises on bad input: problems come back as :class:`Issue` objects. Raises
    ``TypeError`` only if ``raw`` is not a ``str`` and ``ValueError`` if ``id_type``
    is not an :class:`IdType` value.
    """
    if not isinstance(raw, str):
        raise TypeError(f"raw must be str, not {type(raw).__name__}")
    kind = IdType(id_type)
    value = normalise(raw)
    if kind is IdType.ORG_CODE:
        value = value.translate(dict.fromkeys(map(ord, _DASHES)))
    if not value:
        issue = _err(f"{kind.value}.empty", f"{ID_TYPE_LABELS[kind]}为空")
        return IdentifierCheck(kind, raw, value, (issue,), {})
    if _SCIENTIFIC_RE.fullmatch(value):
        # 9.13204E+17: what Excel shows — and saves to CSV — for a long number in a number cell. The
        # digits are gone; "应为 18 位，实为 11 位" would leave the clerk guessing why.
        issue = _err(
            f"{kind.value}.scientific",
            f"“{raw.strip()}”是 Excel 以科学计数法显示的数字，原号码已丢失后几位；"
            "请把该列设为“文本”格式后重新填写完整号码",
        )
        return IdentifierCheck(kind, raw, value, (issue,), {})
    issues: list[Issue]
    info: dict[str, str]
    match kind:
        case IdType.USCC:
            issues, info = _check_uscc(value)
        case IdType.RESIDENT_ID | IdType.RESIDENCE_PERMIT:
            issues, info = _check_person_number(value, kind)
        case IdType.REG_NO:
            issues, info = _check_reg_no(value)
        case IdType.ORG_CODE:
            issues, info = _check_org_code(value)
        case IdType.PASSPORT:
            issues, info = _check_passport(value)
        case IdType.TAX_REG_NO:
            issues, info = _check_tax_reg_no(value)
        case IdType.INSTITUTION_CERT | IdType.SOCIAL_ORG_CERT:
            issues, info = _check_certificate(value, kind)
    return IdentifierCheck(kind, raw, value, tuple(issues), info)


# --------------------------------------------------------------------------- guessing


def _uscc_checksum_ok(v: str) -> bool:
    return all(c in USCC_ALPHABET for c in v) and uscc_check_char(v[:17]) == v[17]


def _plausible_birth(yyyymmdd: str) -> bool:
    birth = _parse_date(yyyymmdd)
    return birth is not None and _MIN_BIRTH <= birth <= clock.today()


def guess_type(raw: str) -> IdType | None:
    """Guess the identifier type of an unlabelled value; ``None`` when unsure.

    * 18 characters, 17 digits + digit/X: a resident ID (residence permit when it
      starts 810000/820000/830000) if its ID checksum passes; else a USCC if the
      USCC checksum passes; else a resident ID if positions 7–14 are a plausible
      birth date; else a USCC if it has the USCC shape.
    * 18 characters with letters: a USCC when position 1 is a GB 32100 authority and
      positions 3–8 are digits (its check may still fail: :func:`check` reports it).
    * 15 digits: ambiguous between a legacy resident ID and a 工商注册号. We prefer
      ``RESIDENT_ID`` only when positions 7–12 form a valid date YYMMDD (19YY) —
      registration numbers usually have ``0`` at positions 7–8 (month 00 is
      impossible) — otherwise ``REG_NO``. Preferring the personal reading errs on
      the side of privacy (it will be masked).
    * 9 characters (or 10 with a hyphen before the last) passing GB 11714: ``ORG_CODE``.
    Passports, tax and certificate numbers are never guessed (formats too loose).
    """
    v = normalise(raw)
    if len(v) == 10 and v[8] in _DASHES:
        v = v[:8] + v[9]
        return IdType.ORG_CODE if _ORG_BODY_RE.fullmatch(v[:8]) else None
    if len(v) == 18:
        if _isdigits(v[:17]) and (_isdigits(v[17]) or v[17] == "X"):
            person = IdType.RESIDENCE_PERMIT if v[:6] in _PERMIT_PREFIXES else IdType.RESIDENT_ID
            if resident_id_check_char(v[:17]) == v[17]:
                return person
            if _uscc_checksum_ok(v):
                return IdType.USCC
            if _plausible_birth(v[6:14]):
                return person
        if v[0] in USCC_AUTHORITIES and _isdigits(v[2:8]) and _ALNUM_RE.fullmatch(v):
            return IdType.USCC
        return None
    if len(v) == 15 and _isdigits(v):
        return IdType.RESIDENT_ID if _parse_date("19" + v[6:12]) is not None else IdType.REG_NO
    if len(v) == 9 and _is_valid_org_code(v):
        return IdType.ORG_CODE
    return None


def _is_valid_org_code(v: str) -> bool:
    return bool(_ORG_BODY_RE.fullmatch(v[:8])) and org_code_check_char(v[:8]) == v[8]
