"""``xinyong ingest``, ``xinyong batches …``, ``xinyong quality report`` and ``xinyong revoke``.

The command line acts as the operator (credit-office powers) on behalf of ``--department``. Each
command is one transaction: a kill mid-way leaves nothing in the database.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from xinyong.auth.actor import Actor
from xinyong.errors import XinyongError

batches_app = typer.Typer(help="报送批次：查看、审核通过、退回、撤回", no_args_is_help=True)
quality_app = typer.Typer(help="数据质量", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


def cli_actor(unit_key: str | None) -> Actor:
    """The operator at the command line, acting for ``unit_key``."""
    return Actor(
        kind="cli",
        id="cli",
        name="命令行操作员",
        unit_key=unit_key,
        district_key=None,
        roles=frozenset({"credit_office_admin"}),
    )


def _default(o: Any) -> Any:
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    if isinstance(o, uuid.UUID):
        return str(o)
    return str(o)


def _emit(data: Any, as_json: bool, human: str) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, default=_default) if as_json else human)


def _fail(exc: XinyongError, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(exc.to_dict(), ensure_ascii=False, default=_default))
    else:
        typer.echo(f"错误：{exc.message}", err=True)
    raise typer.Exit(2)


def _count_lines(path: Path) -> int | None:
    if path.suffix.lower() not in (".csv", ".txt", ".jsonl", ".ndjson"):
        return None
    total = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            total += block.count(b"\n")
    return max(total, 1)


def _write_problems(session: Any, batch_id: uuid.UUID, target: Path) -> None:
    from xinyong.ingestion import exports, service

    problems = service.iter_problems(session, batch_id)
    data = (
        exports.problems_xlsx(problems)
        if target.suffix.lower() == ".xlsx"
        else exports.problems_csv(problems)
    )
    target.write_bytes(data)


def ingest(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV、XLSX、XLS 或 JSON Lines 文件")
    ],
    item: Annotated[str, typer.Option("--item", help="目录事项代码，如 xzcf_fr")],
    department: Annotated[str, typer.Option("--department", help="报送单位代码，如 shi_scjgj")],
    as_json: JsonOpt = False,
    errors_out: Annotated[
        Path | None, typer.Option("--errors-out", help="问题清单写入该文件（.csv 或 .xlsx）")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="CSV 编码（默认自动识别 UTF-8/GBK/GB18030）")
    ] = None,
    file_format: Annotated[str | None, typer.Option("--format", help="文件格式（默认按扩展名）")] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", help="列映射：列名=字段键，可重复")] = None,
    replaces: Annotated[
        uuid.UUID | None, typer.Option("--replaces", help="本文件更正的已退回批次编号（该批次转为已更正）")
    ] = None,
) -> None:
    """报送一个文件：读取、规范化、校验、关联主体并生成待审核批次（可信接口自动通过）。"""
    from xinyong.db import transaction
    from xinyong.ingestion import service
    from xinyong.kit import clock

    explicit = dict(m.split("=", 1) for m in (mapping or []) if "=" in m)
    lines = None if as_json else _count_lines(file)
    bar = typer.progressbar(length=lines or 0, label="读取并校验", file=sys.stderr) if lines else None
    try:
        with transaction() as session:
            try:
                sub = service.submit(
                    session,
                    path=file,
                    item_code=item,
                    unit_key=department,
                    actor=cli_actor(department),
                    now=clock.now(),
                    today=clock.today(),
                    file_format=file_format,
                    encoding=encoding,
                    mapping=explicit,
                    replaces=replaces,
                    progress=bar.update if bar is not None else None,
                    step=_step_printer(as_json, skip_first=bar is not None),
                )
            finally:
                if bar is not None:
                    bar.render_finish()
            summary = service.summary(session, sub.batch)
            if errors_out is not None:
                _write_problems(session, sub.batch.id, errors_out)
    except XinyongError as exc:
        _fail(exc, as_json)
        return
    if sub.batch.search_pending:
        _index_names(sub.batch.id, as_json)
    human = (
        f"批次 {summary['batch_id']}：{summary['rows']} 行，通过校验 {summary['accepted']}，"
        f"退回 {summary['rejected']}，警告 {summary['warnings']}，状态 {summary['status']}"
        + ("" if sub.new else "（与已报送批次相同，返回首次结果）")
    )
    for e in summary["errors"][:20]:
        human += f"\n  第 {e['row']} 行 {e['field'] or ''} [{e['code']}] {e['message']}"
    _emit(summary, as_json, human)
    if summary["status"] == "失败":
        raise typer.Exit(1)


def _index_names(batch_id: Any, as_json: bool) -> None:
    """After the commit: the batch's new organisations into the public name index (tasks)."""
    from xinyong.ingestion import tasks

    if not as_json:
        typer.echo("正在为新增主体建立名称检索索引（记录已上线，可按代码查询）…", err=True)
    tasks.index_pending_names(batch_id)


