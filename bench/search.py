"""Search latency: the gram index against a naive ``LIKE '%q%'`` scan, in the same run.

Measures p50/p95/p99 for 1-, 2-, 3- and 5-character name fragments and for code look-ups, at the
query layer (``records.queries.search_subjects``: ranked first page + capped count + public
re-checks) and through HTTP (``GET /api/v1/search`` on a local uvicorn, keep-alive), beside the
naive baseline (first page ranked the same way + capped count, by ``LIKE`` over ``subjects``).

    python bench/search.py --database sqlite:///var/bench1m.db          # an existing demo database
    python bench/search.py --smoke                                      # CI: a tiny fresh SQLite demo

Queries are random substrings of random indexed names (seeded), so each has at least one match.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from xinyong import bootstrap, db
from xinyong.config import get_settings
from xinyong.kit import clock
from xinyong.kit.actor import CLI
from xinyong.records import queries
from xinyong.subjects.models import Subject, SubjectSearchDoc, SubjectSearchGram

CLASSES = ("1 字", "2 字", "3 字", "5 字", "代码")


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    s = sorted(samples)
    q = statistics.quantiles(s, n=100, method="inclusive") if len(s) > 1 else [s[0]] * 99
    return q[49], q[94], q[98]


def make_queries(session: Session, per_class: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    max_doc = session.scalar(select(func.max(SubjectSearchDoc.doc_id))) or 0
    out: dict[str, list[str]] = {c: [] for c in CLASSES}
    lengths = {"1 字": 1, "2 字": 2, "3 字": 3, "5 字": 5}
    while any(len(v) < per_class for v in out.values()):
        row = session.execute(
            select(SubjectSearchDoc.norm_name, Subject.uscc)
            .join(Subject, Subject.id == SubjectSearchDoc.subject_id)
            .where(SubjectSearchDoc.doc_id >= rng.randint(1, max_doc))
            .order_by(SubjectSearchDoc.doc_id)
            .limit(1)
        ).first()
        if row is None:
            continue
        name, code = row
        for cls, n in lengths.items():
            if len(out[cls]) < per_class and len(name) >= n:
                i = rng.randint(0, len(name) - n)
                out[cls].append(name[i : i + n])
        if code and len(out["代码"]) < per_class:
            out["代码"].append(code)
    return out


def time_each(fn: Callable[[str], Any], qs: list[str]) -> list[float]:
    out = []
    for q in qs:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def naive(session: Session) -> Callable[[str], Any]:
    """Same answer shape without the index: ranked first page and capped count by LIKE '%q%'."""
    exact_code = select(Subject.id).where(Subject.uscc == text(":q"))

    def run(q: str) -> Any:
        pattern = "%" + q.replace("%", r"\%").replace("_", r"\_") + "%"
        cond = Subject.name.like(pattern, escape="\\")
        session.execute(exact_code, {"q": q}).all()
        session.scalar(
            select(func.count()).select_from(select(Subject.id).where(cond).limit(1001).subquery())
        )
        return session.execute(
            select(Subject.id, Subject.name)
            .where(cond)
            .order_by(
                (Subject.name != q),
                ~Subject.name.like(q.replace("%", r"\%") + "%", escape="\\"),
                func.length(Subject.name),
                Subject.id,
            )
            .limit(20)
        ).all()

    return run


def trigram(session: Session, qs: dict[str, list[str]], n: int) -> dict[str, list[float]]:
    """The naive query again with a pg_trgm GIN index on subjects.name (the issue's known trap)."""
    session.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    session.execute(text("CREATE INDEX bench_subjects_name_trgm ON subjects USING gin (name gin_trgm_ops)"))
    session.execute(text("ANALYZE subjects"))
    try:
        return {cls: time_each(naive(session), qs[cls][:n]) for cls in CLASSES}
    finally:
        session.rollback()  # drops the index again


class Server:
    """The real app on a local port (rate limits lifted for the benchmark)."""

    def __init__(self) -> None:
        import socket

        import uvicorn

        from xinyong.app import create_app
        from xinyong.portal.ratelimit import Limit

        app = create_app()
        app.state.rate_limiter.limits = {k: Limit(1e9, 1e9) for k in ("search", "pages")}
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port)

    def get(self, q: str) -> Any:
        self.conn.request("GET", "/api/v1/search?q=" + urllib.parse.quote(q))
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}: {body[:200]!r}")
        return json.loads(body)

    def stop(self) -> None:
        self.conn.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)


