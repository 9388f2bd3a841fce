"""Demo batches: a few small penalty files submitted through the real ingestion service.

The bulk load (demo.loader) fills subjects and records directly, so without these the console's
数据归集, 批次审核 and 数据质量 pages would have no batch to show. Three files of item ``xzcf_fr``,
as units send them, go through :func:`xinyong.ingestion.service.submit` (read → normalise →
validate → link → stage) and the review actions:

* 常州市城市管理局 (``shi_cgj``) — a UTF-8 CSV whose rows miss a 法定代表人 or have a 处罚有效期
  before the decision: **已退回** with a Chinese note naming the rows;
* 常州市生态环境局 (``shi_sthjj``) — a clean UTF-8 (BOM) CSV, one decision of it published late and
  one firm the platform did not know: **已通过**, so its records are online, a provisional subject
  (待核实) is created and the quality page has completeness, accuracy and timeliness for the unit;
* 常州市市场监督管理局 (``shi_scjgj``, the demo reviewer ``demo_sh``'s unit) — a GBK CSV of ~30 rows
  left **待审核**, with the problems a reviewer meets: a wrong USCC check character, a decision date
  in the future, a negative fine, a repeated row, a firm not yet known, and a 合计 row at the end.

Rows name demo subjects (drawn by ``seed``, ordered by their seeded ids) with their codes and names;
decision dates are the working days just before ``today``. :func:`submit_demo_batches` runs inside
the demo load's transaction (demo.loader calls it after the bulk load and the search index), so the
demo is all or nothing; the files are written to a temporary directory and the service keeps its own
content-addressed copy. A batch that exists already (same file, same unit: a load without
``replace``) is left as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import random
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.demo import names as N
from xinyong.ingestion import service
from xinyong.ingestion.cli import cli_actor
from xinyong.ingestion.models import IngestBatch, IngestProblem
from xinyong.ingestion.rule_names import rule_name
from xinyong.kit import clock
from xinyong.kit.identifiers import USCC_ALPHABET, make_uscc
from xinyong.kit.workdays import WorkCalendar
from xinyong.org import queries as org
from xinyong.subjects.models import Subject

ITEM = "xzcf_fr"

#: The national penalty template's columns, as units export them (fine in 元, as most units keep it).
HEADER = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（元）",
    "处罚决定日期",
    "处罚有效期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
]

#: Subject category → the file's 行政相对人类别.
CATEGORY_LABELS = {"enterprise": "法人及非法人组织", "individual_business": "个体工商户"}

#: Demo subjects read to draw the files' firms from (by seeded id: a random sample, on an index).
POOL = 400

Outcome = Literal["pending", "approved", "returned"]


@dataclass(frozen=True)
class Firm:
    code: str
    name: str
    category: str  # 行政相对人类别
    legal_rep: str


@dataclass(frozen=True)
class Sender:
    """A sending unit as its files name it, and the violations it decides on (type, legal basis)."""

    key: str
    name: str
    uscc: str
    prefix: str  # 文号 prefix: 常市监罚〔2026〕123号
    violations: tuple[tuple[str, str], ...]
    fines: tuple[int, int]  # range of fines in 元


@dataclass
class DemoFile:
    sender: Sender
    filename: str
    encoding: str
    outcome: Outcome
    rows: list[list[str]] = field(default_factory=list)


#: Builds one demo file: (rng, sender, demo firms, working days before today nearest first, today).
Build = Callable[[random.Random, Sender, list[Firm], list[dt.date], dt.date], DemoFile]

SENDERS = {
    "shi_scjgj": (
        "常市监罚",
        (
            ("发布虚假广告", "《中华人民共和国广告法》第五十五条"),
            ("未按规定公示年度报告", "《中华人民共和国市场主体登记管理条例》第四十五条"),
            ("销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条"),
            ("使用未经检验的特种设备", "《中华人民共和国特种设备安全法》第八十四条"),
        ),
        (500, 50_000),
    ),
    "shi_sthjj": (
        "常环罚",
        (
            ("超标排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条"),
            ("超标排放水污染物", "《中华人民共和国水污染防治法》第八十三条"),
            ("未按规定贮存危险废物", "《中华人民共和国固体废物污染环境防治法》第一百一十二条"),
        ),
        (20_000, 300_000),
    ),
    "shi_cgj": (
        "常城管罚",
        (
            ("占道经营", "《城市市容和环境卫生管理条例》第三十六条"),
            ("随意倾倒建筑垃圾", "《城市建筑垃圾管理规定》第二十六条"),
        ),
        (200, 5_000),
    ),
}


def submit_demo_batches(session: Session, *, seed: int, now: dt.datetime, today: dt.date) -> dict[str, int]:
    """Submit the demo files and review them as described in the module doc; returns counts:
    ``submitted`` (new batches), ``pending``, ``approved``, ``returned`` and ``rows`` (data rows)."""
    rng = random.Random(f"demo-batches:{seed}")
    senders = _senders(session)
    cal = org.calendar(session)
    days = _workdays_before(cal, today, 12)
    firms = _known_firms(session, rng)
    counts = dict.fromkeys(("submitted", "pending", "approved", "returned", "rows"), 0)
    builders: list[tuple[str, Build]] = [
        ("shi_cgj", _returned_file),
        ("shi_sthjj", _approved_file),
        ("shi_scjgj", _pending_file),
    ]
    with tempfile.TemporaryDirectory(prefix="xinyong-demo-") as tmp:
        for step, (key, build) in enumerate(builders):
            sender = senders.get(key)
            if sender is None:  # another city's profile without this unit
                continue
            demo = build(rng, sender, firms, days, today)
            at = _earlier(now, today, minutes=40 - 15 * step)
            batch = _submit(session, demo, Path(tmp) / f"{step}.csv", now=at, today=today)
            if batch is not None:
                counts["submitted"] += 1
                counts[demo.outcome] += 1
                counts["rows"] += batch.rows
    return counts


# ----------------------------------------------------------------------------------------------- review


def _submit(
    session: Session, demo: DemoFile, path: Path, *, now: dt.datetime, today: dt.date
) -> IngestBatch | None:
    """Submit ``demo`` and take the batch to its outcome; None when the same batch existed already."""
    path.write_bytes(_csv_bytes(demo.rows, demo.encoding))
    actor = cli_actor(demo.sender.key)
    sub = service.submit(
        session,
        item_code=ITEM,
        unit_key=demo.sender.key,
        actor=actor,
        now=now,
        today=today,
        path=path,
        filename=demo.filename,
    )
    if not sub.new:
        return None
    later = now + dt.timedelta(minutes=10)
    if demo.outcome == "approved":
        service.approve(
            session, batch_id=sub.batch.id, actor=actor, now=later, note="演示：核对无误，同意入库"
        )
    elif demo.outcome == "returned":
        note = return_note(session, sub.batch.id)
        service.return_batch(session, batch_id=sub.batch.id, actor=actor, now=later, note=note)
    return sub.batch


def return_note(session: Session, batch_id: uuid.UUID) -> str:
    """The reviewer's note on a returned batch: its rows with errors, by rule."""
    found = session.execute(
        select(IngestProblem.code, IngestProblem.row_no)
        .where(IngestProblem.batch_id == batch_id, IngestProblem.severity == "error")
        .order_by(IngestProblem.row_no, IngestProblem.id)
    ).all()
    by_rule: dict[str, list[int]] = {}
    for code, row_no in found:
        rows = by_rule.setdefault(code, [])
        if row_no not in rows:
            rows.append(row_no)
    parts = [f"第 {'、'.join(map(str, rows))} 行{rule_name(code)}" for code, rows in by_rule.items()]
    return "；".join(parts)[:400] + "。请按问题清单更正后重新报送。"


