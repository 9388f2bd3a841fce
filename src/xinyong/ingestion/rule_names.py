"""Chinese names of the rules a batch's problems cite, for the pages and downloads clerks read.

A problem carries a stable ``code`` (``amount.negative``, ``uscc.checksum`` …) that the API, the CLI's
``--json`` and the ``?code=`` filters use, and a Chinese ``message`` about the one value. Clerks sort and
talk about problems by rule, so the console and the CSV/XLSX downloads also name the rule in Chinese
(金额为负数, 统一社会信用代码校验位错误 …). The code stays beside the name: it is what a unit's IT staff
search for and what the filters take.

Identifier codes are ``<id type>.<check>`` (kit.identifiers): their names are composed from the id
type's label and the check's name, so a new identifier type is named without an entry here. An unknown
code is shown as itself — a page never fails for want of a name (tests/ingestion/test_rule_names.py
checks every code the validators can emit has one).
"""

from __future__ import annotations

from xinyong.kit.identifiers import ID_TYPE_LABELS

RULE_NAMES: dict[str, str] = {
    # file level (the whole file refused, or a column not understood)
    "file.empty": "文件没有数据行",
    "file.truncated": "文件不完整",
    "file.format": "文件格式无法识别",
    "file.encoding": "文件编码无法识别",
    "file.no_header": "没有表头",
    "file.many_sheets": "工作簿含多个数据表",
    "file.missing_column": "缺少必填列",
    "column.unknown": "未识别的列",
    "column.shared": "多列对应同一字段",
    "column.unnamed": "无列名的列有内容",
    "column.long_numbers": "长数字被 Excel 截断",
    "file.nul_removed": "已删除空字符",
    "file.surrogates_replaced": "已替换无效字符",
    # one value
    "required": "必填项为空",
    "pattern": "格式不符合要求",
    "length": "超过长度限制",
    "type.date": "日期无效",
    "type.decimal": "数字无效",
    "type.integer": "不是整数",
    "date.future": "日期晚于今天",
    "amount.negative": "金额为负数",
    "amount.scale": "小数位数过多",
    "code.unknown": "代码不在代码表中",
    "field.unknown": "事项没有该字段",
    # several values of one row
    "cross.fine_without_type": "有罚款金额但处罚类别无“罚款”",
    "cross.fine_missing": "处罚类别含“罚款”但无罚款金额",
    "cross.confiscation_missing": "处罚类别含没收但无没收金额",
    "cross.valid_range": "有效期至早于有效期自",
    "cross.valid_to_before_decision": "有效期至早于决定日期",
    "cross.exit_before_listed": "移出日期早于列入日期",
    "row.columns": "列数与表头不一致",
    "column.conflict": "同一字段的多列取值不同",
    # rows against each other, and linking
    "row.duplicate": "重复行",
    "row.merged": "同一决定已合并",
    "row.conflict": "同一决定内容冲突",
    "link.no_code": "没有可用的主体代码",
    "link.review": "待人工关联主体",
    "publicity.rules": "无法计算公示期",
    # revocations by file
    "revoke.not_found": "未找到被撤销的决定",
    "revoke.reason": "撤销原因为空",
    "revoke.date": "撤销日期无效",
    "revoke.already": "决定已撤销",
}

#: The checks of kit.identifiers, named after the id type's label.
IDENTIFIER_CHECKS: dict[str, str] = {
    "empty": "为空",
    "length": "位数错误",
    "charset": "含不允许的字符",
    "checksum": "校验位错误",
    "division": "行政区划码无效",
    "birth_date": "出生日期无效",
    "authority": "登记管理部门代码无效",
    "org_code_checksum": "内含组织机构代码校验码错误",
    "scientific": "被 Excel 显示为科学计数法",
}

_ID_LABELS = {t.value: label for t, label in ID_TYPE_LABELS.items()}


def known(code: str) -> bool:
    """Whether ``code`` has a Chinese name (else :func:`rule_name` shows the code itself)."""
    return rule_name(code) != code


def rule_name(code: str | None) -> str:
    """The rule's Chinese name; the code itself when it has none."""
    if not code:
        return ""
    name = RULE_NAMES.get(code)
    if name is not None:
        return name
    kind, _, check = code.partition(".")
    if kind in _ID_LABELS and check in IDENTIFIER_CHECKS:
        return _ID_LABELS[kind] + IDENTIFIER_CHECKS[check]
    return code
