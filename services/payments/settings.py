"""The payments service's configuration."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from services.runtime.settings import ServiceSettings, base_url


class PaymentsSettings(ServiceSettings):
    service_name: ClassVar[str] = "payments"
    default_grpc_port: ClassVar[int] = 50053
    default_http_port: ClassVar[int] = 8003

    dynopay_api_key: str
    dynopay_wallet_token: str
    # Webhooks must carry a valid X-Dynopay-Signature-V2 when set; required outside development and test.
    dynopay_webhook_secret: str = ""
    dynopay_base_url: str = "https://user-api.dynopay.com"
    speechcue_public_base_url: str
    wallet_grpc_addr: str = "127.0.0.1:50051"
    payments_min_usd_cents: int = Field(default=500, ge=1)
    payments_max_usd_cents: int = Field(default=1_000_000, ge=1)
    payments_dynopay_timeout_seconds: float = Field(default=15.0, gt=0)
    # Invoice caps per customer (invoice_caps.py): unpaid invoices open at once, and invoices made per
    # UTC day; "new" is a customer none of whose invoices was ever confirmed.
    payments_open_invoices_new: int = Field(default=3, ge=1)
    payments_open_invoices_paying: int = Field(default=10, ge=1)
    payments_daily_invoices_new: int = Field(default=10, ge=1)
    payments_daily_invoices_paying: int = Field(default=50, ge=1)

    _urls = field_validator("dynopay_base_url", "speechcue_public_base_url")(base_url)

    def secret_field_names(self) -> list[str]:
        return [*super().secret_field_names(), "speechcue_caller_token", "dynopay_api_key", "dynopay_wallet_token",
                "dynopay_webhook_secret"]

    @property
    def webhook_url(self) -> str:
        return f"{self.speechcue_public_base_url}/webhooks/dynopay"
