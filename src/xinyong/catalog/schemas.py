"""The credit catalogue (信用信息目录) as declarative YAML: one file per item plus a ``_catalog.yaml`` index.

``load_catalog(directory)`` reads ``_catalog.yaml`` (version, edition, the national categories) and every
other ``*.yaml`` file in ``directory`` (one :class:`CatalogItemSpec` each, file stem == item code) and
validates them. Every problem raises :class:`~xinyong.errors.ConfigError` naming the file and the field path
in Chinese and English, e.g. ``目录文件 xzcf_fr.yaml 字段 fields[3].type: 未知类型 'strng'``.

Fields carry a semantic ``role`` (:class:`FieldRole`): code elsewhere asks an item for "the decision number"
or "the fine amount" through :meth:`CatalogItemSpec.field_by_role`, never by a hard-coded key or label.
Headers of department spreadsheets resolve to field keys through :meth:`CatalogItemSpec.header_index`
(labels and national field codes such as ``CF_WSH``).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xinyong.errors import ConfigError
from xinyong.kit.identifiers import IdType
from xinyong.org.schemas import (
    Problem,
    SubjectKind,
    problems_from_validation_error,
    raise_problems,
    read_yaml,
    spec_problem,
)

__all__ = [
    "INDEX_FILE",
    "CatalogIndexSpec",
    "CatalogItemSpec",
    "CatalogSpec",
    "FieldRole",
    "FieldSpec",
    "FieldType",
    "ListKind",
    "MaskRule",
    "PublicityKind",
    "ReportSection",
    "SharingLevel",
    "SubjectKind",
    "load_catalog",
    "normalise_header",
]

INDEX_FILE = "_catalog.yaml"
ALL_UNITS = "*"
FROM_FIELD = "from_field:"

_KEY_RE = r"^[a-z][a-z0-9_]*$"


class FieldType(StrEnum):
    """Value type of a catalogue field."""

    STRING = "string"
    TEXT = "text"  # long free text (违法事实 …)
    DATE = "date"
    DECIMAL = "decimal"  # exact; never a float
    INTEGER = "integer"
    CODE = "code"  # one value of ``codes``
    CODE_LIST = "code_list"  # one or more values of ``codes``
    IDENTIFIER = "identifier"  # checked under ``id_type``
    ID_TYPE = "id_type"  # a 证件类型 value naming another field's identifier type


class SharingLevel(StrEnum):
    """Who may see an item's records (DOMAIN §3)."""

    PUBLIC = "public"  # 公开
    CONDITIONAL = "conditional"  # 有条件共享: the units in ``shared_with``
    AUTHORISED = "authorised"  # 授权查询: with the subject's consent
    NONE = "none"  # 不予共享


class PublicityKind(StrEnum):
    """How long a record is shown (DOMAIN §5)."""

    PENALTY = "penalty"  # the penalty publicity rule set of the decision date
    UNTIL_VALID_TO = "until_valid_to"  # until the ``valid_to`` field (permanent when empty)
    WHILE_LISTED = "while_listed"  # from ``listed_on`` until ``exit_on``
    PERMANENT = "permanent"


class MaskRule(StrEnum):
    """How a public field is masked on public pages (DOMAIN §12)."""

    NONE = "none"
    ID_NUMBER = "id_number"  # 3204**********123X
    NAME = "name"  # 张*
    PHONE = "phone"  # 138****1234
    HIDE = "hide"


class ListKind(StrEnum):
    """The list family a ``while_listed`` item belongs to (DOMAIN §6)."""

    BLACK = "black"  # 严重失信主体名单 and court lists
    RED = "red"  # 守信激励对象
    WATCH = "watch"  # 重点关注名单
    ABNORMAL = "abnormal"  # 经营异常名录


class ReportSection(StrEnum):
    """Section of the national credit report (2022 standard, DOMAIN §11), declared in report order."""

    BASIC = "基本信息"
    ADMINISTRATIVE = "行政管理"
    HONESTY = "诚实守信"
    SERIOUS_DISHONESTY = "严重失信主体名单"
    ABNORMAL = "经营异常"
    COMMITMENT = "信用承诺"
    EVALUATION = "信用评价"
    JUDICIAL = "司法判决"
    OTHER = "其他信息"

    @property
    def order(self) -> int:
        """1-based position in the report."""
        return list(ReportSection).index(self) + 1


class FieldRole(StrEnum):
    """Semantic roles code elsewhere looks fields up by (at most one field per role in an item)."""

    SUBJECT_NAME = "subject_name"
    SUBJECT_CATEGORY = "subject_category"
    SUBJECT_CODE = "subject_code"  # 统一社会信用代码 of the subject
    SUBJECT_REG_NO = "subject_reg_no"
    SUBJECT_ORG_CODE = "subject_org_code"
    SUBJECT_TAX_NO = "subject_tax_no"
    SUBJECT_INST_CERT = "subject_inst_cert"
    SUBJECT_SOCIAL_CERT = "subject_social_cert"
    SUBJECT_ID_TYPE = "subject_id_type"
    SUBJECT_ID_NUMBER = "subject_id_number"
    LEGAL_REP = "legal_rep"
    LEGAL_REP_ID_TYPE = "legal_rep_id_type"
    LEGAL_REP_ID_NUMBER = "legal_rep_id_number"
    DECISION_NO = "decision_no"
    DECISION_DATE = "decision_date"
    PENALTY_TYPES = "penalty_types"
    FINE_AMOUNT = "fine_amount"
    CONFISCATION_AMOUNT = "confiscation_amount"
    VALID_FROM = "valid_from"
    VALID_TO = "valid_to"
    DECIDING_UNIT_NAME = "deciding_unit_name"
    DECIDING_UNIT_CODE = "deciding_unit_code"
    SOURCE_UNIT_NAME = "source_unit_name"
    SOURCE_UNIT_CODE = "source_unit_code"
    SEVERITY = "severity"
    LEGAL_BASIS = "legal_basis"
    FACTS = "facts"
    LIST_BASIS = "list_basis"
    LISTED_ON = "listed_on"
    EXIT_ON = "exit_on"
    EXIT_REASON = "exit_reason"
    STATUS = "status"
    NOTE = "note"
    INCENTIVE_KIND = "incentive_kind"
    ADDRESS = "address"
    INDUSTRY = "industry"
    ESTABLISHED_ON = "established_on"
    REGISTERED_CAPITAL = "registered_capital"
    COMMITMENT_NO = "commitment_no"
    COMMITMENT_MATTER = "commitment_matter"
    COMMITMENT_STATUS = "commitment_status"
    EVALUATION_GRADE = "evaluation_grade"
    EVALUATION_YEAR = "evaluation_year"


#: Roles a field must have the matching type for.
_ROLE_TYPES: dict[FieldRole, frozenset[FieldType]] = {
    FieldRole.DECISION_DATE: frozenset({FieldType.DATE}),
    FieldRole.VALID_FROM: frozenset({FieldType.DATE}),
    FieldRole.VALID_TO: frozenset({FieldType.DATE}),
    FieldRole.LISTED_ON: frozenset({FieldType.DATE}),
    FieldRole.EXIT_ON: frozenset({FieldType.DATE}),
    FieldRole.ESTABLISHED_ON: frozenset({FieldType.DATE}),
    FieldRole.FINE_AMOUNT: frozenset({FieldType.DECIMAL}),
    FieldRole.CONFISCATION_AMOUNT: frozenset({FieldType.DECIMAL}),
    FieldRole.REGISTERED_CAPITAL: frozenset({FieldType.DECIMAL}),
    FieldRole.PENALTY_TYPES: frozenset({FieldType.CODE_LIST}),
    FieldRole.SUBJECT_CODE: frozenset({FieldType.IDENTIFIER}),
    FieldRole.SUBJECT_ID_NUMBER: frozenset({FieldType.IDENTIFIER}),
    FieldRole.LEGAL_REP_ID_NUMBER: frozenset({FieldType.IDENTIFIER}),
    FieldRole.DECIDING_UNIT_CODE: frozenset({FieldType.IDENTIFIER}),
    FieldRole.SOURCE_UNIT_CODE: frozenset({FieldType.IDENTIFIER}),
    FieldRole.SUBJECT_ID_TYPE: frozenset({FieldType.ID_TYPE}),
    FieldRole.LEGAL_REP_ID_TYPE: frozenset({FieldType.ID_TYPE}),
    FieldRole.EVALUATION_YEAR: frozenset({FieldType.INTEGER}),
}