# ----------------------------------------------------------------------------------------------- files


def _pending_file(
    rng: random.Random, sender: Sender, firms: list[Firm], days: list[dt.date], today: dt.date
) -> DemoFile:
    """29 data rows and a 合计 line, GBK, as a 市场监管 export: good rows (row 11 a firm the platform
    does not know) and, each in a row of its own, the usual problems — row 6 a mistyped code check
    character, row 12 a decision date three weeks ahead, row 18 a negative fine, row 23 row 3 again."""
    demo = DemoFile(sender, f"{sender.name}行政处罚信息报送（{today:%Y年%m月}）.csv", "gbk", "pending")
    numbers = _numbers(rng)
    pick = _picker(firms, rng)
    for _ in range(24):
        demo.rows.append(
            _row(rng, sender, pick(), next(numbers), rng.choice(days[:6]), date_style=rng.randrange(3))
        )
    new = _new_firm(rng, "个体工商户" if rng.random() < 0.5 else "法人及非法人组织")
    demo.rows.insert(9, _row(rng, sender, new, next(numbers), days[1]))
    # Inserted in row order, so each lands on the row the docstring names.
    bad = pick()
    demo.rows.insert(5, _row(rng, sender, _with_bad_check(bad), next(numbers), days[2]))
    demo.rows.insert(11, _row(rng, sender, pick(), next(numbers), today + dt.timedelta(days=21)))
    negative = _row(rng, sender, pick(), next(numbers), days[3], penalty="罚款")
    negative[10] = "-" + negative[10]
    demo.rows.insert(17, negative)
    demo.rows.insert(22, list(demo.rows[2]))  # the same decision sent twice
    demo.rows.append(_total_row(demo.rows))
    return demo


