"""Engine, session and the declarative base with portable column types.

SQLite is the embedded default, PostgreSQL the production database. Types here are
chosen to behave the same on both: UUIDs, UTC-aware datetimes, JSON (JSONB on
PostgreSQL). Money is never a float: amounts are stored as integer 分 or decimal strings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapper, Session, UOWTransaction, object_mapper, sessionmaker
from sqlalchemy.types import TypeDecorator

from xinyong.errors import Invalid

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONVariant = JSON().with_variant(JSONB(), "postgresql")
#: A 64-bit autoincrement key that is also SQLite's rowid alias (SQLite needs INTEGER for that).
T = TypeVar("T")

BIGINT_PK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime on both databases (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONVariant, dt.datetime: UTCDateTime()}


class TooLong(Invalid):
    code = "too_long"


#: Per mapper: (attribute, maximum length, the name a user knows it by) of its length-limited text columns.
_LIMITS: dict[Mapper[Any], list[tuple[str, int, str]]] = {}


def _limits(mapper: Mapper[Any]) -> list[tuple[str, int, str]]:
    found = _LIMITS.get(mapper)
    if found is None:
        found = []
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            length = getattr(column.type, "length", None)
            if isinstance(column.type, String) and isinstance(length, int):
                found.append((prop.key, length, str(column.info.get("label", prop.key))))
        _LIMITS[mapper] = found
    return found


@event.listens_for(Session, "before_flush")
def _check_text_lengths(session: Session, _context: UOWTransaction, _instances: object) -> None:
    """Text longer than its column is refused with a :class:`TooLong` naming the field, on every
    database: PostgreSQL raised its own error (a 500 — a reviewer's long 退回说明 was lost with it), and
    SQLite, which does not enforce lengths, kept it whole. Columns carry the name users know them by in
    ``info={"label": …}``. Set-based writes (COPY, ``INSERT … SELECT``) are not ORM flushes: ingestion
    cuts what it stages to the column itself."""
    for obj in (*session.new, *session.dirty):
        for key, length, label in _limits(object_mapper(obj)):
            value = obj.__dict__.get(key)
            if isinstance(value, str) and len(value) > length:
                raise TooLong(
                    f"“{label}”最多 {length} 个字符，现有 {len(value)} 个，请删减后重试",
                    details={"field": key, "max": length, "length": len(value)},
                )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with this project's settings for ``url`` (creates SQLite's folder)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None


def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    global _engine, _factory
    if _engine is None:
        from xinyong.config import get_settings

        _engine = make_engine(get_settings().database_url)
        _factory = sessionmaker(bind=_engine, expire_on_commit=False)
    return _engine


def set_engine(engine: Engine | None) -> None:
    """Replace the process-wide engine (tests, CLI ``--database``)."""
    global _engine, _factory
    _engine = engine
    _factory = sessionmaker(bind=engine, expire_on_commit=False) if engine is not None else None


def session_factory() -> sessionmaker[Session]:
    get_engine()
    assert _factory is not None
    return _factory


def get_row(session: Session, model: type[T], key: Any, *, for_change: bool = False) -> T | None:
    """``session.get``; with ``for_change`` the row is locked (``FOR UPDATE`` on PostgreSQL) and read afresh,
    so that two changes of one row at once run one after the other, the second seeing the first's
    outcome rather than both passing the same state check."""
    if for_change:
        return session.get(model, key, with_for_update=True, populate_existing=True)
    return session.get(model, key)


def advisory_lock(session: Session, name: str) -> None:
    """PostgreSQL: a transaction-scoped advisory lock on ``name`` — work that must not run twice at once
    (numbering, the same batch sent twice) waits for the holder's commit. SQLite has one writer at a time
    anyway: nothing to do."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(name.encode()).digest()
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": int.from_bytes(digest[:8], "big", signed=True)},
        )


@contextmanager
def transaction() -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error: the boundary's unit."""
    session = session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
