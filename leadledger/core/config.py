"""Settings: the one place that reads the environment (prefix ``LEADLEDGER_``)."""

from enum import StrEnum
from functools import lru_cache

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from leadledger.core.errors import ConfigurationError

DEV_SECRET_KEY = "dev-insecure-change-me"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADLEDGER_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///leadledger.db",
        description="SQLAlchemy URL of the database; default: a SQLite file here.",
    )
    secret_key: str = Field(
        default=DEV_SECRET_KEY,
        description="Server secret; the default is refused outside development.",
    )
    env: Environment = Field(
        default=Environment.development,
        description="development, test or production.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000, ge=0, description="How long a SQLite writer waits for the lock."
    )
    page_size_max: int = Field(
        default=500, ge=1, description="Largest page a list request may ask."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where browsers reach this server; used in form snippets.",
    )
    form_rate_limit: int = Field(
        default=20, ge=1, description="Form posts per second accepted from one client address."
    )
    intake_retention_days: int = Field(
        default=30, ge=1, description="Days failed captures and raw payloads are kept."
    )
    import_dir: str = Field(
        default="imports", description="Folder for uploaded import files and their error files."
    )

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.env != Environment.development and self.secret_key == DEV_SECRET_KEY:
            raise ValueError(f"LEADLEDGER_SECRET_KEY must be set when LEADLEDGER_ENV is {self.env}")
        return self


@lru_cache
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"LEADLEDGER_{'_'.join(str(p) for p in e['loc']).upper() or 'SETTINGS'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc
