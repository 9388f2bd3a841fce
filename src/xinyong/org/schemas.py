"""The city profile (``profiles/<city>/profile.yaml``): city, portal, districts, units, code lists.

The profile is declarative, versioned data (ARCHITECTURE: "declarative where the domain is data"). This
module validates it with Pydantic and turns every problem into a :class:`~xinyong.errors.ConfigError`
whose message names the file and the field path, in Chinese and English, e.g.
``配置文件 profile.yaml 字段 units[3].district: 未知辖区 'wujn'``.

Nothing here touches the database: the lead's loader reads a :class:`ProfileSpec` and writes it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from xinyong.errors import ConfigError
from xinyong.kit.identifiers import IdType, check

__all__ = [
    "CITY_KEY",
    "CityRef",
    "DistrictKind",
    "DistrictSpec",
    "FooterEntry",
    "FooterSpec",
    "FormerDivisionSpec",
    "IndustrySpec",
    "PortalSpec",
    "Problem",
    "ProfileSpec",
    "SharingLevelLabel",
    "SubjectCategorySpec",
    "SubjectKind",
    "UnitKind",
    "UnitRole",
    "UnitSpec",
    "format_loc",
    "load_profile",
    "normalise_address",
    "problems_from_validation_error",
    "raise_problems",
    "read_yaml",
    "spec_problem",
]

#: The district key of municipal-level units and registrations.
CITY_KEY = "city"

_KEY_RE = r"^[a-z][a-z0-9_]*$"
_DIVISION_RE = r"^[1-9][0-9]{5}$"


class SubjectKind(StrEnum):
    """The two kinds of credit subject every catalogue item is scoped by."""

    LEGAL_PERSON = "legal_person"
    NATURAL_PERSON = "natural_person"


class DistrictKind(StrEnum):
    """What sort of area a district entry is."""

    MUNICIPAL = "municipal"  # the city itself (municipal-level units and registrations)
    DISTRICT = "district"  # 市辖区
    COUNTY_CITY = "county_city"  # 县级市
    ZONE = "zone"  # 功能区 (e.g. 常州经开区): no division code of its own


class UnitKind(StrEnum):
    """What sort of public body a unit is."""

    DEPARTMENT = "department"
    COURT = "court"
    CREDIT_OFFICE = "credit_office"


class UnitRole(StrEnum):
    """What a unit does on the platform (DOMAIN §1); a unit may have several."""

    CREDIT_OFFICE = "credit_office"  # 信用办: catalogue, quality, lists, reporting (city or district)
    PROVIDER = "provider"  # 信息提供单位: submits and reviews its records
    LIST_RECOGNISER = "list_recogniser"  # 名单认定单位: recognises list entries
    EVALUATOR = "evaluator"  # runs a sector credit evaluation (纳税信用, 环保信用 …)


# --------------------------------------------------------------------------- problems and messages


@dataclass(frozen=True)
class Problem:
    """One problem in a configuration file: where (field path) and what (Chinese + English)."""

    path: str
    zh: str
    en: str


def format_loc(loc: Iterable[str | int]) -> str:
    """``("fields", 3, "type")`` → ``"fields[3].type"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part:
            out += f".{part}" if out else str(part)
    return out


