"""Settings: the one place that reads the environment (prefix ``LEADLEDGER_``)."""

from enum import StrEnum
from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
        description="Secret for signing; the default is refused outside development and test.",
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

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.env == Environment.production and self.secret_key == DEV_SECRET_KEY:
            raise ValueError("LEADLEDGER_SECRET_KEY must be set in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
