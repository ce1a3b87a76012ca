"""The sandbox's configuration."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    service_name: ClassVar[str] = "sandbox"

    speechcue_http_port: int = 8009
    speechcue_http_host: str = "127.0.0.1"
    speechcue_log_level: str = "INFO"
    retell_api_key: str = "sandbox-retell-key"
    # Where webhooks go when an agent names no webhook_url.
    sandbox_retell_webhook_url: str = ""
    # 1.0 plays calls in real time; tests use 0.01 so a 20-second call takes 0.2 s.
    sandbox_time_scale: float = Field(default=1.0, gt=0, le=10)
    # Telegram retries an update for hours while a bot is down; its 1-32 s retry delays are scaled by
    # this (default: the time scale). Fault tests that fast-forward calls keep real retry delays.
    sandbox_telegram_retry_scale: float | None = Field(default=None, gt=0, le=10)
    # Where the sandbox is reached from the services (recording links point here); empty: its own host and port.
    sandbox_public_base_url: str = ""
    sandbox_retell_concurrency: int = Field(default=20, ge=1)
    sandbox_caller_ids: str = "+14155550100,+14155550101,+14155550102"
    # Numbers imported to Retell (phone_number_type custom): they call every country, where Retell's
    # own numbers above call US numbers only.
    sandbox_imported_caller_ids: str = "+442071838700"
    dynopay_api_key: str = "sandbox-dynopay-key"
    dynopay_wallet_token: str = "sandbox-dynopay-wallet-token"
    dynopay_webhook_secret: str = "sandbox-dynopay-webhook-secret"
    sandbox_dynopay_webhook_url: str = ""
    telegram_bot_token: str = "123456:sandbox-telegram-token"
    telegram_webhook_secret: str = "sandbox-telegram-secret"
    # The bot's webhook until the bot calls setWebhook itself; empty: updates wait for getUpdates.
    sandbox_telegram_webhook_url: str = ""
    # Telegram's flood control: sends per second over all chats, and per chat in any 3 seconds.
    sandbox_telegram_global_limit: int = Field(default=30, ge=1)
    sandbox_telegram_chat_limit: int = Field(default=3, ge=1)
    # The Bot API's round trip, half on the way in and half on the way back (Telegram counts a send
    # on arrival); 0 answers at once. bench/bot_sender.py sets it to show the sender is not bound by it.
    sandbox_telegram_latency_ms: int = Field(default=0, ge=0, le=5000)
