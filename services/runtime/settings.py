"""Configuration read once at start-up from environment variables (DESIGN.md §4.4).

A missing or malformed variable stops the process with a message that names the variable.
Each service subclasses `ServiceSettings` with its own fields and port defaults.
"""

from __future__ import annotations

import os
import ssl
import sys
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.runtime.errors import PermissionDenied
from services.runtime.nats_permissions import development_password

DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "test"})
# Outside development and test a secret may not be one of these. The placeholders anyone would guess:
PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "secret", "password", "token", "dev"})
# The values the project itself publishes, so anyone can read them: the local platform
# (devstack/platform.py), the chart's development Secret (deploy/helm/speechcue/values.yaml), the
# sandbox's defaults (services/sandbox/settings.py) and the test suites' harnesses. A test keeps this
# list a superset of what those files hold.
DEVELOPMENT_SECRETS = frozenset({
    "local-development-token", "100000001:local-sandbox-telegram-token", "local-telegram-webhook-secret",
    "local-sandbox-retell-key", "local-dynopay-key", "local-dynopay-token", "local-dynopay-webhook-secret",
    "sandbox-retell-key", "sandbox-dynopay-key", "sandbox-dynopay-wallet-token", "sandbox-dynopay-webhook-secret",
    "123456:sandbox-telegram-token", "sandbox-telegram-secret",
    "test-internal-token-7f3a", "key_calls_test_5b1c9e", "key_sandbox_test_0123456789", "123456:bot-test-token",
    "bot-test-webhook-secret", "local-caller-token-harness",
    # Each service's NATS password on the local platform, in the tests and in the chart's development Secret.
    "local-nats-wallet", "local-nats-calls", "local-nats-payments", "local-nats-bot", "local-nats-devtools",
})
# Values made the way the project makes its local ones ("local-…", "sandbox-…", a Telegram token
# "<id>:local-…"): a new local secret is refused before anyone remembers to list it above.
DEVELOPMENT_SECRET_PREFIXES = ("local-", "sandbox-")
# The chart's development Secret connects as speechcue:speechcue.
DEVELOPMENT_DATABASE_PASSWORDS = frozenset({"speechcue"})


def unsafe_secret_reason(value: str) -> str | None:
    """Why a secret may not be used outside development and test, or None when it may.

    "" → empty; "changeme" → a placeholder; "local-development-token" (or "local-anything",
    "123:sandbox-anything") → published for local development; a random 32-byte hex → None.
    """
    normalised = value.strip().lower()
    if not normalised:
        return "is empty"
    if normalised in PLACEHOLDER_SECRETS:
        return "holds a placeholder"
    if (normalised in DEVELOPMENT_SECRETS
            or normalised.rsplit(":", 1)[-1].startswith(DEVELOPMENT_SECRET_PREFIXES)):
        return "holds a value published for local development"
    return None


def database_password(url: str) -> str | None:
    """The password in a postgresql:// URL: "postgresql://u:pw@host/db" → "pw"; none → None."""
    credentials, at, _ = url.split("://", 1)[-1].rpartition("@")
    if not at or ":" not in credentials:
        return None
    return credentials.split(":", 1)[1]


class ServiceSettings(BaseSettings):
    """Settings every service has. Environment names are the field names in upper case."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    service_name: ClassVar[str] = "service"
    default_grpc_port: ClassVar[int] = 0
    default_http_port: ClassVar[int] = 0

    speechcue_env: str = "production"
    speechcue_database_url: str
    speechcue_nats_url: str = "nats://127.0.0.1:4222"
    # The CA that signed the NATS servers' certificate (the chart's nats.tls.caSecret); empty: the
    # system's CAs (a tls:// URL, or a server that requires TLS, is verified against those).
    speechcue_nats_tls_ca_file: str = ""
    # Who this service is on NATS (services/runtime/nats_permissions.py): the user is the service's name
    # unless set; the password is required outside development and test (there, the local one).
    speechcue_nats_user: str = ""
    speechcue_nats_password: str = ""
    # Copies of each stream: 1 on a single NATS server, 3 on a 3-node JetStream cluster.
    speechcue_nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    # Who calls whom (services/runtime/callers.py): the digests of the callers this service accepts,
    # and the token it calls others with. Both may be empty in development and test.
    speechcue_caller_token_hashes: str = ""
    speechcue_caller_token: str = ""
    speechcue_admin_telegram_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    speechcue_grpc_port: int = 0
    speechcue_http_port: int = 0
    speechcue_http_host: str = "0.0.0.0"
    speechcue_grpc_host: str = "0.0.0.0"
    speechcue_log_level: str = "INFO"
    speechcue_max_body_bytes: int = Field(default=256 * 1024, gt=0)
    # gRPC server reflection (grpcurl and friends); it answers without the token, so off unless asked.
    speechcue_grpc_reflection: bool = False

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

    @field_validator("speechcue_nats_tls_ca_file")
    @classmethod
    def _readable_file(cls, value: str) -> str:
        if value and not os.access(value, os.R_OK):
            raise ValueError(f"{value} is not a readable file (the CA certificate of the NATS servers)")
        return value

    @model_validator(mode="after")
    def _ports_and_secrets(self) -> ServiceSettings:
        if self.speechcue_grpc_port == 0:
            self.speechcue_grpc_port = self.default_grpc_port
        if self.speechcue_http_port == 0:
            self.speechcue_http_port = self.default_http_port
        if self.speechcue_env not in DEVELOPMENT_ENVIRONMENTS:
            problems = [f"{name.upper()} {reason}" for name in self.secret_field_names()
                        if (reason := unsafe_secret_reason(str(getattr(self, name)))) is not None]
            password = database_password(self.speechcue_database_url)
            if password is not None and password.lower() in DEVELOPMENT_DATABASE_PASSWORDS | PLACEHOLDER_SECRETS:
                problems.append("SPEECHCUE_DATABASE_URL holds the password published for local development")
            if problems:
                raise PydanticCustomError("unsafe_secret", "{problems}; set a secret of your own (these are accepted "
                                          "only when SPEECHCUE_ENV is development or test, and it is {env})",
                                          {"problems": "; ".join(problems), "env": self.speechcue_env})
        return self

    def nats_identity(self) -> tuple[str, str]:
        """The NATS user (SPEECHCUE_NATS_USER, else the service's name) and its password
        (SPEECHCUE_NATS_PASSWORD; in development and test, when unset, the user's local one)."""
        user = self.speechcue_nats_user or self.service_name
        if not self.speechcue_nats_password and self.speechcue_env in DEVELOPMENT_ENVIRONMENTS:
            return user, development_password(user)
        return user, self.speechcue_nats_password

    def nats_tls(self) -> ssl.SSLContext | None:
        """The TLS context NATS connections verify the servers with, when SPEECHCUE_NATS_TLS_CA_FILE
        names their CA; None leaves nats-py's default (the system's CAs, when TLS is used)."""
        if not self.speechcue_nats_tls_ca_file:
            return None
        return ssl.create_default_context(cafile=self.speechcue_nats_tls_ca_file)

    def secret_field_names(self) -> list[str]:
        """The fields that must hold a real secret outside development and test: each service adds its own."""
        return ["speechcue_caller_token_hashes", "speechcue_nats_password"]

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
        if not location:  # a rule across variables names them in its message
            lines.append(problem["msg"])
        elif problem["type"] == "missing":
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
