"""Benchmark of the joint reward/punishment check against a running multi-worker server.

Starts uvicorn (``--workers``) on the configured database, samples subject codes from it (a mix of
random subjects and listed ones), then for 1, 8 and 32 concurrent clients drives ``POST /api/v1/checks``
and, as the baseline in the same run on the same server, the client-authenticated no-op
``GET /api/v1/ping``. Prints throughput, p50/p99 latency and errors (any non-200 answer or socket
error), the check/no-op ratio and the load average before and after.

The load generator is ``wrk`` (installed by scripts/ensure-wrk.sh; a Lua script sends the random
bodies and counts non-200 answers), so the client costs the shared CPUs little; ``--client httpx``
(the fallback when wrk is missing, e.g. the CI smoke run) is a Python asyncio/httpx client.

    XINYONG_DATABASE_URL=postgresql://postgres@127.0.0.1/xinyong_bench \
        flock /tmp/xy-bench.lock .venv/bin/python bench/check.py --workers 4 --seconds 10 \
        --out docs/benchmarks/check.md
    .venv/bin/python bench/check.py --smoke        # tiny SQLite database, a few seconds (CI)

``--out`` replaces the block between ``<!-- bench:check:begin -->`` and ``<!-- bench:check:end -->``
in that file (the whole file when it has no such block).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MATTERS = ("zfcg", "xzsp", "gxf", "ztb")


@dataclass
class Phase:
    name: str
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    #: (p50, p99) in ms when the load generator computed them (wrk)
    fixed: tuple[float, float] | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if self.fixed is not None and p in (50, 99):
            return self.fixed[0] if p == 50 else self.fixed[1]
        if not self.latencies_ms:
            return 0.0
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sample_codes(url: str, n: int) -> list[str]:
    """Random subjects plus, for a fifth of the sample, subjects that are on a list (hits to compute)."""
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(sa_url)
    with engine.connect() as c:
        if engine.dialect.name == "postgresql":
            rand = "SELECT uscc FROM subjects TABLESAMPLE SYSTEM (2) WHERE uscc IS NOT NULL LIMIT :n"
        else:
            rand = "SELECT uscc FROM subjects WHERE uscc IS NOT NULL ORDER BY random() LIMIT :n"
        codes = [r[0] for r in c.execute(text(rand), {"n": n})]
        listed = [
            r[0]
            for r in c.execute(
                text(
                    "SELECT s.uscc FROM credit_records r JOIN subjects s ON s.id = r.subject_id "
                    "WHERE r.item_code IN ('yzsx', 'sxbzxr', 'sxjl') AND s.uscc IS NOT NULL LIMIT :n"
                ),
                {"n": n // 4},
            )
        ]
    engine.dispose()
    return codes + listed


WRK_SCRIPT = """
local codes = {CODES}
local matters = {MATTERS}
local token = "{TOKEN}"
local kind = "{KIND}"
local threads = {}
local n = 0
errors = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + #threads)
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  if kind == "ping" then
    return wrk.format("GET", "/api/v1/ping")
  end
  n = n + 1
  local body = string.format('{"subject":{"code":"%s"},"matter":"%s","request_ref":"bench-%d"}',
    codes[math.random(#codes)], matters[math.random(#matters)], n)
  return wrk.format("POST", "/api/v1/checks", nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("errors")
  end
  local e = summary.errors
  io.write(string.format("XYRESULT %d %d %d %.1f %.1f\\n", summary.requests, summary.duration,
    bad + e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def lua_list(values: list[str] | tuple[str, ...]) -> str:
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


def run_wrk(base: str, name: str, clients: int, seconds: float, codes: list[str], token: str) -> Phase:
    """One phase driven by wrk: ``clients`` keep-alive connections on one wrk thread."""
    script = WRK_SCRIPT.replace("{CODES}", lua_list(codes)).replace("{MATTERS}", lua_list(MATTERS))
    script = script.replace("{TOKEN}", token).replace("{KIND}", name)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        done = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{clients}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                f.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(f.name)
    found = re.search(r"XYRESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", done.stdout)
    if found is None:
        raise SystemExit(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    requests, micros, errors = (int(found.group(i)) for i in (1, 2, 3))
    p50, p99 = float(found.group(4)) / 1000, float(found.group(5)) / 1000
    return Phase(name, clients, requests, errors, micros / 1e6, [], fixed=(p50, p99))


async def run_phase(
    base: str, name: str, clients: int, seconds: float, codes: list[str], token: str
) -> Phase:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors = 0
    count = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:

        async def worker(seed: int) -> None:
            nonlocal errors, count
            rng = random.Random(seed)
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    if name == "ping":
                        r = await http.get("/api/v1/ping")
                    else:
                        body = {
                            "subject": {"code": rng.choice(codes)},
                            "matter": rng.choice(MATTERS),
                            "request_ref": f"bench-{seed}-{count}",
                        }
                        r = await http.post("/api/v1/checks", json=body)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - t0) * 1000)
                count += 1
                if not ok:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
    return Phase(name, clients, count, errors, elapsed, latencies)


def wait_ready(base: str, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not start")


def counts(url: str) -> tuple[int, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as c:
        subjects = c.execute(text("SELECT count(*) FROM subjects")).scalar_one()
        records = c.execute(text("SELECT count(*) FROM credit_records")).scalar_one()
    engine.dispose()
    return int(subjects), int(records)


def create_client(url: str) -> str:
    """A real API client (keyed-hash key, checks.run, a rate limit above the benchmark's load); its key."""
    from xinyong import db
    from xinyong.auth import service as auth
    from xinyong.auth.permissions import CHECKS_RUN
    from xinyong.kit.actor import CLI

    engine = db.make_engine(url)
    db.set_engine(engine)
    name = f"基准测试业务系统-{int(time.time())}"
    with db.transaction() as session:
        _, key = auth.create_client(
            session,
            name=name,
            unit_key="shi_czj",
            permissions=[CHECKS_RUN],
            rate_per_minute=100_000,
            actor=CLI,
        )
    db.set_engine(None)
    engine.dispose()
    return key


def smoke_database() -> str:
    path = Path(tempfile.mkdtemp()) / "bench-check.db"
    url = f"sqlite:///{path}"
    env = {**os.environ, "XINYONG_DATABASE_URL": url}
    xinyong = str(Path(sys.executable).parent / "xinyong")
    subprocess.run([xinyong, "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [xinyong, "demo", "--subjects", "300", "--seed", "1"], env=env, check=True, capture_output=True
    )
    return url


def pick_client(wanted: str, smoke: bool) -> str:
    """wrk when it is there (a full run installs it), else the Python client."""
    if wanted != "auto":
        if wanted == "wrk" and shutil.which("wrk") is None:
            subprocess.run(["bash", str(ROOT / "scripts" / "ensure-wrk.sh")], check=True)
        return wanted
    if shutil.which("wrk") is None and not smoke:
        subprocess.run(["bash", str(ROOT / "scripts" / "ensure-wrk.sh")], check=False)
    return "wrk" if shutil.which("wrk") else "httpx"


def phase(
    kind: str, base: str, name: str, clients: int, seconds: float, codes: list[str], token: str
) -> Phase:
    if kind == "wrk":
        return run_wrk(base, name, clients, seconds, codes, token)
    return asyncio.run(run_phase(base, name, clients, seconds, codes, token))


def write_out(path: Path, report: str) -> None:
    """Replace the marked results block of ``path`` (the whole file when it has none)."""
    begin, end = "<!-- bench:check:begin -->", "<!-- bench:check:end -->"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        tail = rest.split(end, 1)[1]
        path.write_text(f"{head}{begin}\n{report}\n{end}{tail}", encoding="utf-8")
    else:
        path.write_text(report + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--sample", type=int, default=4000)
    ap.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto", help="load generator")
    ap.add_argument("--smoke", action="store_true", help="tiny SQLite database, 1 worker, 1 s phases")
    ap.add_argument("--out", type=Path, help="write the results as Markdown to this file")
    args = ap.parse_args()
    if args.smoke:
        url, args.workers, args.seconds, args.clients, args.sample = smoke_database(), 1, 1.0, "1,4", 100
    else:
        url = os.environ.get("XINYONG_DATABASE_URL", "")
        if not url:
            raise SystemExit("set XINYONG_DATABASE_URL to the loaded benchmark database")
    kind = pick_client(args.client, args.smoke)
    n_subjects, n_records = counts(url)
    token = create_client(url)
    codes = sample_codes(url, args.sample)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    load_before = os.getloadavg()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "xinyong.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_ready(base)
        # Warm up every worker, its pooled connections (each prepares its statements after five uses)
        # and their PostgreSQL backends: 32 connections reach all workers; the figures are steady state.
        warm = min(8.0, max(1.0, args.seconds / 2))
        for clients in (32, 8):
            phase(kind, base, "check", clients, warm, codes, token)
            phase(kind, base, "ping", clients, min(2.0, warm), codes, token)
        phases: list[tuple[Phase, Phase]] = []
        for c in (int(x) for x in args.clients.split(",")):
            ping = phase(kind, base, "ping", c, args.seconds, codes, token)
            chk = phase(kind, base, "check", c, args.seconds, codes, token)
            phases.append((ping, chk))
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = os.getloadavg()
    client = (
        "wrk (one thread, keep-alive connections, Lua script)"
        if kind == "wrk"
        else "one asyncio/httpx process"
    )
    lines = [
        f"Database: {url.split('@')[-1]} — {n_subjects:,} subjects, {n_records:,} records; "
        f"server: uvicorn {args.workers} workers; client: {client} on the same machine; "
        f"{args.seconds:g} s per phase",
        f"Machine: {platform.machine()}, {os.cpu_count()} logical CPUs (shared), Python {platform.python_version()}; "
        f"load average (1/5/15 min) before {'/'.join(f'{x:.2f}' for x in load_before)}, "
        f"after {'/'.join(f'{x:.2f}' for x in load_after)}",
        "",
        "| clients | no-op req/s | no-op p50 ms | no-op p99 ms | check req/s | check p50 ms | check p99 ms "
        "| check errors | check/no-op throughput |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for ping, chk in phases:
        ratio = chk.rps / ping.rps if ping.rps else 0
        lines.append(
            f"| {chk.clients} | {ping.rps:.0f} | {ping.pct(50):.1f} | {ping.pct(99):.1f} | {chk.rps:.0f} | "
            f"{chk.pct(50):.1f} | {chk.pct(99):.1f} | {chk.errors} (no-op {ping.errors}) | {ratio:.2f} |"
        )
    report = "\n".join(lines)
    print(report)
    if args.out:
        write_out(args.out, report)
    if any(chk.errors or ping.errors for ping, chk in phases):
        sys.exit(1)


if __name__ == "__main__":
    main()
