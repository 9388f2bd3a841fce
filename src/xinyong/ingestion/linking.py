"""Linking rows to subjects (DOMAIN §2): exact codes link, a valid unknown code makes a provisional
subject on approval, a name alone never links.

* exact: 统一社会信用代码 on the subject; 证件号码 (HMAC look-up); legacy codes (注册号, 组织机构代码 …);
* a checksum-valid code the platform does not know: the row is staged with link ``new`` and a provisional
  subject (待核实) is created when the batch is approved, so out-of-town firms and persons are not lost;
* no usable code: subjects whose *normalised* name (legal form, region prefix and parenthesised region
  stripped) equals the row's *and* whose legal representative or district also agrees are proposed to a
  reviewer as candidates; the row waits (``needs_link``) until one is chosen.

Look-ups are made per chunk of rows with one ``IN`` query each, not per row.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from xinyong.catalog.schemas import CatalogItemSpec
from xinyong.kit.identifiers import (
    IdentifierCheck,
    IdType,
    check,
    normalise,
    parse_id_type_label,
    upgrade_15_to_18,
)
from xinyong.subjects.models import Subject, SubjectIdentifier, SubjectKind
from xinyong.subjects.service import PERSONAL_ID_TYPES, identifier_lookup

LEGACY_ROLES = (
    ("subject_reg_no", IdType.REG_NO),
    ("subject_org_code", IdType.ORG_CODE),
    ("subject_tax_no", IdType.TAX_REG_NO),
    ("subject_inst_cert", IdType.INSTITUTION_CERT),
    ("subject_social_cert", IdType.SOCIAL_ORG_CERT),
)
PERSON_CATEGORIES = frozenset({"自然人"})


@lru_cache(maxsize=4096)
def _check(id_type: IdType, value: str) -> IdentifierCheck:
    return check(id_type, value)


IN_CHUNK = 900

_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "分公司",
    "公司",
    "个人独资企业",
    "合伙企业(普通合伙)",
    "合伙企业(有限合伙)",
    "合伙企业",
    "专业合作社",
    "合作社",
    "经营部",
    "商行",
    "门市部",
    "工作室",
    "厂",
    "店",
)
_PAREN_RE = re.compile(r"[(（][^)）]{0,12}[)）]")
_REGION_RE = re.compile(r"^(江苏省|江苏)?(常州市|常州)?([\u4e00-\u9fff]{2,3}(区|市|县))?")


def normalise_name(name: str, districts: Sequence[str] = ()) -> str:
    """A name compared for candidate matching: NFKC, no spaces, parenthesised region, region prefix
    and legal form stripped (常州市武进区澜泽科技有限公司 and 澜泽科技(常州)有限公司 → 澜泽科技)."""
    from xinyong.ingestion.normalise import clean

    text = clean(name).replace(" ", "")
    text = _PAREN_RE.sub("", text)
    for d in districts:
        if text.startswith(d):
            text = text[len(d) :]
    text = _REGION_RE.sub("", text, count=1) or text
    for form in _LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form) + 1:
            text = text[: -len(form)]
            break
    return text


@dataclass
class Link:
    """How a row found (or will find) its subject."""

    method: str | None  # uscc | id_number | legacy | new | candidate | None (row rejected anyway)
    subject_id: uuid.UUID | None = None
    code: str | None = None  # normalised USCC / ID number for "new"
    lookup: str | None = None  # HMAC of a personal number
    person: bool = False
    id_type: IdType | None = None


class LinkPlanner:
    """Plans the link of a payload of one item without the database (picklable: the staging workers
    of big files plan in their own processes)."""

    def __init__(self, item: CatalogItemSpec) -> None:
        self.item = item
        role = {str(f.role): f for f in item.fields if f.role is not None}
        self.f_code = role.get("subject_code")
        self.f_idnum = role.get("subject_id_number")
        self.f_idtype = role.get("subject_id_type")
        self.f_category = role.get("subject_category")
        self.f_name = role.get("subject_name")
        self.f_rep = role.get("legal_rep")
        self.legacy = [(role[r], t) for r, t in LEGACY_ROLES if r in role]
        kinds = {str(k) for k in item.subject_kinds}
        self.only_person = kinds == {SubjectKind.NATURAL_PERSON.value}
        self.mixed = len(kinds) > 1

    def is_person(self, payload: dict[str, Any]) -> bool:
        if self.only_person:
            return True
        if self.mixed and self.f_category is not None:
            return str(payload.get(self.f_category.key) or "") in PERSON_CATEGORIES
        return False

    def _sentinel(self, value: str) -> bool:
        return self.f_code is not None and value in self.f_code.sentinels

    def plan(self, payload: dict[str, Any]) -> Link:
        """The link a payload asks for before any database look-up."""
        if self.is_person(payload):
            if self.f_idnum is None:
                return Link(None, person=True)
            number = payload.get(self.f_idnum.key)
            label = payload.get(self.f_idtype.key) if self.f_idtype is not None else None
            id_type = parse_id_type_label(str(label)) if label else IdType.RESIDENT_ID
            if not number or id_type is None or id_type not in PERSONAL_ID_TYPES:
                return Link(None, person=True)
            result = _check(id_type, str(number))
            if not result.valid:
                return Link(None, person=True)
            value = result.value
            if id_type is IdType.RESIDENT_ID and len(value) == 15:
                value = upgrade_15_to_18(value)
            return Link(
                "new", code=value, lookup=identifier_lookup(id_type, value), person=True, id_type=id_type
            )
        code = payload.get(self.f_code.key) if self.f_code is not None else None
        if code and not self._sentinel(str(code)):
            # plan() sees only rows without errors, so the code already passed its checksum.
            return Link("new", code=normalise(str(code)), id_type=IdType.USCC)
        for spec, legacy_type in self.legacy:
            legacy = payload.get(spec.key)
            found = _check(legacy_type, str(legacy)) if legacy else None
            if found is not None and found.valid:
                return Link("legacy", code=found.value, id_type=legacy_type)
        return Link("candidate")


class Linker(LinkPlanner):
    """Resolves subjects for chunks of normalised payloads of one item."""

    def __init__(self, session: Session, item: CatalogItemSpec) -> None:
        super().__init__(item)
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def resolve(self, links: Sequence[Link]) -> None:
        """Fill ``subject_id`` of every planned link from the database (one query per kind per chunk)."""
        usccs = {lk.code for lk in links if lk.method == "new" and not lk.person and lk.code}
        found: dict[str, uuid.UUID] = {}
        for part in self._chunks(sorted(c for c in usccs if c)):
            for sid, code in self.session.execute(
                select(Subject.id, Subject.uscc).where(self._in(Subject.uscc, part))
            ):
                found[str(code)] = sid
        lookups: dict[tuple[str, str], uuid.UUID] = {}
        wanted: dict[str, set[str]] = {}
        for lk in links:
            if lk.id_type is None:
                continue
            if lk.person and lk.lookup:
                wanted.setdefault(lk.id_type.value, set()).add(lk.lookup)
            elif lk.method == "legacy" and lk.code:
                wanted.setdefault(lk.id_type.value, set()).add(lk.code)
        for id_type, values in wanted.items():
            for part in self._chunks(sorted(values)):
                rows = self.session.execute(
                    select(SubjectIdentifier.subject_id, SubjectIdentifier.lookup).where(
                        SubjectIdentifier.id_type == id_type, self._in(SubjectIdentifier.lookup, part)
                    )
                )
                for sid, lookup in rows:
                    lookups[(id_type, str(lookup))] = sid
        for lk in links:
            if lk.method == "new" and not lk.person and lk.code in found:
                lk.subject_id, lk.method = found[lk.code], "uscc"
            elif lk.method == "new" and lk.person and lk.id_type and lk.lookup:
                by_number = lookups.get((lk.id_type.value, lk.lookup))
                if by_number is not None:
                    lk.subject_id, lk.method = by_number, "id_number"
            elif lk.method == "legacy" and lk.id_type and lk.code:
                by_code = lookups.get((lk.id_type.value, lk.code))
                if by_code is not None:
                    lk.subject_id = by_code
                else:
                    lk.method = "candidate"

    def _chunks(self, values: Sequence[str]) -> Iterable[Sequence[str]]:
        """PostgreSQL takes a whole chunk as one array parameter; SQLite's IN lists stay below its
        variable limit."""
        return [values] if self.postgres else _chunks(values)

    def _in(self, column: Any, values: Sequence[str]) -> Any:
        """``column IN values`` — on PostgreSQL as ``= ANY(array)``: one bound parameter, so a chunk of
        thousands of codes is neither compiled into thousands of placeholders nor planned anew."""
        if self.postgres:
            return column == any_(bindparam("values", list(values), type_=ARRAY(String)))
        return column.in_(values)

    def candidates(
        self, payload: dict[str, Any], *, unit_district: str | None, districts: dict[str, str], limit: int = 5
    ) -> list[tuple[uuid.UUID, str]]:
        """Subjects proposed for a row without a usable code: same normalised name, plus the same legal
        representative or district. Never more than a proposal."""
        if self.f_name is None or not payload.get(self.f_name.key):
            return []
        name = str(payload[self.f_name.key])
        names = list(districts.values())
        core = normalise_name(name, names)
        if len(core) < 2:
            return []
        row_district = next((k for k, n in districts.items() if n and n in name), unit_district)
        rep = str(payload.get(self.f_rep.key) or "") if self.f_rep is not None else ""
        kind = SubjectKind.NATURAL_PERSON if self.is_person(payload) else SubjectKind.LEGAL_PERSON
        rows = self.session.scalars(
            select(Subject)
            .where(Subject.kind == kind.value, Subject.name.contains(core, autoescape=True))
            .limit(200)
        )
        out: list[tuple[uuid.UUID, str]] = []
        for s in rows:
            if normalise_name(s.name, names) != core:
                continue
            if rep and s.legal_rep and rep == s.legal_rep:
                out.append((s.id, f"名称相同且法定代表人相同（{rep}）"))
            elif row_district and s.district_key == row_district:
                out.append((s.id, f"名称相同且所在辖区相同（{districts.get(row_district, row_district)}）"))
            if len(out) >= limit:
                break
        return out


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(values), IN_CHUNK):
        yield values[i : i + IN_CHUNK]
