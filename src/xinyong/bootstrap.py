"""Setting a database up: migrations, then the profile's configuration loaded into it."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from xinyong.auth import service as auth_service
from xinyong.auth.schemas import load_access
from xinyong.catalog import service as catalog_service
from xinyong.catalog.schemas import load_catalog
from xinyong.config import REPO_ROOT, Settings
from xinyong.kit import clock
from xinyong.kit.actor import ActorRef
from xinyong.kit.workdays import load_calendar_spec
from xinyong.lists import service as lists_service
from xinyong.lists.schemas import LISTS_FILE, load_list_types
from xinyong.measures import service as measures_service
from xinyong.measures.schemas import MEASURES_FILE, load_measures
from xinyong.org import service as org_service
from xinyong.org.schemas import load_profile
from xinyong.records.publicity import load_rules


def alembic_config(url: str) -> Config:
    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """(the database's migration revision — None before the first —, the newest this code has)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision on ``engine``.

    SQLite: to add a foreign key, batch mode rebuilds the table (copy, drop, rename), and dropping a table
    other tables' rows refer to fails while foreign keys are enforced — a database holding data could not
    be upgraded. Enforcement is switched off for the migration (SQLite ignores the PRAGMA inside a
    transaction, hence before it), every reference is checked before the commit, and it is switched on
    again for the pooled connection. (pysqlite runs DDL outside the transaction, so a SQLite migration
    that fails half-way is not rolled back: SQLite is the embedded demo default — production runs on
    PostgreSQL, whose migrations are one transaction.)"""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(5)
                if broken:
                    raise RuntimeError(f"migration left rows referring to nothing: {broken}")
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def load_configuration(session: Session, settings: Settings, *, actor: ActorRef) -> dict[str, Any]:
    """Validate and load the profile, calendar, publicity rules, catalogue and access control (ConfigError)."""
    directory = settings.profile_dir
    profile = load_profile(directory)
    calendar = load_calendar_spec(directory / "calendar.yaml")
    rules = load_rules(directory / "publicity.yaml")
    catalog = load_catalog(directory / "catalog", unit_keys=profile.unit_keys())
    list_types = load_list_types(directory / LISTS_FILE, catalog=catalog)
    measures = load_measures(
        directory / MEASURES_FILE, list_types=list_types.by_code().keys(), items=catalog.codes()
    )
    now = clock.now()
    org_result = org_service.load(
        session,
        name=settings.profile,
        profile=profile,
        calendar=calendar,
        sections={"publicity": rules.model_dump(mode="json")},
        actor=actor,
        now=now,
    )
    cat_result = catalog_service.load(session, catalog, actor=actor, now=now)
    access_result = auth_service.load(session, load_access(directory), actor=actor, now=now)
    lists_result = lists_service.load(session, list_types, actor=actor, now=now)
    measures_result = measures_service.load(session, measures, actor=actor, now=now)
    return {
        "profile": org_result,
        "catalog": cat_result,
        "access": access_result,
        "lists": lists_result,
        "measures": measures_result,
    }