def spec_problem(path: str, zh: str, en: str) -> PydanticCustomError:
    """An error for a model validator: ``path`` is relative to the model being validated."""
    return PydanticCustomError("xinyong_spec", "{path}: {en}", {"path": path, "zh": zh, "en": en})


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _translate(err: Mapping[str, Any]) -> tuple[str, str]:
    """Chinese and English text for one Pydantic error."""
    kind = str(err.get("type", ""))
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    value = err.get("input")
    loc = err.get("loc") or ()
    last = loc[-1] if loc else ""
    if kind == "missing":
        return "缺少必填项", "required key is missing"
    if kind == "extra_forbidden":
        return f"未知属性 '{last}'", f"unknown key '{last}'"
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", ""))
        what = "类型" if last == "type" else "取值"
        return (
            f"未知{what} {_short(value)}，应为 {expected}",
            f"unknown {'type' if last == 'type' else 'value'} {_short(value)}, expected {expected}",
        )
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        return f"格式不符：{_short(value)} 不匹配 {pattern}", f"{_short(value)} does not match {pattern}"
    if kind == "string_type":
        return (
            f"应为字符串，实为 {_short(value)}（数字代码请加引号）",
            f"expected a string, got {_short(value)}",
        )
    if kind in ("string_too_short", "too_short"):
        return "不能为空", "must not be empty"
    if kind.startswith(("bool", "int", "float", "decimal", "date")):
        return f"取值类型错误：{_short(value)}", f"wrong value type: {_short(value)} ({err.get('msg')})"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        return f"结构错误：应为{'列表' if kind == 'list_type' else '映射'}", str(err.get("msg"))
    return f"取值无效：{err.get('msg')}", str(err.get("msg"))


def problems_from_validation_error(exc: ValidationError) -> list[Problem]:
    """Turn a Pydantic error into problems with dotted field paths and Chinese text."""
    problems: list[Problem] = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        if err["type"] == "xinyong_spec":
            ctx = err.get("ctx") or {}
            # The custom path is already dotted ("fields[3].codes"): append it to the model's own loc.
            base = format_loc(loc)
            rel = str(ctx.get("path", ""))
            path = f"{base}.{rel}" if base and rel else base or rel
            problems.append(Problem(path, str(ctx.get("zh", "")), str(ctx.get("en", ""))))
        else:
            zh, en = _translate(err)
            problems.append(Problem(format_loc(loc), zh, en))
    return problems


def raise_problems(kind_zh: str, kind_en: str, filename: str, problems: Sequence[Problem]) -> None:
    """Raise one :class:`ConfigError` listing every problem, first one first."""
    if not problems:
        return
    lines = [
        f"{kind_zh} {filename} 字段 {p.path or '(根)'}: {p.zh} "
        f"({kind_en} {filename}, field {p.path or '(root)'}: {p.en})"
        for p in problems
    ]
    first = problems[0]
    raise ConfigError(
        "\n".join(lines),
        details={
            "file": filename,
            "field": first.path,
            "problems": [{"field": p.path, "message": p.zh, "message_en": p.en} for p in problems],
        },
    )


def read_yaml(path: Path, *, kind_zh: str, kind_en: str) -> Any:
    """Parse one YAML file; a missing file or a syntax error raises a ConfigError naming the file."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{kind_zh} {name} 不存在：{path} ({kind_en} {name} not found: {path})",
            details={"file": str(path), "field": ""},
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{kind_zh} {name} 无法读取：{exc} ({kind_en} {name} cannot be read: {exc})",
            details={"file": str(path), "field": ""},
        ) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark is not None else "位置不明"
        where_en = (
            f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "unknown position"
        )
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"{kind_zh} {name} YAML 语法错误（{where}）：{problem} "
            f"({kind_en} {name}: YAML syntax error at {where_en}: {problem})",
            details={"file": name, "field": "", "line": mark.line + 1 if mark is not None else None},
        ) from exc


# --------------------------------------------------------------------------- the profile


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CityRef(_Spec):
    """The city the profile deploys."""

    name: str = Field(min_length=1)
    division: str = Field(pattern=_DIVISION_RE)
    province: str = Field(min_length=1)


class FooterEntry(_Spec):
    """One footer line; ``placeholder: true`` marks a value an operator must replace before going live."""

    value: str = Field(min_length=1)
    placeholder: bool = False
    url: str | None = None


class FooterSpec(_Spec):
    """The portal footer (government-site registration lines)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    host: FooterEntry = Field(alias="主办单位")
    site_code: FooterEntry = Field(alias="网站标识码")
    icp: FooterEntry = Field(alias="ICP备案号")
    police_record: FooterEntry = Field(alias="公安备案号")
    contact: FooterEntry = Field(alias="联系方式")

    def items(self) -> list[tuple[str, FooterEntry]]:
        """(Chinese label, entry) in display order."""
        return [
            ("主办单位", self.host),
            ("网站标识码", self.site_code),
            ("ICP备案号", self.icp),
            ("公安备案号", self.police_record),
            ("联系方式", self.contact),
        ]


