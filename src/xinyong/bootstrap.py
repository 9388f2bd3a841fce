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


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision on ``engine``."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


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
