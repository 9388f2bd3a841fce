"""Test fixtures: a real database built by the real migrations, one rolled-back transaction per test.

The database is SQLite (a temporary file) unless ``XINYONG_TEST_DATABASE_URL`` names another —
CI runs the whole suite again against PostgreSQL that way. Each test runs inside an outer
transaction that is rolled back; the code under test may commit, which only releases a
SAVEPOINT (SQLAlchemy's "join an external transaction" recipe; on SQLite with the documented
pysqlite workaround so SAVEPOINTs behave).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from xinyong import bootstrap, db
from xinyong.config import get_settings
from xinyong.kit import clock
from xinyong.kit.actor import CLI

FROZEN_NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 2026-11-23 10:00 in Shanghai


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("XINYONG_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def fresh_engine(url: str) -> Engine:
    """An engine on an emptied database (PostgreSQL: schema dropped and re-created)."""
    engine = db.make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        path = url.split("///", 1)[-1]
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        engine = db.make_engine(url)
    return engine


def _sqlite_savepoint_workaround(engine: Engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN")


def configured_engine(url: str) -> Engine:
    """An engine on an emptied database, migrated, with the profile and catalogue loaded (for tests
    whose work commits, so it needs a database of its own)."""
    engine = fresh_engine(url)
    bootstrap.migrate(engine)
    with Session(bind=engine) as s:
        bootstrap.load_configuration(s, get_settings(), actor=CLI)
        s.commit()
    return engine


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = database_url(tmp_path_factory)
    eng = fresh_engine(url)
    if eng.dialect.name == "sqlite":
        _sqlite_savepoint_workaround(eng)
    bootstrap.migrate(eng)
    clock.freeze(FROZEN_NOW)
    with Session(bind=eng) as s:
        bootstrap.load_configuration(s, get_settings(), actor=CLI)
        s.commit()
    clock.freeze(None)
    db.set_engine(eng)
    yield eng
    db.set_engine(None)
    eng.dispose()


@pytest.fixture
def frozen() -> Iterator[dt.datetime]:
    """Freeze kit.clock at FROZEN_NOW (2026-11-23, Asia/Shanghai)."""
    clock.freeze(FROZEN_NOW)
    yield FROZEN_NOW
    clock.freeze(None)


@pytest.fixture
def session(engine: Engine, frozen: dt.datetime) -> Iterator[Session]:
    """A session in a transaction that is rolled back after the test (commits become savepoints)."""
    conn = engine.connect()
    outer = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        outer.rollback()
        conn.close()


@pytest.fixture
def client(session: Session) -> Iterator[object]:
    """A TestClient whose requests share the test's rolled-back session."""
    from fastapi.testclient import TestClient

    from xinyong.app import create_app
    from xinyong.web import get_session

    app = create_app()

    def _session() -> Iterator[Session]:
        yield session
        session.flush()

    app.dependency_overrides[get_session] = _session
    with TestClient(app) as c:
        yield c


def ensure_pg_database(url: str) -> None:
    """Create the PostgreSQL database named by ``url`` if it does not exist."""
    from xinyong.db import make_engine

    base, name = url.rsplit("/", 1)
    admin = make_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


@pytest.fixture
def isolated_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty database of the suite's kind for code that opens its own transactions (CLI, jobs).

    XINYONG_DATABASE_URL points at it and the process-wide engine is reset, so ``xinyong`` commands
    run exactly as an operator would run them.
    """
    base = os.environ.get("XINYONG_TEST_DATABASE_URL")
    if base and base.startswith("postgresql"):
        url = base.split("?")[0] + "_isolated"
        ensure_pg_database(url)
    else:
        url = f"sqlite:///{tmp_path / 'isolated.db'}"
    engine = fresh_engine(url)
    engine.dispose()
    previous = db._engine
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    get_settings.cache_clear()
    db.set_engine(None)
    yield url
    if db._engine is not None:
        db._engine.dispose()
    db.set_engine(previous)
    get_settings.cache_clear()


def own_database(tmp_path: Path, name: str) -> Engine:
    """A configured database of its own, ``<suite db>_<name>`` on PostgreSQL (a file on SQLite), for
    tests whose work commits in transactions of its own — background work, concurrent transactions."""
    url = os.environ.get("XINYONG_TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        base, db_name = url.rsplit("/", 1)
        url = f"{base}/{db_name.split('?')[0]}_{name}"
        ensure_pg_database(url)
    else:
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
    return configured_engine(url)


@pytest.fixture
def committed_db(tmp_path: Path) -> Iterator[Engine]:
    """:func:`own_database` as the process-wide engine for the test."""
    engine = own_database(tmp_path, "committed")
    previous = db._engine
    db.set_engine(engine)
    yield engine
    db.set_engine(previous)
    engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``postgres_only`` tests run in the PostgreSQL job and are *deselected* (not skipped) elsewhere."""
    if os.environ.get("XINYONG_TEST_DATABASE_URL", "").startswith("postgresql"):
        return
    keep = [i for i in items if not i.get_closest_marker("postgres_only")]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i.get_closest_marker("postgres_only")])
        items[:] = keep
