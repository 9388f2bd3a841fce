"""``xinyong search …``: operator commands for the public search index."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.db import get_engine
from xinyong.kit import clock
from xinyong.kit.actor import CLI
from xinyong.records import queries
from xinyong.subjects import search

app = typer.Typer(help="公开查询索引", no_args_is_help=True)


@app.command("rebuild")
def rebuild(as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False) -> None:
    """重建公开查询索引（全部组织，以及有公示中记录的自然人）。"""
    started = time.perf_counter()
    with get_engine().begin() as conn:
        session = Session(bind=conn)
        result = search.rebuild(conn, persons=queries.public_person_ids(session, today=clock.today()))
        audit.record(
            session, actor=CLI, action="portal.search_rebuilt", target_type="search_index", details=result
        )
        session.flush()
    search.vacuum(get_engine())
    seconds = time.perf_counter() - started
    if as_json:
        typer.echo(json.dumps({**result, "seconds": seconds}))
    else:
        typer.echo(
            f"已重建查询索引：{result['docs']} 个主体，{result['grams']} 条索引项，用时 {seconds:.1f} 秒"
        )
