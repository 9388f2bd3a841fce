"""Kill test (PostgreSQL): ``xinyong ingest`` killed with SIGKILL mid-batch leaves nothing in the database,
and replaying the same file applies it exactly once.

Runs only when XINYONG_TEST_DATABASE_URL is PostgreSQL (deselected elsewhere, never skipped there): it
needs a second server process to observe an open transaction and a real client disconnect.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.conftest import configured_engine, ensure_pg_database
from tests.data.ingest.make_fixtures import HEADER, SCJGJ
from xinyong.kit.identifiers import make_uscc

pytestmark = pytest.mark.postgres_only

ROWS = 40_000


def _alphabet(n: int) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    out = ""
    for _ in range(6):
        n, r = divmod(n, 31)
        out = alphabet[r] + out
    return out


def _write_file(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(ROWS):
            w.writerow(
                [
                    f"常州杀进程测试{i}有限公司",
                    "法人及非法人组织",
                    make_uscc("9", "1", "320412", "MK" + _alphabet(i)),
                    "王五",
                    f"常市监罚〔2026〕{i}号",
                    "虚假宣传",
                    "事实",
                    "依据",
                    "罚款",
                    "罚款",
                    "1,000元",  # 0.1 万元
                    "2026-09-01",
                    "2027-09-01",
                    "常州市市场监督管理局",
                    SCJGJ,
                    "常州市市场监督管理局",
                    SCJGJ,
                ]
            )


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _writers(engine: Engine) -> int:
    """Other backends of this database holding a transaction that has written something."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                )
            ).scalar_one()
        )


def _backends(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        )


@pytest.fixture
def kill_db() -> tuple[str, Engine]:
    url = os.environ["XINYONG_TEST_DATABASE_URL"]
    base, name = url.rsplit("/", 1)
    url = f"{base}/{name.split('?')[0]}_kill"
    ensure_pg_database(url)
    engine = configured_engine(url)
    return url, engine


def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "xinyong"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_ingest_killed_mid_batch_leaves_nothing_and_the_replay_applies_once(
    kill_db: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = kill_db
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_DATA_DIR": str(tmp_path / "data")}
    feed = _cli(["batches", "feed", "--item", "xzcf_fr", "--department", "shi_scjgj", "--trusted"], env)
    assert feed.wait(60) == 0, feed.stderr.read() if feed.stderr else ""
    path = tmp_path / "big.csv"
    _write_file(path)
    args = ["ingest", str(path), "--item", "xzcf_fr", "--department", "shi_scjgj", "--json"]

    proc = _cli(args, env)
    deadline = time.monotonic() + 120
    while _writers(engine) == 0:
        assert proc.poll() is None, "the ingest finished before it could be killed: make ROWS larger"
        assert time.monotonic() < deadline, "the ingest never started writing"
        time.sleep(0.05)
    time.sleep(1.0)  # well inside the batch: staging has begun
    assert proc.poll() is None, "the ingest finished before it could be killed: make ROWS larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    while _backends(engine) > 0 and time.monotonic() < deadline:  # the server notices the lost client
        time.sleep(0.05)
    for table in ("ingest_batches", "ingest_rows", "ingest_problems", "credit_records", "subjects"):
        assert _count(engine, table) == 0, f"{table} shows something of the killed batch"

    replay = _cli(args, env)
    out, err = replay.communicate(timeout=600)
    assert replay.returncode == 0, err.decode()
    assert b'"status": "\\u5df2\\u901a\\u8fc7"' in out or "已通过".encode() in out
    again = _cli(args, env)
    again.communicate(timeout=600)
    assert again.returncode == 0
    assert _count(engine, "ingest_batches") == 1
    assert _count(engine, "credit_records") == ROWS
    with engine.connect() as conn:
        distinct = conn.execute(text("SELECT count(DISTINCT natural_key) FROM credit_records")).scalar_one()
        versions = conn.execute(text("SELECT count(*) FROM credit_record_versions")).scalar_one()
    assert (distinct, versions) == (ROWS, 0), "applied exactly once"
    engine.dispose()
