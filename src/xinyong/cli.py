"""The ``xinyong`` command line (Typer): every operator capability, ``--json`` for scripts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import uuid
from typing import Annotated, Any

import typer
from sqlalchemy.exc import DBAPIError

from xinyong.auth.cli import clients_app, users_app
from xinyong.config import get_settings
from xinyong.errors import XinyongError
from xinyong.measures import cli as measures_cli
from xinyong.portal.cli import app as search_app

app = typer.Typer(help="Xinyong 公共信用信息平台 命令行", no_args_is_help=True, add_completion=False)
catalog_app = typer.Typer(help="信用信息目录", no_args_is_help=True)
profile_app = typer.Typer(help="城市配置", no_args_is_help=True)
subjects_app = typer.Typer(help="信用主体", no_args_is_help=True)
jobs_app = typer.Typer(help="定时任务", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(profile_app, name="profile")
app.add_typer(subjects_app, name="subjects")
app.add_typer(jobs_app, name="jobs")
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="clients")
app.add_typer(measures_cli.lists_app, name="lists")
app.add_typer(measures_cli.measures_app, name="measures")
app.command("check")(measures_cli.check)

from xinyong.ingestion import cli as ingestion_cli  # noqa: E402  (the ingestion domain's commands)

app.command("ingest")(ingestion_cli.ingest)
app.command("revoke")(ingestion_cli.revoke)
app.add_typer(ingestion_cli.batches_app, name="batches")
app.add_typer(ingestion_cli.quality_app, name="quality")
app.add_typer(search_app, name="search")

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


@app.callback()
def _wire() -> None:
    """Cross-domain hooks are registered before any command runs."""
    from xinyong import wiring

    wiring.wire()


def _default(o: Any) -> Any:
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    if isinstance(o, uuid.UUID):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    return str(o)


def emit(data: Any, as_json: bool, human: str | None = None) -> None:
    """Print ``data`` as JSON, or ``human`` text (falls back to indented JSON)."""
    if as_json or human is None:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=None if as_json else 2, default=_default))
    else:
        typer.echo(human)


def fail(exc: XinyongError, as_json: bool = False) -> None:
    if as_json:
        typer.echo(json.dumps(exc.to_dict(), ensure_ascii=False, default=_default))
    else:
        typer.echo(f"错误：{exc.message}", err=True)
        if exc.details:
            typer.echo(json.dumps(exc.details, ensure_ascii=False, default=_default), err=True)
    raise typer.Exit(2)


@app.command()
def init(as_json: JsonOpt = False) -> None:
    """建库（执行迁移）并加载城市配置与信用信息目录。"""
    from xinyong import bootstrap
    from xinyong.db import get_engine, transaction
    from xinyong.kit.actor import CLI

    try:
        bootstrap.migrate(get_engine())
        with transaction() as session:
            result = bootstrap.load_configuration(session, get_settings(), actor=CLI)
    except XinyongError as exc:
        fail(exc, as_json)
    prof, cat = result["profile"], result["catalog"]
    emit(
        result,
        as_json,
        f"已初始化：城市配置 {prof['profile']}（{prof['units']} 个单位，{prof['districts']} 个辖区），"
        f"目录 {cat['version']}（{cat['items']} 个事项）",
    )


@app.command()
def demo(
    subjects: Annotated[int, typer.Option("--subjects", help="主体数量")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（结果可复现）")] = 1,
    records_per_subject: Annotated[float, typer.Option("--records-per-subject")] = 5.0,
    workers: Annotated[int, typer.Option("--workers", help="生成数据的进程数")] = 2,
    as_json: JsonOpt = False,
) -> None:
    """生成并加载虚构的演示数据（生产环境禁止）。"""
    from xinyong.demo.loader import load_demo

    settings = get_settings()
    if settings.production:
        fail(XinyongError("生产环境禁止加载演示数据", code="demo_refused", status_code=409), as_json)
    try:
        result = load_demo(
            subjects=subjects,
            seed=seed,
            records_per_subject=records_per_subject,
            progress=not as_json,
            workers=workers,
        )
    except XinyongError as exc:
        fail(exc, as_json)
    batches = result["batches"]
    emit(
        result,
        as_json,
        f"演示数据已加载：{result['subjects']} 个主体，{result['records']} 条记录，"
        f"报送批次 {batches['submitted']} 个（待审核 {batches['pending']} 个），"
        f"用时 {result['seconds']:.1f} 秒",
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option()] = 1,
) -> None:
    """启动网站与接口服务。"""
    import uvicorn

    from xinyong.bootstrap import schema_revisions
    from xinyong.db import get_engine

    # Refused before it serves: every page would answer 500 on a database not (yet) at this code's schema.
    current, head = schema_revisions(get_engine())
    if current != head:
        problem = "尚未初始化" if current is None else f"的结构版本为 {current}，本程序需要 {head}"
        typer.echo(f"错误：数据库{problem}，请先运行 xinyong init", err=True)
        raise typer.Exit(2)
    uvicorn.run("xinyong.asgi:app", host=host, port=port, workers=workers, log_level="info")


@profile_app.command("show")
def profile_show(as_json: JsonOpt = False) -> None:
    """显示已加载的城市配置。"""
    from xinyong.db import transaction
    from xinyong.org import queries as org

    try:
        with transaction() as s:
            st = org.state(s)
            spec = org.profile_spec(s)
            units = [
                {
                    "key": u.key,
                    "name": u.name,
                    "district": u.district_key,
                    "uscc": u.uscc,
                    "uscc_placeholder": u.uscc_placeholder,
                }
                for u in org.units(s)
            ]
            data = {
                "name": st.name,
                "version": st.version,
                "demo_loaded": st.demo_loaded,
                "city": spec["city"],
                "portal": spec["portal"]["name"],
                "districts": [
                    {"key": d.key, "name": d.name, "division": d.division_code} for d in org.districts(s)
                ],
                "units": units,
            }
    except XinyongError as exc:
        fail(exc, as_json)
    lines = [f"{data['portal']}（{spec['city']['name']}）配置版本 {data['version']}", "辖区："]
    lines += [f"  {d['key']:<10} {d['name']} {d['division'] or '（无区划代码）'}" for d in data["districts"]]
    lines.append(f"单位（{len(units)} 个）：")
    lines += [f"  {u['key']:<18} {u['name']}" for u in units]
    emit(data, as_json, "\n".join(lines))


@catalog_app.command("list")
def catalog_list(as_json: JsonOpt = False) -> None:
    """列出目录事项。"""
    from xinyong.catalog import queries as catalog
    from xinyong.db import transaction

    with transaction() as s:
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "version": r.version,
                "sharing_level": r.sharing_level,
                "publicity_kind": r.publicity_kind,
            }
            for r in catalog.all_items(s)
        ]
    emit(
        rows,
        as_json,
        "\n".join(
            f"{r['code']:<10} {r['name']}（{r['sharing_level']}，{r['publicity_kind']}）" for r in rows
        ),
    )


@catalog_app.command("show")
def catalog_show(code: str, as_json: JsonOpt = False) -> None:
    """显示一个目录事项及其字段。"""
    from xinyong.catalog import queries as catalog
    from xinyong.db import transaction

    try:
        with transaction() as s:
            spec = catalog.item_spec(s, code).model_dump(mode="json")
    except XinyongError as exc:
        fail(exc, as_json)
    lines = [f"{spec['code']} {spec['name']}", "字段："]
    lines += [
        f"  {f['key']:<24} {f['label']}{'（必填）' if f['required'] else ''}"
        f"{'' if f['public'] else '（不公开）'}"
        for f in spec["fields"]
    ]
    emit(spec, as_json, "\n".join(lines))


@subjects_app.command("show")
def subjects_show(code: str, as_json: JsonOpt = False) -> None:
    """按统一社会信用代码或主体 ID 显示主体（含各来源的属性值）。"""
    from xinyong.db import transaction
    from xinyong.subjects import service
    from xinyong.subjects.models import Subject

    with transaction() as s:
        subject = service.find_by_code(s, code)
        if subject is None:
            try:
                subject = s.get(Subject, uuid.UUID(code))
            except ValueError:
                subject = None
        if subject is None:
            fail(XinyongError("未找到该主体", code="subject_not_found", status_code=404), as_json)
            return
        data: dict[str, Any] = {
            "id": subject.id,
            "kind": subject.kind,
            "category": subject.category,
            "uscc": subject.uscc,
            "name": subject.name,
            "legal_rep": subject.legal_rep,
            "district": subject.district_key,
            "industry": subject.industry,
            "status": subject.status,
            "provisional": subject.provisional,
            "identifiers": [
                {"type": i.id_type, "masked": i.masked, "valid": i.valid}
                for i in service.identifiers(s, subject)
            ],
            "sources": [
                {
                    "attr": a.attr,
                    "value": a.value,
                    "unit": a.source_unit_key,
                    "first_seen": a.first_seen,
                    "last_seen": a.last_seen,
                }
                for a in service.attributes(s, subject)
            ],
            "conflicts": service.conflicts(s, subject),
        }
    human = "\n".join(
        [
            f"{data['name']}（{data['uscc'] or data['id']}）",
            f"类别：{data['category']}  状态：{data['status']}",
            "来源：",
        ]
        + [f"  {x['attr']}={x['value']}（{x['unit']}）" for x in data["sources"]]
    )
    emit(data, as_json, human)


@jobs_app.command("run-due")
def jobs_run_due(as_json: JsonOpt = False) -> None:
    """运行所有到期的定时任务（由 cron 或 systemd timer 调用）。"""
    from xinyong import jobs
    from xinyong.jobs_registry import register_all

    register_all()
    result = jobs.run_due()
    emit(result, as_json, "\n".join(f"{k}: {v}" for k, v in result.items()) or "没有到期的任务")


@jobs_app.command("run")
def jobs_run(name: str, as_json: JsonOpt = False) -> None:
    """立即运行一个任务。"""
    from xinyong import jobs
    from xinyong.jobs_registry import register_all

    register_all()
    try:
        result = jobs.run(name)
    except XinyongError as exc:
        fail(exc, as_json)
    emit(result, as_json, f"{name}: {json.dumps(result, ensure_ascii=False, default=_default)}")


@jobs_app.command("list")
def jobs_list(as_json: JsonOpt = False) -> None:
    """列出已登记的任务。"""
    from xinyong import jobs
    from xinyong.jobs_registry import register_all

    register_all()
    rows = [{"name": j.name, "hour": j.hour, "description": j.description} for j in jobs.REGISTRY.values()]
    emit(rows, as_json, "\n".join(f"{r['name']:<32} 每日 {r['hour']} 时  {r['description']}" for r in rows))


def main() -> None:
    try:
        app()
    except XinyongError as exc:  # a business error that escaped a command
        typer.echo(f"错误：{exc.message}", err=True)
        sys.exit(2)
    except DBAPIError as exc:
        message = database_problem(exc)
        if message is None:
            raise
        typer.echo(f"错误：{message}", err=True)
        sys.exit(2)


def database_problem(exc: DBAPIError) -> str | None:
    """What an operator can do about a database error every command may meet — a database not yet
    initialised, or none answering — instead of a page of traceback; None for any other error."""
    text = str(exc.orig)
    if "no such table" in text or getattr(exc.orig, "sqlstate", None) == "42P01":
        return "数据库尚未初始化（缺少数据表），请先运行 xinyong init"
    if exc.connection_invalidated or ("connection" in text.lower() and "refused" in text.lower()):
        url = get_settings().database_url.rsplit("@", 1)[-1]
        return f"无法连接数据库 {url}：{text.strip().splitlines()[0]}"
    return None
