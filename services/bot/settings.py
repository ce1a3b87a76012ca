"""The bot's configuration."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from services.runtime.settings import ServiceSettings, base_url


class BotSettings(ServiceSettings):
    service_name: ClassVar[str] = "bot"
    default_grpc_port: ClassVar[int] = 50054
    default_http_port: ClassVar[int] = 8004

    telegram_bot_token: str
    telegram_webhook_secret: str
    telegram_api_base_url: str = "https://api.telegram.org"
    # Where Telegram's webhook reaches this service; the bot registers it at start when set.
    speechcue_public_base_url: str = ""
    wallet_grpc_addr: str = "127.0.0.1:50051"
    calls_grpc_addr: str = "127.0.0.1:50052"
    payments_grpc_addr: str = "127.0.0.1:50053"

    # Telegram's limits: about 30 messages a second overall and one a second per chat, kept by all
    # replicas together (services/bot/send_limits.py): the bot's rate, not a replica's.
    bot_messages_per_second: float = Field(default=30.0, gt=0)
    bot_seconds_between_chat_messages: float = Field(default=1.0, ge=0)
    bot_send_attempts: int = Field(default=8, ge=1)
    # Bot API calls in flight at once (to different chats), so the rate is not bound by their latency.
    bot_sender_concurrency: int = Field(default=8, ge=1, le=64)
    bot_support_contact: str = "@speechcue_support"
    bot_page_size: int = Field(default=6, ge=1, le=20)
    # The free trial is held for claims that look like a device farm's (trial_screening.py): a Telegram
    # id this close to another claim's within the lookback, more claims than this in the last hour,
    # or a name this many other claims of the last day already typed.
    bot_trial_neighbour_distance: int = Field(default=5_000, ge=0)
    bot_trial_lookback_days: int = Field(default=7, ge=1, le=90)
    bot_trial_burst_per_hour: int = Field(default=20, ge=1)
    bot_trial_same_name_claims: int = Field(default=2, ge=1)
    # Messages the bot sent (keys pressed, summaries, recordings, reports) are deleted this many days
    # after they were queued (message_retention.py), like the calls service's CALLS_RETENTION_DAYS.
    bot_retention_days: int = Field(default=90, ge=1, le=3650)

    # Call recordings are fetched only from these origins (scheme://host[:port], comma-separated):
    # Retell's storage, where its recording links point. No other URL is ever fetched (recordings.py).
    bot_recording_origins: str = "https://dxc03zgurdly9.cloudfront.net"
    # A WAV recording is fetched up to this size and time, then made MP3 (Telegram takes 50 MB from a bot).
    bot_recording_max_download_bytes: int = Field(default=160 * 1024 * 1024, ge=1)
    bot_recording_fetch_seconds: float = Field(default=30.0, gt=0, le=300)

    _urls = field_validator("telegram_api_base_url")(base_url)

    def secret_field_names(self) -> list[str]:
        return [*super().secret_field_names(), "speechcue_caller_token", "telegram_bot_token",
                "telegram_webhook_secret"]