def smoke_engine(subjects: int) -> Engine:
    from xinyong.demo.loader import load_demo

    path = Path(tempfile.mkdtemp()) / "bench-search.db"
    engine = db.make_engine(f"sqlite:///{path}")
    bootstrap.migrate(engine)
    with Session(bind=engine) as s:
        bootstrap.load_configuration(s, get_settings(), actor=CLI)
        s.commit()
    db.set_engine(engine)
    load_demo(subjects=subjects, seed=1)
    return engine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--database", help="SQLAlchemy URL of a database holding demo data (default: XINYONG_DATABASE_URL)"
    )
    ap.add_argument("--smoke", action="store_true", help="tiny fresh SQLite demo, few queries (CI)")
    ap.add_argument("--subjects", type=int, default=2000, help="demo size for --smoke")
    ap.add_argument("--queries", type=int, default=200, help="queries per class (index paths)")
    ap.add_argument("--naive-queries", type=int, default=20, help="queries per class for the naive scan")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument(
        "--pg-trgm",
        action="store_true",
        help="PostgreSQL: also time the same LIKE with a pg_trgm GIN index on subjects.name (built, then dropped)",
    )
    args = ap.parse_args()

    if args.smoke:
        engine = smoke_engine(args.subjects)
        args.queries, args.naive_queries = 10, 3
    else:
        url = args.database or os.environ.get("XINYONG_DATABASE_URL") or get_settings().database_url
        engine = db.make_engine(url)
        db.set_engine(engine)
    today = clock.today()
    with Session(bind=engine) as session:
        n_subjects = session.scalar(select(func.count()).select_from(Subject)) or 0
        n_docs = session.scalar(select(func.count()).select_from(SubjectSearchDoc)) or 0
        n_grams = session.scalar(select(func.count()).select_from(SubjectSearchGram)) or 0
        qs = make_queries(session, args.queries, args.seed)

        def layer(q: str) -> Any:
            return queries.search_subjects(session, q, today=today)

        for cls in CLASSES:  # one untimed pass: figures are for a warm index, as under steady traffic
            for q in qs[cls]:
                layer(q)
        results: dict[str, dict[str, list[float]]] = {"查询层（索引）": {}, "查询层（LIKE 全表扫描）": {}}
        for cls in CLASSES:
            results["查询层（索引）"][cls] = time_each(layer, qs[cls])
            results["查询层（LIKE 全表扫描）"][cls] = time_each(naive(session), qs[cls][: args.naive_queries])
        if args.pg_trgm and engine.dialect.name == "postgresql":
            results["查询层（pg_trgm GIN + LIKE）"] = trigram(session, qs, args.naive_queries)
    if not args.no_http:
        server = Server()
        try:
            for q in qs["2 字"][:20]:
                server.get(q)
            results["HTTP（索引）"] = {cls: time_each(server.get, qs[cls]) for cls in CLASSES}
        finally:
            server.stop()

    print(f"## {engine.dialect.name}: {n_subjects:,} subjects, {n_docs:,} indexed, {n_grams:,} postings")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}; Python {platform.python_version()}"
    )
    print()
    print("| path | query | n | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---:|---:|---:|---:|")
    for path, by_cls in results.items():
        for cls, samples in by_cls.items():
            p50, p95, p99 = percentiles(samples)
            print(f"| {path} | {cls} | {len(samples)} | {p50:.2f} | {p95:.2f} | {p99:.2f} |")
    engine.dispose()


if __name__ == "__main__":
    main()
