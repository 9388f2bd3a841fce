"""Migrations are the only way the schema is built: one head, numbered, equal to the models."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

import xinyong.models  # noqa: F401
from tests.conftest import database_url, ensure_pg_database, fresh_engine
from xinyong import bootstrap
from xinyong.db import Base

VERSIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(bootstrap.alembic_config("sqlite://"))


def test_one_head() -> None:
    assert len(_script().get_heads()) == 1


def test_revisions_are_numbered_in_sequence() -> None:
    files = sorted(p.name for p in VERSIONS.glob("*.py"))
    numbers = [int(m.group(1)) for f in files if (m := re.match(r"(\d{4})_\w+\.py$", f))]
    assert len(numbers) == len(files), f"every revision file is named NNNN_slug.py: {files}"
    assert numbers == list(range(1, len(numbers) + 1))
    for rev in _script().walk_revisions():
        assert re.fullmatch(r"\d{4}", rev.revision)
        if rev.down_revision is not None:
            assert int(rev.revision) == int(str(rev.down_revision)) + 1


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_and_upgrade_round_trip(tmp_path_factory: pytest.TempPathFactory) -> None:
    url = _own_database(tmp_path_factory, "roundtrip")
    eng = fresh_engine(url)
    try:
        bootstrap.migrate(eng)
        tables = set(inspect(eng).get_table_names())
        assert "credit_records" in tables
        cfg = bootstrap.alembic_config(url)
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert set(inspect(eng).get_table_names()) <= {"alembic_version"}
        bootstrap.migrate(eng)
        assert set(inspect(eng).get_table_names()) == tables
    finally:
        eng.dispose()


def _own_database(tmp_path_factory: pytest.TempPathFactory, name: str) -> str:
    """A database beside the suite's, empty (PostgreSQL: ``<suite db>_<name>``; SQLite: ``<name>.db``)."""
    url = database_url(tmp_path_factory)
    if url.startswith("sqlite"):
        return url.replace("test.db", f"{name}.db")
    url = url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1].split("?")[0] + f"_{name}"
    ensure_pg_database(url)
    return url


def test_a_database_holding_data_upgrades(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A batch with a row referring to it, written at revision 0009, survives the upgrade to head — on
    SQLite the upgrade rebuilds ingest_batches to add a foreign key, which failed while the row's reference
    was enforced."""
    import datetime as dt
    import uuid

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from xinyong.config import get_settings
    from xinyong.ingestion.models import IngestBatch, IngestRow
    from xinyong.kit.actor import CLI

    url = _own_database(tmp_path_factory, "withdata")
    eng = fresh_engine(url)
    try:
        cfg = bootstrap.alembic_config(url)
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0009")
        with Session(bind=eng) as s:  # the profile's units and catalogue, as a running platform has them
            bootstrap.load_configuration(s, get_settings(), actor=CLI)
            s.commit()
        batch_id = uuid.uuid4()
        with eng.begin() as conn:  # Core inserts name only the columns given (none of 0010's)
            conn.execute(
                IngestBatch.__table__.insert().values(
                    id=batch_id,
                    identity="x" * 64,
                    content_hash="y" * 64,
                    item_code="xzcf_fr",
                    item_version="1",
                    unit_key="shi_scjgj",
                    filename="处罚.csv",
                    file_format="csv",
                    mapping={},
                    status="已退回",
                    outcome={},
                    submitted_by="user:x",
                    submitted_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC),
                )
            )
            conn.execute(
                IngestRow.__table__.insert().values(
                    batch_id=batch_id, row_no=1, status="accepted", payload={}, raw={}
                )
            )
        bootstrap.migrate(eng)
        with eng.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ingest_rows")).scalar() == 1
            assert conn.execute(text("SELECT status, replaced_by FROM ingest_batches")).one() == (
                "已退回",
                None,
            )
        if eng.dialect.name == "sqlite":
            with eng.connect() as conn:  # enforcement is back on for the pooled connections
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        eng.dispose()
