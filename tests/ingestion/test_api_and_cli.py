"""The staff API (multipart and JSON rows, errors as JSON/CSV/XLSX, console pages) and the CLI summary."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

from tests.conftest import configured_engine
from tests.ingestion.helpers import DATA, staff
from xinyong import db
from xinyong.auth.permissions import current_actor
from xinyong.kit import clock


@pytest.fixture
def api(client):  # type: ignore[no-untyped-def]
    client.app.dependency_overrides[current_actor] = lambda: staff()
    return client


def test_routes_refuse_anonymous_callers(client) -> None:  # type: ignore[no-untyped-def]
    res = client.post(
        "/api/v1/staff/batches", json={"item": "xzcf_fr", "department": "shi_scjgj", "rows": [{}]}
    )
    assert res.status_code == 401 and res.json()["error"]["code"] == "unauthenticated"


def test_multipart_upload_then_read_the_batch_and_its_errors(api) -> None:  # type: ignore[no-untyped-def]
    content = (DATA / "penalties_gbk.csv").read_bytes()
    res = api.post(
        "/api/v1/staff/batches",
        data={"item": "xzcf_fr", "department": "shi_scjgj"},
        files={"file": ("处罚.csv", content, "text/csv")},
    )
    assert res.status_code == 201, res.text
    body = res.json()
    assert set(body) == {"batch_id", "rows", "accepted", "rejected", "warnings", "status", "errors"}
    assert set(body["errors"][0]) == {"row", "field", "code", "message", "severity"}
    again = api.post(
        "/api/v1/staff/batches",
        data={"item": "xzcf_fr", "department": "shi_scjgj"},
        files={"file": ("处罚.csv", content, "text/csv")},
    )
    assert again.status_code == 200 and again.json()["batch_id"] == body["batch_id"]
    detail = api.get(f"/api/v1/staff/batches/{body['batch_id']}").json()
    assert detail["filename"] == "处罚.csv" and detail["status"] == "待审核"
    errors = api.get(f"/api/v1/staff/batches/{body['batch_id']}/errors").json()["errors"]
    assert {"row", "column", "field", "raw", "code", "message", "severity"} == set(errors[0])
    csv_text = api.get(f"/api/v1/staff/batches/{body['batch_id']}/errors?format=csv").content.decode(
        "utf-8-sig"
    )
    assert csv_text.splitlines()[0] == "行号,列,字段,原始值,规则,规则名称,说明,级别"
    assert "uscc.checksum,统一社会信用代码校验位错误," in csv_text
    xlsx = api.get(f"/api/v1/staff/batches/{body['batch_id']}/errors?format=xlsx").content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.cell(row=1, column=5).value == "规则" and sheet.max_row == len(errors) + 1
    named = {
        sheet.cell(row=r, column=5).value: sheet.cell(row=r, column=6).value
        for r in range(2, sheet.max_row + 1)
    }
    assert named["uscc.checksum"] == "统一社会信用代码校验位错误"
    page = api.get(f"/console/ingestion/batches/{body['batch_id']}")
    assert page.status_code == 200 and "审核通过" in page.text and "uscc.checksum" in page.text
    assert "报送单位 常州市市场监督管理局" in page.text  # the unit by name, not its key
    listing = api.get("/console/ingestion/batches").text
    row = listing.split(f'data-batch="{body["batch_id"]}"')[1].split("</tr>")[0]
    assert "行政处罚（法人和非法人组织）" in row and "常州市市场监督管理局" in row and "shi_scjgj" not in row
    res = api.post(
        f"/console/ingestion/batches/{body['batch_id']}/approve",
        data={"note": "同意"},
        follow_redirects=False,
    )
    assert res.status_code == 303
    assert api.get(f"/api/v1/staff/batches/{body['batch_id']}").json()["status"] == "已通过"


def test_json_rows_through_the_api(api) -> None:  # type: ignore[no-untyped-def]
    objects = [
        json.loads(line) for line in (DATA / "penalties.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    res = api.post(
        "/api/v1/staff/batches", json={"item": "xzcf_fr", "department": "shi_scjgj", "rows": objects}
    )
    assert res.status_code == 201 and res.json()["accepted"] == 2
    bad = api.post("/api/v1/staff/batches", json={"item": "nope", "department": "shi_scjgj", "rows": objects})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_catalog_item"


def test_template_and_console_pages_render(api) -> None:  # type: ignore[no-untyped-def]
    res = api.get("/console/ingestion/template/xzcf_fr.xlsx")
    wb = load_workbook(io.BytesIO(res.content))
    ws = wb.worksheets[0]
    assert ws.cell(row=1, column=1).value == "行政相对人名称"
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert any("代码表" in (f or "") for f in lists), "code lists are drop-downs"
    assert wb["代码表"].sheet_state == "hidden"
    # Codes and identifiers are typed into text columns (Excel would turn an 18-digit number into 15
    # significant digits); dates and amounts stay General, so Excel's own dates and numbers read as such.
    formats = {
        ws.cell(row=1, column=c).value: ws.column_dimensions[get_column_letter(c)].number_format
        for c in range(1, ws.max_column + 1)
    }
    assert formats["统一社会信用代码"] == formats["行政处罚决定书文号"] == formats["处罚类别"] == "@"
    assert formats["处罚决定日期"] == formats["罚款金额（万元）"] == "General"
    for url in (
        "/console/ingestion/batches",
        "/console/ingestion/upload",
        "/console/ingestion/record",
        "/console/ingestion/revocations",
        "/console/ingestion/quality?month=2026-11",
    ):
        page = api.get(url)
        assert page.status_code == 200, url
    assert "echarts.min.js" in api.get("/console/ingestion/quality").text


@pytest.fixture
def cli_db(tmp_path: Path) -> Iterator[str]:
    """A database of its own: the CLI commits."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = configured_engine(url)
    previous = db._engine
    db.set_engine(engine)
    yield url
    db.set_engine(previous)
    engine.dispose()


