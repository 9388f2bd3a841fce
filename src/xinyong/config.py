"""Settings from ``XINYONG_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The placeholder secret used on a developer's machine; production refuses it.
PLACEHOLDER_SECRET = "dev-insecure-change-me"

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``XINYONG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore")

    database_url: str = "sqlite:///./var/xinyong.db"
    #: In production demo data and placeholder secrets are refused.
    production: bool = False
    #: Keys HMAC lookups of personal identifiers and API keys, and encrypts identifiers at rest.
    secret_key: str = PLACEHOLDER_SECRET
    profile: str = "changzhou"
    profiles_dir: Path = Field(default=REPO_ROOT / "profiles")
    #: Proxies whose X-Forwarded-For is trusted (comma-separated IPs).
    trusted_proxies: str = ""
    session_idle_minutes: int = 30
    #: Where submitted files are kept, content-addressed (ingestion: nothing is lost, any batch can be replayed).
    data_dir: Path = Path("./var/data")
    #: Worker processes that prepare (normalise, validate, derive) the rows of big submitted files;
    #: 0 or 1 = in the submitting process (ingestion.preparing).
    ingest_workers: int = 2
    #: Files uploaded through the console or the API from this size on become batches in the background,
    #: with a progress page, instead of inside the request (ingestion.uploads).
    upload_background_from_bytes: int = 4 << 20
    #: Batches with this many rows or more are applied in the background when a reviewer approves them
    #: in the console, with a progress page, instead of inside the request (ingestion.approvals).
    approve_background_from_rows: int = 50_000

    @model_validator(mode="after")
    def _production_guard(self) -> Settings:
        if self.production and (self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32):
            raise ValueError("生产环境必须设置 XINYONG_SECRET_KEY（至少 32 个字符，且不得使用默认占位值）")
        return self

    @property
    def profile_dir(self) -> Path:
        return self.profiles_dir / self.profile


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests clear the cache to change them)."""
    return Settings()
