"""Table-driven tests for xinyong.kit.masking (DOMAIN §12)."""

from __future__ import annotations

import pytest

from xinyong.kit.masking import MaskRule, mask, mask_id_number, mask_name, mask_phone, scrub_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("32041219900101123X", "3204**********123X"),
        ("32041219900101123x", "3204**********123X"),
        ("３２０４１２１９９００１０１１２３Ｘ", "3204**********123X"),
        (" 320412 19900101 123X ", "3204**********123X"),
        ("81000019800505011X", "8100**********011X"),
        ("320402850307123", "3204********123"),
        ("E12345678", "E1*****78"),
        ("AB1234", "A****4"),
        ("ABCD", "****"),
        ("", ""),
    ],
)
def test_mask_id_number(value: str, expected: str) -> None:
    masked = mask_id_number(value)
    assert masked == expected
    assert len(masked) == len(expected)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧***"),
        (" 李四 ", "李*"),
        ("买买提·艾力", "买*****"),
        ("张", "*"),
        ("", ""),
    ],
)
def test_mask_name(name: str, expected: str) -> None:
    assert mask_name(name) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+86 13812345678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("0519-88123456", "0519-****3456"),
        ("051988123456", "0519-****3456"),
        ("010-12345678", "010-****5678"),
        ("(025)5123456", "025-***3456"),
        ("88123456", "****3456"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "rule", "expected"),
    [
        ("32041219900101123X", MaskRule.ID_NUMBER, "3204**********123X"),
        ("32041219900101123X", "id_number", "3204**********123X"),
        ("张三", MaskRule.NAME, "张*"),
        ("张三", "name", "张*"),
        ("13812345678", MaskRule.PHONE, "138****5678"),
        ("常州某某有限公司", MaskRule.NONE, "常州某某有限公司"),
        ("91320412MA1MABCD6H", "none", "91320412MA1MABCD6H"),
        ("32041219900101123X", MaskRule.HIDE, None),
        ("32041219900101123X", "hide", None),
        (None, MaskRule.ID_NUMBER, None),
        (None, MaskRule.NONE, None),
    ],
)
def test_mask(value: str | None, rule: MaskRule | str, expected: str | None) -> None:
    assert mask(value, rule) == expected


def test_mask_unknown_rule() -> None:
    with pytest.raises(ValueError):
        mask("x", "partial")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证号320412199001011237。", "身份证号3204**********1237。"),
        ("身份证号：32041219900101123x", "身份证号：3204**********123x"),
        ("证号３２０４１２１９９００１０１１２３Ｘ", "证号３２０４**********１２３Ｘ"),
        ("旧身份证320402850307123，", "旧身份证3204********123，"),
        ("联系电话13812345678", "联系电话138****5678"),
        ("手机：138-1234-5678。", "手机：138-****-5678。"),
        ("手机 138 1234 5678", "手机 138 **** 5678"),
        ("电话+8613812345678", "电话+86138****5678"),
        ("电话0519-88123456转8001", "电话0519-****3456转8001"),
        ("电话（0519）88123456", "电话（0519）****3456"),
        ("电话010 12345678", "电话010 ****5678"),
        ("电话051988123456", "电话0519****3456"),
        (
            "当事人张三（身份证号320412199001011237，电话13812345678）于2026年3月经营……",
            "当事人张三（身份证号3204**********1237，电话138****5678）于2026年3月经营……",
        ),
        ("ID:320412199001011237/13812345678", "ID:3204**********1237/138****5678"),
    ],
)
def test_scrub_text_masks(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "罚款20000.50元",
        "罚款人民币13800000000元",  # 11 digits that look like a mobile, but an amount
        "罚款13800000000.00",
        "金额¥13812345678",
        "没收违法所得320412199001011237.5元",
        "于20261123作出决定",
        "2026-11-23",
        "常市监处罚〔2026〕123号",
        "苏常市监罚字〔2026〕0519号",
        "统一社会信用代码91320412MA1MABCD6H",
        "统一社会信用代码913204121000000085",  # all-digit USCC, fails the ID check
        "注册号320400000012342",  # 15 digits, 000012 is not a date
        "银行账号6222021234567890123",  # 19 digits: not an ID
        "订单号A13812345678",
        "编号13812345678B",
        "序列0123456789012345678",
        "1381234567",  # 10 digits
        "电话88123456",  # local number without area code is left alone
        "",
        "无个人信息的普通文本。",
    ],
)
def test_scrub_text_leaves_alone(text: str) -> None:
    assert scrub_text(text) == text


def test_scrub_text_is_idempotent() -> None:
    text = "张三 320412199001011237 13812345678 0519-88123456 320402850307123"
    once = scrub_text(text)
    assert once != text
    assert scrub_text(once) == once
    assert "1990" not in once and "12345678" not in once