#: The field role each publicity kind reads its dates from.
_PUBLICITY_ROLES: dict[PublicityKind, tuple[FieldRole, ...]] = {
    PublicityKind.PENALTY: (FieldRole.DECISION_DATE, FieldRole.PENALTY_TYPES),
    PublicityKind.UNTIL_VALID_TO: (FieldRole.VALID_TO,),
    PublicityKind.WHILE_LISTED: (FieldRole.LISTED_ON, FieldRole.EXIT_ON),
    PublicityKind.PERMANENT: (),
}

_WS_RE = re.compile(r"\s+")


def normalise_header(text: str) -> str:
    """The form headers, labels and aliases are compared in: NFKC, no whitespace, case-folded."""
    return _WS_RE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _valid_id_type(value: str) -> bool:
    return value in IdType._value2member_map_


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Spec):
    """One field of a catalogue item."""

    key: str = Field(pattern=_KEY_RE)
    label: str = Field(min_length=1)  # exactly as the national template writes it
    aliases: list[str] = Field(default_factory=list)  # national field codes (CF_WSH …) and common variants
    type: FieldType
    required: bool = False
    important: bool = False  # counts in completeness scores
    pattern: str | None = None  # a full-match regex on the normalised value
    codes: list[str] | None = None  # for code / code_list / id_type
    code_aliases: dict[str, str] = Field(default_factory=dict)  # raw value → canonical code ("1" → "有效")
    id_type_codes: dict[str, IdType] = Field(default_factory=dict)  # id_type fields: code → IdType
    unit: str | None = Field(default=None, pattern=r"^(万元|元)$")  # decimals only
    scale: int | None = Field(default=None, ge=0, le=12)  # decimals only: exact decimal places
    id_type: str | None = None  # identifiers: an IdType value or "from_field:<key of an id_type field>"
    sentinels: list[str] = Field(default_factory=list)  # "none yet" values (17 zeros + X): not checked
    public: bool = True  # shown on public pages when the record is; False: never
    mask: MaskRule = MaskRule.NONE
    scrub: bool = False  # free text: remove ID and phone numbers before display
    max_length: int | None = Field(default=None, ge=1)
    role: FieldRole | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        problems = self.problems()
        if problems:
            raise spec_problem(problems[0].path, problems[0].zh, problems[0].en)
        return self

    def problems(self) -> list[Problem]:
        """Type-dependent attribute problems, paths relative to this field."""
        out: list[Problem] = []
        t = self.type
        coded = t in (FieldType.CODE, FieldType.CODE_LIST, FieldType.ID_TYPE)
        if coded and not self.codes:
            out.append(
                Problem("codes", f"{t.value} 类型字段缺少代码表 codes", f"a {t.value} field needs codes")
            )
        if not coded and self.codes is not None:
            out.append(
                Problem("codes", f"{t.value} 类型字段不应有代码表", f"a {t.value} field takes no codes")
            )
        codes = self.codes or []
        if len(set(codes)) != len(codes):
            dup = next(c for c in codes if codes.count(c) > 1)
            out.append(Problem("codes", f"代码重复 '{dup}'", f"duplicate code '{dup}'"))
        for raw, canonical in self.code_aliases.items():
            if canonical not in codes:
                out.append(
                    Problem(
                        f"code_aliases.{raw}",
                        f"代码别名指向未知代码 '{canonical}'",
                        f"code alias points to unknown code '{canonical}'",
                    )
                )
        if self.id_type_codes and t is not FieldType.ID_TYPE:
            out.append(Problem("id_type_codes", "仅 id_type 字段可有 id_type_codes", "only id_type fields"))
        for code in self.id_type_codes:
            if code not in codes:
                out.append(Problem(f"id_type_codes.{code}", f"未知代码 '{code}'", f"unknown code '{code}'"))
        if t is FieldType.DECIMAL:
            if self.scale is None:
                out.append(Problem("scale", "decimal 字段缺少小数位数 scale", "a decimal field needs scale"))
            if self.unit == "万元" and self.scale is not None and self.scale < 6:
                out.append(Problem("scale", "万元金额应精确到 6 位小数（分）", "万元 amounts need scale 6"))
        else:
            if self.unit is not None:
                out.append(Problem("unit", "仅 decimal 字段可有计量单位", "only decimal fields take a unit"))
            if self.scale is not None:
                out.append(
                    Problem("scale", "仅 decimal 字段可有小数位数", "only decimal fields take a scale")
                )
        if t is FieldType.IDENTIFIER:
            if not self.id_type:
                out.append(
                    Problem("id_type", "identifier 字段缺少 id_type", "an identifier field needs id_type")
                )
            elif not self.id_type.startswith(FROM_FIELD) and not _valid_id_type(self.id_type):
                allowed = "、".join(IdType)
                out.append(
                    Problem(
                        "id_type",
                        f"未知证件类型 '{self.id_type}'，应为 {allowed} 或 from_field:<字段键>",
                        f"unknown id_type '{self.id_type}'",
                    )
                )
        elif self.id_type is not None:
            out.append(
                Problem("id_type", "仅 identifier 字段可有 id_type", "only identifier fields take id_type")
            )
        if self.sentinels and t is not FieldType.IDENTIFIER:
            out.append(Problem("sentinels", "仅 identifier 字段可有 sentinels", "only identifier fields"))
        if self.scrub and t not in (FieldType.STRING, FieldType.TEXT):
            out.append(Problem("scrub", "仅文本字段可清洗", "only string/text fields can be scrubbed"))
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                out.append(Problem("pattern", f"正则表达式无效：{exc}", f"invalid regex: {exc}"))
        if self.role is not None and self.role in _ROLE_TYPES and t not in _ROLE_TYPES[self.role]:
            allowed = "/".join(sorted(_ROLE_TYPES[self.role]))
            out.append(
                Problem(
                    "type",
                    f"角色 {self.role.value} 要求类型 {allowed}，实为 {t.value}",
                    f"role {self.role.value} needs type {allowed}, got {t.value}",
                )
            )
        if self.role is FieldRole.LEGAL_REP_ID_NUMBER and self.public:
            out.append(
                Problem("public", "法定代表人证件号码不得公开", "legal representative ID is never public")
            )
        return out

    def id_type_source(self) -> str | None:
        """For ``from_field:<key>`` identifiers, the key of the field giving the type; else ``None``."""
        if self.id_type is not None and self.id_type.startswith(FROM_FIELD):
            return self.id_type[len(FROM_FIELD) :]
        return None

    def fixed_id_type(self) -> IdType | None:
        """The identifier type when it is fixed by the catalogue (not given by another field)."""
        if self.id_type is not None and _valid_id_type(self.id_type):
            return IdType(self.id_type)
        return None

    def canonical_code(self, raw: str) -> str | None:
        """The canonical code for ``raw`` (exact, alias or normalised match); ``None`` if unknown."""
        if self.codes is None:
            return None
        value = raw.strip()
        if value in self.codes:
            return value
        if value in self.code_aliases:
            return self.code_aliases[value]
        norm = normalise_header(value)
        for code in self.codes:
            if normalise_header(code) == norm:
                return code
        for alias, code in self.code_aliases.items():
            if normalise_header(alias) == norm:
                return code
        return None


