"""Every rule a problem can cite has a Chinese name for the console and the downloads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.ingestion.helpers import DATA, submit
from xinyong.ingestion import service
from xinyong.ingestion.rule_names import IDENTIFIER_CHECKS, known, rule_name
from xinyong.kit.identifiers import IdType

SRC = Path(__file__).resolve().parents[2] / "src" / "xinyong"
#: Where problems are made: ingestion, the catalogue validation of records, the identifier checks.
SOURCES = [*sorted((SRC / "ingestion").glob("*.py")), SRC / "records" / "validation.py"]
PREFIXES = "file|column|row|link|cross|amount|date|type|code|field|publicity|revoke"


def _literal_codes() -> set[str]:
    codes: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        codes.update(re.findall(rf'"((?:{PREFIXES})\.[a-z_]+)"', text))
        codes.update(re.findall(r'Problem\(\s*[\w.]+,\s*"([a-z_]+)"', text))
    return codes


def test_every_code_written_in_the_source_has_a_name() -> None:
    codes = _literal_codes()
    # The scan must find the problems this module was written for, or it would pass by finding nothing.
    assert {"amount.negative", "row.duplicate", "file.missing_column", "required", "revoke.reason"} <= codes
    assert sorted(c for c in codes if not known(c)) == []


def test_every_identifier_check_is_named_for_every_id_type() -> None:
    text = (SRC / "kit" / "identifiers.py").read_text(encoding="utf-8")
    fixed = set(re.findall(r'_(?:err|warn)\(\s*"([a-z_]+\.[a-z_]+)"', text))
    checks = set(re.findall(r'_(?:err|warn)\(\s*f"\{[\w.]+\}\.([a-z_]+)"', text))
    assert {"uscc.checksum", "uscc.org_code_checksum"} <= fixed and {"checksum", "length"} <= checks
    assert sorted(c for c in fixed if not known(c)) == []
    assert checks <= set(IDENTIFIER_CHECKS)
    for id_type in IdType:
        for check in checks:
            assert known(f"{id_type.value}.{check}"), (id_type, check)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("amount.negative", "金额为负数"),
        ("uscc.checksum", "统一社会信用代码校验位错误"),
        ("resident_id.birth_date", "居民身份证号码出生日期无效"),
        ("uscc.org_code_checksum", "统一社会信用代码内含组织机构代码校验码错误"),
        ("row.duplicate", "重复行"),
        ("no.such_rule", "no.such_rule"),  # unknown: the code itself, never an error
        ("uscc.no_such_check", "uscc.no_such_check"),
        ("", ""),
    ],
)
def test_names(code: str, name: str) -> None:
    assert rule_name(code) == name


def test_every_problem_of_the_fixture_files_is_named(session: Session) -> None:
    seen: set[str] = set()
    for path in sorted(DATA.iterdir()):
        if path.suffix not in (".csv", ".jsonl", ".xls", ".xlsx"):
            continue
        sub = submit(session, path)
        seen.update(p["code"] for p in service.iter_problems(session, sub.batch.id))
    assert {"uscc.checksum", "date.future", "amount.negative", "file.empty"} <= seen
    assert sorted(c for c in seen if not known(c)) == []
