"""The wallet's configuration."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from services.runtime.settings import ServiceSettings


class WalletSettings(ServiceSettings):
    service_name: ClassVar[str] = "wallet"
    default_grpc_port: ClassVar[int] = 50051
    default_http_port: ClassVar[int] = 8001

    # A balance.low event is published when a balance falls below this.
    wallet_low_balance_cents: int = Field(default=200, ge=0)
    # What a customer without a plan pays per started minute.
    wallet_price_per_minute_cents: int = Field(default=15, gt=0)
    # How long before expiry a subscription.expiring warning goes out.
    wallet_expiry_warning_hours: int = Field(default=24, gt=0)
