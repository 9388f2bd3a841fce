"""The Changzhou profile loads and validates; broken profiles fail naming file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from xinyong.errors import ConfigError
from xinyong.kit.identifiers import IdType, check
from xinyong.org.schemas import (
    CITY_KEY,
    DistrictKind,
    ProfileSpec,
    SubjectKind,
    UnitKind,
    UnitRole,
    load_profile,
)

ROOT = Path(__file__).resolve().parents[2]
PROFILE_DIR = ROOT / "profiles" / "changzhou"

MUNICIPAL = {
    "shi_scjgj": "常州市市场监督管理局",
    "shi_sw": "国家税务总局常州市税务局",
    "shi_sthjj": "常州市生态环境局",
    "shi_zjj": "常州市住房和城乡建设局",
    "shi_cgj": "常州市城市管理局",
    "shi_zy": "常州市中级人民法院",
    "shi_rsj": "常州市人力资源和社会保障局",
    "shi_jtj": "常州市交通运输局",
    "shi_yjglj": "常州市应急管理局",
    "shi_wjw": "常州市卫生健康委员会",
    "shi_jyj": "常州市教育局",
    "shi_wglj": "常州市文化广电和旅游局",
    "shi_mzj": "常州市民政局",
    "shi_zrzyj": "常州市自然资源和规划局",
    "shi_gaj": "常州市公安局",
    "shi_czj": "常州市财政局",
    "shi_nyncj": "常州市农业农村局",
    "shi_swj": "常州市商务局",
    "shi_ybj": "常州市医疗保障局",
    "shi_fgw": "常州市发展和改革委员会",
}
DISTRICTS = ["tianning", "zhonglou", "xinbei", "wujin", "jintan", "liyang", "jkq"]


@pytest.fixture(scope="module")
def profile() -> ProfileSpec:
    return load_profile(PROFILE_DIR)


def test_city_and_portal(profile: ProfileSpec) -> None:
    assert (profile.city.name, profile.city.division, profile.city.province) == ("常州市", "320400", "江苏省")
    assert profile.portal.name == "信用常州"
    footer = dict(profile.portal.footer.items())
    assert footer["主办单位"].value == "常州市发展和改革委员会" and not footer["主办单位"].placeholder
    for label in ("网站标识码", "ICP备案号", "公安备案号", "联系方式"):
        assert footer[label].placeholder, f"{label} must be marked as a placeholder"


def test_districts_and_division_codes(profile: ProfileSpec) -> None:
    codes = {d.key: d.division for d in profile.districts}
    assert codes == {
        "city": "320400",
        "tianning": "320402",
        "zhonglou": "320404",
        "xinbei": "320411",
        "wujin": "320412",
        "jintan": "320413",
        "liyang": "320481",
        "jkq": None,
    }
    jkq = profile.district("jkq")
    assert jkq.kind is DistrictKind.ZONE
    assert set(jkq.towns) == {"遥观镇", "横林镇", "横山桥镇", "潞城街道", "戚墅堰街道", "丁堰街道"}
    assert profile.district_for_division("320405") == "jkq"
    assert profile.district_for_division("320482") == "jintan"
    assert profile.district_for_division("320412") == "wujin"
    assert profile.district_for_division("320400") == CITY_KEY
    assert profile.district_for_division("110101") is None


@pytest.mark.parametrize(
    ("address", "district"),
    [
        ("常州市武进区湖塘镇花园街 18 号", "wujin"),
        ("江苏省常州市武进区遥观镇东方村", "jkq"),  # a jkq town beats the 武进区 it used to belong to
        ("常州市经开区横林镇崔桥", "jkq"),
        ("常州市戚墅堰区丁堰街道", "jkq"),
        ("江苏省金坛市金城镇", "jintan"),  # a former division name
        ("常州市金坛区尧塘街道", "jintan"),
        ("江苏省溧阳市天目湖镇", "liyang"),
        ("常州市天宁区延陵中路", "tianning"),
        ("常州市钟楼区　南大街", "zhonglou"),  # a full-width space
        ("常州市新北区太湖东路", "xinbei"),
        ("南京市鼓楼区中山路", None),
        ("常州市", None),
        ("", None),
    ],
)
def test_district_for_address(profile: ProfileSpec, address: str, district: str | None) -> None:
    assert profile.district_for_address(address) == district


def test_municipal_units_have_their_real_names(profile: ProfileSpec) -> None:
    for key, name in MUNICIPAL.items():
        unit = profile.unit(key)
        assert unit.name == name
        assert unit.district == CITY_KEY
    assert profile.unit("shi_zy").kind is UnitKind.COURT
    office = profile.credit_office()
    assert office.key == "shi_fgw" and office.kind is UnitKind.CREDIT_OFFICE
    assert UnitRole.CREDIT_OFFICE in office.roles


def test_each_district_has_its_counterparts(profile: ProfileSpec) -> None:
    for district in DISTRICTS:
        for suffix, parent in [("scjgj", "shi_scjgj"), ("sw", "shi_sw"), ("sthjj", "shi_sthjj"),
                               ("cgj", "shi_cgj"), ("fy", "shi_zy"), ("fgj", "shi_fgw")]:  # fmt: skip
            unit = profile.unit(f"{district}_{suffix}")
            assert unit.district == district
            assert unit.parent == parent
    assert profile.unit("wujin_scjgj").name == "常州市武进区市场监督管理局"
    assert profile.unit("wujin_fy").name == "常州市武进区人民法院"
    assert profile.unit("wujin_fy").kind is UnitKind.COURT
    assert profile.unit("liyang_fy").name == "溧阳市人民法院"


def test_unit_usccs_are_checksum_valid_and_placeholders_are_marked(profile: ProfileSpec) -> None:
    for unit in profile.units:
        result = check(IdType.USCC, unit.uscc)
        assert result.valid, (unit.key, result.issues)
        assert unit.uscc[:2] == "11"
        district = profile.district(unit.district)
        assert unit.uscc[2:8] == (district.division or profile.city.division)
        assert unit.uscc_placeholder, f"{unit.key}: a real USCC must be confirmed before unmarking"
    first = profile.units[0]
    assert profile.unit_by_uscc(first.uscc.lower()) == first


def test_code_lists(profile: ProfileSpec) -> None:
    assert [i.code for i in profile.industries] == list("ABCDEFGHIJKLMNOPQRST")
    assert profile.industries[2].name == "制造业"
    kinds = {c.key: c.kind for c in profile.subject_categories}
    assert kinds["natural_person"] is SubjectKind.NATURAL_PERSON
    assert kinds["individual_business"] is SubjectKind.LEGAL_PERSON
    assert set(kinds) == {
        "enterprise",
        "individual_business",
        "social_org",
        "public_institution",
        "government",
        "farmers_coop",
        "natural_person",
    }
    assert profile.sharing_label("conditional") == "有条件共享"
    assert profile.sharing_label("none") == "不予共享"


# --------------------------------------------------------------------------- broken profiles


def _broken(tmp_path: Path, mutate: Any) -> ConfigError:
    data = yaml.safe_load((PROFILE_DIR / "profile.yaml").read_text(encoding="utf-8"))
    mutate(data)
    (tmp_path / "profile.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_profile(tmp_path)
    return info.value


def _unit(index: int, key: str, value: Any) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        data["units"][index][key] = value

    return mutate


def _dup_unit_key(data: dict[str, Any]) -> None:
    data["units"][5]["key"] = data["units"][0]["key"]


def _bad_division(data: dict[str, Any]) -> None:
    data["districts"][1]["division"] = "32042"


def _int_division(data: dict[str, Any]) -> None:
    data["city"]["division"] = 320400


@pytest.mark.parametrize(
    ("mutate", "field", "text"),
    [
        (_dup_unit_key, "units[5].key", "单位键重复"),
        (_unit(3, "district", "wujn"), "units[3].district", "未知辖区 'wujn'"),
        (_unit(3, "parent", "shi_nope"), "units[3].parent", "未知上级单位"),
        (_unit(2, "uscc", "11320400000000035G"), "units[2].uscc", "校验位错误"),
        (_unit(2, "kind", "bureau"), "units[2].kind", "未知取值"),
        (_bad_division, "districts[1].division", "格式不符"),
        (_int_division, "city.division", "应为字符串"),
    ],
)
def test_broken_profile_names_file_and_field(tmp_path: Path, mutate: Any, field: str, text: str) -> None:
    err = _broken(tmp_path, mutate)
    assert f"配置文件 profile.yaml 字段 {field}:" in err.message, err.message
    assert text in err.message
    assert err.details["file"] == "profile.yaml"


def test_profile_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "profile.yaml").write_text("version: [1\ncity: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_profile(tmp_path)
    assert "配置文件 profile.yaml YAML 语法错误" in info.value.message


def test_missing_profile_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_profile(tmp_path)
    assert "profile.yaml" in info.value.message