class PortalSpec(_Spec):
    """The public site's identity."""

    name: str = Field(min_length=1)
    footer: FooterSpec


class DistrictSpec(_Spec):
    """A district-level area, the municipal level itself (key ``city``) or a functional zone."""

    key: str = Field(pattern=_KEY_RE)
    name: str = Field(min_length=1)
    short_name: str | None = None
    kind: DistrictKind
    division: str | None = Field(default=None, pattern=_DIVISION_RE)
    aliases: list[str] = Field(default_factory=list)
    towns: list[str] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _division_matches_kind(self) -> DistrictSpec:
        if self.kind is DistrictKind.ZONE and self.division is not None:
            raise spec_problem("division", "功能区没有行政区划代码", "a functional zone has no division code")
        if self.kind is not DistrictKind.ZONE and self.division is None:
            raise spec_problem("division", "缺少行政区划代码", "division code is missing")
        return self


class FormerDivisionSpec(_Spec):
    """An abolished division code still found in older USCCs and addresses."""

    division: str = Field(pattern=_DIVISION_RE)
    name: str = Field(min_length=1)
    abolished: int | None = None
    district: str = Field(pattern=_KEY_RE)
    note: str | None = None


class UnitSpec(_Spec):
    """A public body: a municipal department, a district counterpart, a court or a credit office."""

    key: str = Field(pattern=_KEY_RE)
    name: str = Field(min_length=1)
    short_name: str = Field(min_length=1)
    district: str = Field(pattern=_KEY_RE)
    kind: UnitKind
    uscc: str
    uscc_placeholder: bool = False
    parent: str | None = Field(default=None, pattern=_KEY_RE)
    roles: list[UnitRole] = Field(default_factory=list)
    note: str | None = None

    @field_validator("uscc")
    @classmethod
    def _uscc_checksum(cls, value: str) -> str:
        result = check(IdType.USCC, value)
        if not result.valid:
            reasons = "；".join(i.message for i in result.errors)
            raise PydanticCustomError(
                "xinyong_spec",
                "invalid USCC {value}",
                {"path": "", "zh": f"统一社会信用代码无效：{reasons}", "en": f"invalid USCC {value!r}"},
            )
        return result.value


class IndustrySpec(_Spec):
    """A GB/T 4754-2017 section (门类)."""

    code: str = Field(pattern=r"^[A-T]$")
    name: str = Field(min_length=1)


class SubjectCategorySpec(_Spec):
    """A finer subject category (企业, 个体工商户 …) and the subject kind it belongs to."""

    key: str = Field(pattern=_KEY_RE)
    name: str = Field(min_length=1)
    kind: SubjectKind


class SharingLevelLabel(_Spec):
    """Display label of a catalogue sharing level."""

    key: str = Field(pattern=r"^(public|conditional|authorised|none)$")
    name: str = Field(min_length=1)
    description: str | None = None


def _duplicates(items: Sequence[Any], attr: str, prefix: str, what_zh: str, what_en: str) -> list[Problem]:
    seen: dict[Any, int] = {}
    out: list[Problem] = []
    for i, item in enumerate(items):
        value = getattr(item, attr)
        if value in seen:
            out.append(
                Problem(
                    f"{prefix}[{i}].{attr}",
                    f"{what_zh}重复 '{value}'（与 {prefix}[{seen[value]}] 相同）",
                    f"duplicate {what_en} '{value}' (same as {prefix}[{seen[value]}])",
                )
            )
        else:
            seen[value] = i
    return out


