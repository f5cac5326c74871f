"""The settings model: read once from the environment and `.env`, then passed in everywhere.

Nothing else in the project reads `os.environ`. Secrets are `SecretStr`, so a settings
object can be printed or logged without revealing them.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ALL_FEATURES = "all"


_SHORT_DURATION = re.compile(r"(\d+)\s*([smhd]?)", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class SettingsError(Exception):
    """A setting has a wrong value. The message is one line that names the setting."""


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",  # a typo in .env stops the start instead of being ignored
        case_sensitive=False,
        hide_input_in_errors=True,  # never echo a (possibly secret) value into an error
    )

    # Discord
    discord_token: SecretStr | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # AutoShardedBot: a shard count, or "auto" for the count Discord recommends.
    discord_shards: Annotated[int, Field(ge=1)] | Literal["auto"] | None = None
    # How long to wait for more guilds before the bot counts as ready (discord.py's default).
    discord_guild_ready_timeout: float = Field(default=2.0, ge=0, le=60)
    # A rate limit longer than this fails the request instead of leaving a member waiting
    # (discord.py will not go below 30 seconds).
    discord_max_ratelimit_timeout: float = Field(default=30.0, ge=30, le=300)
    # Bulk DMs (reminders to many members) are paced to this many per second.
    discord_dm_rate: float = Field(default=5.0, gt=0, le=50)

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = None
    slack_http_port: int = Field(default=3000, ge=1, le=65535)

    # Storage and privacy
    database_url: SecretStr | None = None  # may embed a password
    data_dir: Path = Path("data")
    data_key: SecretStr | None = None

    # Core
    features: Annotated[list[str], NoDecode] = Field(default_factory=lambda: [ALL_FEATURES])
    log_level: str = "INFO"
    default_timezone: str = "UTC"

    # Mentor matching: how often waiting requests are matched in batch, how long a mentor
    # has to answer a proposal, and when a new match is asked "Have you met?".
    match_interval: timedelta = timedelta(hours=6)
    match_response_hours: int = Field(default=72, ge=1, le=24 * 30)
    match_checkin_days: int = Field(default=14, ge=1, le=180)

    # Per-member command rate limit (moderators are exempt): a burst of this many commands
    # at once, refilled at a sustained rate per minute.
    rate_limit_burst: int = Field(default=10, ge=1, le=1000)
    rate_limit_per_minute: float = Field(default=30.0, gt=0, le=6000)

    @field_validator("discord_guild_ids", "features", mode="before")
    @classmethod
    def _csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("not an IANA time zone such as America/Chicago") from exc
        return value

    @field_validator("match_interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> Any:
        # "30m", "6h", "1d" as well as what pydantic reads (seconds, ISO 8601 "PT6H").
        if isinstance(value, str) and (found := _SHORT_DURATION.fullmatch(value.strip())):
            amount, unit = int(found[1]), found[2].lower() or "s"
            return timedelta(**{_UNITS[unit]: amount})
        return value

    @field_validator("match_interval")
    @classmethod
    def _interval_range(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= value <= timedelta(days=30):
            raise ValueError("use a duration from 1m to 30d, such as 6h")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        scheme = value.get_secret_value().split(":", 1)[0].lower()
        if not (scheme.startswith("sqlite") or scheme.startswith("postgres")):
            raise ValueError("use sqlite:///path or postgresql://user@host/db")
        return value

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "preceptor.sqlite3"

    def wants_all_features(self) -> bool:
        return any(name.lower() == ALL_FEATURES for name in self.features)


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning a validation error into one clear line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    location = first.get("loc") or ("?",)
    name = str(location[0]).upper()
    if first.get("type") == "extra_forbidden":
        return f"Unknown setting {name}: see config/.env.example for the settings Preceptor reads."
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"Invalid setting {name}: {message}."