def _approved_file(
    rng: random.Random, sender: Sender, firms: list[Firm], days: list[dt.date], today: dt.date
) -> DemoFile:
    """12 clean rows (one decided ten working days ago: published late), one of a new firm."""
    demo = DemoFile(sender, f"{sender.name}行政处罚决定（{today:%Y%m%d}）.csv", "utf-8-sig", "approved")
    numbers = _numbers(rng)
    pick = _picker([f for f in firms if f.category == CATEGORY_LABELS["enterprise"]] or firms, rng)
    for i in range(10):
        demo.rows.append(_row(rng, sender, pick(), next(numbers), days[i % 5]))
    demo.rows.insert(3, _row(rng, sender, _new_firm(rng, "法人及非法人组织"), next(numbers), days[0]))
    demo.rows.insert(7, _row(rng, sender, pick(), next(numbers), days[9]))
    return demo


def _returned_file(
    rng: random.Random, sender: Sender, firms: list[Firm], days: list[dt.date], today: dt.date
) -> DemoFile:
    """8 rows of 占道经营 and the like: rows 2 and 5 lack a 法定代表人, row 7's 处罚有效期 is wrong."""
    demo = DemoFile(sender, f"{sender.name}行政处罚{today:%m}月报送.csv", "utf-8", "returned")
    numbers = _numbers(rng)
    shops = [f for f in firms if f.category == CATEGORY_LABELS["individual_business"]]
    pick = _picker(shops or firms, rng)
    for i in range(8):
        demo.rows.append(_row(rng, sender, pick(), next(numbers), days[i % 6]))
    for i in (1, 4):
        demo.rows[i][3] = ""
    decided = dt.date.fromisoformat(demo.rows[6][11])
    demo.rows[6][12] = (decided - dt.timedelta(days=30)).isoformat()
    return demo


def _row(
    rng: random.Random,
    sender: Sender,
    firm: Firm,
    number: int,
    decided: dt.date,
    *,
    penalty: str | None = None,
    date_style: int = 0,
) -> list[str]:
    violation, basis = rng.choice(sender.violations)
    types = penalty or rng.choices(("罚款", "警告", "警告；罚款"), weights=(7, 2, 1))[0]
    fine = _yuan(rng.randint(*sender.fines), rng.randrange(4)) if "罚款" in types else ""
    content = "罚款" if types == "罚款" else ("警告" if types == "警告" else "警告，并处罚款")
    return [
        firm.name,
        firm.category,
        firm.code,
        firm.legal_rep,
        f"{sender.prefix}〔{decided.year}〕{number}号",
        violation,
        f"经查，当事人{violation}，违反了相关规定。",
        basis,
        types,
        f"责令改正，{content}",
        fine,
        _date(decided, date_style),
        (decided + dt.timedelta(days=365)).isoformat(),
        sender.name,
        sender.uscc,
        sender.name,
        sender.uscc,
    ]


def _total_row(rows: list[list[str]]) -> list[str]:
    """The 合计 line a spreadsheet export ends with (the fines summed as written)."""
    total = sum(_yuan_value(r[10]) for r in rows)
    return ["合计", *[""] * 9, f"{total:,.2f}", *[""] * 6]


def _csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


# ----------------------------------------------------------------------------------------------- values