class ProfileSpec(_Spec):
    """A validated city profile."""

    version: str = Field(min_length=1)
    city: CityRef
    portal: PortalSpec
    districts: list[DistrictSpec] = Field(min_length=1)
    former_divisions: list[FormerDivisionSpec] = Field(default_factory=list)
    units: list[UnitSpec] = Field(min_length=1)
    industries: list[IndustrySpec] = Field(min_length=1)
    subject_categories: list[SubjectCategorySpec] = Field(min_length=1)
    sharing_levels: list[SharingLevelLabel] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_checks(self) -> ProfileSpec:
        problems = self.problems()
        if problems:
            first = problems[0]
            raise spec_problem(first.path, first.zh, first.en)
        return self

    def problems(self) -> list[Problem]:
        """Cross-reference problems (duplicates, dangling keys); empty when the profile is consistent."""
        out: list[Problem] = []
        out += _duplicates(self.districts, "key", "districts", "辖区键", "district key")
        out += _duplicates(self.districts, "name", "districts", "辖区名称", "district name")
        out += _duplicates(
            [d for d in self.districts if d.division], "division", "districts", "区划代码", "division"
        )
        out += _duplicates(self.units, "key", "units", "单位键", "unit key")
        out += _duplicates(self.units, "name", "units", "单位名称", "unit name")
        out += _duplicates(self.units, "uscc", "units", "统一社会信用代码", "USCC")
        out += _duplicates(self.industries, "code", "industries", "行业门类", "industry section")
        out += _duplicates(self.subject_categories, "key", "subject_categories", "主体类别键", "category key")
        out += _duplicates(self.sharing_levels, "key", "sharing_levels", "共享级别", "sharing level")
        district_keys = {d.key for d in self.districts}
        if CITY_KEY not in district_keys:
            out.append(
                Problem("districts", f"缺少市级辖区 '{CITY_KEY}'", f"no municipal district '{CITY_KEY}'")
            )
        city = next((d for d in self.districts if d.key == CITY_KEY), None)
        if city is not None and city.division != self.city.division:
            out.append(
                Problem(
                    "districts",
                    f"市级辖区区划代码应为 {self.city.division}",
                    f"municipal district division should be {self.city.division}",
                )
            )
        for i, d in enumerate(self.districts):
            if d.division and d.division[:4] != self.city.division[:4]:
                out.append(
                    Problem(
                        f"districts[{i}].division",
                        f"区划代码 {d.division} 不属于 {self.city.name}（{self.city.division}）",
                        f"division {d.division} is not inside {self.city.division}",
                    )
                )
        current = {d.division for d in self.districts if d.division}
        for i, f in enumerate(self.former_divisions):
            if f.district not in district_keys:
                out.append(
                    Problem(f"former_divisions[{i}].district", f"未知辖区 '{f.district}'", "unknown district")
                )
            if f.division in current:
                out.append(
                    Problem(
                        f"former_divisions[{i}].division",
                        f"区划代码 {f.division} 仍在使用，不能列为历史区划",
                        f"division {f.division} is current, not former",
                    )
                )
        unit_keys = {u.key for u in self.units}
        for i, u in enumerate(self.units):
            if u.district not in district_keys:
                out.append(
                    Problem(
                        f"units[{i}].district", f"未知辖区 '{u.district}'", f"unknown district '{u.district}'"
                    )
                )
            if u.parent is not None and (u.parent not in unit_keys or u.parent == u.key):
                out.append(
                    Problem(
                        f"units[{i}].parent",
                        f"未知上级单位 '{u.parent}'",
                        f"unknown parent unit '{u.parent}'",
                    )
                )
        if not any(UnitRole.CREDIT_OFFICE in u.roles and u.district == CITY_KEY for u in self.units):
            out.append(
                Problem(
                    "units", "缺少市信用办单位（roles 含 credit_office）", "no municipal credit_office unit"
                )
            )
        kinds = {c.kind for c in self.subject_categories}
        for k in SubjectKind:
            if k not in kinds:
                out.append(
                    Problem("subject_categories", f"缺少 {k.value} 类主体", f"no category of kind {k.value}")
                )
        return out

    # ----------------------------------------------------------------- look-ups

    def unit(self, key: str) -> UnitSpec:
        """The unit with ``key``; ``KeyError`` if there is none."""
        for u in self.units:
            if u.key == key:
                return u
        raise KeyError(key)

    def unit_keys(self) -> set[str]:
        """Every unit key (pass to :func:`xinyong.catalog.schemas.load_catalog`)."""
        return {u.key for u in self.units}

    def unit_by_uscc(self, uscc: str) -> UnitSpec | None:
        """The unit whose (normalised) USCC is ``uscc``."""
        value = check(IdType.USCC, uscc).value
        return next((u for u in self.units if u.uscc == value), None)

    def units_in(self, district: str) -> list[UnitSpec]:
        """Units whose district key is ``district``."""
        return [u for u in self.units if u.district == district]

    def credit_office(self) -> UnitSpec:
        """The municipal credit office."""
        return next(u for u in self.units if UnitRole.CREDIT_OFFICE in u.roles and u.district == CITY_KEY)

    def district(self, key: str) -> DistrictSpec:
        """The district with ``key``; ``KeyError`` if there is none."""
        for d in self.districts:
            if d.key == key:
                return d
        raise KeyError(key)

    def district_for_unit(self, unit_key: str) -> DistrictSpec:
        """The district a unit belongs to."""
        return self.district(self.unit(unit_key).district)

    def district_for_division(self, division: str) -> str | None:
        """District key for a current or former division code (``320400`` → ``city``); ``None`` if unknown."""
        for d in self.districts:
            if d.division == division:
                return d.key
        for f in self.former_divisions:
            if f.division == division:
                return f.district
        return None

    def district_for_address(self, text: str) -> str | None:
        """The district key an address lies in, or ``None`` when it names none of them.

        Most specific wins: a zone's town or street (遥观镇 → ``jkq``, even when the address also says
        武进区), then a current district name or alias, then a former division name (戚墅堰区 → ``jkq``,
        金坛市 → ``jintan``). Within one level the name found earliest in the text wins. An address that
        names only the city returns ``None``: the municipal key is for units, not places.
        """
        addr = normalise_address(text)
        if not addr:
            return None
        levels: list[list[tuple[str, str]]] = [
            [(t, d.key) for d in self.districts for t in d.towns],
            [
                (n, d.key)
                for d in self.districts
                if d.key != CITY_KEY
                for n in (d.name, *(() if d.short_name is None else (d.short_name,)), *d.aliases)
            ],
            [(f.name, f.district) for f in self.former_divisions],
        ]
        for candidates in levels:
            best: tuple[int, int, str] | None = None
            for name, key in candidates:
                needle = normalise_address(name)
                pos = addr.find(needle) if needle else -1
                if pos >= 0 and (best is None or (pos, -len(needle)) < (best[0], best[1])):
                    best = (pos, -len(needle), key)
            if best is not None:
                return best[2]
        return None

    def sharing_label(self, level: str) -> str:
        """Chinese label of a sharing level key."""
        return next(s.name for s in self.sharing_levels if s.key == level)


_SPACE_RE = re.compile(r"\s+")


def normalise_address(text: str) -> str:
    """NFKC, no whitespace: the form addresses and place names are compared in."""
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", text))


PROFILE_FILE = "profile.yaml"


def load_profile(directory: Path) -> ProfileSpec:
    """Read and validate ``<directory>/profile.yaml``; :class:`ConfigError` names file and field."""
    path = Path(directory) / PROFILE_FILE
    data = read_yaml(path, kind_zh="配置文件", kind_en="profile file")
    if not isinstance(data, dict):
        raise_problems(
            "配置文件",
            "profile file",
            path.name,
            [Problem("", "顶层应为映射", "top level must be a mapping")],
        )
    try:
        spec = ProfileSpec.model_validate(data)
    except ValidationError as exc:
        raise_problems("配置文件", "profile file", path.name, problems_from_validation_error(exc))
        raise  # pragma: no cover - raise_problems always raises for a non-empty list
    # The model validator stops at the first cross-reference problem; report them all.
    raise_problems("配置文件", "profile file", path.name, spec.problems())
    return spec
