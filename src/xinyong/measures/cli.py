"""CLI for lists and joint reward/punishment: ``xinyong lists …``, ``xinyong check``, ``xinyong measures …``.

Defined here (measures sits above lists, so it may use both) and added to the root app by xinyong.cli.
The CLI operator acts as the credit office; ``--unit`` names the recognising unit acting.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from xinyong.auth.actor import Actor
from xinyong.errors import XinyongError

lists_app = typer.Typer(help="名单（拟列入、告知、送达、列入、移出）", no_args_is_help=True)
measures_app = typer.Typer(help="联合奖惩措施清单与核查统计", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
UnitOpt = Annotated[str | None, typer.Option("--unit", help="认定单位键（如 shi_sw）")]


def _out(data: Any, as_json: bool, human: str | None = None) -> None:
    if as_json or human is None:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=None if as_json else 2, default=str))
    else:
        typer.echo(human)


def _fail(exc: XinyongError, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(exc.to_dict(), ensure_ascii=False, default=str))
    else:
        typer.echo(f"错误：{exc.message}", err=True)
        if exc.details:
            typer.echo(json.dumps(exc.details, ensure_ascii=False, default=str), err=True)
    raise typer.Exit(2)


def operator(unit: str | None) -> Actor:
    """The CLI operator: the credit office, acting for ``unit`` when given."""
    return Actor(
        kind="cli",
        id="cli",
        name="命令行操作员",
        unit_key=unit,
        district_key=None,
        roles=frozenset({"credit_office_admin"}),
        permissions=frozenset(),
    )


def _entry(record_id: str, as_json: bool, run: Any) -> None:
    from xinyong.db import transaction
    from xinyong.kit import clock
    from xinyong.lists import queries

    try:
        with transaction() as session:
            rid = uuid.UUID(record_id)
            run(session, rid, clock.now(), clock.today())
            view = queries.entry_view(session, queries.entry(session, rid))
    except XinyongError as exc:
        _fail(exc, as_json)
    _out(
        view.model_dump(mode="json"),
        as_json,
        f"{view.subject_name} · {view.list_type_name}：{view.state_label}",
    )


@lists_app.command("propose")
def propose(
    list_type: Annotated[str, typer.Argument(help="名单类型代码")],
    subject_code: Annotated[str, typer.Argument(help="统一社会信用代码")],
    decision_no: Annotated[str, typer.Option("--decision-no", help="认定文号")],
    facts: Annotated[str, typer.Option("--facts", help="主要失信事实")],
    reasons: Annotated[str, typer.Option("--reasons", help="拟列入理由")],
    unit: UnitOpt = None,
    months: Annotated[int | None, typer.Option("--months", help="有效期（月）")] = None,
    as_json: JsonOpt = False,
) -> None:
    """拟列入：认定单位提出，生成尚未公示的名单记录。"""
    from xinyong.db import transaction
    from xinyong.kit import clock
    from xinyong.lists import queries, service
    from xinyong.lists.errors import ListInputInvalid
    from xinyong.subjects import service as subjects

    try:
        with transaction() as session:
            subject = subjects.find_by_code(session, subject_code)
            if subject is None:
                raise ListInputInvalid("主体不存在", details={"subject_code": subject_code})
            e = service.propose(
                session,
                list_type=list_type,
                subject=subject,
                decision_no=decision_no,
                facts=facts,
                reasons=reasons,
                valid_months=months,
                actor=operator(unit),
                now=clock.now(),
                today=clock.today(),
            )
            view = queries.entry_view(session, e)
    except XinyongError as exc:
        _fail(exc, as_json)
    _out(view.model_dump(mode="json"), as_json, f"已拟列入：{view.record_id}（{view.list_type_name}）")


@lists_app.command("notify")
def notify(
    record_id: str,
    unit: UnitOpt = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="另存告知书 PDF 到此路径")] = None,
    as_json: JsonOpt = False,
) -> None:
    """制作列入前告知书（PDF）。"""
    from xinyong.lists import service

    def run(session: Any, rid: uuid.UUID, now: dt.datetime, today: dt.date) -> None:
        notice = service.notify(session, record_id=rid, actor=operator(unit), now=now, today=today)
        if pdf is not None:
            pdf.write_bytes(notice.pdf)

    _entry(record_id, as_json, run)


@lists_app.command("serve")
def serve(
    record_id: str,
    served_on: Annotated[str, typer.Option("--on", help="送达日期 YYYY-MM-DD")],
    unit: UnitOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记告知书送达日期；异议期自送达之日起按工作日计算。"""
    from xinyong.lists import service

    def run(session: Any, rid: uuid.UUID, now: dt.datetime, today: dt.date) -> None:
        day = dt.date.fromisoformat(served_on)
        service.serve(session, record_id=rid, served_on=day, actor=operator(unit), now=now, today=today)

    _entry(record_id, as_json, run)


@lists_app.command("list")
def list_cmd(record_id: str, unit: UnitOpt = None, as_json: JsonOpt = False) -> None:
    """异议期届满后作出列入决定并公示。"""
    from xinyong.lists import service

    def run(session: Any, rid: uuid.UUID, now: dt.datetime, today: dt.date) -> None:
        service.list_entry(session, record_id=rid, actor=operator(unit), now=now, today=today)

    _entry(record_id, as_json, run)