def _senders(session: Session) -> dict[str, Sender]:
    out = {}
    for key, (prefix, violations, fines) in SENDERS.items():
        unit = org.unit(session, key)
        if unit is not None and unit.uscc:
            out[key] = Sender(key, unit.name, unit.uscc, prefix, violations, fines)
    return out


def _known_firms(session: Session, rng: random.Random) -> list[Firm]:
    """Demo firms in business, a seeded sample (subjects' ids come from the demo's seeded generator)."""
    found = session.execute(
        select(Subject.uscc, Subject.name, Subject.category, Subject.legal_rep)
        .where(
            Subject.uscc.is_not(None),
            Subject.category.in_(list(CATEGORY_LABELS)),
            Subject.status == "存续",
            Subject.provisional.is_(False),
        )
        .order_by(Subject.id)
        .limit(POOL)
    ).all()
    firms = [
        Firm(str(code), name, CATEGORY_LABELS[category], rep or _person(rng))
        for code, name, category, rep in found
    ]
    rng.shuffle(firms)
    return firms


def _picker(firms: list[Firm], rng: random.Random) -> Callable[[], Firm]:
    """Firms in turn (round again when there are few); new firms when the demo has none."""
    if not firms:
        return lambda: _new_firm(rng, "法人及非法人组织")
    turn = itertools.cycle(firms)
    return lambda: next(turn)


def _new_firm(rng: random.Random, category: str) -> Firm:
    """A firm the platform does not know, with a valid code (``MD…``: demo subjects' codes are ``MA…``)."""
    body = "MD" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
    brand = _brand(rng)
    if category == "个体工商户":
        shop, _ = rng.choice(N.SHOP_KINDS)
        return Firm(make_uscc("9", "2", "320412", body), f"武进区{brand}{shop}", category, _person(rng))
    trade, _ = rng.choice(N.ENTERPRISE_TRADES)
    name = f"常州{brand}{trade}{rng.choice(N.LEGAL_FORMS)}"
    return Firm(make_uscc("9", "1", "320411", body), name, category, _person(rng))


def _brand(rng: random.Random) -> str:
    while True:
        brand = "".join(rng.sample(N.BRAND_CHARS, 2))
        if brand not in N.EXCLUDED_BRANDS:
            return brand


def _person(rng: random.Random) -> str:
    return rng.choice(N.SURNAMES) + "".join(rng.choice(N.GIVEN) for _ in range(rng.choice((1, 2))))


def _with_bad_check(firm: Firm) -> Firm:
    """The firm with its code's check character mistyped (``uscc.checksum``)."""
    wrong = next(c for c in "0123456789" if c != firm.code[17])
    return Firm(firm.code[:17] + wrong, firm.name, firm.category, firm.legal_rep)


def _numbers(rng: random.Random) -> Iterator[int]:
    """Decision numbers of one unit's file: increasing, with the gaps other decisions leave."""
    n = rng.randrange(200, 800)
    while True:
        n += rng.randint(1, 4)
        yield n


def _yuan(amount: int, style: int) -> str:
    """A fine in 元 the way units write it."""
    if style == 0:
        return f"{amount:,}元"
    if style == 1:
        return str(amount)
    if style == 2 and amount % 1000 == 0:
        return f"{amount / 10000:g}万元"
    return f"{amount:,.2f}"


def _yuan_value(text: str) -> float:
    if not text:
        return 0.0
    plain = text.replace(",", "").removesuffix("元")
    if plain.endswith("万"):
        return float(plain.removesuffix("万")) * 10000
    return float(plain)


def _date(day: dt.date, style: int) -> str:
    if style == 1:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 2:
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def _workdays_before(cal: WorkCalendar, today: dt.date, count: int) -> list[dt.date]:
    """The ``count`` working days before ``today``, the nearest first."""
    out: list[dt.date] = []
    day = today
    while len(out) < count:
        day -= dt.timedelta(days=1)
        if cal.is_workday(day):
            out.append(day)
    return out


def _earlier(now: dt.datetime, today: dt.date, *, minutes: int) -> dt.datetime:
    """``minutes`` before ``now``, but not before today began in Shanghai (the batches stay in this
    month for the quality page)."""
    midnight = dt.datetime.combine(today, dt.time(), tzinfo=clock.SHANGHAI).astimezone(dt.UTC)
    return max(now - dt.timedelta(minutes=minutes), midnight)
