"""The payments service's own metrics."""

from __future__ import annotations

from prometheus_client import Counter

webhooks_total = Counter("speechcue_dynopay_webhooks_total", "DynoPay webhooks by outcome.", ["outcome"])
topups_total = Counter("speechcue_topups_created_total", "Top-up invoices created.")
credited_cents_total = Counter("speechcue_topup_credited_cents_total", "Cents credited to wallets from payments.")
payment_flags_total = Counter(
    "speechcue_payment_flags_total",
    "Payments that do not match their invoice, flagged for an admin, by kind (currency, amount, overpaid) and "
    "action (credited as DynoPay reported, or held).", ["kind", "action"])
