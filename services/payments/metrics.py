"""The payments service's own metrics."""

from __future__ import annotations

from prometheus_client import Counter

webhooks_total = Counter("speechcue_dynopay_webhooks_total", "DynoPay webhooks by outcome.", ["outcome"])
topups_total = Counter("speechcue_topups_created_total", "Top-up invoices created.")
credited_cents_total = Counter("speechcue_topup_credited_cents_total", "Cents credited to wallets from payments.")