@lists_app.command("exit")
def exit_cmd(
    record_id: str,
    kind: Annotated[str, typer.Option("--kind", help="expiry | repair | revocation")],
    reason: Annotated[str, typer.Option("--reason", help="移出原因")],
    unit: UnitOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """移出名单（届满、整改后提前移出、撤销），立即停止公示。"""
    from xinyong.lists import service
    from xinyong.lists.schemas import ExitKind

    def run(session: Any, rid: uuid.UUID, now: dt.datetime, today: dt.date) -> None:
        service.exit_entry(
            session,
            record_id=rid,
            kind=ExitKind(kind),
            reason=reason,
            actor=operator(unit),
            now=now,
            today=today,
        )

    _entry(record_id, as_json, run)


@lists_app.command("show")
def show(record_id: str, as_json: JsonOpt = False) -> None:
    """名单条目及其办理记录。"""
    from xinyong.db import transaction
    from xinyong.lists import queries

    try:
        with transaction() as session:
            rid = uuid.UUID(record_id)
            view = queries.entry_view(session, queries.entry(session, rid))
            events = [
                {
                    "version": e.version,
                    "step": e.step,
                    "on": e.dated,
                    "actor": e.actor_name,
                    "state": e.state,
                    "details": e.details,
                }
                for e in queries.events(session, rid)
            ]
    except XinyongError as exc:
        _fail(exc, as_json)
    data = {**view.model_dump(mode="json"), "events": events}
    lines = [f"{view.subject_name} · {view.list_type_name}：{view.state_label}"]
    lines += [f"  v{e['version']} {e['on']} {e['step']} {e['actor']}" for e in events]
    _out(data, as_json, "\n".join(lines))


@lists_app.command("types")
def types(as_json: JsonOpt = False) -> None:
    """名单类型及当前在列数。"""
    from xinyong.db import transaction
    from xinyong.kit import clock
    from xinyong.lists import queries

    with transaction() as session:
        specs = queries.list_types(session)
        counts = queries.counts_by_type(session, today=clock.today())
    rows = [
        {"code": t.code, "name": t.name, "kind": str(t.kind), "active": counts.get(t.code, 0)}
        for t in specs.values()
    ]
    _out(
        rows,
        as_json,
        "\n".join(f"{r['code']:<10} {r['name']}（{r['kind']}）在列 {r['active']}" for r in rows),
    )


def check(
    code: Annotated[str, typer.Argument(help="统一社会信用代码或身份证号码")],
    matter: Annotated[str, typer.Option("--matter", help="事项代码或名称，如 zfcg / 政府采购")],
    as_json: JsonOpt = False,
) -> None:
    """核查主体在某事项上适用的联合奖惩措施（结果存档）。"""
    from xinyong.db import transaction
    from xinyong.kit import clock
    from xinyong.kit.identifiers import normalise
    from xinyong.measures import service
    from xinyong.measures.schemas import CheckIn, SubjectRef

    value = normalise(code)
    ref = (
        SubjectRef(id_number=value)
        if len(value) in (15, 18) and value[:17].isdigit()
        else SubjectRef(code=value)
    )
    try:
        with transaction() as session:
            out = service.check(
                session,
                body=CheckIn(subject=ref, matter=matter),
                actor=operator(None),
                now=clock.now(),
                today=clock.today(),
            )
    except XinyongError as exc:
        _fail(exc, as_json)
    lines = [
        f"结果：{out.result.value}（{'已知主体' if out.known else '平台无该主体信息'}） 核查号 {out.check_id}"
    ]
    for h in out.hits:
        lines.append(
            f"  命中 {h.list_type_name or h.item} {h.listed_on} – {h.ends_on or ''} {h.authority or ''}"
        )
        lines += [f"    {'强制' if m.mandatory else '酌情'} {m.code} {m.name}" for m in h.measures]
    _out(out.model_dump(mode="json"), as_json, "\n".join(lines))


@measures_app.command("list")
def measures_list(as_json: JsonOpt = False) -> None:
    """措施清单。"""
    from xinyong.db import transaction
    from xinyong.measures import service

    with transaction() as session:
        c = service.compiled(session)
    rows = [
        {
            "code": m.code,
            "name": m.name,
            "kind": m.kind.value,
            "mandatory": m.mandatory,
            "verified": m.verified,
            "matters": m.matters,
        }
        for m in c.spec.measures
    ]
    _out(
        rows,
        as_json,
        "\n".join(
            f"{r['code']:<5} {r['kind']} {'强制' if r['mandatory'] else '酌情'} {r['name']}"
            f"{'' if r['verified'] else '（待核对）'}"
            for r in rows
        ),
    )


@measures_app.command("show")
def measures_show(code: str, as_json: JsonOpt = False) -> None:
    """一项措施的依据、触发条件与适用事项。"""
    from xinyong.db import transaction
    from xinyong.measures import service
    from xinyong.measures.errors import UnknownMeasure

    with transaction() as session:
        c = service.compiled(session)
    m = c.measures.get(code)
    if m is None:
        _fail(UnknownMeasure(f"没有措施 {code}", details={"known": sorted(c.measures)}), as_json)
        return
    _out(m.model_dump(mode="json"), as_json)


@measures_app.command("stats")
def measures_stats(
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM")] = None,
    matter: Annotated[str | None, typer.Option("--matter")] = None,
    as_json: JsonOpt = False,
) -> None:
    """核查、命中与措施实施统计（按月、事项、单位）。"""
    from xinyong.db import transaction
    from xinyong.measures import service

    with transaction() as session:
        rows = [r.model_dump() for r in service.stats(session, month=month, matter=matter)]
    header = "月份     事项  单位            核查  命中  限制  审查  激励  无  已实施 未实施"
    lines = [header] + [
        f"{r['month']}  {r['matter']:<5} {r['unit'] or '—':<14} {r['checks']:>5} {r['with_hits']:>5} "
        f"{r['restricted']:>5} {r['review']:>5} {r['incentive']:>5} {r['clear']:>3} {r['measures_applied']:>6} "
        f"{r['measures_not_applied']:>6}"
        for r in rows
    ]
    _out(rows, as_json, "\n".join(lines))
