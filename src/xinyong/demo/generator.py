"""Deterministic generation of fictitious subjects and credit records, in chunks.

Chunk ``k`` of a run is generated from ``Random(f"{seed}:{k}")`` alone, so a run is reproducible
and chunk sizes do not change the data. Rates follow a city register roughly: individual
businesses and enterprises dominate; a few percent of subjects are penalised, about 0.5 % sit on
a serious-dishonesty list, licences are common. Codes are checksum-valid, with division digits of
real Changzhou registration authorities (320400, the districts, and some pre-2015 320405/320482).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xinyong.catalog.schemas import CatalogItemSpec
from xinyong.demo import names as N
from xinyong.kit import crypto
from xinyong.kit.identifiers import IdType, make_resident_id, make_uscc
from xinyong.kit.masking import mask_id_number
from xinyong.records.publicity import PublicityRules
from xinyong.records.service import derive, natural_key

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: (category, share, authority, category digit)
CATEGORIES = (
    ("individual_business", 0.46, "9", "2"),
    ("enterprise", 0.38, "9", "1"),
    ("farmers_coop", 0.015, "9", "3"),
    ("social_org", 0.01, "5", "1"),
    ("public_institution", 0.01, "1", "2"),
    ("government", 0.005, "1", "1"),
    ("natural_person", 0.12, "", ""),
)

#: Registration division → district key of the registering authority.
DIVISIONS = (
    ("320400", "city", 0.20),
    ("320402", "tianning", 0.10),
    ("320404", "zhonglou", 0.10),
    ("320411", "xinbei", 0.17),
    ("320412", "wujin", 0.25),
    ("320413", "jintan", 0.07),
    ("320481", "liyang", 0.08),
    ("320405", "jkq", 0.02),
    ("320482", "jintan", 0.01),
)

VIOLATION_UNITS = {
    "市场监管": "scjgj",
    "食品": "scjgj",
    "特种设备": "scjgj",
    "生态环境": "sthjj",
    "税务": "sw",
    "城管": "cgj",
    "消防": "shi_xfjy",
    "住建": "shi_zjj",
    "安全生产": "shi_yjglj",
}
VIOLATION_BASIS = {
    "食品": "《中华人民共和国食品安全法》第一百二十四条",
    "特种设备": "《中华人民共和国特种设备安全法》第八十四条",
    "消防": "《中华人民共和国消防法》第六十条",
    "安全生产": "《中华人民共和国安全生产法》第九十七条",
    "生态环境": "《中华人民共和国大气污染防治法》第九十九条",
    "税务": "《中华人民共和国税收征收管理法》第六十二条",
    "住建": "《建设工程质量管理条例》第五十七条",
    "城管": "《城市市容和环境卫生管理条例》第三十六条",
    "市场监管": "《中华人民共和国市场主体登记管理条例》第四十五条",
}


@dataclass
class Context:
    """What generation needs from the loaded configuration."""

    items: dict[str, CatalogItemSpec]
    item_versions: dict[str, str]
    rules: PublicityRules
    units_by_uscc: dict[str, str]
    unit_uscc: dict[str, str]
    unit_names: dict[str, str]
    today: dt.date
    now: dt.datetime
    batch_id: uuid.UUID


@dataclass
class Chunk:
    subjects: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    #: CPU seconds spent generating this chunk (in whichever process generated it).
    seconds: float = 0.0


def _pick(rng: random.Random, weighted: tuple[tuple[Any, ...], ...], weight_index: int) -> tuple[Any, ...]:
    r = rng.random() * sum(w[weight_index] for w in weighted)
    for row in weighted:
        r -= row[weight_index]
        if r <= 0:
            return row
    return weighted[-1]


def _org_code8(index: int) -> str:
    """A unique 8-char organisation-code body for subject ``index`` (a scrambled base-31 number)."""
    n = (index * 7_368_787 + 1_234_567) % (31**6)
    body = ""
    for _ in range(6):
        n, r = divmod(n, 31)
        body = USCC_ALPHABET[r] + body
    return "MA" + body


def _brand(rng: random.Random) -> str:
    while True:
        size = 2 if rng.random() < 0.8 else 3
        brand = "".join(rng.choice(N.BRAND_CHARS) for _ in range(size))
        if len(set(brand)) == size and not any(b in brand for b in N.EXCLUDED_BRANDS):
            return brand


def _person_name(rng: random.Random) -> str:
    return rng.choice(N.SURNAMES) + "".join(rng.choice(N.GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _address(rng: random.Random, district: str) -> str:
    dname, towns = N.TOWNS.get(district, N.TOWNS["tianning"])
    return f"常州市{dname}{rng.choice(towns)}{rng.choice(N.ROADS)}{rng.randint(1, 999)}号"


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _wan(rng: random.Random, lo: float, hi: float) -> str:
    """An amount in 万元 with six decimals (exact: the 分)."""
    fen = rng.randint(int(lo * 1_000_000), int(hi * 1_000_000))
    return str((Decimal(fen) / Decimal(1_000_000)).quantize(Decimal("0.000001")))


class Generator:
    """Generates chunk after chunk of subjects with their records."""

    def __init__(self, ctx: Context, *, seed: int, records_per_subject: float) -> None:
        self.ctx = ctx
        self.seed = seed
        # Rates of the non-licence items; licences fill the rest up to records_per_subject.
        self.rates = {
            "xzcf": 0.04,
            "yzsx": 0.005,
            "sxbzxr": 0.004,
            "sxjl": 0.05,
            "zdgz": 0.003,
            "jyyc": 0.03,
            "xycn": 0.08,
            "xypj": 0.06,
        }
        # Records per subject = BASE + SLOPE × licence mean, measured over the category mix above
        # (legal persons get a registration record and most licences; persons few): solving for the
        # licence mean makes the average come out at ``records_per_subject`` (tests/demo checks it).
        base, slope = 1.13, 0.916
        self.licence_mean = max(0.0, (records_per_subject - base) / slope)
        self._role_cache: dict[str, list[tuple[str, str]]] = {}
        self._required_cache: dict[str, list[Any]] = {}

    def chunk(self, k: int, start: int, count: int) -> Chunk:
        started = time.perf_counter()
        rng = random.Random(f"{self.seed}:{k}")
        out = Chunk()
        for i in range(start, start + count):
            self._subject(rng, i, out)
        out.seconds = time.perf_counter() - started
        return out

    def chunks(self, total: int, size: int) -> Iterator[Chunk]:
        for k, start in enumerate(range(0, total, size)):
            yield self.chunk(k, start, min(size, total - start))

    # -- subjects ---------------------------------------------------------------------------
    def _subject(self, rng: random.Random, index: int, out: Chunk) -> None:
        ctx = self.ctx
        category, _, authority, cat_digit = _pick(rng, CATEGORIES, 1)
        division, reg_district, _ = _pick(rng, DIVISIONS, 2)
        district = reg_district if reg_district != "city" else rng.choice(list(N.TOWNS))
        if rng.random() < 0.08:  # moved since registration: the district follows 住所, not the code
            district = rng.choice(list(N.TOWNS))
        sid = uuid.UUID(int=rng.getrandbits(128), version=4)
        unit = f"{district}_scjgj"
        person = category == "natural_person"
        legal_rep: str | None = None
        industry: str | None = None
        uscc: str | None = None
        if person:
            name = _person_name(rng)
            # (birth date, sequence) is unique per subject index by construction, so ID numbers never
            # collide however many persons are generated (up to 18 million).
            days = 18_262  # 1955-01-01 .. 2004-12-31
            birth = dt.date(1955, 1, 1) + dt.timedelta(days=(index * 7_919) % days)
            id_number = make_resident_id(
                division if division not in ("320400",) else "320402", birth, (index // days) % 999 + 1
            )
            out.identifiers.append(
                {
                    "subject_id": sid,
                    "id_type": IdType.RESIDENT_ID.value,
                    "lookup": crypto.lookup_hash(f"{IdType.RESIDENT_ID.value}:{id_number}"),
                    "encrypted": crypto.encrypt(id_number),
                    "masked": mask_id_number(id_number),
                    "valid": True,
                    "source_unit_key": unit,
                    "first_seen": ctx.now,
                }
            )
        else:
            uscc = make_uscc(authority, cat_digit, division, _org_code8(index))
            name, industry, legal_rep = self._org_name(rng, category, district)
        status = "存续" if person or rng.random() > 0.06 else rng.choice(("注销", "吊销", "迁出"))
        if person:
            status = "正常"
        out.subjects.append(
            {
                "id": sid,
                "kind": "natural_person" if person else "legal_person",
                "category": category,
                "uscc": uscc,
                "name": name,
                "legal_rep": legal_rep,
                "district_key": district,
                "industry": industry,
                "status": status,
                "provisional": False,
                "flagged": False,
                "created_at": ctx.now,
                "updated_at": ctx.now,
            }
        )
        for attr, value in (
            ("name", name),
            ("legal_rep", legal_rep),
            ("district_key", district),
            ("industry", industry),
            ("status", status),
        ):
            if value:
                out.attributes.append(
                    {
                        "subject_id": sid,
                        "attr": attr,
                        "value": value,
                        "source_unit_key": unit,
                        "first_seen": ctx.now,
                        "last_seen": ctx.now,
                    }
                )
        subject = {
            "index": index,
            "seq": 0,
            "id": sid,
            "uscc": uscc,
            "name": name,
            "legal_rep": legal_rep,
            "district": district,
            "category": category,
            "person": person,
            "id_number": None if not person else id_number,
            "industry": industry,
        }
        self._records(rng, subject, out)

    def _org_name(self, rng: random.Random, category: str, district: str) -> tuple[str, str, str | None]:
        brand = _brand(rng)
        dname = N.TOWNS[district][0]
        rep = _person_name(rng)
        if category == "enterprise":
            trade, industry = rng.choice(N.ENTERPRISE_TRADES)
            prefix = "常州" if rng.random() < 0.7 else f"常州市{dname}"
            name = f"{prefix}{brand}{trade}{rng.choice(N.LEGAL_FORMS)}"
            if rng.random() < 0.05:
                name = f"江苏{brand}{trade}有限公司常州{dname}分公司"
            return name, industry, rep
        if category == "individual_business":
            shop, industry = rng.choice(N.SHOP_KINDS)
            return f"{dname}{brand}{shop}", industry, rep
        if category == "farmers_coop":
            return f"{dname}{brand}{rng.choice(N.COOP_KINDS)}", "A", rep
        if category == "social_org":
            return f"常州市{brand}{rng.choice(N.SOCIAL_ORG_KINDS)}", "S", rep
        if category == "public_institution":
            return f"常州市{dname}{brand}{rng.choice(N.INSTITUTION_KINDS)}", "Q", rep
        return f"{dname}{brand}{rng.choice(N.GOVERNMENT_KINDS)}", "S", rep

    # -- records ----------------------------------------------------------------------------
    def _records(self, rng: random.Random, s: dict[str, Any], out: Chunk) -> None:
        r = self.rates
        person = s["person"]
        if not person:
            self._registration(rng, s, out)
            for _ in range(self._poisson(rng, self.licence_mean)):
                self._licence(rng, s, out, "xzxk_fr")
            if rng.random() < r["xzcf"]:
                for _ in range(rng.choice((1, 1, 1, 2, 3))):
                    self._penalty(rng, s, out, "xzcf_fr")
            if rng.random() < r["yzsx"]:
                self._listing(rng, s, out, "yzsx")
            if rng.random() < r["sxbzxr"]:
                self._listing(rng, s, out, "sxbzxr")
            if s["category"] == "enterprise" and rng.random() < r["sxjl"] * 2:
                self._listing(rng, s, out, "sxjl")
            if rng.random() < r["zdgz"]:
                self._listing(rng, s, out, "zdgz")
            if s["category"] in ("enterprise", "individual_business") and rng.random() < r["jyyc"]:
                self._listing(rng, s, out, "jyyc")
            if rng.random() < r["xycn"]:
                self._listing(rng, s, out, "xycn")
            if s["category"] == "enterprise" and rng.random() < r["xypj"] * 2:
                self._listing(rng, s, out, "xypj")
        else:
            for _ in range(self._poisson(rng, self.licence_mean * 0.3)):
                self._licence(rng, s, out, "xzxk_zrr")
            if rng.random() < 0.02:
                self._penalty(rng, s, out, "xzcf_zrr")
            if rng.random() < 0.01:
                self._listing(rng, s, out, "sxbzxr")

    @staticmethod
    def _poisson(rng: random.Random, mean: float) -> int:
        if mean <= 0:
            return 0
        # Knuth's method is fine for small means.
        import math

        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1

    def _base(self, item: CatalogItemSpec, s: dict[str, Any], unit_key: str) -> dict[str, Any]:
        """Payload fields about the subject and the providing unit, by role."""
        ctx = self.ctx
        values: dict[str, Any] = {
            "subject_name": s["name"],
            "subject_code": s["uscc"],
            "legal_rep": s["legal_rep"],
            "subject_id_type": "身份证" if s["person"] else None,
            "subject_id_number": s["id_number"],
            "deciding_unit_name": ctx.unit_names[unit_key],
            "deciding_unit_code": ctx.unit_uscc[unit_key],
            "source_unit_name": ctx.unit_names[unit_key],
            "source_unit_code": ctx.unit_uscc[unit_key],
        }
        payload: dict[str, Any] = {}
        for role, key in self._role_keys(item):
            value = values.get(role)
            if value is not None:
                payload[key] = value
        return payload

    def _role_keys(self, item: CatalogItemSpec) -> list[tuple[str, str]]:
        found = self._role_cache.get(item.code)
        if found is None:
            found = [(str(f.role), f.key) for f in item.fields if f.role is not None]
            self._role_cache[item.code] = found
        return found

    def _fill_required(
        self, rng: random.Random, item: CatalogItemSpec, payload: dict[str, Any], on: dt.date
    ) -> None:
        required = self._required_cache.get(item.code)
        if required is None:
            required = [f for f in item.fields if f.required]
            self._required_cache[item.code] = required
        for f in required:
            if f.key in payload:
                continue
            t = str(f.type)
            if t in ("code", "id_type") and f.codes:
                payload[f.key] = f.codes[0] if t == "id_type" else rng.choice(f.codes)
            elif t == "code_list" and f.codes:
                payload[f.key] = [rng.choice(f.codes)]
            elif t == "date":
                payload[f.key] = on.isoformat()
            elif t == "decimal":
                payload[f.key] = "0.000000"
            elif t == "integer":
                payload[f.key] = on.year
            else:
                payload[f.key] = f"演示{f.label}"

    def _emit(
        self,
        rng: random.Random,
        s: dict[str, Any],
        out: Chunk,
        code: str,
        unit_key: str,
        payload: dict[str, Any],
        on: dt.date,
    ) -> None:
        ctx = self.ctx
        item = ctx.items.get(code)
        if item is None:
            return
        self._fill_required(rng, item, payload, on)
        d = derive(item, payload, rules=ctx.rules, units_by_uscc=ctx.units_by_uscc, is_person=s["person"])
        delay = rng.choice((1, 2, 3, 4, 5, 6, 8, 12))
        approved = dt.datetime.combine(on + dt.timedelta(days=delay), dt.time(2, rng.randint(0, 59)), dt.UTC)
        row = {k: getattr(d, k) for k in d.__dataclass_fields__}
        row.update(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "item_code": code,
                "item_version": ctx.item_versions[code],
                "subject_id": s["id"],
                "providing_unit_key": unit_key,
                "lifecycle": "有效",
                "lifecycle_reason": None,
                "lifecycle_changed_on": None,
                "objection_open": False,
                "payload": payload,
                "version": 1,
                "batch_id": ctx.batch_id,
                "approved_at": approved if approved <= ctx.now else ctx.now,
                "expired_recorded_on": None,
                "created_at": ctx.now,
                "updated_at": ctx.now,
            }
        )
        # Random document numbers of one subject can repeat at city scale: keep the first record of a
        # natural key (every draw above still happened, so the random stream is unchanged).
        seen: set[tuple[str, str]] = s.setdefault("natural_keys", set())
        key = (code, natural_key(item, payload))
        if key in seen:
            return
        seen.add(key)
        out.records.append(row)

    @staticmethod
    def _number(s: dict[str, Any]) -> int:
        """A document number unique to this subject's n-th record (keeps natural keys unique)."""
        s["seq"] += 1
        return int(s["index"]) * 32 + int(s["seq"])

    def _set(self, item: CatalogItemSpec, payload: dict[str, Any], role: str, value: Any) -> None:
        f = item.field_by_role(role)
        if f is not None and value is not None:
            payload[f.key] = value

    def _registration(self, rng: random.Random, s: dict[str, Any], out: Chunk) -> None:
        item = self.ctx.items.get("djzc")
        if item is None:
            return
        unit = f"{s['district']}_scjgj"
        established = _date_between(rng, dt.date(1995, 1, 1), self.ctx.today - dt.timedelta(days=30))
        p = self._base(item, s, unit)
        self._set(item, p, "established_on", established.isoformat())
        self._set(item, p, "address", _address(rng, s["district"]))
        self._set(item, p, "registered_capital", _wan(rng, 1, 5000))
        self._set(item, p, "industry", s["industry"])
        self._set(item, p, "status", "存续")
        self._emit(rng, s, out, "djzc", unit, p, established)

    def _licence(self, rng: random.Random, s: dict[str, Any], out: Chunk, code: str) -> None:
        item = self.ctx.items.get(code)
        if item is None:
            return
        district = s["district"]
        unit = rng.choice(
            (
                f"{district}_scjgj",
                "shi_zjj",
                "shi_jtj",
                "shi_wjw",
                "shi_sthjj",
                "shi_scjgj",
                f"{district}_cgj",
            )
        )
        on = _date_between(
            rng, self.ctx.today - dt.timedelta(days=8 * 365), self.ctx.today - dt.timedelta(days=1)
        )
        p = self._base(item, s, unit)
        n = self._number(s)
        self._set(item, p, "decision_no", f"常{self.ctx.unit_names[unit][3:5]}许字〔{on.year}〕第{n}号")
        self._set(item, p, "decision_date", on.isoformat())
        self._set(item, p, "valid_from", on.isoformat())
        if rng.random() < 0.85:
            self._set(item, p, "valid_to", (on + dt.timedelta(days=365 * rng.choice((1, 3, 5)))).isoformat())
        self._emit(rng, s, out, code, unit, p, on)

    def _penalty(self, rng: random.Random, s: dict[str, Any], out: Chunk, code: str) -> None:
        item = self.ctx.items.get(code)
        if item is None:
            return
        violation, domain = rng.choice(N.VIOLATIONS)
        suffix = VIOLATION_UNITS[domain]
        unit = (
            suffix
            if suffix.startswith("shi_")
            else (f"{s['district']}_{suffix}" if rng.random() < 0.6 else f"shi_{suffix}")
        )
        if unit not in self.ctx.unit_names:
            unit = f"shi_{suffix}" if f"shi_{suffix}" in self.ctx.unit_names else "shi_scjgj"
        on = _date_between(
            rng, self.ctx.today - dt.timedelta(days=5 * 365), self.ctx.today - dt.timedelta(days=1)
        )
        roll = rng.random()
        if roll < 0.15:
            types, fine = ["警告"], None
        elif roll < 0.85:
            types, fine = ["罚款"], _wan(rng, 0.01, 5) if rng.random() < 0.9 else _wan(rng, 5, 80)
        elif roll < 0.95:
            types, fine = ["罚款", "没收违法所得"], _wan(rng, 1, 50)
        elif roll < 0.985:
            types, fine = ["责令停产停业", "罚款"], _wan(rng, 10, 150)
        else:
            types, fine = ["吊销许可证件", "罚款"], _wan(rng, 50, 300)
        p = self._base(item, s, unit)
        n = self._number(s)
        self._set(item, p, "decision_no", f"常{self.ctx.unit_names[unit][3:5]}罚〔{on.year}〕{n}号")
        self._set(item, p, "decision_date", on.isoformat())
        self._set(item, p, "penalty_types", types)
        self._set(item, p, "fine_amount", fine)
        self._set(
            item, p, "facts", rng.choice(N.FACT_TEMPLATES).format(x=violation, y=rng.choice(("较轻", "一般")))
        )
        self._set(item, p, "legal_basis", VIOLATION_BASIS[domain])
        self._emit(rng, s, out, code, unit, p, on)

    def _listing(self, rng: random.Random, s: dict[str, Any], out: Chunk, code: str) -> None:
        item = self.ctx.items.get(code)
        if item is None:
            return
        unit = {"sxbzxr": "shi_zy", "sxjl": "shi_sw", "jyyc": f"{s['district']}_scjgj"}.get(code, "shi_fgw")
        if unit not in self.ctx.unit_names:
            unit = "shi_fgw"
        on = _date_between(
            rng, self.ctx.today - dt.timedelta(days=3 * 365), self.ctx.today - dt.timedelta(days=1)
        )
        p = self._base(item, s, unit)
        n = self._number(s)
        self._set(
            item,
            p,
            "decision_no",
            f"（{on.year}）苏04执{n}号" if code == "sxbzxr" else f"常信认〔{on.year}〕{n}号",
        )
        self._set(item, p, "decision_date", on.isoformat())
        self._set(item, p, "listed_on", on.isoformat())
        self._set(item, p, "valid_from", on.isoformat())
        if code in ("sxjl", "xypj", "xycn"):
            self._set(item, p, "valid_to", (on + dt.timedelta(days=365 * rng.choice((1, 2, 3)))).isoformat())
        elif rng.random() < 0.15:
            self._set(item, p, "exit_on", _date_between(rng, on, self.ctx.today).isoformat())
        self._set(item, p, "incentive_kind", "纳税信用A级纳税人")
        self._set(item, p, "evaluation_year", on.year - 1)
        # Unique per subject (a random serial collides within a year at city scale).
        self._set(item, p, "commitment_no", f"CN{on.year}{s['id'].int % 10**10:010d}")
        self._emit(rng, s, out, code, unit, p, on)
