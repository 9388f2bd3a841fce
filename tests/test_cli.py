"""The command line as an operator uses it: init, profile/catalog/subjects show, demo, jobs."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.config import get_settings

runner = CliRunner()
PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "changzhou"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_init_then_reports_as_json(isolated_db: str) -> None:
    code, out = run("init", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["profile"]["units"] >= 20 and data["catalog"]["items"] >= 10
    code, out = run("profile", "show", "--json")
    profile = json.loads(out)
    assert profile["portal"] == "信用常州"
    names = {u["name"] for u in profile["units"]}
    assert {"常州市市场监督管理局", "常州市武进区市场监督管理局"} <= names
    code, out = run("catalog", "list", "--json")
    assert {"xzcf_fr", "xzxk_fr", "djzc"} <= {i["code"] for i in json.loads(out)}
    code, out = run("catalog", "show", "xzcf_fr", "--json")
    assert json.loads(out)["code"] == "xzcf_fr"
    code, out = run("catalog", "show", "nope", "--json")
    assert code == 2 and json.loads(out)["error"]["code"] == "unknown_catalog_item"


def test_init_is_idempotent(isolated_db: str) -> None:
    assert run("init")[0] == 0
    code, out = run("init", "--json")
    assert code == 0
    assert json.loads(out)["catalog"]["added"] == []


def test_broken_catalogue_stops_init_naming_file_and_field(
    isolated_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = tmp_path / "profiles"
    shutil.copytree(PROFILE, profiles / "changzhou")
    item = profiles / "changzhou" / "catalog" / "xzcf_fr.yaml"
    item.write_text(item.read_text(encoding="utf-8").replace("type: date", "type: dat", 1), encoding="utf-8")
    monkeypatch.setenv("XINYONG_PROFILES_DIR", str(profiles))
    get_settings.cache_clear()
    code, out = run("init")
    assert code == 2
    assert "xzcf_fr.yaml" in out and "type" in out


def test_demo_loads_and_subject_show_lists_sources(isolated_db: str) -> None:
    assert run("init")[0] == 0
    code, out = run("demo", "--subjects", "120", "--seed", "3", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["subjects"] == 120 and data["records"] > 120
    from sqlalchemy import create_engine, text

    url = isolated_db.replace("postgresql://", "postgresql+psycopg://")
    with create_engine(url).connect() as conn:
        uscc = conn.execute(text("SELECT uscc FROM subjects WHERE uscc IS NOT NULL LIMIT 1")).scalar()
    code, out = run("subjects", "show", str(uscc), "--json")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["uscc"] == uscc and shown["sources"]


def test_demo_is_refused_in_production(isolated_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYONG_PRODUCTION", "true")
    monkeypatch.setenv("XINYONG_SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    code, out = run("demo", "--subjects", "10", "--json")
    assert code == 2
    assert json.loads(out)["error"]["code"] == "demo_refused"


def test_jobs_run_due_and_run_by_name(isolated_db: str) -> None:
    assert run("init")[0] == 0
    code, out = run("jobs", "list", "--json")
    assert "records.expire_publicity" in {j["name"] for j in json.loads(out)}
    code, out = run("jobs", "run", "records.expire_publicity", "--json")
    assert code == 0 and "expired" in json.loads(out)
    code, out = run("jobs", "run", "no.such.job", "--json")
    assert code == 2


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XINYONG_DATABASE_URL": url}
    xinyong = Path(sys.executable).with_name("xinyong")
    return subprocess.run([str(xinyong), *args], env=env, capture_output=True, text=True, timeout=60)


def test_a_database_not_initialised_is_named_not_dumped(tmp_path: Path) -> None:
    got = _run(f"sqlite:///{tmp_path / 'empty.db'}", "catalog", "list")
    assert got.returncode == 2
    assert got.stderr.strip() == "错误：数据库尚未初始化（缺少数据表），请先运行 xinyong init"


def test_a_database_that_does_not_answer_is_named(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    got = _run(f"postgresql://nobody:secret@127.0.0.1:{port}/none", "catalog", "list")
    assert got.returncode == 2
    assert got.stderr.startswith(f"错误：无法连接数据库 127.0.0.1:{port}/none：")
    assert "secret" not in got.stderr and "Traceback" not in got.stderr


def test_serve_refuses_a_database_not_initialised(tmp_path: Path) -> None:
    got = _run(f"sqlite:///{tmp_path / 'empty.db'}", "serve", "--port", "1")
    assert got.returncode == 2
    assert got.stderr.strip() == "错误：数据库尚未初始化，请先运行 xinyong init"


def test_a_migrated_database_is_at_this_codes_schema(engine: Engine) -> None:
    from xinyong.bootstrap import schema_revisions

    current, head = schema_revisions(engine)
    assert head is not None and current == head
