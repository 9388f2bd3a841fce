"""Table-driven tests for xinyong.kit.identifiers (DOMAIN §2)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_10

from xinyong.kit import clock
from xinyong.kit.identifiers import (
    ID_TYPE_LABELS,
    USCC_ALPHABET,
    USCC_AUTHORITIES,
    IdType,
    check,
    guess_type,
    make_resident_id,
    make_uscc,
    normalise,
    org_code_check_char,
    parse_id_type_label,
    resident_id_check_char,
    upgrade_15_to_18,
    uscc_check_char,
)

# Real code (python-stdnum's doctest): digit-led, org code 60003734-1.
REAL_USCC = "91110000600037341L"
# Hand-verified letter-led code (武进区, org code MA1MABCD-6):
#   values 9,1,3,2,0,4,1,2,M=21,A=10,1,M=21,A=10,B=11,C=12,D=13,6
#   weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28  → Σ = 2277, 2277 mod 31 = 14,
#   check = (31 − 14) mod 31 = 17 → alphabet[17] = "H".
#   Org code: M=22,A=10,1,M=22,A=10,B=11,C=12,D=13 · 3,7,9,10,5,8,4,2 → 577, 11 − 577 mod 11 = 6.
HAND_USCC = "91320412MA1MABCD6H"
# GB 11643's own example number.
GB_EXAMPLE_ID = "11010519491231002X"


@pytest.fixture
def frozen_2026() -> Iterator[None]:
    clock.freeze(dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC))
    yield
    clock.freeze(None)


# --------------------------------------------------------------------------- normalise / labels


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("９１３２０４１２ＭＡ１ＭＡＢＣＤ６Ｈ", HAND_USCC),
        (" 9132 0412 ma1m abcd 6h ", HAND_USCC),
        ("\u3000320412199001010 01x\t\n", "32041219900101001X"),
        ("\u200b91110000600037341l\ufeff", REAL_USCC),
        ("12345678-8", "12345678-8"),
        ("", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("身份证", IdType.RESIDENT_ID),
        ("居民身份证", IdType.RESIDENT_ID),
        (" 居民身份证号码 ", IdType.RESIDENT_ID),
        ("港澳居民居住证", IdType.RESIDENCE_PERMIT),
        ("台湾居民居住证", IdType.RESIDENCE_PERMIT),
        ("港澳台居民居住证", IdType.RESIDENCE_PERMIT),
        ("护照", IdType.PASSPORT),
        ("护照（外籍）", IdType.PASSPORT),
        ("统一社会信用代码", IdType.USCC),
        ("工商注册号", IdType.REG_NO),
        ("注册号", IdType.REG_NO),
        ("组织机构代码", IdType.ORG_CODE),
        ("税务登记号", IdType.TAX_REG_NO),
        ("事业单位法人证书号", IdType.INSTITUTION_CERT),
        ("社会组织登记证号", IdType.SOCIAL_ORG_CERT),
        ("uscc", IdType.USCC),
        ("RESIDENT_ID", IdType.RESIDENT_ID),
        ("驾驶证", None),
        ("", None),
    ],
)
def test_parse_id_type_label(label: str, expected: IdType | None) -> None:
    assert parse_id_type_label(label) == expected


def test_every_type_has_a_label() -> None:
    assert set(ID_TYPE_LABELS) == set(IdType)
    for id_type, label in ID_TYPE_LABELS.items():
        assert parse_id_type_label(label) is id_type


# --------------------------------------------------------------------------- USCC


@pytest.mark.parametrize(
    ("raw", "value", "info"),
    [
        (REAL_USCC, REAL_USCC, {"authority": "9", "category": "1", "division": "110000"}),
        (HAND_USCC, HAND_USCC, {"authority": "9", "category": "1", "division": "320412"}),
        ("９１３２０４１２ＭＡ１ＭＡＢＣＤ６Ｈ", HAND_USCC, {"org_code": "MA1MABCD6"}),
        ("91320412 ma1m abcd 6h", HAND_USCC, {}),
        ("91110000600037341l", REAL_USCC, {"org_code": "600037341"}),
        # Letter-led and non-9 authorities (computed with make_uscc, checked below).
        ("A1110000MA00000A9N", "A1110000MA00000A9N", {"authority": "A"}),
        ("N2320412MA1X234542", "N2320412MA1X234542", {"authority": "N", "category": "2"}),
        ("Y1320400MA1Y00018F", "Y1320400MA1Y00018F", {"authority": "Y"}),
        ("12320402466001232H", "12320402466001232H", {"authority": "1", "category": "2"}),
        ("5132041150001234XL", "5132041150001234XL", {"authority": "5", "org_code": "50001234X"}),
        ("92320481L12345674X", "92320481L12345674X", {"category": "2", "division": "320481"}),
        ("93320405MA1N00026D", "93320405MA1N00026D", {"division": "320405"}),  # 戚墅堰区 (abolished)
    ],
)
def test_uscc_valid(raw: str, value: str, info: dict[str, str]) -> None:
    result = check(IdType.USCC, raw)
    assert result.valid, result.issues
    assert result.issues == ()
    assert result.raw == raw
    assert result.value == value
    assert info.items() <= result.info.items()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("A", "1", "110000", "MA00000A"), "A1110000MA00000A9N"),
        (("N", "2", "320412", "MA1X2345"), "N2320412MA1X234542"),
        (("Y", "1", "320400", "MA1Y0001"), "Y1320400MA1Y00018F"),
        (("9", "1", "320412", "MA1MABCD"), HAND_USCC),
        (("9", "1", "110000", "60003734"), REAL_USCC),
    ],
)
def test_make_uscc(args: tuple[str, str, str, str], expected: str) -> None:
    assert make_uscc(*args) == expected


@pytest.mark.parametrize(
    ("raw", "code", "message_part"),
    [
        ("91320412MA1MABCD6J", "uscc.checksum", "统一社会信用代码校验位错误：应为 H，实为 J"),
        ("91110000600037341M", "uscc.checksum", "应为 L，实为 M"),
        ("N2320412MA1X234540", "uscc.checksum", "应为 2，实为 0"),
        ("91320412MA1MABCD6", "uscc.length", "应为 18 位，实为 17 位"),
        ("91320412MA1MABCD6HH", "uscc.length", "实为 19 位"),
        ("91320412MA1MABCDOH", "uscc.charset", "O"),
        ("91320412IA1MABCD6H", "uscc.charset", "I"),
        ("Z1320412MA1MABCD6H", "uscc.charset", "Z"),
        ("91320412MA1MABCD6H" + "\u00e9", "uscc.length", "19"),
        ("B1320412MA1MABCD6H", "uscc.authority", "登记管理部门代码 B 无效"),
        ("913204A2MA1MABCD6H", "uscc.division", "6 位数字"),
        ("", "uscc.empty", "为空"),
        ("   ", "uscc.empty", "为空"),
    ],
)
def test_uscc_errors(raw: str, code: str, message_part: str) -> None:
    result = check(IdType.USCC, raw)
    assert not result.valid
    assert code in [i.code for i in result.errors]
    assert any(message_part in i.message for i in result.errors), result.errors


@pytest.mark.parametrize(
    "first16",
    [
        "91320412MA1MABCD",  # embedded org code check 6 → use a wrong one
        "9232048112345678",  # individual business, body digits
        "N2320412MA1X2345",
    ],
)
def test_uscc_with_bad_embedded_org_code_is_warning_only(first16: str) -> None:
    good = org_code_check_char(first16[8:])
    bad = "0" if good != "0" else "1"
    first17 = first16 + bad
    code = first17 + uscc_check_char(first17)
    result = check(IdType.USCC, code)
    assert result.valid
    assert result.errors == ()
    assert [i.code for i in result.warnings] == ["uscc.org_code_checksum"]
    assert result.warnings[0].severity == "warning"
    assert f"应为 {good}，实为 {bad}" in result.warnings[0].message


def test_uscc_checksum_matches_stdnum_for_digit_led_codes() -> None:
    rng = random.Random(20260601)
    digit_authorities = [a for a in USCC_AUTHORITIES if a.isdigit()]
    for _ in range(2000):
        head = rng.choice(digit_authorities) + rng.choice("123456789")
        division = "".join(rng.choice("0123456789") for _ in range(6))
        body = "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
        first17 = head + division + body
        ours = uscc_check_char(first17)
        assert ours == stdnum_uscc.calc_check_digit(first17), first17
        code = first17 + ours
        assert stdnum_uscc.is_valid(code)
        assert not any(i.code == "uscc.checksum" for i in check(IdType.USCC, code).issues)
        wrong = USCC_ALPHABET[(USCC_ALPHABET.index(ours) + 1) % 31]
        assert not stdnum_uscc.is_valid(first17 + wrong)
        assert "uscc.checksum" in [i.code for i in check(IdType.USCC, first17 + wrong).errors]


def test_make_uscc_letter_led_codes_validate() -> None:
    rng = random.Random(7)
    for authority in USCC_AUTHORITIES:
        for _ in range(50):
            org8 = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
            code = make_uscc(authority, "1", "320412", org8)
            result = check(IdType.USCC, code.lower())
            assert result.valid and result.issues == (), (code, result.issues)


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (("Z", "1", "320412", "MA1MABCD"), "authority"),
        (("9", "1", "32041", "MA1MABCD"), "division"),
        (("9", "1", "320412", "MA1MABCO"), "alphabet"),
        (("9", "1", "320412", "MA1MABC"), "8"),
        (("9", "12", "320412", "MA1MABCD"), "category"),
    ],
)
def test_make_uscc_rejects_bad_parts(args: tuple[str, str, str, str], what: str) -> None:
    with pytest.raises(ValueError, match=what):
        make_uscc(*args)


@pytest.mark.parametrize("first17", ["9132041", "91320412MA1MABCDO", "91320412MA1MABCD6H"])
def test_uscc_check_char_rejects_bad_input(first17: str) -> None:
    with pytest.raises(ValueError):
        uscc_check_char(first17)


# --------------------------------------------------------------------------- organisation code


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("60003734-1", "600037341"),
        ("600037341", "600037341"),
        ("６０００３７３４－１", "600037341"),
        ("MA1MABCD-6", "MA1MABCD6"),
        ("ma1mabcd6", "MA1MABCD6"),
        ("12345678-8", "123456788"),
        ("50001234-x", "50001234X"),
    ],
)
def test_org_code_valid_with_or_without_hyphen(raw: str, value: str) -> None:
    result = check(IdType.ORG_CODE, raw)
    assert result.valid and result.issues == (), result.issues
    assert result.value == value


@pytest.mark.parametrize(
    ("first8", "expected"),
    [("60003734", "1"), ("MA1MABCD", "6"), ("12345678", "8"), ("50001234", "X"), ("00000000", "0")],
)
def test_org_code_check_char(first8: str, expected: str) -> None:
    assert org_code_check_char(first8) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("60003734-2", "org_code.checksum"),
        ("6000373-1", "org_code.length"),
        ("60003734-12", "org_code.length"),
        ("6000373#-1", "org_code.charset"),
        ("60003734-A", "org_code.charset"),
    ],
)
def test_org_code_errors(raw: str, code: str) -> None:
    result = check(IdType.ORG_CODE, raw)
    assert [i.code for i in result.errors] == [code]


# --------------------------------------------------------------------------- 工商注册号


@pytest.mark.parametrize("first14", ["32040000001234", "32041200000001", "11000000000000"])
def test_reg_no_valid(first14: str) -> None:
    reg = first14 + mod_11_10.calc_check_digit(first14)
    result = check(IdType.REG_NO, reg)
    assert result.valid and result.issues == ()
    assert result.info["division"] == first14[:6]


def test_reg_no_bad_check_is_warning_only() -> None:
    result = check(IdType.REG_NO, "320400000012343")  # correct check digit is 2
    assert result.valid
    assert result.errors == ()
    assert [(i.code, i.severity) for i in result.issues] == [("reg_no.checksum", "warning")]
    assert "应为 2，实为 3" in result.issues[0].message


@pytest.mark.parametrize(
    ("raw", "code"), [("32040000001234", "reg_no.length"), ("32040000001234A", "reg_no.charset")]
)
def test_reg_no_errors(raw: str, code: str) -> None:
    assert [i.code for i in check(IdType.REG_NO, raw).errors] == [code]


# --------------------------------------------------------------------------- resident ID / permits


@pytest.mark.parametrize(
    ("raw", "value", "info"),
    [
        (GB_EXAMPLE_ID, GB_EXAMPLE_ID, {"division": "110105", "birth_date": "1949-12-31", "sex": "女"}),
        ("11010519491231002x", GB_EXAMPLE_ID, {"sex": "女"}),
        ("１１０１０５１９４９１２３１００２ｘ", GB_EXAMPLE_ID, {}),
        (" 320412 19900101 001X ", "32041219900101001X", {"birth_date": "1990-01-01", "sex": "男"}),
        ("320481200112310822", "320481200112310822", {"division": "320481", "sex": "女"}),
        (
            "320402850307123",
            "320402850307123",
            {"legacy": "15", "birth_date": "1985-03-07", "sex": "男", "division": "320402"},
        ),
        ("320402000228124", "320402000228124", {"legacy": "15", "birth_date": "1900-02-28"}),
    ],
)
def test_resident_id_valid(raw: str, value: str, info: dict[str, str]) -> None:
    result = check(IdType.RESIDENT_ID, raw)
    assert result.valid and result.issues == (), result.issues
    assert result.value == value
    assert info.items() <= result.info.items()
    assert ("legacy" in result.info) == (len(value) == 15)


@pytest.mark.parametrize(
    ("raw", "code", "message_part"),
    [
        ("110105194912310021", "resident_id.checksum", "居民身份证号码校验位错误：应为 X，实为 1"),
        ("32041219900101001x".replace("x", "9"), "resident_id.checksum", "应为 X，实为 9"),
        ("320412199002300016", "resident_id.birth_date", "出生日期无效：19900230"),
        ("320412189912310015", "resident_id.birth_date", "早于 1900"),
        ("320412203001010010", "resident_id.birth_date", "晚于今天"),
        ("000000199001010014", "resident_id.division", "行政区划码无效"),
        ("990000199001010013", "resident_id.division", "行政区划码无效"),
        ("81000019800505011X", "resident_id.division", "港澳台居民居住证"),
        ("3204121990010100", "resident_id.length", "18 位（或旧版 15 位）"),
        ("32041219900101001Y", "resident_id.charset", "末位应为数字或 X"),
        ("320412A99001010019", "resident_id.charset", "前 17 位应为数字"),
        ("32041219900101001٣", "resident_id.charset", "前 17 位"),
        ("320402851307123", "resident_id.birth_date", "出生日期无效：19851307"),
        ("320402000229124", "resident_id.birth_date", "出生日期无效：19000229"),
        ("32040285030712X", "resident_id.charset", "全部为数字"),
    ],
)
def test_resident_id_errors(frozen_2026: None, raw: str, code: str, message_part: str) -> None:
    result = check(IdType.RESIDENT_ID, raw)
    assert not result.valid
    assert code in [i.code for i in result.errors], result.issues
    assert any(message_part in i.message for i in result.errors), result.errors


def test_resident_id_birth_date_not_in_future(frozen_2026: None) -> None:
    today = make_resident_id("320412", dt.date(2026, 6, 1), 1)
    tomorrow = make_resident_id("320412", dt.date(2026, 6, 2), 1)
    assert check(IdType.RESIDENT_ID, today).valid
    assert [i.code for i in check(IdType.RESIDENT_ID, tomorrow).errors] == ["resident_id.birth_date"]


@pytest.mark.parametrize(
    ("raw", "sex"),
    [("81000019800505011X", "男"), ("820000197507070222", "女"), ("830000199909090331", "男")],
)
def test_residence_permit_valid(raw: str, sex: str) -> None:
    result = check(IdType.RESIDENCE_PERMIT, raw.lower())
    assert result.valid and result.issues == (), result.issues
    assert result.info["sex"] == sex
    assert result.info["division"] == raw[:6]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("810000198005050110", "residence_permit.checksum"),
        ("32041219900101001X", "residence_permit.division"),
        ("840000198005050118", "residence_permit.division"),
        ("810000198013050110", "residence_permit.birth_date"),
        ("810000800505011", "residence_permit.length"),
    ],
)
def test_residence_permit_errors(raw: str, code: str) -> None:
    result = check(IdType.RESIDENCE_PERMIT, raw)
    assert code in [i.code for i in result.errors], result.issues


def test_resident_id_check_matches_stdnum() -> None:
    rng = random.Random(11643)
    for _ in range(2000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        ours = resident_id_check_char(first17)
        assert ours == stdnum_ric.calc_check_digit(first17 + "?"), first17


@pytest.mark.parametrize(
    ("division", "birth", "seq", "expected"),
    [
        ("110105", dt.date(1949, 12, 31), 2, GB_EXAMPLE_ID),
        ("320412", dt.date(1990, 1, 1), 1, "32041219900101001X"),
    ],
)
def test_make_resident_id(division: str, birth: dt.date, seq: int, expected: str) -> None:
    assert make_resident_id(division, birth, seq) == expected
    # Only stdnum's check is compared: its validate() also looks the division up in a
    # bundled table by birth year and rejects e.g. 320412 before 武进 became a district.
    assert stdnum_ric.calc_check_digit(expected) == expected[-1]


@pytest.mark.parametrize(("division", "seq"), [("32041", 1), ("320412", 1000), ("320412", -1)])
def test_make_resident_id_rejects_bad_parts(division: str, seq: int) -> None:
    with pytest.raises(ValueError):
        make_resident_id(division, dt.date(1990, 1, 1), seq)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("320402850307123", "320402198503071237"),
        ("１１０１０５４９１２３１００２", GB_EXAMPLE_ID),
    ],
)
def test_upgrade_15_to_18(raw: str, expected: str) -> None:
    upgraded = upgrade_15_to_18(raw)
    assert upgraded == expected
    assert check(IdType.RESIDENT_ID, upgraded).valid


@pytest.mark.parametrize("raw", ["32040285030712", "32040285030712X", GB_EXAMPLE_ID])
def test_upgrade_15_to_18_rejects_non_legacy(raw: str) -> None:
    with pytest.raises(ValueError):
        upgrade_15_to_18(raw)


# --------------------------------------------------------------------------- format-only types


@pytest.mark.parametrize(
    ("id_type", "raw", "value", "code"),
    [
        (IdType.PASSPORT, "e12345678", "E12345678", None),
        (IdType.PASSPORT, "G 1234 5678", "G12345678", None),
        (IdType.PASSPORT, "AB123", "AB123", None),
        (IdType.PASSPORT, "A123", "A123", "passport.length"),
        (IdType.PASSPORT, "A" * 18, "A" * 18, "passport.length"),
        (IdType.PASSPORT, "E1234-5678", "E1234-5678", "passport.charset"),
        (IdType.TAX_REG_NO, "320412600037341", "320412600037341", None),
        (IdType.TAX_REG_NO, "32041219900101001x", "32041219900101001X", None),
        (IdType.TAX_REG_NO, "32041219900101001X01", "32041219900101001X01", None),
        (IdType.TAX_REG_NO, "3204126000373411", "3204126000373411", "tax_reg_no.length"),
        (IdType.TAX_REG_NO, "32041260003734#", "32041260003734#", "tax_reg_no.charset"),
        (IdType.INSTITUTION_CERT, "事证第132040000123号", "事证第132040000123号", None),
        (IdType.INSTITUTION_CERT, "132040000123", "132040000123", None),
        (IdType.INSTITUTION_CERT, "事证第号", "事证第号", "institution_cert.charset"),
        (IdType.INSTITUTION_CERT, "123", "123", "institution_cert.length"),
        (IdType.SOCIAL_ORG_CERT, "苏民证字第020001号", "苏民证字第020001号", None),
        (IdType.SOCIAL_ORG_CERT, "常民证字(2010)第0012号", "常民证字(2010)第0012号", None),
        (IdType.SOCIAL_ORG_CERT, "苏民证字#020001", "苏民证字#020001", "social_org_cert.charset"),
        (IdType.SOCIAL_ORG_CERT, "", "", "social_org_cert.empty"),
    ],
)
def test_format_only_types(id_type: IdType, raw: str, value: str, code: str | None) -> None:
    result = check(id_type, raw)
    assert result.value == value
    assert [i.code for i in result.errors] == ([code] if code else [])


# --------------------------------------------------------------------------- robustness


GARBAGE = [
    "",
    " ",
    "x",
    "\u0000",
    "-",
    "----------",
    "9" * 40,
    "测试公司",
    "٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣",
    "３２０４０２８５０３０７１２３",
    "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱",
    "ﬁﬁﬁﬁﬁﬁﬁﬁﬁﬁﬁﬁﬁﬁﬁﬁﬁﬁ",
    "00000000000000000",
    "000000000000000000",
    "999999999999999999",
    "ZZZZZZZZZZZZZZZZZZ",
    "1234567-8",
    "12345678--8",
    "320402000000000",
]


@pytest.mark.parametrize("id_type", list(IdType))
@pytest.mark.parametrize("raw", GARBAGE)
def test_check_never_raises_on_bad_input(id_type: IdType, raw: str) -> None:
    result = check(id_type, raw)
    assert result.raw == raw
    assert result.id_type is id_type
    for issue in result.issues:
        assert issue.severity in ("error", "warning")
        assert issue.code.startswith(id_type.value + ".")
        assert issue.message
    guess_type(raw)  # must not raise either


def test_check_accepts_stored_value_and_rejects_wrong_types() -> None:
    assert check("uscc", REAL_USCC).valid  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check(IdType.USCC, 91110000600037341)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        check("driving_licence", REAL_USCC)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- guess_type


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (REAL_USCC, IdType.USCC),
        (HAND_USCC.lower(), IdType.USCC),
        ("N2320412MA1X234542", IdType.USCC),
        ("91320412MA1MABCD6J", IdType.USCC),  # bad check, still USCC-shaped
        ("12320402466001232H", IdType.USCC),
        (GB_EXAMPLE_ID, IdType.RESIDENT_ID),
        ("11010519491231002x", IdType.RESIDENT_ID),
        ("110105194912310021", IdType.RESIDENT_ID),  # bad check but a real birth date
        ("81000019800505011X", IdType.RESIDENCE_PERMIT),
        ("830000199909090331", IdType.RESIDENCE_PERMIT),
        ("320402850307123", IdType.RESIDENT_ID),  # 15 digits, 850307 is a date
        ("320400000012342", IdType.REG_NO),  # 15 digits, 000012 is not a date
        ("320412991301001", IdType.REG_NO),  # month 13
        ("60003734-1", IdType.ORG_CODE),
        ("600037341", IdType.ORG_CODE),
        ("600037342", None),
        ("E12345678", None),
        ("32040285030712", None),
        ("Q1320412MA1MABCD6H", None),
        ("", None),
    ],
)
def test_guess_type(raw: str, expected: IdType | None) -> None:
    assert guess_type(raw) == expected


def test_guess_type_all_digit_uscc() -> None:
    code = "913204121000000085"  # all digits, valid USCC, fails the resident-ID check
    assert check(IdType.USCC, code).issues == ()
    assert not check(IdType.RESIDENT_ID, code).valid
    assert guess_type(code) == IdType.USCC


@pytest.mark.parametrize(
    ("id_type", "raw"),
    [(IdType.USCC, "9.13204E+17"), (IdType.RESIDENT_ID, "3.20412E+17"), (IdType.ORG_CODE, "1.23457E+8")],
)
def test_excel_scientific_notation_is_named_as_such(id_type: IdType, raw: str) -> None:
    """What Excel shows (and saves to CSV) for a long number in a number cell: not a length problem."""
    result = check(id_type, raw)
    assert [i.code for i in result.issues] == [f"{id_type.value}.scientific"]
    assert "科学计数法" in result.issues[0].message and raw in result.issues[0].message


def test_letters_e_in_a_real_code_are_not_scientific_notation() -> None:
    assert not [i for i in check(IdType.USCC, make_uscc("9", "1", "320412", "MA1E2345")).issues]
