"""Loading demo data through the bulk paths, in one transaction, with one audit row per batch.

On empty tables the secondary indexes are dropped for the load and built again afterwards (a
fresh load); with ``replace`` the previous demo data is removed first. Real data is never
touched: a database holding subjects that were not loaded by ``demo`` refuses the load.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, cast

import typer
from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.catalog import queries as catalog
from xinyong.catalog.models import CatalogItem
from xinyong.db import get_engine
from xinyong.demo.generator import Context, Generator
from xinyong.errors import Conflict
from xinyong.kit import bulk, clock
from xinyong.kit.actor import CLI
from xinyong.org import queries as org
from xinyong.org import service as org_service
from xinyong.records import queries as record_queries
from xinyong.records.models import CreditRecord
from xinyong.records.rules import current_rules
from xinyong.subjects import search
from xinyong.subjects.models import Subject, SubjectAttribute, SubjectIdentifier

SUBJECTS = cast(Table, Subject.__table__)
IDENTIFIERS = cast(Table, SubjectIdentifier.__table__)
ATTRIBUTES = cast(Table, SubjectAttribute.__table__)
RECORDS = cast(Table, CreditRecord.__table__)
TABLES = (SUBJECTS, IDENTIFIERS, ATTRIBUTES, RECORDS)


def build_context(session: Session, *, batch_id: uuid.UUID) -> Context:
    units = org.units(session)
    items = catalog.all_specs(session)
    return Context(
        items=items,
        item_versions={r.code: r.version for r in session.scalars(select(CatalogItem))},
        rules=current_rules(session),
        units_by_uscc={u.uscc: u.key for u in units},
        unit_uscc={u.key: u.uscc for u in units},
        unit_names={u.key: u.name for u in units},
        today=clock.today(),
        now=clock.now(),
        batch_id=batch_id,
    )


def _clear(conn: Connection) -> None:
    tables = [
        "subject_search_grams",
        "subject_search_docs",
        "credit_record_versions",
        "credit_records",
        "subject_attributes",
        "subject_identifiers",
        "subjects",
    ]
    if conn.dialect.name == "postgresql":
        conn.execute(text("TRUNCATE " + ", ".join(tables)))
    else:
        for t in tables:
            conn.execute(text(f"DELETE FROM {t}"))


def load_demo(
    *,
    subjects: int,
    seed: int = 1,
    records_per_subject: float = 5.0,
    progress: bool = False,
    chunk_size: int = 20_000,
    replace: bool = True,
) -> dict[str, Any]:
    """Generate and load ``subjects`` fictitious subjects with their records; returns counts and seconds."""
    started = time.perf_counter()
    engine = get_engine()
    batch_id = uuid.uuid4()
    with engine.begin() as conn:
        session = Session(bind=conn)
        if not org.demo_loaded(session):
            existing = session.scalar(select(func.count()).select_from(Subject)) or 0
            if existing:
                raise Conflict("数据库中已有非演示数据，拒绝加载演示数据", code="demo_refused")
        if replace:
            _clear(conn)
        ctx = build_context(session, batch_id=batch_id)
        gen = Generator(ctx, seed=seed, records_per_subject=records_per_subject)
        counts = {"subjects": 0, "identifiers": 0, "attributes": 0, "records": 0}
        timings = {"generate": 0.0, "write": 0.0, "index": 0.0}
        deferred = bulk.DeferredIndexes(conn, TABLES)
        deferred.__enter__()
        bar = typer.progressbar(length=subjects, label="生成并写入演示数据") if progress else None
        try:
            for chunk_no, start in enumerate(range(0, subjects, chunk_size)):
                t0 = time.perf_counter()
                chunk = gen.chunk(chunk_no, start, min(chunk_size, subjects - start))
                t1 = time.perf_counter()
                counts["subjects"] += bulk.write(conn, SUBJECTS, chunk.subjects) if chunk.subjects else 0
                if chunk.identifiers:
                    counts["identifiers"] += bulk.write(conn, IDENTIFIERS, chunk.identifiers)
                counts["attributes"] += bulk.write(conn, ATTRIBUTES, chunk.attributes)
                if chunk.records:
                    counts["records"] += bulk.write(conn, RECORDS, chunk.records)
                timings["generate"] += t1 - t0
                timings["write"] += time.perf_counter() - t1
                if bar is not None:
                    bar.update(len(chunk.subjects))
        finally:
            if bar is not None:
                bar.render_finish()
        t2 = time.perf_counter()
        deferred.__exit__(None, None, None)
        timings["index"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        counts["search_docs"] = search.rebuild(
            conn, persons=record_queries.public_person_ids(session, today=ctx.today)
        )["docs"]
        timings["search_index"] = time.perf_counter() - t3
        org_service.mark_demo(session, loaded=True)
        result: dict[str, Any] = {**counts, "seed": seed, "batch_id": str(batch_id)}
        audit.record(
            session,
            actor=CLI,
            action="demo.loaded",
            target_type="demo",
            target_id=str(batch_id),
            details=result,
            batch_id=batch_id,
        )
        session.flush()
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE subjects, credit_records, subject_attributes, subject_identifiers"))
    search.vacuum(engine)
    result["seconds"] = time.perf_counter() - started
    result["timings"] = timings
    return result