@batches_app.command("index-names")
def batches_index_names(as_json: JsonOpt = False) -> None:
    """为已通过的大批次补建新增主体的名称检索索引（通常报送后自动完成）。"""
    from xinyong.ingestion import tasks

    result = tasks.index_pending_names()
    _emit(result, as_json, f"已补建 {result['batches']} 个批次、{result['indexed']} 个主体的名称索引")


@batches_app.command("list")
def batches_list(
    department: Annotated[str | None, typer.Option("--department")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="待审核/入库中/已通过/已退回/已更正/已撤回/失败")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出报送批次。"""
    from xinyong.db import transaction
    from xinyong.ingestion import queries, service

    with transaction() as session:
        rows = [
            queries.listed(b)
            for b in service.list_batches(session, units=[department] if department else None, status=status)
        ]
    _emit(
        rows,
        as_json,
        "\n".join(
            f"{r['batch_id']} {r['status']} {r['item']} {r['unit']} {r['rows']} 行（通过 {r['accepted']}，退回 {r['rejected']}）"
            for r in rows
        )
        or "没有批次",
    )


@batches_app.command("show")
def batches_show(batch_id: str, as_json: JsonOpt = False) -> None:
    """显示一个批次及其问题。"""
    from xinyong.db import transaction
    from xinyong.ingestion import service

    try:
        with transaction() as session:
            batch = service.get(session, batch_id)
            data = service.detail(session, batch)
            data["errors"] = list(service.iter_problems(session, batch.id))
    except XinyongError as exc:
        _fail(exc, as_json)
        return
    human = json.dumps(data, ensure_ascii=False, indent=2, default=_default)
    _emit(data, as_json, human)


def _step_printer(as_json: bool, *, skip_first: bool = False) -> Callable[[str], None]:
    """Each step of a long submission or approval on stderr (``… 写入信用记录``); silent with --json.
    ``skip_first``: the progress bar already says the first step (reading)."""
    seen: list[str] = []

    def step(label: str) -> None:
        seen.append(label)
        if not as_json and not (skip_first and len(seen) == 1):
            typer.echo(f"… {label}", err=True)

    return step


def _review(action: str, batch_id: str, department: str | None, note: str | None, as_json: bool) -> None:
    from xinyong.db import transaction
    from xinyong.ingestion import service
    from xinyong.kit import clock

    try:
        with transaction() as session:
            batch = service.get(session, batch_id)
            actor = cli_actor(department or batch.unit_key)
            extra: dict[str, Any] = {}
            if action == "approve":
                result = service.approve(
                    session,
                    batch_id=batch.id,
                    actor=actor,
                    now=clock.now(),
                    note=note,
                    step=_step_printer(as_json),
                )
                extra = {"outcome": result.counts}
            elif action == "return":
                service.return_batch(
                    session, batch_id=batch.id, actor=actor, now=clock.now(), note=note or ""
                )
            else:
                service.withdraw(session, batch_id=batch.id, actor=actor, now=clock.now())
            data = {"batch_id": str(batch.id), "status": batch.status, **extra}
            pending = batch.search_pending
    except XinyongError as exc:
        _fail(exc, as_json)
        return
    if pending:
        _index_names(batch.id, as_json)
    _emit(
        data,
        as_json,
        f"批次 {data['batch_id']}：{data['status']}" + (f" {extra['outcome']}" if extra else ""),
    )


@batches_app.command("approve")
def batches_approve(
    batch_id: str,
    note: Annotated[str | None, typer.Option("--note")] = None,
    department: Annotated[str | None, typer.Option("--department")] = None,
    as_json: JsonOpt = False,
) -> None:
    """审核通过：批次各行写入信用记录并上线。"""
    _review("approve", batch_id, department, note, as_json)


@batches_app.command("return")
def batches_return(
    batch_id: str,
    note: Annotated[str, typer.Option("--note", help="退回原因")],
    department: Annotated[str | None, typer.Option("--department")] = None,
    as_json: JsonOpt = False,
) -> None:
    """退回修改。"""
    _review("return", batch_id, department, note, as_json)


@batches_app.command("withdraw")
def batches_withdraw(
    batch_id: str,
    department: Annotated[str | None, typer.Option("--department")] = None,
    as_json: JsonOpt = False,
) -> None:
    """审核前撤回。"""
    _review("withdraw", batch_id, department, None, as_json)


@batches_app.command("feed")
def batches_feed(
    item: Annotated[str, typer.Option("--item")],
    department: Annotated[str, typer.Option("--department")],
    mapping: Annotated[list[str] | None, typer.Option("--map", help="列名=字段键，可重复")] = None,
    trusted: Annotated[bool, typer.Option("--trusted/--reviewed", help="可信接口：自动审核通过")] = False,
    as_json: JsonOpt = False,
) -> None:
    """保存单位的列映射与是否为可信接口。"""
    from xinyong.db import transaction
    from xinyong.ingestion import service
    from xinyong.kit import clock

    pairs = dict(m.split("=", 1) for m in (mapping or []) if "=" in m)
    try:
        with transaction() as session:
            service.save_feed(
                session,
                unit_key=department,
                item_code=item,
                mapping=pairs,
                trusted=trusted,
                actor=cli_actor(department),
                now=clock.now(),
            )
    except XinyongError as exc:
        _fail(exc, as_json)
        return
    _emit({"unit": department, "item": item, "mapping": pairs, "trusted": trusted}, as_json, "已保存")


@quality_app.command("report")
def quality_report(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM")],
    department: Annotated[str | None, typer.Option("--department")] = None,
    as_json: JsonOpt = False,
) -> None:
    """各单位某月的数据质量：完整性、准确性、及时性、一致性、重复率。"""
    from xinyong.db import transaction
    from xinyong.ingestion import quality

    try:
        with transaction() as session:
            rows = [q.as_dict() for q in quality.report(session, month=month, unit_key=department)]
    except XinyongError as exc:
        _fail(exc, as_json)
        return

    def pct(ind: dict[str, Any]) -> str:
        return "—" if ind["value"] is None else f"{ind['value'] * 100:.1f}%"

    lines = [f"{month} 数据质量（完整性 / 准确性 / 及时性 / 一致性 / 重复率）"]
    lines += [
        f"  {r['unit_name']:<20} {pct(r['completeness'])} / {pct(r['accuracy'])} / {pct(r['timeliness'])}"
        f" / {pct(r['consistency'])} / {pct(r['duplicates'])}"
        for r in rows
    ]
    _emit(rows, as_json, "\n".join(lines))


def revoke(
    file: Annotated[Path | None, typer.Argument(help="撤销文件：自然键列 + 撤销原因 + 撤销日期")] = None,
    item: Annotated[str | None, typer.Option("--item")] = None,
    department: Annotated[str | None, typer.Option("--department")] = None,
    record: Annotated[str | None, typer.Option("--record", help="单条记录 ID")] = None,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    on: Annotated[str | None, typer.Option("--on", help="撤销日期 YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """撤销决定（已撤销）：按文件或单条记录；记录即时下线，3 个工作日时限留痕。"""
    from xinyong.db import transaction
    from xinyong.ingestion import revocations
    from xinyong.kit import clock

    actor = cli_actor(department)
    try:
        with transaction() as session:
            if file is not None:
                if not item:
                    raise XinyongError("按文件撤销须指定 --item", code="invalid", status_code=422)
                res = revocations.revoke_file(
                    session, path=file, item_code=item, actor=actor, now=clock.now()
                )
                data: dict[str, Any] = {"revoked": res.revoked, "errors": res.problems}
            elif record and reason:
                row = revocations.revoke(
                    session,
                    record_id=uuid.UUID(record),
                    reason=reason,
                    revoked_on=dt.date.fromisoformat(on) if on else clock.today(),
                    actor=actor,
                    now=clock.now(),
                )
                data = {"revoked": 1, "deadline": row.deadline, "on_time": row.on_time, "errors": []}
            else:
                raise XinyongError("请给出撤销文件，或 --record 与 --reason", code="invalid", status_code=422)
    except XinyongError as exc:
        _fail(exc, as_json)
        return
    _emit(
        data,
        as_json,
        f"已撤销 {data['revoked']} 条"
        + "".join(f"\n  第 {e['row']} 行 [{e['code']}] {e['message']}" for e in data["errors"]),
    )
