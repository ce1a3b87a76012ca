"""The calls service's configuration."""

from __future__ import annotations

from datetime import time
from typing import ClassVar

from pydantic import Field, field_validator

from services.runtime.settings import ServiceSettings, base_url


class CallsSettings(ServiceSettings):
    service_name: ClassVar[str] = "calls"
    default_grpc_port: ClassVar[int] = 50052
    default_http_port: ClassVar[int] = 8002

    retell_api_key: str
    retell_base_url: str = "https://api.retellai.com"
    # Where Retell's webhooks reach this service, e.g. https://speechcue.example.com
    speechcue_public_base_url: str
    wallet_grpc_addr: str = "127.0.0.1:50051"

    calls_window_start: time = time(8, 0)
    calls_window_end: time = time(21, 0)
    calls_default_max_minutes: int = Field(default=10, ge=1, le=120)
    calls_default_voice_id: str = "11labs-Adrian"
    # A call with no call_ended this long after its longest possible end is fetched from Retell.
    calls_recovery_grace_seconds: int = Field(default=300, ge=10)
    calls_retell_timeout_seconds: float = Field(default=15.0, gt=0)
    # Campaign dispatch: calls in flight never exceed Retell's concurrency minus this reserve (kept
    # for single calls), the platform cap, or the customer's cap.
    calls_retell_concurrency_reserve: int = Field(default=2, ge=0)
    # A claimed callee whose call never got placed (its process died) is tried again, with the same
    # idempotency key, after this long; shorter risks racing a slow but live placement.
    calls_dispatch_resume_seconds: float = Field(default=60.0, gt=0)
    # How often the dispatcher re-reads Retell's concurrency limit.
    calls_retell_concurrency_refresh_seconds: float = Field(default=30.0, ge=0)
    calls_platform_max_concurrent: int = Field(default=100, ge=1)
    calls_customer_max_concurrent: int = Field(default=20, ge=1)
    calls_customer_per_hour: int = Field(default=600, ge=1)
    calls_customer_per_day: int = Field(default=5000, ge=1)
    # Customers whose first call is less than this many days old get the lower caps below.
    calls_new_customer_days: int = Field(default=7, ge=0)
    calls_new_customer_per_hour: int = Field(default=100, ge=1)
    calls_new_customer_per_day: int = Field(default=500, ge=1)
    # A single call Retell refuses because every line is busy waits this long for a free line (queued,
    # its hold kept) before it fails; 0 refuses at once. Under the recovery tick's 5 minutes, after
    # which a call still queued counts as stuck.
    calls_line_wait_seconds: int = Field(default=180, ge=0, le=240)
    # Recording is a paid option, charged only when a recording exists.
    calls_recording_fee_cents: int = Field(default=5, ge=0)

    _urls = field_validator("retell_base_url", "speechcue_public_base_url")(base_url)

    def secret_field_names(self) -> list[str]:
        return [*super().secret_field_names(), "retell_api_key"]

    @property
    def retell_webhook_url(self) -> str:
        return f"{self.speechcue_public_base_url}/webhooks/retell"
