"""The bot's own metrics (the shared HTTP, gRPC, outbox and consumer metrics are in services.runtime).
Labels are kinds and outcomes, never users, chats or customers."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

updates_total = Counter(
    "speechcue_bot_updates_total", "Telegram updates received, by outcome.", ["outcome"]
)
update_seconds = Histogram(
    "speechcue_bot_update_seconds", "Time from receiving an update to committing its answer.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
messages_total = Counter(
    "speechcue_bot_messages_total", "Bot API calls made by the sender, by method and outcome.", ["method", "outcome"]
)
telegram_retry_after_total = Counter(
    "speechcue_bot_telegram_retry_after_total", "429 answers from Telegram (each pauses the sender)."
)
queued_messages = Gauge(
    "speechcue_bot_queued_messages", "Messages waiting to be sent, as the sender last counted them."
)
notifications_total = Counter(
    "speechcue_bot_notifications_total", "Events turned into messages, by event type.", ["event"]
)
messages_purged_total = Counter(
    "speechcue_bot_messages_purged_total", "Messages deleted BOT_RETENTION_DAYS after they were queued."
)