class CatalogItemSpec(_Spec):
    """One catalogue item (信息项), e.g. 行政处罚（法人和非法人组织）."""

    code: str = Field(pattern=_KEY_RE)
    name: str = Field(min_length=1)
    category: str = Field(min_length=1)  # national category (reference §4.2)
    edition: str = Field(min_length=1)
    subject_kinds: list[SubjectKind] = Field(min_length=1)
    subject_categories: list[str] = Field(default_factory=list)  # profile subject-category keys
    sharing_level: SharingLevel
    shared_with: list[str] = Field(default_factory=list)  # unit keys (conditional sharing); ["*"] = all units
    publicity_kind: PublicityKind
    list_kind: ListKind | None = None
    update_deadline_workdays: int = Field(ge=1, le=60)
    providing_units: list[str] = Field(min_length=1)  # unit keys or ["*"]
    legal_basis: list[str] = Field(min_length=1)
    natural_key: list[str] = Field(min_length=1)
    merge_fields: list[str] = Field(default_factory=list)
    report_section: ReportSection
    attributes_checked: bool = False  # True only when checked against the official catalogue PDF
    description: str | None = None
    fields: list[FieldSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> CatalogItemSpec:
        problems = self.problems()
        if problems:
            raise spec_problem(problems[0].path, problems[0].zh, problems[0].en)
        return self

    def problems(self) -> list[Problem]:
        """Cross-field problems, paths relative to the item."""
        out: list[Problem] = []
        keys: dict[str, int] = {}
        headers: dict[str, str] = {}
        roles: dict[FieldRole, int] = {}
        for i, f in enumerate(self.fields):
            if f.key in keys:
                out.append(
                    Problem(
                        f"fields[{i}].key",
                        f"字段键重复 '{f.key}'（与 fields[{keys[f.key]}] 相同）",
                        f"duplicate field key '{f.key}'",
                    )
                )
            keys.setdefault(f.key, i)
            for where, text in [("label", f.label), *((f"aliases[{j}]", a) for j, a in enumerate(f.aliases))]:
                norm = normalise_header(text)
                if not norm:
                    out.append(Problem(f"fields[{i}].{where}", "不能为空", "must not be empty"))
                elif norm in headers:
                    out.append(
                        Problem(
                            f"fields[{i}].{where}",
                            f"名称或别名重复 '{text}'（已用于 {headers[norm]}）",
                            f"duplicate label/alias '{text}' (already {headers[norm]})",
                        )
                    )
                else:
                    headers[norm] = f"fields[{i}]"
            if f.role is not None:
                if f.role in roles:
                    out.append(
                        Problem(
                            f"fields[{i}].role",
                            f"角色重复 '{f.role.value}'（与 fields[{roles[f.role]}] 相同）",
                            f"duplicate role '{f.role.value}'",
                        )
                    )
                roles.setdefault(f.role, i)
        by_key = {f.key: f for f in self.fields}
        for i, f in enumerate(self.fields):
            source = f.id_type_source()
            if source is not None:
                target = by_key.get(source)
                if target is None or target.type is not FieldType.ID_TYPE:
                    out.append(
                        Problem(
                            f"fields[{i}].id_type",
                            f"from_field 指向的字段 '{source}' 不存在或不是 id_type 类型",
                            f"from_field '{source}' is not an id_type field of this item",
                        )
                    )
        for name in ("natural_key", "merge_fields"):
            seen: set[str] = set()
            for j, key in enumerate(getattr(self, name)):
                if key not in by_key:
                    out.append(Problem(f"{name}[{j}]", f"未知字段 '{key}'", f"unknown field '{key}'"))
                elif key in seen:
                    out.append(Problem(f"{name}[{j}]", f"字段重复 '{key}'", f"duplicate field '{key}'"))
                seen.add(key)
        for j, key in enumerate(self.merge_fields):
            if key in self.natural_key:
                out.append(
                    Problem(
                        f"merge_fields[{j}]", f"'{key}' 已在 natural_key 中", f"'{key}' is in natural_key"
                    )
                )
            elif key in by_key and by_key[key].type is not FieldType.CODE_LIST:
                out.append(
                    Problem(
                        f"merge_fields[{j}]", "合并字段应为 code_list 类型", "merge fields must be code_list"
                    )
                )
        for kind_role in _PUBLICITY_ROLES[self.publicity_kind]:
            if kind_role not in roles:
                out.append(
                    Problem(
                        "publicity_kind",
                        f"{self.publicity_kind.value} 需要角色为 {kind_role.value} 的字段",
                        f"{self.publicity_kind.value} needs a field with role {kind_role.value}",
                    )
                )
        if self.publicity_kind is PublicityKind.WHILE_LISTED and self.list_kind is None:
            out.append(
                Problem("list_kind", "名单类信息项须有 list_kind", "while_listed items need list_kind")
            )
        if self.publicity_kind is not PublicityKind.WHILE_LISTED and self.list_kind is not None:
            out.append(Problem("list_kind", "仅名单类信息项可有 list_kind", "only while_listed items"))
        if self.shared_with and self.sharing_level is not SharingLevel.CONDITIONAL:
            out.append(
                Problem(
                    "shared_with", "仅有条件共享的信息项可列共享单位", "shared_with needs conditional sharing"
                )
            )
        if self.sharing_level is SharingLevel.CONDITIONAL and not self.shared_with:
            out.append(
                Problem("shared_with", "有条件共享须列明共享单位", "conditional sharing needs shared_with")
            )
        for name in ("providing_units", "shared_with"):
            values = getattr(self, name)
            if ALL_UNITS in values and len(values) > 1:
                out.append(Problem(name, "'*' 须单独使用", "'*' must stand alone"))
        for i, f in enumerate(self.fields):
            if (
                f.role in (FieldRole.SUBJECT_ID_NUMBER, FieldRole.LEGAL_REP_ID_NUMBER)
                and f.public
                and f.mask is MaskRule.NONE
            ):
                out.append(
                    Problem(
                        f"fields[{i}].mask",
                        "公开的个人证件号码须脱敏（mask: id_number）或不公开",
                        "a public personal ID number must be masked or not public",
                    )
                )
        return out

    # ----------------------------------------------------------------- look-ups

    @cached_property
    def _by_key(self) -> dict[str, FieldSpec]:
        return {f.key: f for f in self.fields}

    @cached_property
    def _by_role(self) -> dict[str, FieldSpec]:
        return {str(f.role): f for f in self.fields if f.role is not None}

    def field(self, key: str) -> FieldSpec:
        """The field with ``key``; ``KeyError`` if there is none."""
        found = self._by_key.get(key)
        if found is None:
            raise KeyError(f"{self.code}.{key}")
        return found

    def provided_by(self, unit_key: str) -> bool:
        """Whether ``unit_key`` is one of the item's providing units (DOMAIN §3: the catalogue names who
        provides each item — 失信被执行人 only the courts); ``["*"]`` admits every unit."""
        return "*" in self.providing_units or unit_key in self.providing_units

    def field_by_role(self, role: FieldRole | str) -> FieldSpec | None:
        """The field playing ``role`` in this item, if any (a dict look-up: this is on hot paths)."""
        return self._by_role.get(str(role))

    def header_index(self) -> dict[str, str]:
        """Every label, alias and key → field key.

        Each name appears twice: NFKC-normalised and stripped (``"CF_WSH"``, ``"罚款金额(万元)"``), and in
        :func:`normalise_header` form (no whitespace, case-folded). Look headers up with
        :meth:`resolve_header`, which normalises for you.
        """
        index: dict[str, str] = {}
        for f in self.fields:
            for text in (f.label, *f.aliases):
                index[unicodedata.normalize("NFKC", text).strip()] = f.key
                index[normalise_header(text)] = f.key
        for f in self.fields:
            index.setdefault(normalise_header(f.key), f.key)
        return index

    def resolve_header(self, header: str) -> str | None:
        """The field key a spreadsheet header names, or ``None``."""
        return self.header_index().get(normalise_header(header))

    @property
    def is_public(self) -> bool:
        """True when the item's records are published (sharing level public)."""
        return self.sharing_level is SharingLevel.PUBLIC

    def covers(self, kind: SubjectKind | str) -> bool:
        """True when the item applies to subjects of ``kind``."""
        return SubjectKind(kind) in self.subject_kinds


class CatalogIndexSpec(_Spec):
    """``_catalog.yaml``: the catalogue's version, the national edition and its categories."""

    version: str = Field(min_length=1)
    edition: str = Field(min_length=1)
    name: str | None = None
    categories: list[str] = Field(min_length=1)
    description: str | None = None


class CatalogSpec(BaseModel):
    """A validated catalogue: the index plus its items in code order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    edition: str
    categories: list[str]
    items: list[CatalogItemSpec]

    def item(self, code: str) -> CatalogItemSpec:
        """The item with ``code``; ``KeyError`` if there is none."""
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)

    def codes(self) -> list[str]:
        """Every item code."""
        return [it.code for it in self.items]


_KIND_ZH = "目录文件"
_KIND_EN = "catalogue file"


def _validate(model: type[BaseModel], data: Any, filename: str) -> Any:
    if not isinstance(data, dict):
        raise_problems(
            _KIND_ZH, _KIND_EN, filename, [Problem("", "顶层应为映射", "top level must be a mapping")]
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise_problems(_KIND_ZH, _KIND_EN, filename, problems_from_validation_error(exc))
        raise  # pragma: no cover - raise_problems raises for a non-empty list


def _unknown_units(values: list[str], path: str, unit_keys: set[str]) -> list[Problem]:
    return [
        Problem(f"{path}[{i}]", f"未知单位 '{v}'", f"unknown unit '{v}'")
        for i, v in enumerate(values)
        if v != ALL_UNITS and v not in unit_keys
    ]


def load_catalog(
    directory: Path,
    *,
    unit_keys: set[str] | None = None,
    category_keys: set[str] | None = None,
) -> CatalogSpec:
    """Read ``_catalog.yaml`` and every item file in ``directory``; raise :class:`ConfigError` on any problem.

    ``unit_keys`` (from :meth:`xinyong.org.schemas.ProfileSpec.unit_keys`) turns on the check of
    ``providing_units`` and ``shared_with``; ``category_keys`` (profile subject-category keys) that of
    ``subject_categories``.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(
            f"目录文件夹不存在：{directory} (catalogue directory not found: {directory})",
            details={"file": str(directory), "field": ""},
        )
    index_data = read_yaml(directory / INDEX_FILE, kind_zh=_KIND_ZH, kind_en=_KIND_EN)
    index: CatalogIndexSpec = _validate(CatalogIndexSpec, index_data, INDEX_FILE)
    loaded: list[tuple[str, CatalogItemSpec]] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == INDEX_FILE or path.name.startswith("_"):
            continue
        data = read_yaml(path, kind_zh=_KIND_ZH, kind_en=_KIND_EN)
        loaded.append((path.name, _validate(CatalogItemSpec, data, path.name)))
    seen: dict[str, str] = {}
    for filename, item in loaded:
        if item.code in seen:
            raise_problems(
                _KIND_ZH,
                _KIND_EN,
                filename,
                [
                    Problem(
                        "code",
                        f"信息项代码重复 '{item.code}'（已见于 {seen[item.code]}）",
                        f"duplicate item code '{item.code}' (already in {seen[item.code]})",
                    )
                ],
            )
        seen[item.code] = filename
    items: list[CatalogItemSpec] = []
    for filename, item in loaded:
        problems: list[Problem] = []
        if item.code != Path(filename).stem:
            problems.append(
                Problem(
                    "code",
                    f"代码 '{item.code}' 与文件名不一致（应为 {item.code}.yaml）",
                    f"code '{item.code}' differs from the file name (expected {item.code}.yaml)",
                )
            )
        if item.edition != index.edition:
            problems.append(
                Problem(
                    "edition",
                    f"版本 '{item.edition}' 与 {INDEX_FILE} 的 '{index.edition}' 不一致",
                    f"edition '{item.edition}' differs from {INDEX_FILE}",
                )
            )
        if item.category not in index.categories:
            problems.append(
                Problem(
                    "category",
                    f"未知目录类别 '{item.category}'（见 {INDEX_FILE} categories）",
                    f"unknown category '{item.category}'",
                )
            )
        if unit_keys is not None:
            problems += _unknown_units(item.providing_units, "providing_units", unit_keys)
            problems += _unknown_units(item.shared_with, "shared_with", unit_keys)
        if category_keys is not None:
            problems += [
                Problem(f"subject_categories[{i}]", f"未知主体类别 '{c}'", f"unknown subject category '{c}'")
                for i, c in enumerate(item.subject_categories)
                if c not in category_keys
            ]
        raise_problems(_KIND_ZH, _KIND_EN, filename, problems)
        items.append(item)
    if not items:
        raise_problems(
            _KIND_ZH, _KIND_EN, INDEX_FILE, [Problem("", "目录中没有信息项", "no catalogue items")]
        )
    return CatalogSpec(version=index.version, edition=index.edition, categories=index.categories, items=items)
