"""The Changzhou catalogue loads and validates; broken catalogues fail naming file and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from xinyong.catalog.schemas import (
    CatalogSpec,
    FieldRole,
    FieldType,
    ListKind,
    PublicityKind,
    ReportSection,
    SharingLevel,
    SubjectKind,
    load_catalog,
    normalise_header,
)
from xinyong.errors import ConfigError
from xinyong.kit.identifiers import IdType
from xinyong.org.schemas import ProfileSpec, load_profile

ROOT = Path(__file__).resolve().parents[2]
PROFILE_DIR = ROOT / "profiles" / "changzhou"
CATALOG_DIR = PROFILE_DIR / "catalog"
BROKEN = ROOT / "tests" / "data" / "broken_catalog"

CODES = {
    "djzc",
    "xzxk_fr",
    "xzxk_zrr",
    "xzcf_fr",
    "xzcf_zrr",
    "yzsx",
    "sxbzxr",
    "sxjl",
    "zdgz",
    "jyyc",
    "xycn",
    "xypj",
}


@pytest.fixture(scope="module")
def profile() -> ProfileSpec:
    return load_profile(PROFILE_DIR)


@pytest.fixture(scope="module")
def catalog(profile: ProfileSpec) -> CatalogSpec:
    return load_catalog(
        CATALOG_DIR,
        unit_keys=profile.unit_keys(),
        category_keys={c.key for c in profile.subject_categories},
    )


# --------------------------------------------------------------------------- the real catalogue


def test_real_catalogue_loads_with_the_fixed_item_codes(catalog: CatalogSpec) -> None:
    assert set(catalog.codes()) == CODES
    assert catalog.edition == "2024"
    assert catalog.version
    assert len(catalog.categories) == 13
    for item in catalog.items:
        assert item.edition == "2024"
        assert item.attributes_checked is False, f"{item.code} claims a check against the official PDF"


def test_penalty_items_have_every_role_their_consumers_need(catalog: CatalogSpec) -> None:
    common = [
        FieldRole.DECISION_NO,
        FieldRole.DECISION_DATE,
        FieldRole.PENALTY_TYPES,
        FieldRole.FINE_AMOUNT,
        FieldRole.CONFISCATION_AMOUNT,
        FieldRole.DECIDING_UNIT_NAME,
        FieldRole.DECIDING_UNIT_CODE,
        FieldRole.SOURCE_UNIT_NAME,
        FieldRole.SOURCE_UNIT_CODE,
        FieldRole.SUBJECT_NAME,
        FieldRole.SEVERITY,
        FieldRole.FACTS,
        FieldRole.LEGAL_BASIS,
        FieldRole.VALID_TO,
    ]
    for code, subject_roles in [
        ("xzcf_fr", [FieldRole.SUBJECT_CODE, FieldRole.LEGAL_REP, FieldRole.LEGAL_REP_ID_NUMBER]),
        ("xzcf_zrr", [FieldRole.SUBJECT_ID_TYPE, FieldRole.SUBJECT_ID_NUMBER]),
    ]:
        item = catalog.item(code)
        assert item.publicity_kind is PublicityKind.PENALTY
        assert item.update_deadline_workdays == 7
        for role in [*common, *subject_roles]:
            assert item.field_by_role(role) is not None, f"{code} lacks role {role}"
        fine = item.field_by_role(FieldRole.FINE_AMOUNT)
        assert fine is not None and fine.type is FieldType.DECIMAL and fine.unit == "万元" and fine.scale == 6
        types = item.field_by_role(FieldRole.PENALTY_TYPES)
        assert types is not None and types.codes is not None
        assert types.codes[:3] == ["警告", "通报批评", "罚款"] and "行政拘留" in types.codes
        assert item.merge_fields == [types.key]
        severity = item.field_by_role(FieldRole.SEVERITY)
        assert severity is not None and severity.codes == ["轻微", "一般", "较重", "严重"]
        assert not severity.required
        facts = item.field_by_role(FieldRole.FACTS)
        assert facts is not None and facts.scrub


def test_penalty_natural_key_is_decision_number_deciding_unit_and_party(catalog: CatalogSpec) -> None:
    fr = catalog.item("xzcf_fr")
    roles = [fr.field(k).role for k in fr.natural_key]
    assert roles == [FieldRole.DECISION_NO, FieldRole.DECIDING_UNIT_CODE, FieldRole.SUBJECT_CODE]
    zrr = catalog.item("xzcf_zrr")
    roles = [zrr.field(k).role for k in zrr.natural_key]
    assert roles == [FieldRole.DECISION_NO, FieldRole.DECIDING_UNIT_CODE, FieldRole.SUBJECT_ID_NUMBER]


def test_licence_items_have_their_roles(catalog: CatalogSpec) -> None:
    for code in ("xzxk_fr", "xzxk_zrr"):
        item = catalog.item(code)
        assert item.publicity_kind is PublicityKind.UNTIL_VALID_TO
        for role in (
            FieldRole.DECISION_NO,
            FieldRole.DECISION_DATE,
            FieldRole.VALID_FROM,
            FieldRole.VALID_TO,
            FieldRole.DECIDING_UNIT_CODE,
            FieldRole.STATUS,
        ):
            assert item.field_by_role(role) is not None, f"{code} lacks {role}"
        kind = item.field("licence_kind")
        assert kind.codes == ["普通", "特许", "认可", "核准", "登记", "其他"]
        status = item.field_by_role(FieldRole.STATUS)
        assert status is not None and status.canonical_code("1") == "有效"


def test_sharing_levels_follow_the_changzhou_defaults(catalog: CatalogSpec) -> None:
    for code in ("xzxk_zrr", "xzcf_zrr"):
        item = catalog.item(code)
        assert item.sharing_level is SharingLevel.CONDITIONAL and "shi_fgw" in item.shared_with
        assert item.subject_kinds == [SubjectKind.NATURAL_PERSON]
    for code in CODES - {"xzxk_zrr", "xzcf_zrr"}:
        assert catalog.item(code).sharing_level is SharingLevel.PUBLIC, code
    debtors = catalog.item("sxbzxr")
    assert set(debtors.subject_kinds) == {SubjectKind.LEGAL_PERSON, SubjectKind.NATURAL_PERSON}
    assert "shi_zy" in debtors.providing_units and "wujin_fy" in debtors.providing_units


def test_list_items_carry_list_kind_and_dates(catalog: CatalogSpec) -> None:
    expected = {
        "yzsx": ListKind.BLACK,
        "sxbzxr": ListKind.BLACK,
        "sxjl": ListKind.RED,
        "zdgz": ListKind.WATCH,
        "jyyc": ListKind.ABNORMAL,
    }
    for code, kind in expected.items():
        item = catalog.item(code)
        assert item.publicity_kind is PublicityKind.WHILE_LISTED
        assert item.list_kind is kind
        for role in (FieldRole.LISTED_ON, FieldRole.EXIT_ON, FieldRole.EXIT_REASON, FieldRole.SUBJECT_NAME):
            assert item.field_by_role(role) is not None, f"{code} lacks {role}"
    assert catalog.item("sxjl").field_by_role(FieldRole.INCENTIVE_KIND) is not None
    assert catalog.item("djzc").publicity_kind is PublicityKind.PERMANENT


def test_registration_item_fields(catalog: CatalogSpec, profile: ProfileSpec) -> None:
    item = catalog.item("djzc")
    labels = [f.label for f in item.fields]
    assert labels == [
        "名称",
        "统一社会信用代码",
        "主体类别",
        "法定代表人",
        "住所",
        "成立日期",
        "注册资本（万元）",
        "登记机关",
        "经营范围",
        "行业门类",
        "登记状态",
    ]
    industry = item.field_by_role(FieldRole.INDUSTRY)
    assert industry is not None
    assert industry.codes == [i.code for i in profile.industries]
    assert industry.canonical_code("制造业") == "C"
    assert item.report_section is ReportSection.BASIC


def test_report_sections_are_the_national_ones(catalog: CatalogSpec) -> None:
    assert [s.value for s in ReportSection][:3] == ["基本信息", "行政管理", "诚实守信"]
    assert ReportSection.OTHER.order == 9
    assert catalog.item("xycn").report_section is ReportSection.COMMITMENT
    assert catalog.item("xypj").report_section is ReportSection.EVALUATION
    assert catalog.item("jyyc").report_section is ReportSection.ABNORMAL


def test_national_aliases_resolve_to_fields(catalog: CatalogSpec) -> None:
    cf = catalog.item("xzcf_fr")
    assert cf.resolve_header("CF_WSH") == "decision_no"
    assert cf.header_index()["CF_WSH"] == "decision_no"
    assert cf.resolve_header(" cf_nr_fk ") == "fine_amount"
    assert cf.resolve_header("罚款金额(万元)") == "fine_amount"  # half-width brackets after NFKC
    assert cf.resolve_header("罚款金额（万元）") == "fine_amount"
    assert cf.resolve_header("CF_CFJGDM") == "deciding_unit_code"
    assert cf.resolve_header("行政处罚决定书文号") == "decision_no"
    assert cf.resolve_header("BZ") == "note"
    assert cf.resolve_header("无此列") is None
    xk = catalog.item("xzxk_fr")
    assert xk.resolve_header("XK_YXQZI") == "valid_to"
    assert xk.resolve_header("XK_YXQZ") == "valid_from"
    assert xk.resolve_header("XK_XKJGDM") == "deciding_unit_code"
    zrr = catalog.item("xzcf_zrr")
    assert zrr.resolve_header("CF_XDR_ZJHM") == "subject_id_number"
    assert normalise_header("Ｃ Ｆ_WSH") == "cf_wsh"


def test_every_legal_person_penalty_alias_from_the_national_template_is_present(catalog: CatalogSpec) -> None:
    aliases = {a for f in catalog.item("xzcf_fr").fields for a in f.aliases}
    template = [
        "CF_XDR_MC",
        "CF_XDR_LB",
        "CF_XDR_SHXYM",
        "CF_XDR_GSZC",
        "CF_XDR_ZZJG",
        "CF_XDR_SWDJ",
        "CF_XDR_SYDW",
        "CF_XDR_SHZZ",
        "CF_FRDB",
        "CF_FR_ZJLX",
        "CF_FR_ZJHM",
        "CF_WSH",
        "CF_WFXW",
        "CF_SY",
        "CF_YJ",
        "CF_CFLB",
        "CF_NR",
        "CF_NR_FK",
        "CF_NR_WFFF",
        "CF_NR_ZKDX",
        "CF_JDRQ",
        "CF_YXQ",
        "CF_GSJZQ",
        "CF_CFJG",
        "CF_CFJGDM",
        "CF_SJLY",
        "CF_SJLYDM",
        "BZ",
    ]
    assert set(template) <= aliases


def test_privacy_attributes(catalog: CatalogSpec) -> None:
    for code in ("xzcf_fr", "xzxk_fr"):
        rep_id = catalog.item(code).field_by_role(FieldRole.LEGAL_REP_ID_NUMBER)
        assert rep_id is not None and rep_id.public is False
    for code in ("xzcf_zrr", "xzxk_zrr", "sxbzxr"):
        number = catalog.item(code).field_by_role(FieldRole.SUBJECT_ID_NUMBER)
        assert number is not None and number.mask.value == "id_number"
        assert number.id_type_source() == "subject_id_type"
        id_type = catalog.item(code).field("subject_id_type")
        assert id_type.id_type_codes["身份证"] is IdType.RESIDENT_ID
        assert id_type.canonical_code("居民身份证") == "身份证"
    uscc = catalog.item("xzcf_fr").field_by_role(FieldRole.SUBJECT_CODE)
    assert uscc is not None and uscc.fixed_id_type() is IdType.USCC


# --------------------------------------------------------------------------- broken catalogues


def _raises(directory: Path, **kwargs: Any) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_catalog(directory, **kwargs)
    return info.value


def test_control_fixture_loads() -> None:
    spec = load_catalog(BROKEN / "ok", unit_keys={"shi_scjgj"})
    assert spec.codes() == ["xzcf_fr"]


def test_unknown_field_type_names_file_and_field() -> None:
    err = _raises(BROKEN / "unknown_type")
    assert "目录文件 xzcf_fr.yaml 字段 fields[3].type: 未知类型 'strng'" in err.message
    assert "catalogue file xzcf_fr.yaml, field fields[3].type" in err.message
    assert err.details["file"] == "xzcf_fr.yaml" and err.details["field"] == "fields[3].type"


def test_duplicate_item_code_across_files_names_both_files() -> None:
    err = _raises(BROKEN / "duplicate_code")
    assert "目录文件 xzcf_zrr.yaml 字段 code:" in err.message
    assert "xzcf_fr.yaml" in err.message and "重复" in err.message


def test_missing_label_names_file_and_field() -> None:
    err = _raises(BROKEN / "missing_label")
    assert "目录文件 xzcf_fr.yaml 字段 fields[2].label: 缺少必填项" in err.message


def test_bad_yaml_names_file_and_line() -> None:
    err = _raises(BROKEN / "bad_yaml")
    assert "目录文件 xzcf_fr.yaml YAML 语法错误（第 18 行" in err.message


def test_unknown_providing_unit_names_file_and_field() -> None:
    err = _raises(BROKEN / "unknown_unit", unit_keys={"shi_scjgj"})
    assert "目录文件 xzcf_fr.yaml 字段 providing_units[0]: 未知单位 'shi_nosuch'" in err.message
    load_catalog(BROKEN / "unknown_unit")  # without unit_keys the unit is not checked


# Semantic rules, each checked by mutating the valid control item in a temporary catalogue.


def _write(tmp_path: Path, mutate: Any) -> Path:
    index = yaml.safe_load((BROKEN / "ok" / "_catalog.yaml").read_text(encoding="utf-8"))
    item = yaml.safe_load((BROKEN / "ok" / "xzcf_fr.yaml").read_text(encoding="utf-8"))
    item = copy.deepcopy(item)
    mutate(item)
    (tmp_path / "_catalog.yaml").write_text(yaml.safe_dump(index, allow_unicode=True), encoding="utf-8")
    (tmp_path / "xzcf_fr.yaml").write_text(yaml.safe_dump(item, allow_unicode=True), encoding="utf-8")
    return tmp_path


def _set(path: str, value: Any) -> Any:
    def mutate(item: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = item
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "field", "text"),
    [
        (_set("fields.4.codes", []), "fields[4].codes", "缺少代码表"),
        (_set("fields.1.id_type", None), "fields[1].id_type", "缺少 id_type"),
        (_set("fields.1.id_type", "from_field:nope"), "fields[1].id_type", "from_field"),
        (_set("fields.1.key", "subject_name"), "fields[1].key", "字段键重复"),
        (_set("fields.1.aliases", ["CF_XDR_MC"]), "fields[1].aliases[0]", "名称或别名重复"),
        (_set("fields.1.label", "行政相对人名称 "), "fields[1].label", "名称或别名重复"),
        (_set("natural_key", ["decision_no", "nope"]), "natural_key[1]", "未知字段 'nope'"),
        (_set("merge_fields", ["nope"]), "merge_fields[0]", "未知字段 'nope'"),
        (_set("fields.3.type", "string"), "fields[3].type", "decision_date"),
        (_set("sharing_level", "conditional"), "shared_with", "有条件共享"),
        (_set("fields.0.extra", 1), "fields[0].extra", "未知属性"),
        (_set("category", "不存在的类别"), "category", "未知目录类别"),
        (_set("code", "xzcf_other"), "code", "与文件名不一致"),
        (_set("fields.0.pattern", "(["), "fields[0].pattern", "正则表达式无效"),
    ],
)
def test_semantic_errors_name_file_and_field(tmp_path: Path, mutate: Any, field: str, text: str) -> None:
    err = _raises(_write(tmp_path, mutate))
    assert f"目录文件 xzcf_fr.yaml 字段 {field}:" in err.message
    assert text in err.message


def test_missing_index_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("code: x\n", encoding="utf-8")
    err = _raises(tmp_path)
    assert "_catalog.yaml" in err.message