def test_cli_ingest_prints_the_json_summary_and_writes_the_errors(cli_db: str, tmp_path: Path) -> None:
    from xinyong.cli import app

    out = tmp_path / "errors.xlsx"
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "ingest",
            str(DATA / "penalties_gbk.csv"),
            "--item",
            "xzcf_fr",
            "--department",
            "shi_scjgj",
            "--json",
            "--errors-out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert list(summary) == ["batch_id", "rows", "accepted", "rejected", "warnings", "status", "errors"]
    assert (summary["rows"], summary["accepted"], summary["rejected"], summary["status"]) == (
        13,
        6,
        4,
        "待审核",
    )
    assert load_workbook(out).active.max_row == len(summary["errors"]) + 1
    listed = json.loads(runner.invoke(app, ["batches", "list", "--json"]).output)
    assert [b["batch_id"] for b in listed] == [summary["batch_id"]]
    approved = json.loads(runner.invoke(app, ["batches", "approve", summary["batch_id"], "--json"]).output)
    assert approved["status"] == "已通过" and approved["outcome"]["created"] == 6
    report = json.loads(runner.invoke(app, ["quality", "report", "--month", "2026-11", "--json"]).output)
    assert report[0]["unit_key"] == "shi_scjgj"
    failed = runner.invoke(
        app, ["ingest", str(DATA / "empty.csv"), "--item", "xzcf_fr", "--department", "shi_scjgj", "--json"]
    )
    assert failed.exit_code == 1 and json.loads(failed.output)["errors"][0]["code"] == "file.empty"


def test_cli_approve_tells_each_step_of_the_apply(cli_db: str) -> None:
    from xinyong.cli import app

    runner = CliRunner()
    args = ["ingest", str(DATA / "penalties_gbk.csv"), "--item", "xzcf_fr", "--department", "shi_scjgj"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and "状态 待审核" in res.output and "写入信用记录" not in res.output
    batch_id = res.output.split("批次 ", 1)[1].split("：", 1)[0]
    res = runner.invoke(app, ["batches", "approve", batch_id])
    assert res.exit_code == 0, res.output
    steps = [line for line in res.output.splitlines() if line.startswith("… ")]
    assert steps == ["… 创建待核实主体", "… 写入信用记录", "… 登记主体名称"]
    assert f"批次 {batch_id}：已通过" in res.output


def _upload_gbk(api):  # type: ignore[no-untyped-def]
    """The GBK penalty file (with bad checksums among its problems) through the multipart API."""
    content = (DATA / "penalties_gbk.csv").read_bytes()
    return api.post(
        "/api/v1/staff/batches",
        data={"item": "xzcf_fr", "department": "shi_scjgj"},
        files={"file": ("处罚.csv", content, "text/csv")},
    )


def test_problems_filtered_by_rule_in_the_console_and_the_api(api) -> None:  # type: ignore[no-untyped-def]
    res = _upload_gbk(api)
    batch_id = res.json()["batch_id"]
    everything = api.get(f"/api/v1/staff/batches/{batch_id}/errors").json()["errors"]
    codes = {p["code"] for p in everything}
    assert "uscc.checksum" in codes and len(codes) > 1
    only = api.get(f"/api/v1/staff/batches/{batch_id}/errors", params={"code": "uscc.checksum"}).json()
    assert only["errors"] == [p for p in everything if p["code"] == "uscc.checksum"]
    page = api.get(f"/console/ingestion/batches/{batch_id}", params={"code": "uscc.checksum"}).text
    assert (
        'data-testid="rule-filter"' in page
        and "：统一社会信用代码校验位错误 <code>uscc.checksum</code>" in page
    )
    assert 'title="uscc.checksum">统一社会信用代码校验位错误（' in page
    assert 'data-status="rejected">有错误</td>' in page and 'data-status="accepted">通过</td>' in page
    table = page.split("<h2>问题")[1].split("<h2>预览")[0]
    assert '<td data-code="uscc.checksum">统一社会信用代码校验位错误 <small' in table
    assert not any(f'data-code="{c}"' in table for c in codes - {"uscc.checksum"})
    drill = api.get("/console/ingestion/quality", params={"unit": "shi_scjgj"}).text
    assert 'data-testid="rules"' in drill and batch_id in drill
    assert '<td data-code="uscc.checksum">统一社会信用代码校验位错误 <small' in drill
    api_drill = api.get(
        "/api/v1/staff/quality", params={"month": clock.today().strftime("%Y-%m"), "unit": "shi_scjgj"}
    ).json()
    assert any(r["code"] == "uscc.checksum" for r in api_drill[0]["rules"])


def test_the_api_docs_show_both_bodies_of_a_submission() -> None:
    """A unit's IT staff integrate from /api/docs: the file form and the JSON rows are both described."""
    from xinyong.app import create_app

    body = create_app().openapi()["paths"]["/api/v1/staff/batches"]["post"]["requestBody"]["content"]
    form = body["multipart/form-data"]["schema"]
    assert form["required"] == ["file", "item"] and form["properties"]["file"]["format"] == "binary"
    assert set(body["application/json"]["schema"]["required"]) == {"item", "department", "rows"}
