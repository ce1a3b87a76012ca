"""The calls service's configuration."""

from __future__ import annotations

from datetime import time
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from services.calls.destinations import DEFAULT_ALLOWED_COUNTRIES, parse_country_list
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
    # A finished campaign's report waits this long after a call's end for the call's custom answers
    # (Retell's call_analyzed); then it is sent marking the calls whose answers are not in
    # (report_readiness.py). The campaign tick applies it, so it is counted in whole minutes.
    calls_report_analysis_wait_minutes: int = Field(default=10, ge=0, le=24 * 60)
    # Recording is a paid option, charged only when a recording exists.
    calls_recording_fee_cents: int = Field(default=5, ge=0)
    # Daily caps per customer (daily_caps.py), counted per UTC day: new customers (review_policy.py's
    # tier) get the first figure, trusted ones the second. A list import is one distinct list a day
    # (the same bytes previewed and then imported count once), refused lists included.
    calls_daily_flows_new: int = Field(default=10, ge=0)
    calls_daily_flows_trusted: int = Field(default=50, ge=0)
    calls_daily_campaigns_new: int = Field(default=5, ge=0)
    calls_daily_campaigns_trusted: int = Field(default=30, ge=0)
    calls_daily_list_imports_new: int = Field(default=10, ge=0)
    calls_daily_list_imports_trusted: int = Field(default=60, ge=0)
    # Where a list is parsed (list_imports.py): "process" (a worker process, the default: measured in
    # bench/list_import.py), "thread", or "event_loop" (blocks the service; for comparison only).
    calls_list_parse_in: Literal["process", "thread", "event_loop"] = "process"
    calls_list_parse_workers: int = Field(default=1, ge=1, le=8)
    # Collected digits, call summaries, recording links, call variables and Retell's stored webhook
    # bodies are purged this many days after the call (retention.py); money and outcomes stay.
    calls_retention_days: int = Field(default=90, ge=1, le=3650)
    # The countries calls and transfers may go to, ISO 3166 codes separated by commas (destinations.py).
    calls_allowed_countries: str = DEFAULT_ALLOWED_COUNTRIES

    _urls = field_validator("retell_base_url", "speechcue_public_base_url")(base_url)

    @field_validator("calls_allowed_countries")
    @classmethod
    def _countries(cls, value: str) -> str:
        if not parse_country_list(value):
            raise ValueError("name at least one country, e.g. US,GB")
        return value

    @property
    def allowed_countries(self) -> frozenset[str]:
        return parse_country_list(self.calls_allowed_countries)

    def secret_field_names(self) -> list[str]:
        return [*super().secret_field_names(), "speechcue_caller_token", "retell_api_key"]

    @property
    def retell_webhook_url(self) -> str:
        return f"{self.speechcue_public_base_url}/webhooks/retell"
