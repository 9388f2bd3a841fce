"""Ingestion benchmark: a generated penalty CSV (default 1,000,000 rows) through ``xinyong ingest`` end to end
(read → normalise → validate → link → stage → approve → set-based apply, one transaction, trusted feed)
on SQLite and PostgreSQL, beside the raw baseline of the same rows in the same run: PostgreSQL ``COPY``
of the CSV into a plain 17-column text table, SQLite ``executemany`` of the same rows into one.

Each phase runs in its own process so its peak memory (ru_maxrss) is its own. Usage::

    .venv/bin/python bench/ingest.py                 # 1M rows, SQLite and PostgreSQL, writes docs/benchmarks/ingest.md
    .venv/bin/python bench/ingest.py --smoke         # 2,000 rows, no figures recorded (CI)
    .venv/bin/python bench/ingest.py --rows 200000 --databases sqlite
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The national penalty template as a unit sends it, and shi_scjgj's code: shared with the test fixtures.
from tests.data.ingest.make_fixtures import HEADER, SCJGJ  # noqa: E402

TYPES = ("罚款", "警告", "罚款;没收违法所得", "通报批评", "警告；罚款")
DATES = ("2026-08-31", "2026/9/1", "2026年9月2日", "20260903", "46269")


def generate(path: Path, rows: int, fmt: str, *, year: int = 2026) -> None:
    """A realistic penalty file: mixed date forms, amounts in 元 with separators, unique decisions.
    Row ``i`` always names the same firm; ``year`` numbers the decisions (another year: new records of
    the same firms)."""
    from xinyong.kit.identifiers import make_uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh) if fmt == "csv" else None
        if w is not None:
            w.writerow(HEADER)
        for i in range(rows):
            n, body = i, ""
            for _ in range(6):
                n, r = divmod(n, 31)
                body = alphabet[r] + body
            types = TYPES[i % len(TYPES)]
            fine = f"{(i % 9000) + 100:,}元" if "罚款" in types else ""
            values = [
                f"常州基准{i}贸易有限公司",
                "法人及非法人组织",
                make_uscc("9", "1", "320412", "MB" + body),
                "王五",
                f"常市监罚〔{year}〕{i}号",
                "虚假宣传",
                "经查，当事人在其经营场所发布虚假广告，违反了相关规定。",
                "《中华人民共和国广告法》第五十五条",
                types,
                "依法处罚",
                fine,
                DATES[i % len(DATES)],
                "2027-08-31",
                "常州市市场监督管理局",
                SCJGJ,
                "常州市市场监督管理局",
                SCJGJ,
            ]
            if w is not None:
                w.writerow(values)
            else:
                fh.write(json.dumps(dict(zip(HEADER, values, strict=True)), ensure_ascii=False) + "\n")


def _cpu_self() -> float:
    """CPU seconds of this process and of its finished children (the staging worker processes)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _server_pid(conn: object) -> int | None:
    """The PostgreSQL backend's process id, when the server runs on this machine (else None)."""
    from sqlalchemy import text

    pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())  # type: ignore[attr-defined]
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def _cpu_of(pid: int | None) -> float:
    """CPU seconds (user + system) a local process has used so far; 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _prepare(url: str) -> None:
    from sqlalchemy.orm import Session

    from tests.conftest import fresh_engine
    from xinyong import bootstrap
    from xinyong.config import get_settings
    from xinyong.kit.actor import CLI

    if url.startswith("postgresql"):
        from tests.conftest import ensure_pg_database

        ensure_pg_database(url)
    engine = fresh_engine(url)
    bootstrap.migrate(engine)
    with Session(bind=engine) as s:
        bootstrap.load_configuration(s, get_settings(), actor=CLI)
        s.commit()
    engine.dispose()


def phase_ingest(url: str, path: Path) -> dict[str, float]:
    """Child process: one end-to-end ingest of ``path`` (trusted feed: applied in the same transaction),
    its name-index follow-up and (PostgreSQL) the write floor; then the same firms' next file — new
    decisions, subjects and names already known — end to end again."""
    from xinyong import db
    from xinyong.ingestion import service
    from xinyong.ingestion.cli import cli_actor
    from xinyong.kit import clock

    _prepare(url)
    db.set_engine(db.make_engine(url))
    actor = cli_actor("shi_scjgj")
    with db.transaction() as s:
        service.save_feed(
            s,
            unit_key="shi_scjgj",
            item_code="xzcf_fr",
            mapping={},
            trusted=True,
            actor=actor,
            now=clock.now(),
        )
    first = _timed_submit(url, path, actor)
    # The first submission's workers: later ones inherit this process's high-water mark through
    # ru_maxrss when spawned (see _peak_mb), which would overstate theirs.
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # After the commit, as `xinyong ingest` does: the new organisations into the public name index.
    from xinyong.ingestion import tasks

    t1 = time.perf_counter()
    indexed = tasks.index_pending_names(first["batch_id"])["indexed"]
    names_seconds = time.perf_counter() - t1
    floor = _write_floor(url, path.parent) if url.startswith("postgresql") else {}
    # The next month's file of the same firms (new decisions): subjects and their names are known now.
    again = path.with_name(f"again{path.suffix}")
    generate(again, int(first["rows"]), "csv" if path.suffix == ".csv" else "jsonl", year=2027)
    subjects_before = _subjects(url)
    second = _timed_submit(url, again, actor)
    assert _subjects(url) == subjects_before, "the second file must not create subjects"
    again.unlink()
    return {
        "seconds": first["seconds"],
        "rows": first["rows"],
        "created": first["created"],
        "cpu": first["cpu"],
        "server_cpu": first["server_cpu"],
        "names_seconds": names_seconds,
        "names_indexed": indexed,
        "again_seconds": second["seconds"],
        "again_created": second["created"],
        "again_cpu": second["cpu"],
        "again_server_cpu": second["server_cpu"],
        "worker_peak_mb": workers_mb,
        **floor,
    }


def _timed_submit(url: str, path: Path, actor: Any) -> dict[str, Any]:
    """One end-to-end submission of ``path`` (trusted feed): wall time, CPU of this process with its
    workers and of its PostgreSQL backend, rows and records created."""
    from xinyong import db
    from xinyong.ingestion import service
    from xinyong.kit import clock

    t0 = time.perf_counter()
    c0 = _cpu_self()
    with db.transaction() as s:
        pid = _server_pid(s) if url.startswith("postgresql") else None
        s0 = _cpu_of(pid)
        sub = service.submit(
            s,
            path=path,
            item_code="xzcf_fr",
            unit_key="shi_scjgj",
            actor=actor,
            now=clock.now(),
            today=clock.today(),
        )
        assert sub.applied is not None, service.summary(s, sub.batch)
        created = sub.applied.counts["created"]
        s.flush()
        server = _cpu_of(pid) - s0
    return {
        "seconds": time.perf_counter() - t0,
        "cpu": _cpu_self() - c0,
        "server_cpu": server,
        "rows": sub.batch.rows,
        "created": created,
        "batch_id": sub.batch.id,
    }


def _subjects(url: str) -> int:
    from sqlalchemy import func, select

    from xinyong import db
    from xinyong.subjects.models import Subject

    with db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(Subject)) or 0)


def _copy_file(conn: Any, sql: str, file: Path, *, into_database: bool) -> None:
    """PostgreSQL ``COPY … FROM STDIN`` from ``file`` or ``COPY … TO STDOUT`` into it, 1 MB at a time."""
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(sql) as copy, file.open("rb" if into_database else "wb") as fh:
        if into_database:
            while block := fh.read(1 << 20):
                copy.write(block)
        else:
            for data in copy:
                fh.write(data)


#: The tables every design must write for a file of new firms' penalties, in foreign-key order.
FLOOR_TABLES = ("subjects", "subject_attributes", "credit_records")


def _write_floor(url: str, tmp: Path) -> dict[str, float]:
    """PostgreSQL: the floor of the write side alone. The run's own results (the provisional subjects,
    their names, the records) are exported, then loaded by binary COPY — no parsing, no client work —
    into empty copies of their tables with the same indexes and foreign keys, in one transaction, as a
    batch must be applied. Staging (kept for review) is left out. The copies are dropped afterwards."""
    from sqlalchemy import text

    from xinyong import db

    engine = db.make_engine(url)
    files = {t: tmp / f"floor-{t}.bin" for t in FLOOR_TABLES}
    fk_names: list[tuple[str, str]] = []
    with engine.begin() as conn:
        for table, file in files.items():
            _copy_file(conn, f"COPY {table} TO STDOUT (FORMAT binary)", file, into_database=False)
        for table in FLOOR_TABLES:
            conn.execute(text(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)"))
            fks = conn.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = CAST(:t AS regclass) AND contype = 'f'"
                ).bindparams(t=table)
            ).all()
            for name, definition in fks:
                fk_names.append((table, name))
                for target in FLOOR_TABLES:
                    definition = definition.replace(f"REFERENCES {target}(", f"REFERENCES floor_{target}(")
                conn.execute(text(f"ALTER TABLE floor_{table} ADD CONSTRAINT floor_{name} {definition}"))
    result: dict[str, float] = {}
    for variant in ("floor", "floor_nofk"):
        if variant == "floor_nofk":  # the same again without the foreign keys: what their checks cost
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(f'floor_{t}' for t in FLOOR_TABLES)}"))
                for table, name in fk_names:
                    conn.execute(text(f"ALTER TABLE floor_{table} DROP CONSTRAINT floor_{name}"))
        t0 = time.perf_counter()
        with engine.begin() as conn:
            pid = _server_pid(conn)
            s0 = _cpu_of(pid)
            for table, file in files.items():
                _copy_file(conn, f"COPY floor_{table} FROM STDIN (FORMAT binary)", file, into_database=True)
            server = _cpu_of(pid) - s0
        result[f"{variant}_seconds"] = time.perf_counter() - t0
        result[f"{variant}_server_cpu"] = server
    with engine.begin() as conn:
        result["floor_rows"] = float(
            conn.execute(text("SELECT count(*) FROM floor_credit_records")).scalar_one()
        )
        for table in reversed(FLOOR_TABLES):
            conn.execute(text(f"DROP TABLE floor_{table}"))
    for file in files.values():
        file.unlink()
    engine.dispose()
    return result


def phase_baseline(url: str, path: Path) -> dict[str, float]:
    """Child process: the raw load of the same rows into a plain text table."""
    from sqlalchemy import text

    from xinyong import db

    if url.startswith("postgresql"):
        from tests.conftest import ensure_pg_database

        ensure_pg_database(url)
    engine = db.make_engine(url)
    cols = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_raw"))
        conn.execute(text(f"CREATE TABLE bench_raw ({cols})"))
    t0 = time.perf_counter()
    c0 = _cpu_self()
    with engine.begin() as conn:
        pid = _server_pid(conn) if engine.dialect.name == "postgresql" else None
        s0 = _cpu_of(pid)
        raw = conn.connection.driver_connection
        assert raw is not None
        if engine.dialect.name == "postgresql":
            _copy_file(
                conn, "COPY bench_raw FROM STDIN WITH (FORMAT csv, HEADER true)", path, into_database=True
            )
        else:
            cur = raw.cursor()
            sql = f"INSERT INTO bench_raw VALUES ({', '.join('?' for _ in HEADER)})"
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                batch: list[list[str]] = []
                for row in reader:
                    batch.append(row)
                    if len(batch) >= 5000:
                        cur.executemany(sql, batch)
                        batch = []
                if batch:
                    cur.executemany(sql, batch)
        server = _cpu_of(pid) - s0
    seconds = time.perf_counter() - t0
    cpu = _cpu_self() - c0
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT count(*) FROM bench_raw")).scalar_one()
        conn.execute(text("DROP TABLE bench_raw"))
    return {"seconds": seconds, "rows": float(rows), "cpu": cpu, "server_cpu": server}


def _peak_mb() -> float:
    """This process's peak resident set size. VmHWM belongs to the process image, whereas ru_maxrss
    carries over the parent's high-water mark through fork and exec (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, url: str, path: str) -> None:
    result = phase_ingest(url, Path(path)) if kind == "ingest" else phase_baseline(url, Path(path))
    result["peak_mb"] = _peak_mb()
    # The largest staging worker process (they hold a chunk or two each, and their own imports).
    result.setdefault("worker_peak_mb", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    print("RESULT " + json.dumps(result))


def run_child(kind: str, url: str, path: Path, data_dir: Path) -> dict[str, float]:
    env = {**os.environ, "XINYONG_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, url, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"{kind} on {url} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(line[len("RESULT ") :]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--smoke", action="store_true", help="2,000 rows; nothing recorded")
    ap.add_argument("--databases", default="sqlite,postgresql")
    ap.add_argument(
        "--pg-url",
        default=os.environ.get(
            "XINYONG_BENCH_PG_URL", "postgresql://postgres:postgres@127.0.0.1/xy_ingest_bench"
        ),
    )
    ap.add_argument("--child", nargs=3, metavar=("KIND", "URL", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    sys.path.insert(0, str(ROOT / "src"))
    rows = 2000 if args.smoke else args.rows
    results = []
    with tempfile.TemporaryDirectory(prefix="xy-bench-ingest-") as tmp:
        tmpdir = Path(tmp)
        csv_path = tmpdir / "penalties.csv"
        jsonl_path = tmpdir / "penalties.jsonl"
        generate(csv_path, rows, "csv")
        generate(jsonl_path, rows, "jsonl")
        for db_name in args.databases.split(","):
            url = f"sqlite:///{tmpdir / 'bench.db'}" if db_name == "sqlite" else args.pg_url
            base = run_child(
                "baseline",
                url if db_name != "sqlite" else f"sqlite:///{tmpdir / 'raw.db'}",
                csv_path,
                tmpdir / "data",
            )
            for fmt, path in (("CSV", csv_path), ("JSON Lines", jsonl_path)):
                load_before = os.getloadavg()[0]
                res = run_child("ingest", url, path, tmpdir / f"data-{db_name}-{fmt[:3]}")
                res["load"] = max(load_before, os.getloadavg()[0])
                assert res["created"] == rows and res["again_created"] == rows, res
                results.append((db_name, fmt, res, base))
                print(
                    f"{db_name:<10} {fmt:<10} {rows:>9,} rows  ingest {rows / res['seconds']:>9,.0f} rows/s "
                    f"(cpu {res['cpu']:.1f} s + server {res['server_cpu']:.1f} s, peak {res['peak_mb']:.0f} MB, "
                    f"each worker ≤ {res['worker_peak_mb']:.0f} MB)"
                    f"   raw load {rows / base['seconds']:>9,.0f} rows/s (cpu {base['cpu']:.1f} s + server "
                    f"{base['server_cpu']:.1f} s, peak {base['peak_mb']:.0f} MB)   ratio "
                    f"{res['seconds'] / base['seconds']:.1f}×   load average {res['load']:.1f}   "
                    f"then name index of {res['names_indexed']:,.0f} new organisations {res['names_seconds']:.1f} s"
                    f"   same firms again {rows / res['again_seconds']:,.0f} rows/s (cpu {res['again_cpu']:.1f} s"
                    f" + server {res['again_server_cpu']:.1f} s)" + _floor(res, table=False),
                    flush=True,
                )
    if not args.smoke:
        write_report(rows, results)


def _floor(res: dict[str, float], *, table: bool) -> str:
    """The write-floor figures of a PostgreSQL run, for the console line or the report table."""
    if "floor_seconds" not in res:
        return "—" if table else ""
    rate = [res["floor_rows"] / res[f"{v}_seconds"] for v in ("floor", "floor_nofk")]
    cpu = [res[f"{v}_server_cpu"] for v in ("floor", "floor_nofk")]
    if table:
        return f"{rate[0]:,.0f} ({cpu[0]:.0f}); without FKs {rate[1]:,.0f} ({cpu[1]:.0f})"
    return (
        f"   write floor {rate[0]:,.0f} rows/s (server {cpu[0]:.1f} s; "
        f"without foreign keys {rate[1]:,.0f} rows/s, server {cpu[1]:.1f} s)"
    )


def write_report(rows: int, results: list[tuple[str, str, dict[str, float], dict[str, float]]]) -> None:
    lines = [
        "# Ingestion benchmark",
        "",
        f"Run {dt.date.today().isoformat()} with `bench/ingest.py --rows {rows}` on {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work, Python {platform.python_version()}, "
        f"SQLite {__import__('sqlite3').sqlite_version}, PostgreSQL 15 on localhost.",
        "",
        "End to end = `service.submit` of a generated penalty file (mixed date forms, amounts in 元 with",
        "thousands separators, multi-value 处罚类别) for a trusted feed, so the batch is read, normalised, validated,",
        "linked (every code new: a provisional subject each), staged, and applied to `credit_records` in one",
        "transaction. Baseline = the raw load of the same rows in the same run: PostgreSQL `COPY … FORMAT csv` into",
        "a plain 17-column text table; SQLite `executemany` of the parsed rows into one. Peak memory is the",
        "process's maximum resident set size; files of 4 MB or more are prepared by two worker processes",
        "(`XINYONG_INGEST_WORKERS`), whose own peak is given in brackets. CPU = seconds of CPU the benchmark",
        "process with its workers (client) and its PostgreSQL backend (server, read from /proc) used — unlike",
        "wall time, not inflated by other work on the machine; load average = the 1-minute load before/after",
        "the phase (the higher), on 2 cores.",
        "",
        "The new organisations' names enter the public name index after the commit (`xinyong ingest` does it",
        "right away; docs/ingestion.md says why): that follow-up is timed on its own, and the last column gives",
        "the rate with it included.",
        "",
        "Write floor (PostgreSQL) = the run's own results — the provisional subjects, their names, the records —",
        "exported and loaded again by binary `COPY` into empty copies of `subjects`, `subject_attributes` and",
        "`credit_records` with the same indexes and foreign keys, in one transaction: the writes any design must",
        "make for this file, with no parsing and no client work, and without the staging kept for review; then",
        "the same load again without the foreign keys, to show what their per-row checks cost. Server CPU",
        "seconds in brackets.",
        "",
        "Same firms again = then the next file of the same firms (the same codes and names, new decision numbers)",
        "end to end: the common case of a unit's monthly file, where the subjects and the names this unit gives",
        "them are known — one new record per row, no provisional subject, names only seen again.",
        "",
        "| database | format | rows | end to end (rows/s) | CPU s client + server | peak MB (each worker) | raw load (rows/s) "
        "| raw CPU s client + server | raw peak MB | time ratio | load average | name index after commit (s) "
        "| rows/s incl. name index | write floor (rows/s) | same firms again (rows/s) | its CPU s client + server |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for db_name, fmt, res, base in results:
        lines.append(
            f"| {db_name} | {fmt} | {rows:,} | {rows / res['seconds']:,.0f} | "
            f"{res['cpu']:.0f} + {res['server_cpu']:.0f} | {res['peak_mb']:.0f} ({res['worker_peak_mb']:.0f}) | "
            f"{rows / base['seconds']:,.0f} | "
            f"{base['cpu']:.0f} + {base['server_cpu']:.0f} | {base['peak_mb']:.0f} | "
            f"{res['seconds'] / base['seconds']:.1f}× | {res['load']:.1f} | {res['names_seconds']:.1f} | "
            f"{rows / (res['seconds'] + res['names_seconds']):,.0f} | {_floor(res, table=True)} | "
            f"{rows / res['again_seconds']:,.0f} | {res['again_cpu']:.0f} + {res['again_server_cpu']:.0f} |"
        )
    out = ROOT / "docs" / "benchmarks" / "ingest.md"
    existing = out.read_text(encoding="utf-8") if out.exists() else ""
    notes = existing.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in existing else "\n"
    out.write_text("\n".join(lines) + "\n\n<!-- notes -->" + notes, encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
