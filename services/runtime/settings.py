"""Configuration read once at start-up from environment variables (DESIGN.md §4.4).

A missing or malformed variable stops the process with a message that names the variable.
Each service subclasses `ServiceSettings` with its own fields and port defaults.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.runtime.errors import PermissionDenied

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "password", "token", "dev"})
DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "test"})


class ServiceSettings(BaseSettings):
    """Settings every service has. Environment names are the field names in upper case."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    service_name: ClassVar[str] = "service"
    default_grpc_port: ClassVar[int] = 0
    default_http_port: ClassVar[int] = 0

    speechcue_env: str = "production"
    speechcue_database_url: str
    speechcue_nats_url: str = "nats://127.0.0.1:4222"
    speechcue_internal_token: str
    speechcue_admin_telegram_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    speechcue_grpc_port: int = 0
    speechcue_http_port: int = 0
    speechcue_http_host: str = "0.0.0.0"
    speechcue_grpc_host: str = "0.0.0.0"
    speechcue_log_level: str = "INFO"
    speechcue_max_body_bytes: int = Field(default=256 * 1024, gt=0)

    @field_validator("speechcue_admin_telegram_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return frozenset(int(part) for part in parts if part)
        return value

    @field_validator("speechcue_database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        # One driver for the app and Alembic: asyncpg (see README, "Database driver").
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith("postgresql+asyncpg://"):
            raise ValueError("must be a postgresql:// URL")
        return value

    @model_validator(mode="after")
    def _ports_and_secrets(self) -> ServiceSettings:
        if self.speechcue_grpc_port == 0:
            self.speechcue_grpc_port = self.default_grpc_port
        if self.speechcue_http_port == 0:
            self.speechcue_http_port = self.default_http_port
        if self.speechcue_env not in DEVELOPMENT_ENVIRONMENTS:
            for name in self.secret_field_names():
                if str(getattr(self, name)).strip().lower() in PLACEHOLDER_SECRETS:
                    raise ValueError(
                        f"{name.upper()} holds a placeholder value; set a real secret "
                        f"(placeholders are allowed only when SPEECHCUE_ENV is development or test)"
                    )
        return self

    def secret_field_names(self) -> list[str]:
        return ["speechcue_internal_token"]

    def require_admin(self, admin_telegram_id: int) -> None:
        """Refuses an admin action by anyone not named in SPEECHCUE_ADMIN_TELEGRAM_IDS."""
        if admin_telegram_id not in self.speechcue_admin_telegram_ids:
            raise PermissionDenied("only platform admins may do this", reason="NOT_ADMIN")


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def base_url(value: str) -> str:
    """A validator for URLs other parts are reached at: http(s), no trailing slash."""
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def describe_validation_error(error: ValidationError) -> str:
    """One line per bad variable, naming it the way an operator sets it."""
    lines = []
    for problem in error.errors():
        location = [str(part) for part in problem.get("loc", ()) if part != "__root__"]
        variable = location[0].upper() if location else "configuration"
        if problem["type"] == "missing":
            lines.append(f"{variable} is not set")
        else:
            lines.append(f"{variable}: {problem['msg']}")
    return "; ".join(lines)


def load_settings(settings_class: type[SettingsT], **overrides: Any) -> SettingsT:
    """Reads the environment once; on a missing or malformed variable, exits naming it."""
    try:
        return settings_class(**overrides)
    except ValidationError as error:
        sys.stderr.write(
            f"speechcue {settings_class.service_name}: bad configuration: {describe_validation_error(error)}\n"
        )
        raise SystemExit(2) from None
