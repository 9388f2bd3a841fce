"""Benchmark: generate and load N demo subjects (≈5 records each) on SQLite and PostgreSQL.

Beside the platform's bulk load it times, in the same run and on the same rows, a raw bulk
insert (the same driver path — executemany on SQLite, COPY on PostgreSQL) into bare copies of
the four tables with no keys, indexes or constraints: the floor any loader could reach. The
platform's load is its writes plus rebuilding the indexes it deferred.

    python bench/demo.py --subjects 1000000 --db sqlite,postgresql
    python bench/demo.py --subjects 2000 --smoke          # CI: tiny, prints figures, writes nothing
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import ensure_pg_database, fresh_engine  # noqa: E402
from xinyong import bootstrap, db  # noqa: E402
from xinyong.config import get_settings  # noqa: E402
from xinyong.demo import loader  # noqa: E402
from xinyong.demo.generator import Chunk  # noqa: E402
from xinyong.kit import bulk  # noqa: E402
from xinyong.kit.actor import CLI  # noqa: E402

PG_URL = os.environ.get("XINYONG_BENCH_PG_URL", "postgresql://postgres:postgres@127.0.0.1:5432/xinyong_bench")


def raw_tables(conn: Connection) -> dict[str, Table]:
    """Bare copies (same columns and types, no keys/indexes/constraints) of the loaded tables."""
    md = MetaData()
    out = {}
    for t in loader.TABLES:
        name = f"raw_{t.name}"
        conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
        raw = Table(name, md, *[Column(c.name, c.type) for c in t.columns])
        raw.create(conn)
        out[t.name] = raw
    return out


def run(url: str, subjects: int, workers: int) -> dict[str, Any]:
    engine = fresh_engine(url)
    bootstrap.migrate(engine)
    with Session(bind=engine) as s:
        bootstrap.load_configuration(s, get_settings(), actor=CLI)
        s.commit()
    db.set_engine(engine)
    raw_seconds = 0.0
    with engine.begin() as conn:
        raws = raw_tables(conn)

    def raw_insert(conn: Connection, chunk: Chunk) -> None:
        nonlocal raw_seconds
        t0 = time.perf_counter()
        for name, rows in (
            ("subjects", chunk.subjects),
            ("subject_identifiers", chunk.identifiers),
            ("subject_attributes", chunk.attributes),
            ("credit_records", chunk.records),
        ):
            if rows:
                bulk.write(conn, raws[name], rows)
        raw_seconds += time.perf_counter() - t0

    started = time.perf_counter()
    result = loader.load_demo(subjects=subjects, seed=1, workers=workers, after_chunk=raw_insert)
    wall = time.perf_counter() - started
    with engine.begin() as conn:
        for raw in raws.values():
            raw.drop(conn)
    db.set_engine(None)
    engine.dispose()
    t = result["timings"]
    load = t["write"] + t["index"]
    rows = result["subjects"] + result["identifiers"] + result["attributes"] + result["records"]
    return {
        "db": engine.dialect.name,
        "subjects": result["subjects"],
        "records": result["records"],
        "rows": rows,
        "generate_cpu_s": t["generate"],
        "generate_wait_s": t["generate_wait"],
        "load_write_s": t["write"],
        "load_index_s": t["index"],
        "load_s": load,
        "raw_s": raw_seconds,
        "ratio": load / raw_seconds if raw_seconds else float("nan"),
        "wall_s": wall - raw_seconds,
        "rows_per_s": rows / load if load else float("nan"),
    }


def table(results: list[dict[str, Any]]) -> str:
    head = (
        "| database | subjects | records | all rows | generate (CPU s) | load: write + index (s) | "
        "raw insert (s) | load ÷ raw | whole run (s) | rows/s |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in results:
        lines.append(
            f"| {r['db']} | {r['subjects']:,} | {r['records']:,} | {r['rows']:,} | {r['generate_cpu_s']:.0f} | "
            f"{r['load_write_s']:.0f} + {r['load_index_s']:.0f} = {r['load_s']:.0f} | {r['raw_s']:.0f} | "
            f"{r['ratio']:.2f} | {r['wall_s']:.0f} | {r['rows_per_s']:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI: print, record nothing")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "demo.md")
    args = parser.parse_args()
    results = []
    for kind in args.db.split(","):
        if kind == "sqlite":
            path = ROOT / "bench" / "out" / "demo.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{path}"
        else:
            url = PG_URL + ("_smoke" if args.smoke else "")
            ensure_pg_database(url)
        r = run(url, args.subjects, args.workers)
        print({k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()}, flush=True)
        results.append(r)
    print(table(results))
    if args.smoke:
        return
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    args.out.write_text(
        "# Demo data: generate and load\n\n"
        f"Run {dt.date.today()} on {platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()}), "
        f"`python bench/demo.py --subjects {args.subjects} --workers {args.workers}`; peak RSS of the loader "
        f"process {peak:,.0f} MB. Generation runs in {args.workers} forked processes ahead of the writer, so "
        "its CPU seconds overlap the load.\n\n" + table(results) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
